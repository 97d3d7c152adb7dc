// Interop with FRR 8.4 bgpd over iBGP in a network namespace: both families both ways with
// communities, large communities and local-pref; withdrawals; route refresh both ways; graceful
// restart of our side; hold timer expiry; and a tshark decode of the captured session.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Daemon, NetnsLab, type Speaker, skipReason, until } from './lab.ts';

const reason = skipReason(['frr', 'tshark']);

const US = `hostname cilia
router bgp 65001
 bgp router-id 10.0.0.1
 no bgp ebgp-requires-policy
 bgp graceful-restart
 bgp graceful-restart preserve-fw-state
 neighbor 10.0.0.2 remote-as 65001
 neighbor 10.0.0.2 timers 3 9
 neighbor 10.0.0.2 timers connect 1
 address-family ipv4 unicast
  network 203.0.113.0/24
  neighbor 10.0.0.2 route-map TAG out
 exit-address-family
 address-family ipv6 unicast
  network 2001:db8:1::/48
  neighbor 10.0.0.2 activate
  neighbor 10.0.0.2 route-map TAG out
 exit-address-family
!
route-map TAG permit 10
 set community 65001:20 additive
 set large-community 65001:2:2 additive
 set local-preference 300
`;

const FRR = `frr defaults traditional
hostname frr
router bgp 65001
 bgp router-id 10.0.0.2
 no bgp ebgp-requires-policy
 no bgp network import-check
 bgp graceful-restart
 neighbor 10.0.0.1 remote-as 65001
 neighbor 10.0.0.1 update-source 10.0.0.2
 neighbor 10.0.0.1 timers 3 9
 neighbor 10.0.0.1 timers connect 1
 address-family ipv4 unicast
  network 198.51.100.0/24
  neighbor 10.0.0.1 route-map TAG out
 exit-address-family
 address-family ipv6 unicast
  network 2001:db8:2::/48
  neighbor 10.0.0.1 activate
  neighbor 10.0.0.1 route-map TAG out
 exit-address-family
!
route-map TAG permit 10
 set community 65002:10 additive
 set large-community 65002:1:1 additive
 set local-preference 200
`;

