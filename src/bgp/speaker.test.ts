import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualClock } from '../controller/clock.ts';
import { Speaker, type SpeakerOptions } from './speaker.ts';
import { memoryNetwork } from './testing/memory-transport.ts';
import { adjRibIn, adjRibOut, locRib, peerStatus } from './views.ts';
import type { PolicyAssignment } from './policy/types.ts';

function lab() {
  const clock = new VirtualClock();
  const net = memoryNetwork();
  const make = (address: string, asn: number, extra: Partial<SpeakerOptions> = {}) =>
    new Speaker({ asn, routerId: address, clock, transport: net.transport(address), listen: { address, port: 179 }, ebgpRequiresPolicy: false, ...extra });
  const settle = async (ms = 1000) => {
    await clock.advance(ms);
  };
  return { clock, net, make, settle };
}

describe('speaker sessions', () => {
  it('establishes eBGP, exchanges IPv4 and IPv6 routes with rewritten attributes', async () => {
    const { make, settle } = lab();
    const a = make('10.0.0.1', 65001);
    const b = make('10.0.0.2', 65002);
    a.addPeer({ address: '10.0.0.2', asn: 65002, families: ['ipv4-unicast', 'ipv6-unicast'] });
    b.addPeer({ address: '10.0.0.1', asn: 65001, families: ['ipv4-unicast', 'ipv6-unicast'], passive: true });
    await a.start();
    await b.start();
    a.originate('172.20.0.0/24', { communities: [65001 * 65536 + 7], largeCommunities: [65001, 1, 2] });
    a.originate('fd00:10::/64');
    await settle();
    assert.equal(peerStatus(a, '10.0.0.2')?.state, 'Established');
    const v4 = locRib(b, 'ipv4-unicast');
    assert.deepEqual(v4.map((r) => r.prefix), ['172.20.0.0/24']);
    const p = v4[0]!.paths[0]!;
    assert.equal(p.nextHop, '10.0.0.1');
    assert.deepEqual(p.attrs.asPath, [{ type: 2, asns: [65001] }]);
    assert.deepEqual(p.attrs.communities, [65001 * 65536 + 7]);
    assert.deepEqual(p.attrs.largeCommunities, [65001, 1, 2]);
    const v6 = locRib(b, 'ipv6-unicast');
    assert.equal(v6[0]?.prefix, 'fd00:10::/64');
    assert.equal(v6[0]?.paths[0]?.nextHop, '::ffff:10.0.0.1');
    assert.equal(peerStatus(b, '10.0.0.1')?.families[0]?.accepted, 1);
    assert.equal(peerStatus(a, '10.0.0.2')?.families[0]?.advertised, 1);
    a.withdraw('172.20.0.0/24');
    await settle();
    assert.equal(locRib(b, 'ipv4-unicast').length, 0);
    a.stop();
    b.stop();
  });

  it('refuses a wrong peer AS with OPEN Message Error/Bad Peer AS', async () => {
    const { make, settle } = lab();
    const a = make('10.0.0.1', 65001);
    const b = make('10.0.0.2', 65002);
    a.addPeer({ address: '10.0.0.2', asn: 65099 });
    b.addPeer({ address: '10.0.0.1', asn: 65001, passive: true });
    await a.start();
    await b.start();
    await settle();
    const sa = peerStatus(a, '10.0.0.2')!;
    assert.notEqual(sa.state, 'Established');
    assert.equal(sa.lastNotificationOut?.code, 2);
    assert.equal(sa.lastNotificationOut?.subcode, 2);
    assert.equal(peerStatus(b, '10.0.0.1')?.lastNotificationIn?.subcode, 2);
    a.stop();
    b.stop();
  });

  it('expires the hold timer when the peer goes silent and retries later', async () => {
    const { make, settle, net } = lab();
    const a = make('10.0.0.1', 65001);
    const b = make('10.0.0.2', 65002);
    a.addPeer({ address: '10.0.0.2', asn: 65002, holdTime: 9, keepalive: 3, connectRetry: 5 });
    b.addPeer({ address: '10.0.0.1', asn: 65001, passive: true, holdTime: 9 });
    await a.start();
    await b.start();
    b.originate('10.9.0.0/16');
    await settle();
    assert.equal(locRib(a, 'ipv4-unicast').length, 1);
    net.cut('10.0.0.1', '10.0.0.2');
    await settle(10_000);
    const st = peerStatus(a, '10.0.0.2')!;
    assert.equal(st.lastReset, 'Hold Timer Expired');
    assert.equal(st.lastNotificationOut?.code, 4);
    assert.equal(locRib(a, 'ipv4-unicast').length, 0);
    await settle(60_000);
    assert.equal(peerStatus(a, '10.0.0.2')?.state, 'Established');
    assert.equal(locRib(a, 'ipv4-unicast').length, 1);
    a.stop();
    b.stop();
  });

  it('keeps routes stale through a graceful restart and sweeps them on End-of-RIB', async () => {
    const ctx = lab();
    const { make, settle } = ctx;
    const gr = { gracefulRestart: { enabled: true, restartTime: 30 } };
    const a = make('10.0.0.1', 65001, gr);
    let b = make('10.0.0.2', 65002, gr);
    a.addPeer({ address: '10.0.0.2', asn: 65002, passive: true });
    b.addPeer({ address: '10.0.0.1', asn: 65001, idleHoldTime: 1 });
    await a.start();
    await b.start();
    b.originate('10.1.0.0/16');
    b.originate('10.2.0.0/16');
    await settle();
    assert.equal(locRib(a, 'ipv4-unicast').length, 2);
    // b "crashes": its sockets close without a NOTIFICATION
    const { net } = ctx;
    net.reset('10.0.0.1', '10.0.0.2');
    b.stop();
    await settle(100);
    const stale = locRib(a, 'ipv4-unicast');
    assert.equal(stale.length, 2);
    assert.ok(stale.every((r) => r.paths[0]!.stale));
    b = make('10.0.0.2', 65002, { ...gr, listen: { address: '10.0.0.2', port: 0 } });
    b.addPeer({ address: '10.0.0.1', asn: 65001 });
    b.originate('10.1.0.0/16');
    await b.start();
    await settle(2000);
    const after = locRib(a, 'ipv4-unicast');
    assert.deepEqual(after.map((r) => [r.prefix, r.paths[0]!.stale]), [['10.1.0.0/16', false]]);
    a.stop();
    b.stop();
  });

  it('applies Cilium-style policies: reject-all import, per-neighbour exact-prefix export with attributes', async () => {
    const { make, settle } = lab();
    const node = make('10.0.0.1', 65001, { ebgpRequiresPolicy: true });
    const tor = make('10.0.0.2', 65000);
    node.addPeer({ address: '10.0.0.2', asn: 65000 });
    tor.addPeer({ address: '10.0.0.1', asn: 65001, passive: true });
    const exp: PolicyAssignment = {
      policies: [
        {
          name: 'tor-switch-ipv4-PodCIDR',
          statements: [
            {
              name: 's0',
              conditions: {
                neighbors: [{ family: 4, addr: 0x0a000002n, len: 32 }],
                prefixList: { name: 'p', entries: [{ permit: true, range: { family: 4, addr: 0xac140100n, len: 24, ge: 24, le: 24 } }] },
              },
              actions: { disposition: 'accept', addCommunities: [65000 * 65536 + 99] },
            },
          ],
        },
      ],
      defaultAction: 'reject',
    };
    node.setGlobalPolicy({ import: { policies: [], defaultAction: 'reject' }, export: exp });
    await node.start();
    await tor.start();
    node.originate('172.20.1.0/24');
    node.originate('172.20.9.0/24');
    tor.originate('10.10.1.0/24');
    await settle();
    assert.deepEqual(locRib(tor, 'ipv4-unicast').map((r) => r.prefix), ['10.10.1.0/24', '172.20.1.0/24']);
    assert.deepEqual(adjRibOut(node, '10.0.0.2', 'ipv4-unicast')[0]?.attrs.communities, [65000 * 65536 + 99]);
    // received but rejected: in Adj-RIB-In pre-policy only
    assert.equal(adjRibIn(node, '10.0.0.2', 'ipv4-unicast', false).length, 1);
    assert.equal(adjRibIn(node, '10.0.0.2', 'ipv4-unicast', true).length, 0);
    assert.equal(locRib(node, 'ipv4-unicast').filter((r) => r.paths.some((p) => p.best && p.peer !== '')).length, 0);
    node.stop();
    tor.stop();
  });

  it('resets a peer that exceeds maximum-prefix with Cease/1', async () => {
    const { make, settle } = lab();
    const a = make('10.0.0.1', 65001);
    const b = make('10.0.0.2', 65002);
    a.addPeer({ address: '10.0.0.2', asn: 65002, maxPrefixes: 2 });
    b.addPeer({ address: '10.0.0.1', asn: 65001, passive: true });
    for (let i = 0; i < 3; i++) b.originate(`10.${i}.0.0/16`);
    await a.start();
    await b.start();
    await settle();
    const st = peerStatus(a, '10.0.0.2')!;
    assert.equal(st.lastNotificationOut?.code, 6);
    assert.equal(st.lastNotificationOut?.subcode, 1);
    assert.deepEqual([...(st.lastNotificationOut?.data ?? [])], [0, 1, 1, 0, 0, 0, 2]);
    a.stop();
    b.stop();
  });

  it('resolves a connection collision and ends with one session', async () => {
    const { make, settle, net } = lab();
    const a = make('10.0.0.1', 65001);
    const b = make('10.0.0.2', 65002);
    a.addPeer({ address: '10.0.0.2', asn: 65002 });
    b.addPeer({ address: '10.0.0.1', asn: 65001 });
    await a.start();
    await b.start();
    await settle();
    assert.equal(peerStatus(a, '10.0.0.2')?.state, 'Established');
    assert.equal(peerStatus(b, '10.0.0.1')?.state, 'Established');
    assert.equal(net.open(), 2);
    a.stop();
    b.stop();
  });
});

