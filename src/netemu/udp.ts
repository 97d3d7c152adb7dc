// Emulated UDP sockets shaped like node:dgram's Socket: bind, connect, send, 'message' with
// rinfo, ICMP port unreachable reported to connected sockets as ECONNREFUSED. Sends go through
// the host's cgroup socket hooks (Cilium's sendmsg4/recvmsg4 socket-level load balancing).

import { EventEmitter } from 'node:events';
import { type Addr, fmtAddr, isV4, parseAddr } from './addr.ts';
import type { Host, SockTranslation } from './host.ts';
import type { Iface } from './iface.ts';
import { IPPROTO_UDP, type IpPacket, type Skb, type UdpDatagram, makeIp } from './packet.ts';
import { SocketError } from './tcp.ts';

export interface RemoteInfo {
  address: string;
  family: 'IPv4' | 'IPv6';
  port: number;
  size: number;
}

type SendCb = (err: Error | null, bytes?: number) => void;

export class UdpSocket extends EventEmitter {
  readonly stack: UdpStack;
  readonly type: 'udp4' | 'udp6';
  bound: { addr: Addr | undefined; port: number } | undefined;
  private connected: { addr: Addr; port: number } | undefined;
  readonly cookie: number;
  private closed = false;
  /** Reverse translations of socket-LB'd destinations: backend → what the app addressed. */
  private readonly revXlate = new Map<string, { addr: Addr; port: number; xlate: SockTranslation }>();

  constructor(stack: UdpStack, type: 'udp4' | 'udp6') {
    super();
    this.stack = stack;
    this.type = type;
    this.cookie = stack.host.cookie();
  }

  private get any(): Addr {
    return this.type === 'udp4' ? 0 : 0n;
  }

  bind(...args: unknown[]): this {
    let port = 0;
    let address: string | undefined;
    let cb: (() => void) | undefined;
    if (typeof args[0] === 'object' && args[0] !== null) {
      const o = args[0] as { port?: number; address?: string };
      port = Number(o.port ?? 0);
      address = o.address;
    } else if (typeof args[0] === 'number' || typeof args[0] === 'string') {
      port = Number(args[0]);
    }
    for (const a of args.slice(1)) {
      if (typeof a === 'string') address = a;
      else if (typeof a === 'function') cb = a as () => void;
    }
    if (typeof args[0] === 'function') cb = args[0] as () => void;
    if (cb) this.once('listening', cb);
    const err = this.doBind(address, port);
    process.nextTick(() => (err ? this.emit('error', err) : this.emit('listening')));
    return this;
  }

  private doBind(address: string | undefined, port: number): SocketError | undefined {
    if (this.bound) return new SocketError('EINVAL', 'bind');
    let addr: Addr | undefined;
    if (address !== undefined && address !== '0.0.0.0' && address !== '::') {
      addr = parseAddr(address === 'localhost' ? (this.type === 'udp4' ? '127.0.0.1' : '::1') : address);
      if (addr === undefined || !this.stack.host.isLocal(addr)) return new SocketError('EADDRNOTAVAIL', 'bind', address, port);
    }
    if (!Number.isInteger(port) || port < 0 || port > 65535) return new SocketError('EINVAL', 'bind', address, port);
    const p = port === 0 ? this.stack.ephemeral(addr) : port;
    if (p === undefined || this.stack.taken(addr, p, this.type)) {
      return new SocketError('EADDRINUSE', 'bind', address ?? (this.type === 'udp4' ? '0.0.0.0' : '::'), port);
    }
    this.bound = { addr, port: p };
    this.stack.add(this);
    return undefined;
  }

  connect(port: number, address?: string | (() => void), cb?: () => void): void {
    if (typeof address === 'function') {
      cb = address;
      address = undefined;
    }
    const a = parseAddr(address ?? (this.type === 'udp4' ? '127.0.0.1' : '::1'));
    if (a === undefined) {
      process.nextTick(() => this.emit('error', new SocketError('ENOTFOUND', 'getaddrinfo', address as string)));
      return;
    }
    if (!this.bound) this.doBind(undefined, 0);
    this.connected = { addr: a, port };
    if (cb) this.once('connect', cb);
    process.nextTick(() => this.emit('connect'));
  }

