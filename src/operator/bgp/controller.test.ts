import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualClock } from '../../controller/clock.ts';
import { Rng } from '../../controller/rng.ts';
import { admit } from '../../k8s/admission.ts';
import { GK } from '../../k8s/kinds.ts';
import { applyPatch } from '../../k8s/patch.ts';
import type { CiliumBGPClusterConfig, CiliumBGPNodeConfig, CiliumBGPPeerConfig } from '../../k8s/types.ts';
import { MemoryStore } from '../../store/memory.ts';
import { BGPOperator } from './controller.ts';

async function setup(statusReport = true) {
  const clock = new VirtualClock();
  const logs: string[] = [];
  const store = new MemoryStore({ clock, rng: new Rng('op'), admit: (op, o, old) => admit(op, o, old), patcher: (t, o, p) => applyPatch(o, t, p), log: () => {} });
  for (const name of ['n1', 'n2']) await store.create({ apiVersion: 'cilium.io/v2', kind: 'CiliumNode', metadata: { name, labels: { 'enable-bgp': 'true' } }, spec: {} });
  await store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } });
  const op = new BGPOperator({ store, clock, statusReport, secretsNamespace: 'kube-system', log: (l) => logs.push(l) });
  await op.start();
  const settle = async () => {
    for (let i = 0; i < 20; i++) await clock.advance(10);
  };
  return { store, op, logs, settle, clock };
}

const clusterConfig = (name: string, peerConfig = 'cilium-peer'): CiliumBGPClusterConfig => ({
  apiVersion: 'cilium.io/v2',
  kind: 'CiliumBGPClusterConfig',
  metadata: { name },
  spec: {
    nodeSelector: { matchLabels: { 'enable-bgp': 'true' } },
    bgpInstances: [{ name: 'instance-65001', localASN: 65001, peers: [{ name: 'tor-switch', peerASN: 65000, peerAddress: '192.168.10.200', peerConfigRef: { name: peerConfig } }] }],
  },
});

describe('BGP operator', () => {
  it('creates owned node configs, reports conditions, and follows label changes', async () => {
    const { store, op, settle, logs } = await setup();
    await store.create(clusterConfig('cilium-bgp', 'missing-peer'));
    await settle();
    const ncs = (await store.list<CiliumBGPNodeConfig>(GK.CiliumBGPNodeConfig)).items;
    assert.deepEqual(ncs.map((n) => n.metadata.name), ['n1', 'n2']);
    assert.equal(ncs[0]!.metadata.ownerReferences![0]!.name, 'cilium-bgp');
    const cc = await store.get<CiliumBGPClusterConfig>(GK.CiliumBGPClusterConfig, undefined, 'cilium-bgp');
    const missing = cc!.status!.conditions!.find((c) => c.type === 'cilium.io/MissingPeerConfigs')!;
    assert.equal(missing.status, 'True');
    assert.equal(missing.message, 'Referenced CiliumBGPPeerConfig(s) are missing: [missing-peer]');
    assert.ok(logs.some((l) => l.includes('missing CiliumBGPPeerConfig(s) missing-peer')), logs.join('\n'));
    // drain flow: the label goes false, the node config goes
    await store.patch(GK.CiliumNode, undefined, 'n2', 'merge', { metadata: { labels: { 'enable-bgp': 'false' } } });
    await settle();
    assert.deepEqual((await store.list(GK.CiliumBGPNodeConfig)).items.map((n) => n.metadata.name), ['n1']);
    // a second cluster config selecting the same node is a conflict
    await store.create(clusterConfig('other'));
    await settle();
    const other = await store.get<CiliumBGPClusterConfig>(GK.CiliumBGPClusterConfig, undefined, 'other');
    assert.equal(other!.status!.conditions!.find((c) => c.type === 'cilium.io/ConflictingClusterConfig')!.message, 'Selecting the same node(s) with ClusterConfig(s): [cilium-bgp]');
    // deleting the cluster config garbage-collects its node configs
    await store.delete(GK.CiliumBGPClusterConfig, undefined, 'cilium-bgp');
    await settle();
    const left = (await store.list<CiliumBGPNodeConfig>(GK.CiliumBGPNodeConfig)).items;
    assert.deepEqual(left.map((n) => [n.metadata.name, n.metadata.ownerReferences![0]!.name]), [['n1', 'other']]);
    op.stop();
  });

  it('reports a missing auth secret on the peer config', async () => {
    const { store, op, settle } = await setup();
    await store.create<CiliumBGPPeerConfig>({ apiVersion: 'cilium.io/v2', kind: 'CiliumBGPPeerConfig', metadata: { name: 'p' }, spec: { authSecretRef: 'bgp-auth' } });
    await settle();
    let pc = await store.get<CiliumBGPPeerConfig>(GK.CiliumBGPPeerConfig, undefined, 'p');
    assert.deepEqual(
      pc!.status!.conditions!.map((c) => [c.type, c.status, c.reason, c.message]),
      [
        ['cilium.io/MissingAuthSecret', 'True', 'MissingAuthSecret', 'Referenced Auth Secret "bgp-auth" is missing'],
        ['cilium.io/NoMatchingAdvertisements', 'False', 'NoMatchingAdvertisements', ''],
      ],
    );
    await store.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bgp-auth', namespace: 'kube-system' }, data: { password: Buffer.from('s3cret').toString('base64') } });
    await settle();
    pc = await store.get<CiliumBGPPeerConfig>(GK.CiliumBGPPeerConfig, undefined, 'p');
    assert.equal(pc!.status!.conditions![0]!.status, 'False');
    op.stop();
  });

  it('reports a peer config family whose advertisements selector matches nothing', async () => {
    const { store, op, settle, logs } = await setup();
    await store.create<CiliumBGPPeerConfig>({
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumBGPPeerConfig',
      metadata: { name: 'p' },
      spec: { families: [{ afi: 'ipv4', safi: 'unicast', advertisements: { matchLabels: { advertise: 'bgp' } } }] },
    });
    await settle();
    const cond = async () => (await store.get<CiliumBGPPeerConfig>(GK.CiliumBGPPeerConfig, undefined, 'p'))!.status!.conditions!.find((c) => c.type === 'cilium.io/NoMatchingAdvertisements')!;
    assert.equal((await cond()).message, 'Families whose advertisements selector matches no CiliumBGPAdvertisement: [ipv4/unicast]');
    assert.ok(logs.some((l) => l.includes('matches no CiliumBGPAdvertisement')));
    await store.create({ apiVersion: 'cilium.io/v2', kind: 'CiliumBGPAdvertisement', metadata: { name: 'a', labels: { advertise: 'bgp' } }, spec: { advertisements: [{ advertisementType: 'PodCIDR' }] } });
    await settle();
    assert.equal((await cond()).status, 'False');
    op.stop();
  });

  it('with status reporting off, removes the conditions it wrote', async () => {
    const first = await setup(true);
    await first.store.create(clusterConfig('cilium-bgp'));
    await first.settle();
    first.op.stop();
    const second = new BGPOperator({ store: first.store, clock: first.clock, statusReport: false, secretsNamespace: 'kube-system', log: () => {} });
    await second.start();
    await first.settle();
    const cc = await first.store.get<CiliumBGPClusterConfig>(GK.CiliumBGPClusterConfig, undefined, 'cilium-bgp');
    assert.deepEqual(cc!.status?.conditions ?? [], []);
    second.stop();
  });
});
