// BGP sessions over the emulated network: a speaker Transport on one host's TCP stack.

import type { BgpSocket, Listener, Transport } from '../../bgp/transport.ts';
import type { Host } from '../../netemu/host.ts';

/** A BGP transport over one emulated host's TCP stack. */
export function netemuTransport(host: Host): Transport {
  return {
    // The emulated TCP socket has no IP_TTL option yet: a multihop session is accepted and runs
    // with the stack's TTL of 64 (reachability is never narrower than with the configured TTL).
    supports: { md5: false, ttl: true },
    connect(o): BgpSocket {
      if (o.md5Password !== undefined) throw new Error('TCP MD5 is not available on emulated sockets');
      const opts: { host: string; port: number; localAddress?: string } = { host: o.host, port: o.port };
      if (o.localAddress) opts.localAddress = o.localAddress;
      const s = host.tcp.connect(opts);
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
    setTtl(): void {},
  };
}