  disconnect(): void {
    this.connected = undefined;
  }

  address(): { address: string; family: string; port: number } {
    if (!this.bound) throw new SocketError('EBADF', 'getsockname');
    return {
      address: this.bound.addr === undefined ? (this.type === 'udp4' ? '0.0.0.0' : '::') : fmtAddr(this.bound.addr),
      family: this.type === 'udp4' ? 'IPv4' : 'IPv6',
      port: this.bound.port,
    };
  }

  remoteAddress(): { address: string; family: string; port: number } {
    if (!this.connected) throw new SocketError('ENOTCONN', 'getpeername');
    return {
      address: fmtAddr(this.connected.addr),
      family: this.type === 'udp4' ? 'IPv4' : 'IPv6',
      port: this.connected.port,
    };
  }

  /** send(msg, [offset, length,] [port, address,] [cb]) like dgram. */
  send(msg: Uint8Array | string, ...rest: unknown[]): void {
    let data = typeof msg === 'string' ? Buffer.from(msg) : Buffer.from(msg.buffer, msg.byteOffset, msg.byteLength);
    let args = rest;
    // (offset, length, ...) when two numbers are followed by a port, or on a connected socket
    if (typeof args[0] === 'number' && typeof args[1] === 'number' && (typeof args[2] === 'number' || this.connected)) {
      data = data.subarray(args[0], args[0] + args[1]);
      args = args.slice(2);
    }
    let port: number | undefined;
    let address: string | undefined;
    let cb: SendCb | undefined;
    for (const a of args) {
      if (typeof a === 'number' && port === undefined) port = a;
      else if (typeof a === 'string') address = a;
      else if (typeof a === 'function') cb = a as SendCb;
    }
    const err = this.prepareSend(address, port, data);
    if (err) process.nextTick(() => (cb ? cb(err) : this.emit('error', err)));
    else if (cb) process.nextTick(() => cb!(null, data.length));
  }

  /** Resolves the destination, binds if needed and transmits; returns the error, if any. */
  private prepareSend(address: string | undefined, port: number | undefined, data: Buffer): SocketError | undefined {
    if (this.closed) return new SocketError('ERR_SOCKET_DGRAM_NOT_RUNNING', 'send');
    let dst: Addr | undefined;
    let dport: number;
    if (this.connected) {
      dst = this.connected.addr;
      dport = this.connected.port;
    } else {
      dst = parseAddr(address ?? (this.type === 'udp4' ? '127.0.0.1' : '::1'));
      dport = port ?? 0;
    }
    if (dst === undefined) return new SocketError('ENOTFOUND', 'getaddrinfo', address);
    if (isV4(dst) !== (this.type === 'udp4')) return new SocketError('EINVAL', 'send', address, dport);
    if (!this.bound && this.doBind(undefined, 0)) return new SocketError('EADDRINUSE', 'send');
    const err = this.transmit(dst, dport, data);
    return err ? new SocketError(err, 'send', fmtAddr(dst), dport) : undefined;
  }

  private transmit(dst: Addr, dport: number, data: Buffer): string | undefined {
    const host = this.stack.host;
    let to = dst;
    let toPort = dport;
    for (const hook of host.sockHooks) {
      const t = hook({ host, proto: 'udp', dst, port: dport, cookie: this.cookie });
      if (t && 'reject' in t) return t.reject;
      if (t) {
        to = t.addr;
        toPort = t.port;
        this.revXlate.set(`${to}|${toPort}`, { addr: dst, port: dport, xlate: t });
        break;
      }
    }
    const udp: UdpDatagram = { kind: 'udp', sport: this.bound!.port, dport: toPort, data };
    const src: Addr = this.bound!.addr ?? this.any;
    return host.stack.output(makeIp(src, to, IPPROTO_UDP, udp, { id: host.stack.nextIpId(), df: false }));
  }

