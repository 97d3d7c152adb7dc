import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualClock } from '../../controller/clock.ts';
import { Speaker } from '../speaker.ts';
import { memoryNetwork } from '../testing/memory-transport.ts';
import { locRib } from '../views.ts';
import { FrrConfigError, parseFrrConfig } from './config.ts';
import { FrrRouter, matchCommand } from './router.ts';

process.env.TZ = 'UTC';

function setup(config: string) {
  const clock = new VirtualClock();
  const net = memoryNetwork();
  const router = new FrrRouter({ config, clock, transport: net.transport('10.0.0.1') });
  const settle = async (ms = 2000) => {
    for (let i = 0; i < 20; i++) await clock.settle();
    await clock.advance(ms);
  };
  const node = async (addr: string, asn: number, routes: string[]) => {
    const sp = new Speaker({ asn, routerId: addr, clock, transport: net.transport(addr), ebgpRequiresPolicy: false });
    sp.addPeer({ address: '10.0.0.1', asn: 0, localAddress: addr });
    for (const r of routes) sp.originate(r, { communities: [asn * 65536 + 1] });
    await sp.start();
    return sp;
  };
  return { clock, router, settle, node };
}

describe('FRR configuration parser', () => {
  it('reads the seed configuration, appended lines and all', () => {
    const cfg = parseFrrConfig(`router bgp 65000
  bgp router-id 192.168.10.200
  maximum-paths 4
  network 10.10.1.0/24
  neighbor CILIUM peer-group
  neighbor CILIUM remote-as external
  neighbor 192.168.10.100 peer-group CILIUM
`);
    assert.equal(cfg.bgp?.asn, 65000);
    assert.equal(cfg.bgp?.af.ipv4.maxPathsEbgp, 4);
    assert.deepEqual(cfg.bgp?.af.ipv4.networks.map((n) => n.prefix), ['10.10.1.0/24']);
    assert.equal(cfg.bgp?.neighbors.get('192.168.10.100')?.peerGroup, 'CILIUM');
  });

  it('leaves a node when a line belongs to an enclosing one (vtysh rule)', () => {
    const cfg = parseFrrConfig(`router bgp 1
 bgp router-id 1.1.1.1
 address-family ipv6 unicast
  network 2001:db8::/32
 neighbor 10.0.0.2 remote-as 2
route-map RM permit 10
 set local-preference 50
ip prefix-list PL seq 5 permit 10.0.0.0/8 le 24
`);
    assert.equal(cfg.bgp?.af.ipv6.networks.length, 1);
    assert.equal(cfg.bgp?.neighbors.get('10.0.0.2')?.remoteAs, 2);
    assert.equal(cfg.routeMaps.get('RM')?.[0]?.setLocalPref, 50);
    assert.equal(cfg.prefixLists.get('PL')?.entries[0]?.le, 24);
  });

  it('reports every bad line with its number', () => {
    try {
      parseFrrConfig('router bgp 1\n neighbor 10.0.0.2 remote-as 2\n frobnicate\n neighbor 10.0.0.9 timers 3 2\n network 10.0.0.0/33\n');
      assert.fail('accepted');
    } catch (e) {
      assert.ok(e instanceof FrrConfigError);
      assert.deepEqual(
        e.issues.map((i) => i.line),
        [3, 4, 5],
      );
      assert.match(e.issues[0]!.message, /^No such command on config line 3: frobnicate$/);
    }
  });
});

describe('vtysh command matching', () => {
  it('takes unique abbreviations and refuses ambiguous or incomplete ones', () => {
    const ok = matchCommand('sh ip bgp su json'.split(' '));
    assert.equal(ok.kind === 'ok' && ok.cmd, 'summary');
    assert.deepEqual(matchCommand(['show', 'ip']), { kind: 'error', message: '% Command incomplete: show ip' });
    assert.equal(matchCommand(['show', 'ip', 'bgp', 'nonsense']).kind, 'error');
    const rt = matchCommand(['show', 'ip', 'bgp', 'neighbors', '10.0.0.2', 'advertised-routes']);
    assert.equal(rt.kind === 'ok' && rt.args.which, 'advertised');
  });
});

