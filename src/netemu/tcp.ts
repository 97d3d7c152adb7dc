// Emulated TCP: connections are node `Duplex` streams shaped like `net.Socket`, listeners like
// `net.Server`. The protocol is real enough for tcpdump and for protocol code running on top:
// three-way handshake with Linux's options (mss, sackOK, timestamps, wscale 7), sequence and
// acknowledgement numbers, receive-window flow control, FIN/RST, retransmission with RFC 6298
// RTO and exponential backoff on the Clock (tcp_syn_retries / tcp_retries2), keepalive,
// TIME_WAIT, Linux's ephemeral port selection. Not modelled: congestion control, Nagle,
// delayed ACKs (every segment is ACKed at once), SACK blocks, out-of-order queueing
// (out-of-order segments are dropped and retransmitted), urgent data.

import { Duplex } from 'node:stream';
import { EventEmitter } from 'node:events';
import type { TimerHandle } from '../controller/clock.ts';
import { type Addr, fmtAddr, isV4, parseAddr } from './addr.ts';
import type { Host, SockTranslation } from './host.ts';
import type { Iface } from './iface.ts';
import {
  IPPROTO_TCP,
  type IpPacket,
  type Skb,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  type TcpOptions,
  type TcpSegment,
  makeIp,
} from './packet.ts';
import { RouteError } from './route.ts';

export type TcpState =
  | 'CLOSED'
  | 'SYN_SENT'
  | 'SYN_RECV'
  | 'ESTABLISHED'
  | 'FIN_WAIT_1'
  | 'FIN_WAIT_2'
  | 'CLOSE_WAIT'
  | 'CLOSING'
  | 'LAST_ACK'
  | 'TIME_WAIT';

/** Errors carry node's shape: `code`, `errno`, `syscall`, `address`, `port`. */
export class SocketError extends Error {
  readonly code: string;
  readonly syscall: string;
  readonly address?: string;
  readonly port?: number;
  constructor(code: string, syscall: string, address?: string, port?: number) {
    super(`${syscall} ${code}${address !== undefined ? ` ${address}${port !== undefined ? `:${port}` : ''}` : ''}`);
    this.code = code;
    this.syscall = syscall;
    this.address = address;
    this.port = port;
  }
}

const WSCALE = 7;
const RCVBUF = 131072;
const SNDBUF_MAX = 4 * 1024 * 1024;
const RTO_INIT = 1000;
const RTO_MIN = 200;
const RTO_MAX = 120_000;
const TIME_WAIT_MS = 60_000;
const KEEPALIVE_INTVL = 75_000;
const KEEPALIVE_PROBES = 9;

const seqLt = (a: number, b: number) => ((a - b) | 0) < 0;
const seqLe = (a: number, b: number) => ((a - b) | 0) <= 0;
const seqAdd = (a: number, n: number) => (a + n) >>> 0;

interface RtxSeg {
  seq: number;
  flags: number;
  data: Buffer;
  /** Modelled time of the first transmission (Karn: only never-retransmitted segments are timed). */
  sentAt: number;
}

export interface TcpConnectOptions {
  host: string;
  port: number;
  localAddress?: string;
  localPort?: number;
  allowHalfOpen?: boolean;
  /** Like net.Socket's `timeout`: idle timeout in ms. */
  timeout?: number;
  /** IP_TTL set before the SYN goes out (eBGP multihop). */
  ttl?: number;
}

function connKey(local: Addr, lport: number, remote: Addr, rport: number): string {
  return `${local}|${lport}|${remote}|${rport}`;
}

/** A TCP connection and its user-facing stream. */
export class TcpSocket extends Duplex {
  readonly stack: TcpStack;
  state: TcpState = 'CLOSED';
  localAddr: Addr = 0;
  lport = 0;
  /** The peer as the packets see it (after socket-level translation). */
  peerAddr: Addr = 0;
  pport = 0;
  /** The peer as the application asked for it (before translation). */
  private shownRemote: Addr = 0;
  private shownRport = 0;
  connecting = false;
  /** Sockets accepted from a listener point to it until established. */
  server: TcpServer | undefined;
  readonly cookie: number;
  xlate: SockTranslation | undefined;

  // send side
  private iss = 0;
  private sndUna = 0;
  private sndNxt = 0;
  private sndWnd = 65535;
  private peerWscale = 0;
  /** Effective send MSS (min of ours and the peer's). */
  private mss = 536;
  /** The MSS we advertise (route MTU − headers). */
  private ownMss = 536;
  private peerMss = 536;
  private peerSack = false;
  private peerWsOffered = false;
  private readonly unsent: Buffer[] = [];
  private unsentBytes = 0;
  private readonly rtx: RtxSeg[] = [];
  private finPending = false;
  private finSent = false;
  private writeWaiters: (() => void)[] = [];
  // receive side
  private irs = 0;
  private rcvNxt = 0;
  private peerTs = false;
  private tsRecent = 0;
  private readonly tsOffset: number;
  private eofPushed = false;
  private windowClosed = false;
  // timers
  private rto = RTO_INIT;
  private srtt = 0;
  private rttvar = 0;
  private retries = 0;
  private rtxTimer: TimerHandle | undefined;
  private twTimer: TimerHandle | undefined;
  private idleTimer: TimerHandle | undefined;
  private idleMs = 0;
  private kaTimer: TimerHandle | undefined;
  private kaDelay = 0;
  private kaProbes = 0;
  /** IP_TTL for this socket's packets (eBGP multihop); the stack's default 64 when unset. */
  private ttl: number | undefined;
  private lastRx = 0;
  private userClosed = false;
  bytesRead = 0;
  bytesWritten = 0;