describe('interop: FRR 8.4 (iBGP)', { skip: reason }, () => {
  let lab: NetnsLab;
  let frr: { daemon: Daemon; vtysh: (...c: string[]) => string };
  let us: Speaker;
  let capture: Daemon;
  const pcap = () => join(lab.dir, 'session.pcap');
  const frrJson = (cmd: string) => JSON.parse(frr.vtysh(cmd));
  const established = async () => (await us.json('show ip bgp summary json')).ipv4Unicast?.peers?.['10.0.0.2']?.state === 'Established';

  before(async () => {
    lab = NetnsLab.create('frr', ['10.0.0.1', '10.0.0.2'], ['fd00::1', 'fd00::2']);
    capture = lab.spawn('tshark', ['tshark', '-q', '-i', 'lo', '-f', 'tcp port 179', '-w', pcap()]);
    await until('tshark to start capturing', () => lab.log(capture).includes('Capturing on'), 15_000);
    frr = lab.frr('frr', '10.0.0.2', FRR);
    us = lab.speaker('us', US, '10.0.0.1');
    await until('the session with FRR', established);
  });

  after(async () => {
    await lab?.close();
  });

  it('FRR receives our IPv4 and IPv6 routes with communities, large communities and local-pref', async () => {
    const r = await until('203.0.113.0/24 at FRR', () => frrJson('show bgp ipv4 unicast 203.0.113.0/24 json').paths?.[0]);
    assert.equal(r.locPrf, 300);
    assert.equal(r.community.string, '65001:20');
    assert.equal(r.largeCommunity.string, '65001:2:2');
    const r6 = await until('2001:db8:1::/48 at FRR', () => frrJson('show bgp ipv6 unicast 2001:db8:1::/48 json').paths?.[0]);
    assert.equal(r6.locPrf, 300);
    assert.equal(r6.community.string, '65001:20');
  });

  it('we receive FRR routes of both families with their attributes', async () => {
    const r = await until('198.51.100.0/24 here', async () => (await us.json('show ip bgp 198.51.100.0/24 json')).paths?.[0]);
    assert.equal(r.locPrf, 200);
    assert.equal(r.community.string, '65002:10');
    assert.equal(r.largeCommunity.string, '65002:1:1');
    assert.equal(r.valid, true);
    const r6 = await until('2001:db8:2::/48 here', async () => (await us.json('show bgp ipv6 2001:db8:2::/48 json')).paths?.[0]);
    assert.equal(r6.locPrf, 200);
  });

  it('withdrawals travel both ways', async () => {
    frr.vtysh('configure terminal', 'router bgp 65001', 'address-family ipv4 unicast', 'no network 198.51.100.0/24');
    await until('198.51.100.0/24 withdrawn here', async () => (await us.vtysh('show ip bgp 198.51.100.0/24')).includes('Network not in table'));
    assert.equal(await us.vtysh('configure terminal', 'router bgp 65001', 'no network 203.0.113.0/24'), '');
    await until('203.0.113.0/24 withdrawn at FRR', () => frr.vtysh('show bgp ipv4 unicast 203.0.113.0/24').includes('Network not in table'));
    frr.vtysh('configure terminal', 'router bgp 65001', 'address-family ipv4 unicast', 'network 198.51.100.0/24');
    await us.vtysh('configure terminal', 'router bgp 65001', 'network 203.0.113.0/24');
    await until('routes back', async () => (await us.vtysh('show ip bgp')).includes('198.51.100.0/24') && frr.vtysh('show bgp ipv4 unicast').includes('203.0.113.0/24'));
  });

  it('answers FRR route refresh, and asks FRR for one', async () => {
    const before = (await us.json('show ip bgp neighbors 10.0.0.2 json'))['10.0.0.2'].messageStats.routeRefreshRecv;
    frr.vtysh('clear bgp ipv4 unicast 10.0.0.1 soft in');
    await until('our ROUTE-REFRESH counter', async () => (await us.json('show ip bgp neighbors 10.0.0.2 json'))['10.0.0.2'].messageStats.routeRefreshRecv > before);
    const frrBefore = frrJson('show bgp neighbors 10.0.0.1 json')['10.0.0.1'].messageStats.routeRefreshRecv;
    await us.vtysh('clear ip bgp 10.0.0.2 soft in');
    await until('FRR ROUTE-REFRESH counter', () => frrJson('show bgp neighbors 10.0.0.1 json')['10.0.0.1'].messageStats.routeRefreshRecv > frrBefore);
    assert.ok(frr.vtysh('show bgp ipv4 unicast').includes('203.0.113.0/24'));
  });

  it('graceful restart: FRR keeps our routes stale while we restart, then refreshes them', async () => {
    lab.signal(us.daemon, 'SIGKILL');
    const stale = await until('our route stale at FRR', () => {
      const p = frrJson('show bgp ipv4 unicast 203.0.113.0/24 json').paths?.[0];
      return p?.stale === true ? p : undefined;
    });
    assert.equal(stale.stale, true);
    us.restart();
    await until('the session again', established);
    await until('our route fresh at FRR', () => {
      const p = frrJson('show bgp ipv4 unicast 203.0.113.0/24 json').paths?.[0];
      return p && p.stale === undefined ? p : undefined;
    });
  });

  it('hold timer expiry when FRR stops answering', async () => {
    lab.signal(frr.daemon, 'SIGSTOP');
    try {
      const n = await until(
        'hold timer expiry',
        async () => {
          const j = (await us.json('show ip bgp neighbors 10.0.0.2 json'))['10.0.0.2'];
          return j.bgpState !== 'Established' && j.lastNotificationReason === 'Hold Timer Expired' ? j : undefined;
        },
        20_000,
      );
      assert.equal(n.lastErrorCodeSubcode, '0400');
    } finally {
      lab.signal(frr.daemon, 'SIGCONT');
    }
    await until('the session after FRR resumes', established, 40_000);
  });

  it('the captured session decodes cleanly in tshark', async () => {
    await lab.stopCapture(capture, pcap());
    const run = (...args: string[]) => spawnSync('tshark', ['-r', pcap(), ...args], { encoding: 'utf8' }).stdout;
    const malformed = run('-Y', '_ws.malformed || _ws.expert.severity >= "error"');
    assert.equal(malformed.trim(), '', `tshark reports problems:\n${malformed}`);
    const types = new Set(run('-Y', 'bgp', '-T', 'fields', '-e', 'bgp.type').split(/[\n,]/).filter(Boolean));
    for (const t of ['1', '2', '4']) assert.ok(types.has(t), `no BGP message of type ${t} in the capture`);
    const ours = run('-Y', 'ip.src == 10.0.0.1 && bgp.type == 2', '-T', 'fields', '-e', 'bgp.update.path_attribute.community_as', '-e', 'bgp.large_communities.ga', '-e', 'bgp.mp_reach_nlri_ipv6_prefix');
    assert.match(ours, /65001/);
    assert.match(ours, /2001:db8:1::/);
  });
});