describe('unreachable peers', () => {
  it('cycles Connect and Active with retries and never crashes', async () => {
    const { make, settle } = lab();
    const a = make('10.0.0.1', 65001);
    a.addPeer({ address: '10.0.0.9', asn: 65009, connectRetry: 5 });
    const states = new Set<string>();
    a.onPeerState((e) => states.add(e.to));
    await a.start();
    await settle(60_000);
    const st = peerStatus(a, '10.0.0.9')!;
    assert.ok(st.stats.connectAttempts >= 10, `only ${st.stats.connectAttempts} attempts`);
    assert.deepEqual([...states].sort(), ['Active', 'Connect']);
    assert.match(st.lastError, /ECONNREFUSED/);
    a.stop();
  });
});

describe('settings a transport cannot honour', () => {
  it('refuses a TCP MD5 password or an eBGP multihop TTL instead of ignoring them', () => {
    const { make } = lab();
    const a = make('10.0.0.1', 65001);
    assert.throws(() => a.addPeer({ address: '10.0.0.2', asn: 65002, password: 's3cret' }), /TCP MD5 .* not supported by this transport/);
    assert.throws(() => a.addPeer({ address: '10.0.0.2', asn: 65002, ebgpMultihop: 5 }), /eBGP multihop needs the socket TTL/);
    a.addPeer({ address: '10.0.0.2', asn: 65002, ebgpMultihop: 1 });
  });
});