  constructor(stack: TcpStack, opts: { allowHalfOpen?: boolean } = {}) {
    super({ allowHalfOpen: opts.allowHalfOpen ?? false });
    this.stack = stack;
    this.cookie = stack.host.cookie();
    this.tsOffset = stack.host.rng.uint32();
  }

  // ---- net.Socket surface -------------------------------------------------------------------

  get remoteAddress(): string | undefined {
    return this.state === 'CLOSED' && !this.connecting ? undefined : fmtAddr(this.shownRemote);
  }
  get remotePort(): number | undefined {
    return this.state === 'CLOSED' && !this.connecting ? undefined : this.shownRport;
  }
  get remoteFamily(): string | undefined {
    return this.remoteAddress === undefined ? undefined : isV4(this.shownRemote) ? 'IPv4' : 'IPv6';
  }
  get localAddress(): string | undefined {
    return this.lport === 0 ? undefined : fmtAddr(this.localAddr);
  }
  get localPort(): number | undefined {
    return this.lport === 0 ? undefined : this.lport;
  }
  get pending(): boolean {
    return this.state !== 'ESTABLISHED' && this.state !== 'CLOSE_WAIT';
  }
  get readyState(): string {
    if (this.connecting) return 'opening';
    if (this.readable && this.writable) return 'open';
    if (this.readable) return 'readOnly';
    if (this.writable) return 'writeOnly';
    return 'closed';
  }
  address(): { address: string; family: string; port: number } | Record<string, never> {
    if (this.lport === 0) return {};
    return { address: fmtAddr(this.localAddr), family: isV4(this.localAddr) ? 'IPv4' : 'IPv6', port: this.lport };
  }
  /** No Nagle is modelled, so segments always go out at once. */
  /** setsockopt(IP_TTL): the TTL of the packets this socket sends. */
  setTTL(ttl: number): this {
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > 255) throw new RangeError(`invalid TTL ${ttl}`);
    this.ttl = ttl;
    return this;
  }

  setNoDelay(_noDelay = true): this {
    return this;
  }
  setKeepAlive(enable = false, initialDelay = 0): this {
    this.kaTimer?.cancel();
    this.kaTimer = undefined;
    this.kaDelay = enable ? (initialDelay > 0 ? initialDelay : 7_200_000) : 0;
    if (enable) this.armKeepalive();
    return this;
  }
  setTimeout(ms: number, cb?: () => void): this {
    this.idleMs = ms;
    if (cb) this.once('timeout', cb);
    this.touchIdle();
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  /** Sends RST and destroys (net.Socket#resetAndDestroy). */
  resetAndDestroy(): this {
    if (this.state !== 'CLOSED' && this.state !== 'TIME_WAIT' && this.state !== 'SYN_SENT') this.sendRst();
    this.enterClosed();
    this.destroy();
    return this;
  }

  // ---- Duplex plumbing ----------------------------------------------------------------------

  override _read(): void {
    if (this.windowClosed && this.readableLength < RCVBUF / 2) {
      this.windowClosed = false;
      this.sendAck(); // window update
    }
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.state === 'CLOSED' || this.finPending) {
      cb(new SocketError('EPIPE', 'write'));
      return;
    }
    this.unsent.push(chunk);
    this.unsentBytes += chunk.length;
    this.bytesWritten += chunk.length;
    this.touchIdle();
    if (this.state !== 'SYN_SENT' && this.state !== 'SYN_RECV') this.pump();
    if (this.unsentBytes + this.inflight() < SNDBUF_MAX) cb();
    else this.writeWaiters.push(() => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.finPending = true;
    if (this.state === 'ESTABLISHED' || this.state === 'CLOSE_WAIT') this.pump();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.userClosed = true;
    this.idleTimer?.cancel();
    this.kaTimer?.cancel();
    if (this.state === 'SYN_SENT' || this.state === 'SYN_RECV') {
      this.enterClosed();
    } else if (this.state !== 'CLOSED' && this.state !== 'TIME_WAIT') {
      if (this.readableLength > 0 || err) {
        // tcp_close: unread data (or an error) means RST instead of FIN
        this.sendRst();
        this.enterClosed();
      } else {
        this.finPending = true;
        this.pump();
      }
    }
    cb(err);
  }

  // ---- connection setup ---------------------------------------------------------------------

  /** Active open. Errors are emitted asynchronously like node does. */
  connectTo(opts: TcpConnectOptions): this {
    const host = this.stack.host;
    if (opts.ttl !== undefined) this.setTTL(opts.ttl);
    let dst = parseAddr(opts.host === 'localhost' ? '127.0.0.1' : opts.host);
    const port = Number(opts.port);
    if (dst === undefined) {
      this.failSoon(new SocketError('ENOTFOUND', 'getaddrinfo', opts.host));
      return this;
    }
    if (!Number.isInteger(port) || port <= 0 || port > 65535) {
      this.failSoon(new SocketError('EINVAL', 'connect', opts.host, port));
      return this;
    }
    this.shownRemote = dst;
    this.shownRport = port;
    this.connecting = true;
    let dport = port;
    for (const hook of host.sockHooks) {
      const t = hook({ host, proto: 'tcp', dst, port, cookie: this.cookie });
      if (t && 'reject' in t) {
        this.failSoon(new SocketError(t.reject, 'connect', fmtAddr(dst), port));
        return this;
      }
      if (t) {
        this.xlate = t;
        dst = t.addr;
        dport = t.port;
        break;
      }
    }
    let local: Addr | undefined;
    if (opts.localAddress !== undefined) {
      local = parseAddr(opts.localAddress);
      if (local === undefined || typeof local !== typeof dst || !host.isLocal(local)) {
        this.failSoon(new SocketError('EADDRNOTAVAIL', 'connect', fmtAddr(dst), port));
        return this;
      }
    }
    const res = host.stack.lookupRoute(dst);
    if (res instanceof RouteError) {
      this.failSoon(new SocketError(res.errno === 'EINVAL' ? 'EINVAL' : res.errno, 'connect', fmtAddr(this.shownRemote), port));
      return this;
    }
    local ??= res.src;
    if (local === undefined) {
      this.failSoon(new SocketError('EADDRNOTAVAIL', 'connect', fmtAddr(dst), port));
      return this;
    }
    const lport = opts.localPort ?? this.stack.ephemeralPort(local, dst, dport);
    if (lport === undefined || this.stack.lookup(local, lport, dst, dport)) {
      this.failSoon(new SocketError('EADDRNOTAVAIL', 'connect', fmtAddr(dst), port));
      return this;
    }
    this.localAddr = local;
    this.lport = lport;
    this.peerAddr = dst;
    this.pport = dport;
    this.ownMss = this.advMss(res.mtu);
    this.mss = this.ownMss;
    this.iss = host.rng.uint32();
    this.sndUna = this.iss;
    this.sndNxt = this.iss;
    this.state = 'SYN_SENT';
    this.stack.register(this);
    if (opts.timeout) this.setTimeout(opts.timeout);
    this.sendSyn(false);
    return this;
  }

  /** Passive open from a listener, on receipt of a SYN. */
  acceptSyn(server: TcpServer, ip: IpPacket, seg: TcpSegment): void {
    const host = this.stack.host;
    this.server = server;
    this.localAddr = ip.dst;
    this.lport = seg.dport;
    this.peerAddr = ip.src;
    this.pport = seg.sport;
    this.shownRemote = ip.src;
    this.shownRport = seg.sport;
    this.irs = seg.seq;
    this.rcvNxt = seqAdd(seg.seq, 1);
    this.takeSynOptions(seg);
    const res = host.stack.lookupRoute(ip.src);
    this.ownMss = this.advMss(res instanceof RouteError ? 1500 : res.mtu);
    this.mss = Math.min(this.ownMss, this.peerMss);
    this.iss = host.rng.uint32();
    this.sndUna = this.iss;
    this.sndNxt = this.iss;
    this.state = 'SYN_RECV';
    this.stack.register(this);
    this.sendSyn(true);
  }

  private advMss(mtu: number): number {
    return mtu - (isV4(this.peerAddr) ? 40 : 60);
  }

  private takeSynOptions(seg: TcpSegment): void {
    this.peerMss = seg.opts.mss ?? 536;
    this.peerWsOffered = seg.opts.wscale !== undefined;
    this.peerWscale = seg.opts.wscale ?? 0;
    this.peerSack = seg.opts.sackOk === true;
    this.peerTs = seg.opts.ts !== undefined;
    if (seg.opts.ts) this.tsRecent = seg.opts.ts.val;
    this.sndWnd = seg.win;
  }

  // ---- segment input ------------------------------------------------------------------------

  input(seg: TcpSegment): void {
    this.lastRx = this.stack.host.net.now();
    this.kaProbes = 0;
    if (seg.opts.ts && this.peerTs) this.tsRecent = seg.opts.ts.val;
    switch (this.state) {
      case 'SYN_SENT':
        this.inputSynSent(seg);
        return;
      case 'CLOSED':
        return;
      case 'TIME_WAIT':
        if (seg.flags & TCP_RST) this.enterClosed();
        else if (seg.flags & TCP_FIN) this.sendAck();
        return;
      default:
        break;
    }
    // RFC 793 p.69: acceptability of the sequence number (window check simplified to "not
    // entirely before rcvNxt"), then RST, SYN, ACK, data, FIN
    if (seg.flags & TCP_RST) {
      if (seg.seq === this.rcvNxt || this.state === 'SYN_RECV') this.onReset();
      return;
    }
    if (seg.flags & TCP_SYN) {
      if (this.state === 'SYN_RECV' && seg.seq === this.irs) this.retransmit(); // SYN retransmitted
      else this.sendAck(); // RFC 5961 challenge ACK
      return;
    }
    if (!(seg.flags & TCP_ACK)) return;
    if (this.state === 'SYN_RECV') {
      if (seg.ack !== seqAdd(this.iss, 1)) {
        this.sendRstFor(seg);
        return;
      }
      this.sndUna = seg.ack;
      this.clearRtx();
      this.state = 'ESTABLISHED';
      this.sndWnd = seg.win << this.peerWscale;
      const server = this.server;
      this.server = undefined;
      server?.accepted(this);
    } else {
      this.processAck(seg);
    }
    if (this.isClosed()) return;
    this.processData(seg);
  }

  private inputSynSent(seg: TcpSegment): void {
    const ackOk = (seg.flags & TCP_ACK) !== 0 && seg.ack === seqAdd(this.iss, 1);
    if (seg.flags & TCP_ACK && !ackOk) {
      if (!(seg.flags & TCP_RST)) this.sendRstFor(seg);
      return;
    }
    if (seg.flags & TCP_RST) {
      if (ackOk) this.fail(new SocketError('ECONNREFUSED', 'connect', fmtAddr(this.shownRemote), this.shownRport));
      return;
    }
    if (!(seg.flags & TCP_SYN)) return;
    this.irs = seg.seq;
    this.rcvNxt = seqAdd(seg.seq, 1);
    this.takeSynOptions(seg);
    this.mss = Math.min(this.ownMss, this.peerMss);
    this.sndUna = seg.ack;
    if (this.retries === 0 && this.rtx[0]) this.sampleRtt(this.rtx[0].sentAt);
    this.clearRtx();
    this.state = 'ESTABLISHED';
    this.sndWnd = seg.win << this.peerWscale;
    this.connecting = false;
    this.sendAck();
    this.stack.confirmNeighbour(this.peerAddr);
    this.emit('connect');
    this.emit('ready');
    this.pump();
  }

  private processAck(seg: TcpSegment): void {
    if (seqLt(this.sndNxt, seg.ack)) {
      this.sendAck(); // acks something not yet sent
      return;
    }
    this.sndWnd = seg.win << this.peerWscale;
    if (seqLt(this.sndUna, seg.ack)) {
      this.sndUna = seg.ack;
      let timed: number | undefined;
      while (this.rtx.length > 0) {
        const s = this.rtx[0]!;
        const end = seqAdd(s.seq, s.data.length + (s.flags & (TCP_SYN | TCP_FIN) ? 1 : 0));
        if (!seqLe(end, seg.ack)) break;
        timed = s.sentAt;
        this.rtx.shift();
      }
      if (this.retries === 0 && timed !== undefined) this.sampleRtt(timed);
      this.retries = 0;
      this.rtxTimer?.cancel();
      this.rtxTimer = undefined;
      if (this.rtx.length > 0) this.armRtx();
      this.stack.confirmNeighbour(this.peerAddr);
      this.releaseWriters();
      const finAcked = this.finSent && seg.ack === this.sndNxt;
      if (finAcked) {
        if (this.state === 'FIN_WAIT_1') this.state = 'FIN_WAIT_2';
        else if (this.state === 'CLOSING') this.enterTimeWait();
        else if (this.state === 'LAST_ACK') {
          this.enterClosed();
          return;
        }
      }
    }
    this.pump();
  }

  private processData(seg: TcpSegment): void {
    const len = seg.data.length;
    const fin = (seg.flags & TCP_FIN) !== 0;
    if (len === 0 && !fin) return;
    if (seg.seq !== this.rcvNxt) {
      // duplicate (before rcvNxt) or out of order (after): re-advertise where we are
      this.sendAck();
      return;
    }
    const receiving = this.state === 'ESTABLISHED' || this.state === 'FIN_WAIT_1' || this.state === 'FIN_WAIT_2';
    if (len > 0 && receiving) {
      this.rcvNxt = seqAdd(this.rcvNxt, len);
      this.bytesRead += len;
      this.touchIdle();
      if (!this.userClosed && !this.destroyed) {
        const ok = this.push(Buffer.from(seg.data.buffer, seg.data.byteOffset, len));
        if (!ok || this.readableLength >= RCVBUF / 2) this.windowClosed = true;
      } else {
        // data for a closed socket: tcp_rcv_state_process answers with RST
        this.sendRst();
        this.enterClosed();
        return;
      }
    }
    if (fin) {
      this.rcvNxt = seqAdd(this.rcvNxt, 1);
      if (this.state === 'ESTABLISHED') this.state = 'CLOSE_WAIT';
      else if (this.state === 'FIN_WAIT_1') this.state = 'CLOSING';
      else if (this.state === 'FIN_WAIT_2') this.enterTimeWait();
      this.sendAck();
      if (!this.eofPushed && !this.destroyed) {
        this.eofPushed = true;
        this.push(null);
      }
      return;
    }
    this.sendAck();
  }

  private onReset(): void {
    const wasOpen = this.state === 'ESTABLISHED' || this.state === 'FIN_WAIT_1' || this.state === 'FIN_WAIT_2' || this.state === 'CLOSE_WAIT';
    const inSynRecv = this.state === 'SYN_RECV';
    this.enterClosed();
    if (inSynRecv) {
      this.server?.dropEmbryo(this);
      return;
    }
    if (wasOpen && !this.userClosed) this.fail(new SocketError('ECONNRESET', 'read'));
    else if (!this.destroyed) this.destroy();
  }

  /** An ICMP error about one of our segments (tcp_v4_err). */
  icmpError(type: number, code: number, v4: boolean): void {
    if (this.state !== 'SYN_SENT') return; // soft errors on established connections are only recorded
    let codeName: string;
    if (v4) {
      if (type === 3) codeName = code === 3 ? 'ECONNREFUSED' : code === 0 || code === 6 ? 'ENETUNREACH' : code === 13 ? 'EACCES' : 'EHOSTUNREACH';
      else codeName = 'EHOSTUNREACH';
    } else {
      codeName = type === 1 ? (code === 4 ? 'ECONNREFUSED' : code === 0 ? 'ENETUNREACH' : 'EHOSTUNREACH') : 'EHOSTUNREACH';
    }
    if (type === 11 || (v4 && type === 3 && code === 4) || (!v4 && type === 3)) return; // time exceeded/frag needed: soft
    this.fail(new SocketError(codeName, 'connect', fmtAddr(this.shownRemote), this.shownRport));
  }

  /** (A method, so control-flow narrowing does not assume the state survived a call.) */
  private isClosed(): boolean {
    return this.state === 'CLOSED';
  }

  // ---- output -------------------------------------------------------------------------------

  private inflight(): number {
    return (this.sndNxt - this.sndUna) >>> 0;
  }

  /** Sends as much queued data (and the FIN) as the peer's window allows. */
  private pump(): void {
    if (this.state !== 'ESTABLISHED' && this.state !== 'CLOSE_WAIT') return;
    while (this.unsentBytes > 0) {
      const room = this.sndWnd - this.inflight();
      if (room <= 0) break;
      const n = Math.min(this.mss - (this.peerTs ? 12 : 0), room, this.unsentBytes);
      const data = this.takeUnsent(n);
      const flags = TCP_ACK | (this.unsentBytes === 0 ? TCP_PSH : 0);
      const s: RtxSeg = { seq: this.sndNxt, flags, data, sentAt: this.stack.host.net.now() };
      this.sndNxt = seqAdd(this.sndNxt, data.length);
      this.rtx.push(s);
      this.emitSeg(s.seq, flags, data);
      this.armRtx();
    }
    if (this.finPending && !this.finSent && this.unsentBytes === 0) {
      this.finSent = true;
      const s: RtxSeg = { seq: this.sndNxt, flags: TCP_FIN | TCP_ACK, data: EMPTY, sentAt: this.stack.host.net.now() };
      this.sndNxt = seqAdd(this.sndNxt, 1);
      this.rtx.push(s);
      this.state = this.state === 'CLOSE_WAIT' ? 'LAST_ACK' : 'FIN_WAIT_1';
      this.emitSeg(s.seq, s.flags, EMPTY);
      this.armRtx();
    }
  }

  private takeUnsent(n: number): Buffer {
    const first = this.unsent[0]!;
    if (first.length <= n && (first.length === n || this.unsent.length === 1)) {
      this.unsent.shift();
      this.unsentBytes -= first.length;
      return first;
    }
    const parts: Buffer[] = [];
    let need = n;
    while (need > 0 && this.unsent.length > 0) {
      const b = this.unsent[0]!;
      if (b.length <= need) {
        parts.push(b);
        this.unsent.shift();
        need -= b.length;
      } else {
        parts.push(b.subarray(0, need));
        this.unsent[0] = b.subarray(need);
        need = 0;
      }
    }
    const out = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    this.unsentBytes -= out.length;
    return out;
  }

  private sendSyn(synAck: boolean): void {
    const s: RtxSeg = { seq: this.iss, flags: TCP_SYN | (synAck ? TCP_ACK : 0), data: EMPTY, sentAt: this.stack.host.net.now() };
    this.sndNxt = seqAdd(this.iss, 1);
    this.rtx.length = 0;
    this.rtx.push(s);
    this.emitSeg(s.seq, s.flags, EMPTY);
    this.armRtx();
  }

  private sendAck(): void {
    if (this.state === 'CLOSED' || this.state === 'SYN_SENT') return;
    this.emitSeg(this.sndNxt, TCP_ACK, EMPTY);
  }

  private sendRst(): void {
    this.emitSeg(this.sndNxt, TCP_RST | TCP_ACK, EMPTY);
  }

  /** RFC 793 reset generation for an unacceptable segment. */
  private sendRstFor(seg: TcpSegment): void {
    this.stack.sendReset(this.localAddr, this.peerAddr, seg);
  }

  private rcvWindow(): number {
    const free = Math.max(0, RCVBUF - this.readableLength);
    return Math.min(free, 64256);
  }

  private emitSeg(seq: number, flags: number, data: Buffer): void {
    const host = this.stack.host;
    const now = host.net.now();
    const syn = (flags & TCP_SYN) !== 0;
    const synAck = syn && (flags & TCP_ACK) !== 0;
    // Linux's layouts: SYN "mss,sackOK,TS,nop,wscale"; SYN-ACK echoes what the peer offered;
    // later segments carry "nop,nop,TS" once timestamps are negotiated
    const opts: TcpOptions = {};
    const tsVal = (Math.floor(now) + this.tsOffset) >>> 0;
    if (syn && !synAck) {
      opts.mss = this.ownMss;
      opts.sackOk = true;
      opts.ts = { val: tsVal, ecr: 0 };
      opts.wscale = WSCALE;
    } else if (synAck) {
      opts.mss = this.ownMss;
      if (this.peerSack) opts.sackOk = true;
      if (this.peerTs) opts.ts = { val: tsVal, ecr: this.tsRecent };
      if (this.peerWsOffered) opts.wscale = WSCALE;
    } else if (this.peerTs) {
      opts.ts = { val: tsVal, ecr: this.tsRecent };
    }
    let win: number;
    if (syn) {
      // tcp_select_initial_window: 64 KiB rounded down to a multiple of the MSS in use
      const m = synAck && this.peerTs ? this.ownMss - 12 : this.ownMss;
      win = Math.floor(65535 / m) * m;
    } else {
      win = Math.ceil(this.rcvWindow() / (1 << WSCALE));
      if (win === 0 && this.rcvWindow() > 0) win = 1;
    }
    const segOut: TcpSegment = {
      kind: 'tcp',
      sport: this.lport,
      dport: this.pport,
      seq,
      ack: flags & TCP_ACK ? this.rcvNxt : 0,
      flags,
      win: flags & TCP_RST ? 0 : win,
      opts,
      data,
    };
    const ip = makeIp(this.localAddr, this.peerAddr, IPPROTO_TCP, segOut, { id: host.stack.nextIpId(), ...(this.ttl !== undefined ? { ttl: this.ttl } : {}) });
    host.stack.output(ip);
  }

  // ---- timers -------------------------------------------------------------------------------

  private armRtx(): void {
    if (this.rtxTimer) return;
    this.rtxTimer = this.stack.host.clock.setTimeout(() => {
      this.rtxTimer = undefined;
      this.onRtxTimeout();
    }, this.rto);
  }

  private clearRtx(): void {
    this.rtx.length = 0;
    this.rtxTimer?.cancel();
    this.rtxTimer = undefined;
    this.retries = 0;
  }

  private onRtxTimeout(): void {
    if (this.rtx.length === 0 || this.state === 'CLOSED') return;
    const sysctl = this.stack.host.sysctl;
    const limit =
      this.state === 'SYN_SENT'
        ? sysctl.getInt('net.ipv4.tcp_syn_retries')
        : this.state === 'SYN_RECV'
          ? sysctl.getInt('net.ipv4.tcp_synack_retries')
          : sysctl.getInt('net.ipv4.tcp_retries2');
    if (this.retries >= limit) {
      if (this.state === 'SYN_RECV') {
        this.enterClosed();
        this.server?.dropEmbryo(this);
        return;
      }
      const connectPhase = this.state === 'SYN_SENT';
      this.enterClosed();
      if (!this.userClosed) {
        this.fail(
          connectPhase
            ? new SocketError('ETIMEDOUT', 'connect', fmtAddr(this.shownRemote), this.shownRport)
            : new SocketError('ETIMEDOUT', 'read'),
        );
      }
      return;
    }
    this.retries++;
    this.rto = Math.min(this.rto * 2, RTO_MAX);
    this.retransmit();
    this.armRtx();
  }

  private retransmit(): void {
    const s = this.rtx[0];
    if (s) this.emitSeg(s.seq, s.flags, s.data);
  }

  /** RFC 6298 with the modelled RTT of the exchange that just completed. */
  private sampleRtt(sentAt: number): void {
    const r = Math.max(0.01, this.stack.host.net.now() - sentAt);
    if (this.srtt === 0) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    this.rto = Math.min(RTO_MAX, Math.max(RTO_MIN, this.srtt + 4 * this.rttvar));
  }

  private touchIdle(): void {
    if (this.idleMs <= 0) return;
    this.idleTimer?.cancel();
    this.idleTimer = this.stack.host.clock.setTimeout(() => {
      this.idleTimer = undefined;
      if (!this.destroyed) this.emit('timeout');
    }, this.idleMs);
  }

  private armKeepalive(): void {
    if (this.kaDelay <= 0) return;
    this.kaTimer?.cancel();
    const wait = this.kaProbes === 0 ? this.kaDelay : KEEPALIVE_INTVL;
    this.kaTimer = this.stack.host.clock.setTimeout(() => {
      this.kaTimer = undefined;
      if (this.state !== 'ESTABLISHED' && this.state !== 'CLOSE_WAIT') return;
      const idle = this.stack.host.net.now() - this.lastRx;
      if (this.kaProbes === 0 && idle < this.kaDelay) {
        this.armKeepalive();
        return;
      }
      if (this.kaProbes >= KEEPALIVE_PROBES) {
        this.enterClosed();
        this.fail(new SocketError('ETIMEDOUT', 'read'));
        return;
      }
      this.kaProbes++;
      // a keepalive probe: one sequence number in the past, no data
      this.emitSeg(seqAdd(this.sndUna, -1), TCP_ACK, EMPTY);
      this.armKeepalive();
    }, wait);
  }

  // ---- teardown -----------------------------------------------------------------------------

  private enterTimeWait(): void {
    this.state = 'TIME_WAIT';
    this.rtxTimer?.cancel();
    this.rtxTimer = undefined;
    this.rtx.length = 0;
    this.twTimer = this.stack.host.clock.setTimeout(() => this.enterClosed(), TIME_WAIT_MS);
    this.maybeFinishStream();
  }

  enterClosed(): void {
    if (this.state === 'CLOSED' && !this.connecting) return;
    this.state = 'CLOSED';
    this.connecting = false;
    this.rtxTimer?.cancel();
    this.twTimer?.cancel();
    this.kaTimer?.cancel();
    this.idleTimer?.cancel();
    this.rtxTimer = undefined;
    this.rtx.length = 0;
    this.stack.unregister(this);
    this.xlate?.release?.();
    this.xlate = undefined;
    this.releaseWriters();
    this.maybeFinishStream();
  }

  /** When both directions are done the stream can close normally. */
  private maybeFinishStream(): void {
    if (!this.eofPushed && !this.destroyed && this.state === 'CLOSED') {
      this.eofPushed = true;
      this.push(null);
    }
  }

  private releaseWriters(): void {
    if (this.unsentBytes + this.inflight() >= SNDBUF_MAX && this.state !== 'CLOSED') return;
    const w = this.writeWaiters;
    this.writeWaiters = [];
    for (const fn of w) fn();
  }

  private fail(err: SocketError): void {
    this.enterClosed();
    if (!this.destroyed) this.destroy(err);
  }

  private failSoon(err: SocketError): void {
    process.nextTick(() => {
      this.connecting = false;
      this.destroy(err);
    });
  }

  /** The host died: vanish without a trace on the wire (and without events: its process is gone). */
  kill(): void {
    this.userClosed = true;
    this.enterClosed();
    if (!this.destroyed) this.destroy();
  }

  /** Key of this connection in the stack's table. */
  key(): string {
    return connKey(this.localAddr, this.lport, this.peerAddr, this.pport);
  }
}

