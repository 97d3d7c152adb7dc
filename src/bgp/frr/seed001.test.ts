// The router of seed 001 (../shared/seeds/001_0c27e5ad0bb89fa0.txt), its outputs as the seed shows
// them. Counters and ages that depend on how long the blog author waited are masked; the seed
// also drops the blank line FRR prints before a summary.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { VirtualClock } from '../../controller/clock.ts';
import { Speaker } from '../speaker.ts';
import { memoryNetwork } from '../testing/memory-transport.ts';
import { FrrConfigError } from './config.ts';
import { FrrRouter, type HostView } from './router.ts';
import type { RouteInstallEvent } from './zebra.ts';

process.env.TZ = 'UTC';

const BASE = `# default to using syslog. /etc/rsyslog.d/45-frr.conf places the log in
# /var/log/frr/frr.log
log syslog informational
!
router bgp 65000
  bgp router-id 192.168.10.200
  bgp graceful-restart
  no bgp ebgp-requires-policy
  bgp bestpath as-path multipath-relax
  maximum-paths 4
  network 10.10.1.0/24
`;

const PEERS = `  neighbor CILIUM peer-group
  neighbor CILIUM remote-as external
  neighbor 192.168.10.100 peer-group CILIUM
  neighbor 192.168.10.101 peer-group CILIUM
  neighbor 192.168.20.100 peer-group CILIUM 
`;

const host: HostView = {
  interfaceFor: (a) => (a.startsWith('192.168.10.') ? 'eth1' : a.startsWith('192.168.20.') ? 'eth2' : undefined),
  hasRoute: (p) => p === '10.10.1.0/24' || p === '10.10.2.0/24',
};

const mask = (s: string) =>
  s
    .replace(/^\n/, '')
    .replace(/^(\S+\s+4\s+\d+)\s+\d+\s+\d+\s+(\d+\s+\d+\s+\d+)\s+\d\d:\d\d:\d\d/gm, '$1 MSGS $2 UPTIME')
    .replace(/, \d\d:\d\d:\d\d$/gm, ', AGE')
    .replace(/Last update: .*/g, 'Last update: T');

describe('seed 001: the router alone', () => {
  const router = new FrrRouter({ config: BASE, clock: new VirtualClock(), transport: memoryNetwork().transport('192.168.10.200'), host, hostname: 'router' });

  it('show running', () => {
    assert.equal(
      router.vtysh('show running'),
      `Building configuration...

Current configuration:
!
frr version 8.4.4
frr defaults traditional
hostname router
log syslog informational
no ipv6 forwarding
service integrated-vtysh-config
!
router bgp 65000
 bgp router-id 192.168.10.200
 no bgp ebgp-requires-policy
 bgp graceful-restart
 bgp bestpath as-path multipath-relax
 !
 address-family ipv4 unicast
  network 10.10.1.0/24
  maximum-paths 4
 exit-address-family
exit
!
end
`,
    );
  });

  it('show ip bgp summary without neighbors', () => {
    assert.equal(router.vtysh('show ip bgp summary'), '% No BGP neighbors found in VRF default\n');
  });

  it('show ip bgp with the local network only', async () => {
    await router.start();
    await new Promise((r) => setImmediate(r));
    assert.equal(
      router.vtysh('show ip bgp'),
      `BGP table version is 1, local router ID is 192.168.10.200, vrf id 0
Default local pref 100, local AS 65000
Status codes:  s suppressed, d damped, h history, * valid, > best, = multipath,
               i internal, r RIB-failure, S Stale, R Removed
Nexthop codes: @NNN nexthop's vrf id, < announce-nh-self
Origin codes:  i - IGP, e - EGP, ? - incomplete
RPKI validation codes: V valid, I invalid, N Not found

   Network          Next Hop            Metric LocPrf Weight Path
*> 10.10.1.0/24     0.0.0.0                  0         32768 i

Displayed  1 routes and 1 total paths
`,
    );
    router.stop();
  });
});

