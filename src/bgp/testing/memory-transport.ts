// An in-memory network of Duplex pairs for speaker tests (no sockets, works with VirtualClock).

import { Duplex } from 'node:stream';
import type { BgpSocket, ConnectOptions, Listener, ListenOptions, Transport } from '../transport.ts';

class MemSocket extends Duplex implements BgpSocket {
  other: MemSocket | undefined;
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  localAddress: string | undefined;
  localPort: number | undefined;

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    const o = this.other;
    if (o && !o.destroyed) o.push(Buffer.from(chunk));
    cb();
  }
  override _read(): void {}
  override _final(cb: (e?: Error | null) => void): void {
    this.other?.push(null);
    cb();
  }
  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    const o = this.other;
    this.other = undefined;
    if (o && !o.destroyed) {
      o.other = undefined;
      o.push(null);
      o.destroy();
    }
    cb(err);
  }
}

export interface MemoryNetwork {
  /** A transport for a host owning these addresses; connections leave from the first one. */
  transport(address: string, ...more: string[]): Transport;
  /** Drops every connection between two addresses (a link failure: no FIN, no RST). */
  cut(a: string, b: string): void;
  /** Closes every connection between two addresses at once, as a crashed process's sockets close. */
  reset(a: string, b: string): void;
  /** Connections currently open. */
  open(): number;
}

export function memoryNetwork(): MemoryNetwork {
  const listeners = new Map<string, (s: BgpSocket) => void>();
  /** Which host owns an address: a wildcard listener only hears its own host's addresses. */
  const owner = new Map<string, string>();
  const sockets = new Set<MemSocket>();
  let ephemeral = 40000;
  const transport = (address: string, ...more: string[]): Transport => {
    for (const a of [address, ...more]) owner.set(a, address);
    return hostTransport(address);
  };
  const hostTransport = (address: string): Transport => ({
    supports: { md5: false, ttl: false },
    connect(o: ConnectOptions): BgpSocket {
      const local = new MemSocket();
      const remote = new MemSocket();
      local.other = remote;
      remote.other = local;
      const port = ephemeral++;
      local.localAddress = o.localAddress ?? address;
      local.localPort = port;
      local.remoteAddress = o.host;
      local.remotePort = o.port;
      remote.localAddress = o.host;
      remote.localPort = o.port;
      remote.remoteAddress = local.localAddress;
      remote.remotePort = port;
      for (const s of [local, remote]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      }
      setImmediate(() => {
        // '::' hears both families (a dual-stack socket), '0.0.0.0' only IPv4
        const host = owner.get(o.host);
        const l =
          listeners.get(`${o.host}:${o.port}`) ??
          listeners.get(`::@${host}:${o.port}`) ??
          (o.host.includes(':') ? undefined : listeners.get(`0.0.0.0@${host}:${o.port}`));
        if (!l) {
          const e = Object.assign(new Error(`connect ECONNREFUSED ${o.host}:${o.port}`), { code: 'ECONNREFUSED' });
          local.destroy(e);
          return;
        }
        local.emit('connect');
        l(remote);
      });
      return local;
    },
    listen(o: ListenOptions, onConnection: (s: BgpSocket) => void): Promise<Listener> {
      const key = o.host === '0.0.0.0' || o.host === '::' ? `${o.host}@${address}:${o.port}` : `${o.host}:${o.port}`;
      if (listeners.has(key)) return Promise.reject(new Error(`listen EADDRINUSE ${key}`));
      listeners.set(key, onConnection);
      return Promise.resolve({ address: o.host, port: o.port, close: () => listeners.delete(key) });
    },
  });
  return {
    transport,
    cut(a, b) {
      for (const s of [...sockets]) {
        if ((s.localAddress === a && s.remoteAddress === b) || (s.localAddress === b && s.remoteAddress === a)) {
          // silence: neither side hears anything; the hold timers decide
          s.other = undefined;
          s.removeAllListeners('data');
          sockets.delete(s);
        }
      }
    },
    reset(a, b) {
      for (const s of [...sockets]) {
        if ((s.localAddress === a && s.remoteAddress === b) || (s.localAddress === b && s.remoteAddress === a)) s.destroy();
      }
    },
    open: () => sockets.size,
  };
}