const EMPTY = Buffer.alloc(0);

/** A listening socket, shaped like net.Server. */
export class TcpServer extends EventEmitter {
  readonly stack: TcpStack;
  bound: { addr: Addr | undefined; family: 4 | 6; port: number } | undefined;
  listening = false;
  private readonly embryos = new Set<TcpSocket>();
  private readonly accepted_ = new Set<TcpSocket>();
  readonly allowHalfOpen: boolean;
  maxConnections = Number.POSITIVE_INFINITY;

  constructor(stack: TcpStack, onConnection?: (s: TcpSocket) => void, opts: { allowHalfOpen?: boolean } = {}) {
    super();
    this.stack = stack;
    this.allowHalfOpen = opts.allowHalfOpen ?? false;
    if (onConnection) this.on('connection', onConnection);
  }

  /** listen(port, host?, cb?) or listen({port, host}, cb?) */
  listen(...args: unknown[]): this {
    let port = 0;
    let hostText: string | undefined;
    let cb: (() => void) | undefined;
    if (typeof args[0] === 'object' && args[0] !== null) {
      const o = args[0] as { port?: number; host?: string };
      port = Number(o.port ?? 0);
      hostText = o.host;
      if (typeof args[1] === 'function') cb = args[1] as () => void;
    } else {
      port = Number(args[0] ?? 0);
      for (const a of args.slice(1)) {
        if (typeof a === 'string') hostText = a;
        else if (typeof a === 'function') cb = a as () => void;
      }
    }
    if (cb) this.once('listening', cb);
    const err = this.stack.bindListener(this, hostText, port);
    process.nextTick(() => {
      if (err) this.emit('error', err);
      else this.emit('listening');
    });
    return this;
  }

