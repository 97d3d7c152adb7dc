import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { locRib, peerStatus } from '../../bgp/views.ts';
import { GK } from '../../k8s/kinds.ts';
import type { CiliumBGPNodeConfig } from '../../k8s/types.ts';
import { BgpTestbed, endpointSlice, lbService, seedObjects } from './testkit.ts';
import { peerModels, routePolicyModels } from './views.ts';

const NODES = [
  { name: 'k8s-ctr', ip: '192.168.10.100', podCIDR: '172.20.0.0/24', labels: { 'enable-bgp': 'true' } },
  { name: 'k8s-w1', ip: '192.168.10.101', podCIDR: '172.20.1.0/24', labels: { 'enable-bgp': 'true' } },
];

describe('BGP control plane over a memory network', () => {
  const tb = new BgpTestbed({ nodes: NODES });
  after(() => tb.stop());

  it('peers every selected node with the ToR and advertises the PodCIDRs', async () => {
    await tb.start();
    for (const o of seedObjects()) await tb.create(o);
    await tb.settle(2000);
    const ncs = (await tb.store.list<CiliumBGPNodeConfig>(GK.CiliumBGPNodeConfig)).items;
    assert.deepEqual(ncs.map((n) => n.metadata.name).sort(), ['k8s-ctr', 'k8s-w1']);
    for (const n of NODES) {
      const inst = tb.manager(n.name).runningInstances()[0]!;
      const peers = peerModels(inst, tb.clock.now());
      assert.equal(peers.length, 1);
      assert.equal(peers[0]!.sessionState, 'established');
    }
    const routes = locRib(tb.router!, 'ipv4-unicast').map((r) => `${r.prefix} via ${r.paths.map((p) => p.nextHop).join(',')}`);
    assert.deepEqual(routes, ['172.20.0.0/24 via 192.168.10.100', '172.20.1.0/24 via 192.168.10.101']);
    const policies = routePolicyModels(tb.manager('k8s-ctr').runningInstances()[0]!).map((p) => p.name);
    assert.deepEqual(policies, ['allow-local', 'tor-switch-ipv4-PodCIDR']);
  });

  it('learns routes but never accepts them (allow-local import)', async () => {
    const inst = tb.manager('k8s-ctr').runningInstances()[0]!;
    const st = peerStatus(inst.speaker, '192.168.10.200')!;
    // the ToR sends both PodCIDRs back (update group of two): both received, none accepted
    assert.equal(st.families[0]!.received, 2);
    assert.equal(st.families[0]!.accepted, 0);
    assert.deepEqual(locRib(inst.speaker, 'ipv4-unicast').flatMap((r) => r.paths.filter((p) => p.accepted).map(() => r.prefix)), ['172.20.0.0/24']);
  });

  it('advertises a LoadBalancer IP from every node, then only from nodes with a local endpoint (eTP=Local)', async () => {
    await tb.create({
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumBGPAdvertisement',
      metadata: { name: 'lb', labels: { advertise: 'bgp' } },
      spec: { advertisements: [{ advertisementType: 'Service', service: { addresses: ['LoadBalancerIP'] }, selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['webpod'] }] } }] },
    });
    await tb.createService(lbService('webpod', '172.16.1.1'));
    await tb.create(endpointSlice('webpod', ['k8s-w1']));
    await tb.settle(2000);
    const nh = () => locRib(tb.router!, 'ipv4-unicast').find((r) => r.prefix === '172.16.1.1/32')?.paths.map((p) => p.nextHop).sort() ?? [];
    assert.deepEqual(nh(), ['192.168.10.100', '192.168.10.101']);
    const names = routePolicyModels(tb.manager('k8s-ctr').runningInstances()[0]!).map((p) => p.name);
    assert.ok(names.includes('tor-switch-ipv4-Service-webpod-default-LoadBalancerIP'), names.join(' '));
    await tb.store.patch(GK.Service, 'default', 'webpod', 'merge', { spec: { externalTrafficPolicy: 'Local' } });
    await tb.settle(2000);
    assert.deepEqual(nh(), ['192.168.10.101']);
    // the pod moves to k8s-ctr
    await tb.store.update({ ...(await tb.store.get(GK.EndpointSlice, 'default', 'webpod-abcde'))!, endpoints: endpointSlice('webpod', ['k8s-ctr']).endpoints });
    await tb.settle(2000);
    assert.deepEqual(nh(), ['192.168.10.100']);
  });

  it('writes the node config status: peering state, timers, route counts', async () => {
    await tb.settle(6000);
    const nc = await tb.store.get<CiliumBGPNodeConfig>(GK.CiliumBGPNodeConfig, undefined, 'k8s-w1');
    const peer = nc!.status!.bgpInstances![0]!.peers![0]!;
    assert.equal(peer.peeringState, 'established');
    assert.deepEqual(peer.timers, { appliedHoldTimeSeconds: 9, appliedKeepaliveSeconds: 3 });
    assert.match(peer.establishedTime!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(peer.routeCount?.[0]?.afi, 'ipv4');
  });

  it('restarts with reporting off: the status is emptied, sessions and routes come back', async () => {
    tb.stopAgent('k8s-ctr');
    await tb.startAgent('k8s-ctr', { statusReport: false });
    await tb.settle(8000);
    const nc = await tb.store.get<CiliumBGPNodeConfig>(GK.CiliumBGPNodeConfig, undefined, 'k8s-ctr');
    assert.deepEqual(nc!.status, {});
    assert.equal(tb.manager('k8s-ctr').statusWrites, 0);
    assert.ok(locRib(tb.router!, 'ipv4-unicast').some((r) => r.prefix === '172.20.0.0/24' && r.paths.some((p) => p.nextHop === '192.168.10.100')));
  });

  it('drops the node config and the session when the node stops matching', async () => {
    await tb.store.patch(GK.CiliumNode, undefined, 'k8s-w1', 'merge', { metadata: { labels: { 'enable-bgp': 'false' } } });
    await tb.settle(2000);
    assert.equal(await tb.store.get(GK.CiliumBGPNodeConfig, undefined, 'k8s-w1'), undefined);
    assert.equal(tb.manager('k8s-w1').runningInstances().length, 0);
    assert.deepEqual(locRib(tb.router!, 'ipv4-unicast').map((r) => r.prefix), ['172.16.1.1/32', '172.20.0.0/24']);
  });
});

