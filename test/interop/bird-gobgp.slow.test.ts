// Interop over eBGP with BIRD 2 and GoBGP in a network namespace: sessions, routes both ways with
// communities and large communities (IPv6 too with GoBGP), withdrawals, a NOTIFICATION for a wrong
// peer AS, and the hold timer when GoBGP stops answering.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Daemon, NetnsLab, type Speaker, skipReason, until } from './lab.ts';

const reason = skipReason(['bird', 'gobgp']);

const US = `hostname cilia
router bgp 65001
 bgp router-id 10.0.0.1
 no bgp ebgp-requires-policy
 neighbor 10.0.0.3 remote-as 65003
 neighbor 10.0.0.3 timers connect 1
 neighbor 10.0.0.4 remote-as 65004
 neighbor 10.0.0.4 timers 3 9
 neighbor 10.0.0.4 timers connect 1
 address-family ipv4 unicast
  network 203.0.113.0/24 route-map TAG
 exit-address-family
 address-family ipv6 unicast
  network 2001:db8:1::/48 route-map TAG
  neighbor 10.0.0.4 activate
 exit-address-family
!
route-map TAG permit 10
 set community 65001:20
 set large-community 65001:2:2
`;

// BIRD resolves BGP next hops recursively (multihop); 10.0.0.254 is unassigned inside lo's /24.
const BIRD = `router id 10.0.0.3;
log stderr all;
protocol device { scan time 60; }
protocol static st4 { ipv4; route 198.51.100.0/24 blackhole; }
protocol static nhres { ipv4; route 10.0.0.0/24 via 10.0.0.254; }
protocol bgp cilia {
  local 10.0.0.3 port 179 as 65003;
  neighbor 10.0.0.1 port 179 as 65001;
  multihop;
  strict bind on;
  connect retry time 1;
  ipv4 {
    import all;
    export filter {
      if proto != "st4" then reject;
      bgp_community.add((65003,30));
      bgp_large_community.add((65003,3,3));
      accept;
    };
  };
}
`;

const GOBGP = `[global.config]
  as = 65004
  router-id = "10.0.0.4"
  port = 179
  local-address-list = ["10.0.0.4"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.0.0.1"
    peer-as = 65001
  [neighbors.transport.config]
    local-address = "10.0.0.4"
  [neighbors.timers.config]
    connect-retry = 1
    hold-time = 9
    keepalive-interval = 3
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
`;