  address(): { address: string; family: string; port: number } | null {
    if (!this.bound) return null;
    const a = this.bound.addr;
    return {
      address: a === undefined ? (this.bound.family === 4 ? '0.0.0.0' : '::') : fmtAddr(a),
      family: this.bound.family === 4 ? 'IPv4' : 'IPv6',
      port: this.bound.port,
    };
  }

  close(cb?: (err?: Error) => void): this {
    if (this.listening) this.stack.unbindListener(this);
    this.listening = false;
    for (const e of this.embryos) e.enterClosed();
    this.embryos.clear();
    const done = () => {
      this.emit('close');
      cb?.();
    };
    if (this.accepted_.size === 0) process.nextTick(done);
    else {
      let left = this.accepted_.size;
      for (const s of this.accepted_) {
        s.once('close', () => {
          if (--left === 0) done();
        });
      }
    }
    return this;
  }

  getConnections(cb: (err: Error | null, n: number) => void): void {
    process.nextTick(() => cb(null, this.accepted_.size));
  }

  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }

  /** A SYN arrived for us. */
  incoming(ip: IpPacket, seg: TcpSegment): void {
    const s = new TcpSocket(this.stack, { allowHalfOpen: this.allowHalfOpen });
    this.embryos.add(s);
    s.acceptSyn(this, ip, seg);
  }

  accepted(s: TcpSocket): void {
    this.embryos.delete(s);
    if (!this.listening || this.accepted_.size >= this.maxConnections) {
      s.resetAndDestroy();
      return;
    }
    this.accepted_.add(s);
    s.once('close', () => this.accepted_.delete(s));
    this.emit('connection', s);
  }

  dropEmbryo(s: TcpSocket): void {
    this.embryos.delete(s);
  }

  kill(): void {
    this.listening = false;
    this.embryos.clear();
  }
}

