// BGP sessions over the emulated network: a speaker Transport on one host's TCP stack.

import type { BgpSocket, Listener, Transport } from '../../bgp/transport.ts';
import type { Host } from '../../netemu/host.ts';
import type { TcpSocket } from '../../netemu/tcp.ts';

/** A BGP transport over one emulated host's TCP stack. */
export function netemuTransport(host: Host): Transport {
  return {
    // TCP MD5 (RFC 2385) is not emulated: a peer with a password is refused, never silently unsigned.
    supports: { md5: false, ttl: true },
    connect(o): BgpSocket {
      if (o.md5Password !== undefined) throw new Error('TCP MD5 is not available on emulated sockets');
      const s = host.tcp.connect({ host: o.host, port: o.port, ...(o.localAddress ? { localAddress: o.localAddress } : {}), ...(o.ttl !== undefined ? { ttl: o.ttl } : {}) });
      s.setNoDelay(true);
      return s;
    },
    listen(o, onConnection): Promise<Listener> {
      return new Promise((resolve, reject) => {
        const server = host.tcp.createServer((s) => onConnection(s));
        server.once('error', reject);
        server.listen(o.port, o.host, () => resolve({ address: o.host, port: o.port, close: () => server.close() }));
      });
    },
    setTtl(socket, ttl): void {
      (socket as TcpSocket).setTTL(ttl);
    },
  };
}
