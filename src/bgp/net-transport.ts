// The node:net transport for real TCP. TCP MD5 (RFC 2385) and the TTL for eBGP multihop use the
// small native addon in native/ (build it with `node native/build.mjs`); without it the transport
// reports that it cannot apply them, and the speaker refuses such peers instead of ignoring them.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import type { BgpSocket, ConnectOptions, Listener, ListenOptions, Transport } from './transport.ts';

interface NativeSockets {
  socket(family: number): number;
  bind(fd: number, address: string, port: number): void;
  close(fd: number): void;
  md5(fd: number, peer: string, key: string): void;
  ttl(fd: number, family: number, ttl: number): void;
  getTtl(fd: number, family: number): number;
}

const ADDON = new URL('../../native/build/Release/bgpsock.node', import.meta.url).pathname;
export const NATIVE_MISSING = 'TCP MD5 and TTL need the native addon; build it with `node native/build.mjs`';

let cached: NativeSockets | null | undefined;

/** The addon, or undefined when it has not been built. */
export function loadNativeSockets(): NativeSockets | undefined {
  if (cached === undefined) {
    cached = null;
    if (existsSync(ADDON)) {
      try {
        cached = createRequire(import.meta.url)(ADDON) as NativeSockets;
      } catch {
        cached = null;
      }
    }
  }
  return cached ?? undefined;
}

/** The file descriptor under a node:net socket or server (libuv handle; Linux only). */
export function socketFd(s: object): number {
  const handle = (s as { _handle?: { fd?: number } })._handle;
  return handle?.fd ?? -1;
}

function familyOf(addr: string): 4 | 6 {
  return net.isIPv6(addr) ? 6 : 4;
}

export function netTransport(): Transport {
  const native = loadNativeSockets();
  return {
    supports: { md5: native !== undefined, ttl: native !== undefined },
    connect(o: ConnectOptions): BgpSocket {
      if (o.md5Password === undefined && o.ttl === undefined) {
        const opts: net.NetConnectOpts = { host: o.host, port: o.port };
        if (o.localAddress) opts.localAddress = o.localAddress;
        const s = net.createConnection(opts);
        s.setNoDelay(true);
        return s;
      }
      if (!native) throw new Error(NATIVE_MISSING);
      const fam = familyOf(o.host);
      const fd = native.socket(fam);
      try {
        // the key must be on the socket before the SYN leaves
        if (o.md5Password !== undefined) native.md5(fd, o.host, o.md5Password);
        if (o.ttl !== undefined) native.ttl(fd, fam, o.ttl);
        native.bind(fd, o.localAddress ?? (fam === 6 ? '::' : '0.0.0.0'), 0);
      } catch (e) {
        native.close(fd);
        throw e;
      }
      const s = new net.Socket({ fd, readable: true, writable: true });
      s.connect({ host: o.host, port: o.port });
      s.setNoDelay(true);
      return s;
    },
    listen(o: ListenOptions, onConnection: (s: BgpSocket) => void): Promise<Listener> {
      return new Promise((resolve, reject) => {
        const server = net.createServer((s) => {
          s.setNoDelay(true);
          onConnection(s);
        });
        server.once('error', reject);
        server.listen({ host: o.host, port: o.port }, () => {
          server.off('error', reject);
          server.on('error', () => {});
          const a = server.address();
          const port = typeof a === 'object' && a ? a.port : o.port;
          const listener: Listener = {
            address: o.host,
            port,
            close: () => server.close(),
          };
          if (native) {
            listener.setPeerPassword = (peer, password) => native.md5(socketFd(server), peer, password ?? '');
          }
          resolve(listener);
        });
      });
    },
    setTtl(socket: BgpSocket, ttl: number): void {
      if (!native) throw new Error(NATIVE_MISSING);
      const fd = socketFd(socket);
      if (fd < 0) throw new Error('socket has no file descriptor');
      native.ttl(fd, familyOf(socket.remoteAddress ?? ''), ttl);
    },
  };
}