/** A host's TCP: connection table, listeners, port allocation. */
export class TcpStack {
  readonly host: Host;
  private readonly conns = new Map<string, TcpSocket>();
  private readonly listeners = new Map<string, TcpServer>();
  private readonly perturb = new Uint32Array(256);
  private readonly secret: number;

  constructor(host: Host) {
    this.host = host;
    this.secret = host.rng.uint32();
  }

  connect(opts: TcpConnectOptions, onConnect?: () => void): TcpSocket {
    const s = new TcpSocket(this, { allowHalfOpen: opts.allowHalfOpen });
    if (onConnect) s.once('connect', onConnect);
    return s.connectTo(opts);
  }

  createServer(onConnection?: (s: TcpSocket) => void, opts: { allowHalfOpen?: boolean } = {}): TcpServer {
    return new TcpServer(this, onConnection, opts);
  }

  register(s: TcpSocket): void {
    this.conns.set(s.key(), s);
  }

  unregister(s: TcpSocket): void {
    const k = s.key();
    if (this.conns.get(k) === s) this.conns.delete(k);
  }

  lookup(local: Addr, lport: number, remote: Addr, rport: number): TcpSocket | undefined {
    return this.conns.get(connKey(local, lport, remote, rport));
  }

  /** Connections in the table (for `ss`-like listings). */
  connections(): TcpSocket[] {
    return [...this.conns.values()];
  }

