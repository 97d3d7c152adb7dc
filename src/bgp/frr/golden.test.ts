// The router personality against real FRR 8.4.4 output of the same scenario (testdata/, recorded
// by test/interop/capture-frr-golden.sh): seed 001's ToR with three Cilium-like nodes in AS 65001
// and one IPv6 peer. Only message counters differ by nature (GoBGP and this speaker send different
// numbers of KEEPALIVEs); they are masked, everything else must match byte for byte.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { VirtualClock } from '../../controller/clock.ts';
import { Speaker } from '../speaker.ts';
import { memoryNetwork } from '../testing/memory-transport.ts';
import { FrrRouter, type HostView } from './router.ts';

process.env.TZ = 'UTC';

const CONFIG = `frr version 8.4.4
frr defaults traditional
hostname router
log syslog informational
no ipv6 forwarding
service integrated-vtysh-config
!
router bgp 65000
  bgp router-id 192.168.10.200
  bgp graceful-restart
  no bgp ebgp-requires-policy
  bgp bestpath as-path multipath-relax
  maximum-paths 4
  network 10.10.1.0/24
  neighbor CILIUM peer-group
  neighbor CILIUM remote-as external
  neighbor 192.168.10.100 peer-group CILIUM
  neighbor 192.168.10.101 peer-group CILIUM
  neighbor 192.168.20.100 peer-group CILIUM
  neighbor fd00:10::100 remote-as external
  address-family ipv6 unicast
   network fd00:aaaa::/64
   neighbor fd00:10::100 activate
  exit-address-family
`;

const golden = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');

/** Masks the message counters of summary rows and of json. */
function maskCounters(s: string): string {
  return s
    .replace(/^(\S+\s+4\s+\d+)\s+\d+\s+\d+/gm, (_m, head: string) => `${head} MSGS`)
    .replace(/"(msgRcvd|msgSent)":\d+/g, '"$1":N');
}

const host: HostView = {
  interfaceFor: (a) => (a.startsWith('192.168.10.') || a.startsWith('fd00:10::') ? 'eth1' : a.startsWith('192.168.20.') ? 'eth2' : undefined),
  hasRoute: (p) => p === '10.10.1.0/24',
  ifindex: (d) => (d === 'eth1' ? 2 : 3),
};

describe('FRR 8.4.4 layouts (golden captures)', () => {
  // the capture's router started at 05:05:22 and its first session came up at 05:05:27
  const clock = new VirtualClock(1795237522_000);
  const net = memoryNetwork();
  const router = new FrrRouter({ config: CONFIG, clock, transport: net.transport('192.168.10.200', '192.168.20.200', 'fd00:10::200'), host });
  const nodes: Speaker[] = [];
  const node = (addr: string, routerId: string, peer: string, routes: [string, Parameters<Speaker['originate']>[1]][]) => {
    const sp = new Speaker({
      asn: 65001,
      routerId,
      clock,
      transport: net.transport(addr),
      hostname: 'vm',
      extendedMessage: false,
      ebgpRequiresPolicy: false,
      gracefulRestart: { enabled: true, restartTime: 15 },
    });
    sp.addPeer({ address: peer, asn: 65000, holdTime: 9, keepalive: 3, connectRetry: 2, localAddress: addr, families: [addr.includes(':') ? 'ipv6-unicast' : 'ipv4-unicast'] });
    for (const [p, a] of routes) sp.originate(p, a);
    nodes.push(sp);
    return sp;
  };

  /** Lets in-memory I/O finish at the current virtual instant. */
  const settle = async () => {
    for (let i = 0; i < 40; i++) await clock.settle();
  };

  before(async () => {
    await router.start();
    await clock.advance(5000);
    await node('192.168.10.100', '192.168.10.100', '192.168.10.200', [['172.16.1.1/32', {}], ['172.20.0.0/24', {}]]).start();
    await settle();
    await clock.advance(1000);
    await node('fd00:10::100', '192.168.10.110', 'fd00:10::200', [['fd00:20::/64', {}]]).start();
    await settle();
    await clock.advance(1000);
    await node('192.168.10.101', '192.168.10.101', '192.168.10.200', [['172.16.1.1/32', {}], ['172.20.1.0/24', {}]]).start();
    await settle();
    await clock.advance(2000);
    const c = { communities: [65000 * 65536 + 100], largeCommunities: [65001, 1, 2] };
    await node('192.168.20.100', '192.168.20.100', '192.168.20.200', [['172.20.2.0/24', c], ['172.16.1.1/32', {}]]).start();
    await settle();
    await clock.advance(3000);
  });

  after(() => {
    router.stop();
    for (const n of nodes) n.stop();
  });

  const same = (cmd: string, file: string, mask = (s: string) => s) => {
    it(`${cmd} = ${file}`, () => assert.equal(mask(router.vtysh(cmd)), mask(golden(file))));
  };

  same('show ip bgp', 'show-ip-bgp.txt');
  same('show ip bgp summary', 'show-ip-bgp-summary.txt', maskCounters);
  same('show bgp summary', 'show-bgp-summary.txt', maskCounters);
  same('show bgp ipv6 summary', 'show-bgp-ipv6-summary.txt', maskCounters);
  same('show ip bgp 172.16.1.1/32', 'show-ip-bgp-prefix.txt');
  same('show ip bgp 172.20.2.0/24', 'show-ip-bgp-prefix-comm.txt');
  same('show ip bgp 10.10.1.0/24', 'show-ip-bgp-prefix-local.txt');
  same('show ip bgp 172.20.0.7', 'show-ip-bgp-address.txt');
  same('show ip bgp 10.99.0.0/24', 'show-ip-bgp-none.txt');
  same('show ip bgpp', 'show-bad-command.txt');
  same('show ip route bgp', 'show-ip-route-bgp.txt');
  same('show bgp ipv6', 'show-bgp-ipv6.txt');
  same('show ip bgp json', 'show-ip-bgp.json');
  same('show bgp ipv6 json', 'show-bgp-ipv6.json');
  same('show ip bgp summary json', 'show-ip-bgp-summary.json', maskCounters);
  same('show ip bgp 172.16.1.1/32 json', 'show-ip-bgp-prefix.json');
  // zebra numbers nexthop groups among all its routes; only the BGP ones exist here
  same('show ip route bgp json', 'show-ip-route-bgp.json', (x) => x.replace(/"(nexthopGroupId|installedNexthopGroupId)":\d+/g, '"$1":N'));

  it('after one ECMP member withdraws (show-ip-bgp-after-withdraw.txt)', async () => {
    nodes[0]!.withdraw('172.16.1.1/32');
    await settle();
    // the capture script spent about a second on its vtysh calls before this step
    await clock.advance(3000);
    assert.equal(router.vtysh('show ip bgp'), golden('show-ip-bgp-after-withdraw.txt'));
  });

  it('after a node goes away (show-ip-bgp-peer-down.txt, summary)', async () => {
    nodes[3]!.stop();
    await clock.advance(12000);
    assert.equal(router.vtysh('show ip bgp'), golden('show-ip-bgp-peer-down.txt'));
    assert.equal(maskCounters(router.vtysh('show ip bgp summary')), maskCounters(golden('show-ip-bgp-summary-peer-down.txt')));
  });
});