describe('peer auto-discovery (DefaultGateway)', () => {
  const gw = new Map([['n1', '192.168.10.200']]);
  const tb = new BgpTestbed({
    nodes: [
      { name: 'n1', ip: '192.168.10.100', podCIDR: '172.20.0.0/24' },
      { name: 'n2', ip: '192.168.10.101', podCIDR: '172.20.1.0/24' },
    ],
    defaultGateway: (node, family) => (family === 4 ? gw.get(node) : undefined),
  });
  after(() => tb.stop());

  it("peers with the node's default gateway; a node without one leaves the peer out and says so", async () => {
    await tb.start();
    const [advert, peerConfig] = seedObjects();
    await tb.create(advert!);
    await tb.create(peerConfig!);
    await tb.create({
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumBGPClusterConfig',
      metadata: { name: 'auto' },
      spec: { bgpInstances: [{ name: 'i', localASN: 65001, peers: [{ name: 'gw', peerASN: 65000, autoDiscovery: { mode: 'DefaultGateway', defaultGateway: { addressFamily: 'ipv4' } }, peerConfigRef: { name: 'cilium-peer' } }] }] },
    });
    await tb.settle(3000);
    const n1 = peerModels(tb.manager('n1').runningInstances()[0]!, tb.clock.now());
    assert.deepEqual(n1.map((p) => [p.peerAddress, p.sessionState]), [['192.168.10.200', 'established']]);
    assert.equal(peerModels(tb.manager('n2').runningInstances()[0]!, tb.clock.now()).length, 0);
    assert.ok(tb.logs.some((l) => l.includes('[n2] bgp: i: peer gw: auto-discovery found no IPv4 default gateway')), tb.logs.join('\n'));
  });
});