describe('seed 001: three Cilium nodes peer with the router', () => {
  const clock = new VirtualClock();
  const net = memoryNetwork();
  const router = new FrrRouter({ config: BASE + PEERS, clock, transport: net.transport('192.168.10.200', '192.168.20.200'), host, hostname: 'router' });
  const installed: RouteInstallEvent[] = [];
  router.onInstall((e) => installed.push(e));
  const nodes = new Map<string, Speaker>();
  const settle = async () => {
    for (let i = 0; i < 40; i++) await clock.settle();
  };

  before(async () => {
    await router.start();
    for (const [addr, tor, cidr] of [
      ['192.168.10.100', '192.168.10.200', '172.20.0.0/24'],
      ['192.168.10.101', '192.168.10.200', '172.20.1.0/24'],
      ['192.168.20.100', '192.168.20.200', '172.20.2.0/24'],
    ] as const) {
      // what Cilium's agent asks of its speaker: no listening, hold 9 / keepalive 3, GR 15 s
      const sp = new Speaker({ asn: 65001, routerId: addr, clock, transport: net.transport(addr), gracefulRestart: { enabled: true, restartTime: 15 } });
      sp.addPeer({ address: tor, asn: 65000, holdTime: 9, keepalive: 3, localAddress: addr });
      sp.setGlobalPolicy({ import: { policies: [], defaultAction: 'reject' }, export: { policies: [], defaultAction: 'accept' } });
      sp.originate(cidr);
      await sp.start();
      nodes.set(addr, sp);
    }
    await settle();
    await clock.advance(2000);
  });

  after(() => {
    router.stop();
    for (const n of nodes.values()) n.stop();
  });

  it('show ip bgp summary', () => {
    assert.equal(
      mask(router.vtysh('show ip bgp summary')),
      mask(`IPv4 Unicast Summary (VRF default):
BGP router identifier 192.168.10.200, local AS number 65000 vrf-id 0
BGP table version 4
RIB entries 7, using 1344 bytes of memory
Peers 3, using 2172 KiB of memory
Peer groups 1, using 64 bytes of memory

Neighbor        V         AS   MsgRcvd   MsgSent   TblVer  InQ OutQ  Up/Down State/PfxRcd   PfxSnt Desc
192.168.10.100  4      65001       353       356        0    0    0 00:17:29            1        4 N/A
192.168.10.101  4      65001       353       356        0    0    0 00:17:29            1        4 N/A
192.168.20.100  4      65001       353       356        0    0    0 00:17:28            1        4 N/A

Total number of neighbors 3
`),
    );
  });

  it('show ip bgp', () => {
    assert.equal(
      router.vtysh('show ip bgp'),
      `BGP table version is 4, local router ID is 192.168.10.200, vrf id 0
Default local pref 100, local AS 65000
Status codes:  s suppressed, d damped, h history, * valid, > best, = multipath,
               i internal, r RIB-failure, S Stale, R Removed
Nexthop codes: @NNN nexthop's vrf id, < announce-nh-self
Origin codes:  i - IGP, e - EGP, ? - incomplete
RPKI validation codes: V valid, I invalid, N Not found

   Network          Next Hop            Metric LocPrf Weight Path
*> 10.10.1.0/24     0.0.0.0                  0         32768 i
*> 172.20.0.0/24    192.168.10.100                         0 65001 i
*> 172.20.1.0/24    192.168.10.101                         0 65001 i
*> 172.20.2.0/24    192.168.20.100                         0 65001 i

Displayed  4 routes and 4 total paths
`,
    );
  });

  it('installs the PodCIDRs as zebra does (ip -c route | grep bgp)', () => {
    const kernel = installed.filter((e) => e.nexthops.length > 0).map((e) => `${e.prefix} via ${e.nexthops[0]!.via} dev ${e.nexthops[0]!.dev} proto ${e.proto} metric ${e.metric}`);
    assert.deepEqual(kernel.sort(), [
      '172.20.0.0/24 via 192.168.10.100 dev eth1 proto bgp metric 20',
      '172.20.1.0/24 via 192.168.10.101 dev eth1 proto bgp metric 20',
      '172.20.2.0/24 via 192.168.20.100 dev eth2 proto bgp metric 20',
    ]);
  });

  it('a LoadBalancer IP from every node becomes one ECMP route (show ip route bgp, show ip bgp 172.16.1.1/32)', async () => {
    for (const sp of nodes.values()) sp.originate('172.16.1.1/32');
    await settle();
    await clock.advance(1000);
    assert.equal(
      mask(router.vtysh('show ip route bgp')),
      mask(`Codes: K - kernel route, C - connected, S - static, R - RIP,
       O - OSPF, I - IS-IS, B - BGP, E - EIGRP, N - NHRP,
       T - Table, v - VNC, V - VNC-Direct, A - Babel, F - PBR,
       f - OpenFabric,
       > - selected route, * - FIB route, q - queued, r - rejected, b - backup
       t - trapped, o - offload failure

B>* 172.16.1.1/32 [20/0] via 192.168.10.100, eth1, weight 1, 00:07:20
  *                      via 192.168.10.101, eth1, weight 1, 00:07:20
  *                      via 192.168.20.100, eth2, weight 1, 00:07:20
B>* 172.20.0.0/24 [20/0] via 192.168.10.100, eth1, weight 1, 00:29:43
B>* 172.20.1.0/24 [20/0] via 192.168.10.101, eth1, weight 1, 00:29:42
B>* 172.20.2.0/24 [20/0] via 192.168.20.100, eth2, weight 1, 00:29:42
`),
    );
    const detail = mask(router.vtysh('show ip bgp 172.16.1.1/32'));
    assert.match(detail, /^BGP routing table entry for 172\.16\.1\.1\/32, version \d+\nPaths: \(3 available, best #\d, table default\)\n {2}Advertised to non peer-group peers:\n {2}192\.168\.10\.100 192\.168\.10\.101 192\.168\.20\.100\n/);
    assert.equal((detail.match(/Origin IGP, valid, external, multipath/g) ?? []).length, 3);
    const last = installed.filter((e) => e.prefix === '172.16.1.1/32').at(-1)!;
    assert.deepEqual(
      last.nexthops.map((n) => `${n.via} dev ${n.dev}`),
      ['192.168.10.100 dev eth1', '192.168.10.101 dev eth1', '192.168.20.100 dev eth2'],
    );
  });

  it('a node leaving is Active in the summary and its CIDR is gone (seed: k8s-w0 drained)', async () => {
    nodes.get('192.168.20.100')!.stop();
    await settle();
    await clock.advance(20_000);
    const summary = router.vtysh('show ip bgp summary');
    assert.match(summary, /^192\.168\.20\.100 {2}4 {6}65001 +\d+ +\d+ +0 +0 +0 \d\d:\d\d:\d\d {7}Active {8}0 N\/A$/m);
    assert.ok(!router.vtysh('show ip route bgp').includes('172.20.2.0/24'));
    assert.deepEqual(installed.filter((e) => e.prefix === '172.20.2.0/24').at(-1)!.nexthops, []);
  });
});

describe('configuration errors', () => {
  it('names the line, in FRR words, and refuses the whole file', () => {
    const cfg = `router bgp 65000\n bgp router-id 192.168.10.200\n bgp frobnicate\n neighbor 10.0.0.1 remote-as 70000000000\n`;
    assert.throws(
      () => new FrrRouter({ config: cfg, clock: new VirtualClock(), transport: memoryNetwork().transport('10.0.0.2') }),
      (e: unknown) =>
        e instanceof FrrConfigError &&
        e.message === 'frr.conf:3: No such command on config line 3: bgp frobnicate\nfrr.conf:4: AS number 70000000000 out of range 1..4294967295 (neighbor 10.0.0.1 remote-as 70000000000)',
    );
  });
});
