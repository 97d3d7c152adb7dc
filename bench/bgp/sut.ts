// The speaker as the harness's system under test (bench.py sut --impl cmd): passive eBGP towards
// every --peer, import all, export all, next-hop-self.
//   node --import tsx bench/bgp/sut.ts --asn 65012 --router-id 10.0.0.12 --listen 10.0.0.12 \
//        --peer 10.0.0.11:65011 --peer 10.0.0.13:65013 --peer 10.0.0.14:65014

import { RealClock } from '../../src/controller/clock.ts';
import { netTransport } from '../../src/bgp/net-transport.ts';
import { Speaker } from '../../src/bgp/speaker.ts';

function args(argv: string[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i]!.replace(/^--/, '');
    m.set(k, [...(m.get(k) ?? []), argv[i + 1] ?? '']);
  }
  return m;
}

const a = args(process.argv.slice(2));
const one = (k: string, d: string) => a.get(k)?.[0] ?? d;
const speaker = new Speaker({
  asn: Number(one('asn', '65012')),
  routerId: one('router-id', '10.0.0.12'),
  clock: new RealClock(),
  transport: netTransport(),
  listen: { address: one('listen', '10.0.0.12'), port: Number(one('port', '179')) },
  ebgpRequiresPolicy: false,
});
for (const p of a.get('peer') ?? []) {
  const [address, asn] = p.split(':');
  speaker.addPeer({ address: address!, asn: Number(asn), passive: true });
}
if (a.has('verbose')) speaker.onLog((e) => console.error(new Date(e.time).toISOString(), e.message));
await speaker.start();
console.error(`sut: listening on ${one('listen', '10.0.0.12')}:${one('port', '179')}`);
process.on('SIGTERM', () => {
  speaker.stop();
  process.exit(0);
});