  deliver(ip: IpPacket, udp: UdpDatagram): void {
    if (this.closed || !(udp.data instanceof Uint8Array)) return;
    let from: Addr = ip.src;
    let port = udp.sport;
    const rev = this.revXlate.get(`${from}|${port}`);
    if (rev) {
      from = rev.addr;
      port = rev.port;
    }
    if (this.connected && (this.connected.addr !== from || this.connected.port !== port)) return;
    const msg = Buffer.from(udp.data.buffer, udp.data.byteOffset, udp.data.byteLength);
    const rinfo: RemoteInfo = { address: fmtAddr(from), family: isV4(from) ? 'IPv4' : 'IPv6', port, size: msg.length };
    this.emit('message', msg, rinfo);
  }

  icmpError(type: number, code: number, v4: boolean): void {
    const refused = v4 ? type === 3 && code === 3 : type === 1 && code === 4;
    if (this.connected && refused) this.emit('error', new SocketError('ECONNREFUSED', 'recvmsg'));
  }

  close(cb?: () => void): this {
    if (this.closed) return this;
    this.closed = true;
    this.stack.remove(this);
    for (const r of this.revXlate.values()) r.xlate.release?.();
    this.revXlate.clear();
    if (cb) this.once('close', cb);
    process.nextTick(() => this.emit('close'));
    return this;
  }

  /** The host died. */
  kill(): void {
    this.closed = true;
    this.stack.remove(this);
  }

  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}

export class UdpStack {
  readonly host: Host;
  private readonly sockets = new Map<string, UdpSocket>();

  constructor(host: Host) {
    this.host = host;
  }

  createSocket(type: 'udp4' | 'udp6' | { type: 'udp4' | 'udp6' }, onMessage?: (msg: Buffer, rinfo: RemoteInfo) => void): UdpSocket {
    const s = new UdpSocket(this, typeof type === 'string' ? type : type.type);
    if (onMessage) s.on('message', onMessage);
    return s;
  }

  private key(addr: Addr | undefined, port: number, type: 'udp4' | 'udp6'): string {
    return `${addr ?? (type === 'udp4' ? 'any4' : 'any6')}|${port}`;
  }

  taken(addr: Addr | undefined, port: number, type: 'udp4' | 'udp6'): boolean {
    if (this.sockets.has(this.key(addr, port, type))) return true;
    if (addr === undefined) {
      for (const s of this.sockets.values()) if (s.bound?.port === port && s.type === type) return true;
      return false;
    }
    return this.sockets.has(this.key(undefined, port, type));
  }

  ephemeral(addr: Addr | undefined): number | undefined {
    const [lo, hi] = this.host.sysctl.get('net.ipv4.ip_local_port_range')!.split('\t').map(Number) as [number, number];
    for (let i = 0; i < 128; i++) {
      const p = lo + this.host.rng.int(hi - lo + 1);
      if (!this.taken(addr, p, 'udp4') && !this.taken(addr, p, 'udp6')) return p;
    }
    return undefined;
  }

  add(s: UdpSocket): void {
    this.sockets.set(this.key(s.bound!.addr, s.bound!.port, s.type), s);
  }

  remove(s: UdpSocket): void {
    if (!s.bound) return;
    const k = this.key(s.bound.addr, s.bound.port, s.type);
    if (this.sockets.get(k) === s) this.sockets.delete(k);
  }

  /** Delivers to the bound socket; false when nobody listens (ICMP port unreachable follows). */
  input(ip: IpPacket, udp: UdpDatagram, _skb: Skb, _dev: Iface): boolean {
    const type = ip.v === 4 ? 'udp4' : 'udp6';
    const s = this.sockets.get(this.key(ip.dst, udp.dport, type)) ?? this.sockets.get(this.key(undefined, udp.dport, type));
    if (!s) return false;
    s.deliver(ip, udp);
    return true;
  }

  icmpError(orig: IpPacket, udp: UdpDatagram, ev: { type: number; code: number }): void {
    const type = orig.v === 4 ? 'udp4' : 'udp6';
    const s = this.sockets.get(this.key(orig.src, udp.sport, type)) ?? this.sockets.get(this.key(undefined, udp.sport, type));
    s?.icmpError(ev.type, ev.code, orig.v === 4);
  }

  killAll(): void {
    for (const s of [...this.sockets.values()]) s.kill();
  }
}