  listenerList(): TcpServer[] {
    return [...new Set(this.listeners.values())];
  }

  bindListener(server: TcpServer, hostText: string | undefined, port: number): SocketError | undefined {
    let addr: Addr | undefined;
    let family: 4 | 6 = 4;
    if (hostText !== undefined && hostText !== '' && hostText !== '0.0.0.0' && hostText !== '::') {
      addr = parseAddr(hostText === 'localhost' ? '127.0.0.1' : hostText);
      if (addr === undefined || !this.host.isLocal(addr)) return new SocketError('EADDRNOTAVAIL', 'listen', hostText, port);
      family = isV4(addr) ? 4 : 6;
    } else if (hostText === '::') family = 6;
    if (!Number.isInteger(port) || port < 0 || port > 65535) return new SocketError('EINVAL', 'listen', hostText, port);
    if (port === 0) {
      const p = this.randomFreePort(addr);
      if (p === undefined) return new SocketError('EADDRINUSE', 'listen', hostText, port);
      port = p;
    }
    const keys = this.listenKeys(addr, family, port);
    for (const k of keys) {
      if (this.listeners.has(k)) {
        return new SocketError('EADDRINUSE', 'listen', hostText ?? (family === 4 ? '0.0.0.0' : '::'), port);
      }
    }
    if (addr === undefined) {
      // a wildcard bind conflicts with any specific bind on the port
      for (const l of this.listeners.values()) {
        if (l.bound?.port === port && (family === 6 || l.bound.family === family)) {
          return new SocketError('EADDRINUSE', 'listen', family === 4 ? '0.0.0.0' : '::', port);
        }
      }
    }
    for (const k of keys) this.listeners.set(k, server);
    server.bound = { addr, family, port };
    server.listening = true;
    return undefined;
  }

