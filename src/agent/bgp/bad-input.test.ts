// Bad input never stops the good parts: each problem shows up on the object it concerns and in
// the log, and the other peers keep running.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { GK } from '../../k8s/kinds.ts';
import type { CiliumBGPNodeConfig } from '../../k8s/types.ts';
import { StoreError } from '../../store/types.ts';
import { BgpTestbed, seedObjects } from './testkit.ts';
import { peerModels } from './views.ts';

describe('BGP bad input', () => {
  const tb = new BgpTestbed({ nodes: [{ name: 'n1', ip: '192.168.10.100', podCIDR: '172.20.0.0/24', labels: { 'enable-bgp': 'true' } }] });
  after(() => tb.stop());

  it('rejects an invalid ASN at admission with the field path', async () => {
    await tb.start();
    const [, , cc] = seedObjects();
    const bad = structuredClone(cc!) as unknown as { spec: { bgpInstances: { localASN: number }[] } };
    bad.spec.bgpInstances[0]!.localASN = 4294967296;
    await assert.rejects(
      () => tb.create(bad as never),
      (e: unknown) => e instanceof StoreError && e.code === 'Invalid' && /spec\.bgpInstances\[0\]\.localASN/.test(e.message),
    );
  });

  it('reports missing ASN, duplicate ASN, wrong-family peers and missing peer configs, keeps the good peer', async () => {
    const [advert, peerConfig] = seedObjects();
    await tb.create(advert!);
    await tb.create(peerConfig!);
    await tb.create({
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumBGPClusterConfig',
      metadata: { name: 'cilium-bgp' },
      spec: {
        nodeSelector: { matchLabels: { 'enable-bgp': 'true' } },
        bgpInstances: [
          {
            name: 'good',
            localASN: 65001,
            peers: [
              { name: 'tor-switch', peerASN: 65000, peerAddress: '192.168.10.200', peerConfigRef: { name: 'cilium-peer' } },
              { name: 'ghost', peerASN: 65000, peerAddress: '192.168.10.201', peerConfigRef: { name: 'does-not-exist' } },
              { name: 'v6', peerASN: 65000, peerAddress: 'fd00::1', peerConfigRef: { name: 'cilium-peer' } },
            ],
          },
          { name: 'twin', localASN: 65001, peers: [{ name: 'tor', peerASN: 65000, peerAddress: '192.168.10.200' }] },
          { name: 'no-asn', peers: [] },
        ],
      },
    });
    await tb.settle(7000);
    const insts = tb.manager('n1').runningInstances();
    assert.deepEqual(insts.map((i) => i.config.name), ['good']);
    const peers = peerModels(insts[0]!, tb.clock.now());
    assert.deepEqual(peers.map((p) => [p.peerAddress, p.sessionState]), [['192.168.10.200', 'established']]);
    const nc = await tb.store.get<CiliumBGPNodeConfig>(GK.CiliumBGPNodeConfig, undefined, 'n1');
    const cond = nc!.status!.conditions!.find((c) => c.type === 'cilium.io/BGPReconcileError')!;
    assert.equal(cond.status, 'True');
    assert.equal(
      cond.message,
      [
        'good: peer v6: peer address fd00::1 is IPv6 but the node has no IPv6 address',
        'twin: local ASN 65001 is already used by instance good on this node',
        'no-asn: missing ASN in desired config',
        '',
      ].join('\n'),
    );
    const log = tb.logs.join('\n');
    assert.match(log, /\[n1\] bgp: good: peer ghost: CiliumBGPPeerConfig "does-not-exist" not found, peer not configured/);
    assert.match(log, /\[n1\] bgp: twin: local ASN 65001 is already used/);
    // the operator puts the missing peer config on the cluster config
    const cc = await tb.store.get(GK.CiliumBGPClusterConfig, undefined, 'cilium-bgp');
    const conds = (cc!.status as { conditions: { type: string; message: string }[] }).conditions;
    assert.equal(conds.find((c) => c.type === 'cilium.io/MissingPeerConfigs')!.message, 'Referenced CiliumBGPPeerConfig(s) are missing: [does-not-exist]');
  });

  it('clears the error condition once the input is fixed', async () => {
    const cc = await tb.store.get(GK.CiliumBGPClusterConfig, undefined, 'cilium-bgp');
    const spec = structuredClone(cc!.spec) as { bgpInstances: { name: string; peers: { name: string }[] }[] };
    spec.bgpInstances = spec.bgpInstances.filter((i) => i.name === 'good');
    spec.bgpInstances[0]!.peers = spec.bgpInstances[0]!.peers.filter((p) => p.name === 'tor-switch');
    await tb.store.update({ ...cc!, spec });
    await tb.settle(7000);
    const nc = await tb.store.get<CiliumBGPNodeConfig>(GK.CiliumBGPNodeConfig, undefined, 'n1');
    const cond = nc!.status!.conditions!.find((c) => c.type === 'cilium.io/BGPReconcileError')!;
    assert.deepEqual([cond.status, cond.message], ['False', '']);
    assert.equal(peerModels(tb.manager('n1').runningInstances()[0]!, tb.clock.now())[0]!.sessionState, 'established');
  });
});