describe('interop: BIRD 2 and GoBGP (eBGP)', { skip: reason }, () => {
  let lab: NetnsLab;
  let bird: { daemon: Daemon; birdc: (c: string) => string };
  let gobgp: { daemon: Daemon; gobgp: (...a: string[]) => string };
  let us: Speaker;
  const state = async (peer: string) => (await us.json('show ip bgp summary json')).ipv4Unicast?.peers?.[peer]?.state;
  const gobgpRib = (afi: string) => JSON.parse(gobgp.gobgp('global', 'rib', '-a', afi, '-j') || '{}') as Record<string, { attrs: { type: number; communities?: number[]; value?: { global_admin: number }[] }[] }[]>;

  before(async () => {
    lab = NetnsLab.create('bird', ['10.0.0.1', '10.0.0.3', '10.0.0.4']);
    us = lab.speaker('us', US, '10.0.0.1');
    bird = lab.bird('bird', BIRD);
    gobgp = lab.gobgp('gobgp', GOBGP);
    await until('the BIRD session', async () => (await state('10.0.0.3')) === 'Established');
    await until('the GoBGP session', async () => (await state('10.0.0.4')) === 'Established');
    await until('GoBGP API', () => gobgp.gobgp('global').includes('65004'));
    gobgp.gobgp('global', 'rib', 'add', '192.0.2.0/24', 'community', '65004:40', 'large-community', '65004:4:4', '-a', 'ipv4');
    gobgp.gobgp('global', 'rib', 'add', '2001:db8:4::/48', 'community', '65004:40', '-a', 'ipv6');
  });

  after(async () => {
    await lab?.close();
  });

  it('BIRD receives our route with its communities; we receive BIRD\'s', async () => {
    const r = await until('203.0.113.0/24 at BIRD', () => {
      const out = bird.birdc('show route 203.0.113.0/24 all');
      return out.includes('BGP.community') ? out : undefined;
    });
    assert.match(r, /BGP\.as_path: 65001/);
    assert.match(r, /BGP\.community: \(65001,20\)/);
    assert.match(r, /BGP\.large_community: \(65001, 2, 2\)/);
    const p = await until('198.51.100.0/24 here', async () => (await us.json('show ip bgp 198.51.100.0/24 json')).paths?.[0]);
    assert.equal(p.community.string, '65003:30');
    assert.equal(p.largeCommunity.string, '65003:3:3');
    assert.equal(p.aspath.string, '65003');
  });

  it('GoBGP receives our IPv4 and IPv6 routes; we receive GoBGP\'s', async () => {
    const v4 = await until('203.0.113.0/24 at GoBGP', () => gobgpRib('ipv4')['203.0.113.0/24']?.[0]);
    const comm = v4.attrs.find((a) => a.type === 8);
    assert.deepEqual(comm?.communities, [65001 * 65536 + 20]);
    assert.ok(v4.attrs.some((a) => a.type === 32));
    await until('2001:db8:1::/48 at GoBGP', () => gobgpRib('ipv6')['2001:db8:1::/48']?.[0]);
    const p = await until('192.0.2.0/24 here', async () => (await us.json('show ip bgp 192.0.2.0/24 json')).paths?.[0]);
    assert.equal(p.community.string, '65004:40');
    assert.equal(p.largeCommunity.string, '65004:4:4');
    const p6 = await until('2001:db8:4::/48 here', async () => (await us.json('show bgp ipv6 2001:db8:4::/48 json')).paths?.[0]);
    assert.equal(p6.valid, true);
  });

  it('withdrawals reach both, and come back from GoBGP', async () => {
    await us.vtysh('configure terminal', 'router bgp 65001', 'no network 203.0.113.0/24');
    await until('withdrawn at BIRD', () => !bird.birdc('show route 203.0.113.0/24').includes('203.0.113.0/24'));
    await until('withdrawn at GoBGP', () => gobgpRib('ipv4')['203.0.113.0/24'] === undefined);
    gobgp.gobgp('global', 'rib', 'del', '192.0.2.0/24', '-a', 'ipv4');
    await until('192.0.2.0/24 withdrawn here', async () => (await us.vtysh('show ip bgp 192.0.2.0/24')).includes('Network not in table'));
  });

  it('a wrong peer AS gets OPEN Message Error/Bad Peer AS', async () => {
    await us.vtysh('configure terminal', 'router bgp 65001', 'neighbor 10.0.0.3 remote-as 65099');
    const n = await until('our NOTIFICATION to BIRD', async () => {
      const j = (await us.json('show ip bgp neighbors 10.0.0.3 json'))['10.0.0.3'];
      return j.lastNotificationReason === 'OPEN Message Error/Bad Peer AS' ? j : undefined;
    });
    assert.notEqual(n.bgpState, 'Established');
    await until('BIRD reports it', () => /Received: Bad peer AS/.test(bird.birdc('show protocols all cilia')));
    await us.vtysh('configure terminal', 'router bgp 65001', 'neighbor 10.0.0.3 remote-as 65003');
    // BIRD sits out its error wait time (60 s) after a refused OPEN; restart the protocol
    bird.birdc('restart cilia');
    await until('the BIRD session again', async () => (await state('10.0.0.3')) === 'Established', 40_000);
  });

  it('hold timer expiry when GoBGP stops answering', async () => {
    lab.signal(gobgp.daemon, 'SIGSTOP');
    try {
      await until(
        'hold timer expiry',
        async () => (await us.json('show ip bgp neighbors 10.0.0.4 json'))['10.0.0.4'].lastNotificationReason === 'Hold Timer Expired',
        20_000,
      );
      assert.equal(await us.vtysh('show ip bgp 192.0.2.0/24'), '% Network not in table\n');
    } finally {
      lab.signal(gobgp.daemon, 'SIGCONT');
    }
    await until('the GoBGP session after it resumes', async () => (await state('10.0.0.4')) === 'Established', 40_000);
  });
});