  /** A `::` listener also takes IPv4 (bindv6only=0). */
  private listenKeys(addr: Addr | undefined, family: 4 | 6, port: number): string[] {
    if (addr !== undefined) return [`${addr}|${port}`];
    return family === 6 ? [`any6|${port}`, `any4|${port}`] : [`any4|${port}`];
  }

  unbindListener(server: TcpServer): void {
    for (const [k, v] of this.listeners) if (v === server) this.listeners.delete(k);
  }

  private findListener(addr: Addr, port: number): TcpServer | undefined {
    return this.listeners.get(`${addr}|${port}`) ?? this.listeners.get(`${isV4(addr) ? 'any4' : 'any6'}|${port}`);
  }

  private portInUse(local: Addr, port: number): boolean {
    for (const l of this.listeners.values()) if (l.bound?.port === port && (l.bound.addr === undefined || l.bound.addr === local)) return true;
    return false;
  }

  private randomFreePort(addr: Addr | undefined): number | undefined {
    const [lo, hi] = this.portRange();
    for (let i = 0; i < 64; i++) {
      const p = lo + this.host.rng.int(hi - lo + 1);
      if (!this.portInUse(addr ?? 0, p)) return p;
    }
    return undefined;
  }

  private portRange(): [number, number] {
    const [lo, hi] = this.host.sysctl.get('net.ipv4.ip_local_port_range')!.split('\t').map(Number);
    return [lo!, hi!];
  }