describe('FRR router behaviour', () => {
  it('RFC 8212: eBGP exchanges nothing without route-maps, and shows (Policy)', async () => {
    const { router, settle, node } = setup(`router bgp 65000
 bgp router-id 10.0.0.1
 neighbor 10.0.0.2 remote-as 65002
 network 10.10.0.0/16
`);
    await router.start();
    await node('10.0.0.2', 65002, ['192.0.2.0/24']);
    await settle();
    assert.match(router.vtysh('show ip bgp summary'), /^10\.0\.0\.2 {8}4 {6}65002 .* {4}\(Policy\) \(Policy\) N\/A$/m);
    assert.deepEqual(locRib(router.speaker!, 'ipv4-unicast').map((r) => r.prefix), ['10.10.0.0/16']);
  });

  it('applies inbound route-maps with prefix-lists (deny what is not permitted, set local-pref)', async () => {
    const { router, settle, node } = setup(`router bgp 65000
 bgp router-id 10.0.0.1
 neighbor 10.0.0.2 remote-as 65002
 address-family ipv4 unicast
  neighbor 10.0.0.2 route-map IN in
  neighbor 10.0.0.2 route-map OUT out
 exit-address-family
!
ip prefix-list ALLOW seq 5 permit 192.0.2.0/24
route-map IN permit 10
 match ip address prefix-list ALLOW
 set local-preference 250
 set community 65000:7 additive
route-map OUT permit 10
`);
    await router.start();
    await node('10.0.0.2', 65002, ['192.0.2.0/24', '198.51.100.0/24']);
    await settle();
    const table = router.vtysh('show ip bgp');
    assert.ok(table.includes('*> 192.0.2.0/24     10.0.0.2                      250      0 65002 i\n'), table);
    assert.ok(!table.includes('198.51.100.0'), table);
    assert.match(router.vtysh('show ip bgp 192.0.2.0/24'), /Community: 65000:7 65002:1/);
  });

  it('accepts peers from a listen range into a peer-group (dynamic neighbors)', async () => {
    const { router, settle, node } = setup(`router bgp 65000
 bgp router-id 10.0.0.1
 no bgp ebgp-requires-policy
 neighbor NODES peer-group
 neighbor NODES remote-as external
 bgp listen range 10.0.0.0/24 peer-group NODES
`);
    await router.start();
    await node('10.0.0.7', 65007, ['172.20.7.0/24']);
    await settle();
    assert.match(router.vtysh('show ip bgp summary'), /^\*10\.0\.0\.7 {7}4 {6}65007 /m);
    assert.match(router.vtysh('show ip bgp'), /\*> 172\.20\.7\.0\/24 {4}10\.0\.0\.7 /);
  });

  it('takes configuration changes at run time (configure terminal)', async () => {
    const { router, settle, node } = setup(`router bgp 65000
 bgp router-id 10.0.0.1
 no bgp ebgp-requires-policy
`);
    await router.start();
    const peer = await node('10.0.0.2', 65002, []);
    assert.equal(router.vtyshBatch(['configure terminal', 'router bgp 65000', 'neighbor 10.0.0.2 remote-as 65002', 'network 10.99.0.0/24']), '');
    await settle();
    assert.equal(locRib(peer, 'ipv4-unicast')[0]?.prefix, '10.99.0.0/24');
    assert.equal(router.vtyshBatch(['conf t', 'router bgp 65001']), '% BGP is already running; AS is 65000 (router bgp 65001)\n');
    assert.equal(router.vtyshBatch(['conf t', 'router bgp 65000', 'no network 10.99.0.0/24']), '');
    await settle();
    assert.equal(locRib(peer, 'ipv4-unicast').length, 0);
    assert.match(router.vtysh('show running'), /neighbor 10\.0\.0\.2 remote-as 65002/);
  });
});