  /**
   * __inet_hash_connect: start at a secret per-destination offset plus a perturbation that
   * advances with every connection, try even ports first, then odd ones.
   */
  ephemeralPort(local: Addr, remote: Addr, rport: number): number | undefined {
    const [lo, hi] = this.portRange();
    const remaining = hi - lo + 1;
    let h = Math.imul(this.secret ^ Number(typeof remote === 'number' ? remote : remote & 0xffffffffn), 0x9e3779b1);
    h = Math.imul(h ^ Number(typeof local === 'number' ? local : local & 0xffffffffn), 0x85ebca6b);
    h = Math.imul(h ^ rport, 0xc2b2ae35) >>> 0;
    const idx = h & 255;
    let offset = (h + this.perturb[idx]!) % remaining;
    offset &= ~1;
    for (const parity of [0, 1]) {
      for (let i = parity; i < remaining; i += 2) {
        const port = lo + ((offset + i) % remaining);
        if (this.portInUse(local, port) || this.lookup(local, port, remote, rport)) continue;
        this.perturb[idx] = (this.perturb[idx]! + i + 2) >>> 0;
        return port;
      }
    }
    return undefined;
  }

  /** A segment arrived for one of our addresses. */
  input(ip: IpPacket, seg: TcpSegment, _skb: Skb, _dev: Iface): void {
    const conn = this.lookup(ip.dst, seg.dport, ip.src, seg.sport);
    if (conn) {
      if (conn.state === 'TIME_WAIT' && seg.flags & TCP_SYN && !(seg.flags & TCP_ACK)) {
        // tcp_timewait_state_process: a new SYN recycles the TIME_WAIT connection
        conn.enterClosed();
      } else {
        conn.input(seg);
        return;
      }
    }
    if (seg.flags & TCP_RST) return;
    const server = this.findListener(ip.dst, seg.dport);
    if (server?.listening && seg.flags & TCP_SYN && !(seg.flags & TCP_ACK)) {
      server.incoming(ip, seg);
      return;
    }
    this.sendReset(ip.dst, ip.src, seg);
  }

  /** tcp_v4_send_reset: the RST for a segment nobody wants. */
  sendReset(local: Addr, remote: Addr, seg: TcpSegment): void {
    if (seg.flags & TCP_RST) return;
    const hasAck = (seg.flags & TCP_ACK) !== 0;
    const len = seg.data.length + (seg.flags & TCP_SYN ? 1 : 0) + (seg.flags & TCP_FIN ? 1 : 0);
    const rst: TcpSegment = {
      kind: 'tcp',
      sport: seg.dport,
      dport: seg.sport,
      seq: hasAck ? seg.ack : 0,
      ack: hasAck ? 0 : seqAdd(seg.seq, len),
      flags: hasAck ? TCP_RST : TCP_RST | TCP_ACK,
      win: 0,
      opts: {},
      data: EMPTY,
    };
    this.host.stack.output(makeIp(local, remote, IPPROTO_TCP, rst, { id: 0 }));
  }

  icmpError(orig: IpPacket, seg: TcpSegment, ev: { type: number; code: number }): void {
    const conn = this.lookup(orig.src, seg.sport, orig.dst, seg.dport);
    conn?.icmpError(ev.type, ev.code, orig.v === 4);
  }

  /** TCP made forward progress: the neighbour on the path is reachable (dst_confirm). */
  confirmNeighbour(remote: Addr): void {
    const res = this.host.stack.lookupRoute(remote);
    if (res instanceof RouteError || !res.nh) return;
    this.host.neigh.confirm(res.nh.dev, res.nh.gw ?? remote);
  }

  killAll(): void {
    for (const s of [...this.conns.values()]) s.kill();
    for (const l of new Set(this.listeners.values())) l.kill();
    this.listeners.clear();
  }
}
