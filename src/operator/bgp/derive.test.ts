import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CiliumBGPClusterConfig, CiliumBGPNodeConfig, CiliumBGPNodeConfigOverride, CiliumNode } from '../../k8s/types.ts';
import { clusterConfigConditions, nextConditions } from './conditions.ts';
import { clusterConfigOwner, deriveNodeConfigs } from './derive.ts';
import { RouterIDPool } from './routerid.ts';
import { parseCIDR } from '../../netaddr/cidr.ts';

const node = (name: string, labels: Record<string, string> = {}): CiliumNode => ({ apiVersion: 'cilium.io/v2', kind: 'CiliumNode', metadata: { name, labels }, spec: {} });

function cc(name: string, uid: string, created: string, spec: Partial<CiliumBGPClusterConfig['spec']> = {}): CiliumBGPClusterConfig {
  return {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumBGPClusterConfig',
    metadata: { name, uid, creationTimestamp: created, generation: 1 },
    spec: {
      bgpInstances: [{ name: 'instance-65001', localASN: 65001, peers: [{ name: 'tor-switch', peerASN: 65000, peerAddress: '192.168.10.200', peerConfigRef: { name: 'cilium-peer' } }] }],
      ...spec,
    },
  };
}

function nodeConfig(name: string, owner: CiliumBGPClusterConfig): CiliumBGPNodeConfig {
  return { apiVersion: 'cilium.io/v2', kind: 'CiliumBGPNodeConfig', metadata: { name, ownerReferences: [clusterConfigOwner(owner)] }, spec: { bgpInstances: [] } };
}

const base = { overrides: new Map<string, CiliumBGPNodeConfigOverride>(), nodeConfigs: new Map<string, CiliumBGPNodeConfig>(), peerConfigs: new Set(['cilium-peer']) };

describe('node config derivation', () => {
  it("gives each selected node the seed's node config spec", () => {
    const r = deriveNodeConfigs({ ...base, clusterConfigs: [cc('cilium-bgp', 'u1', '2025-08-15T14:27:12Z', { nodeSelector: { matchLabels: { 'enable-bgp': 'true' } } })], nodes: [node('k8s-ctr', { 'enable-bgp': 'true' }), node('k8s-w0', { 'enable-bgp': 'false' })] });
    assert.deepEqual(
      r.create.map((c) => c.node),
      ['k8s-ctr'],
    );
    assert.deepEqual(r.create[0]!.spec, { bgpInstances: [{ name: 'instance-65001', localASN: 65001, peers: [{ name: 'tor-switch', peerAddress: '192.168.10.200', peerASN: 65000, peerConfigRef: { name: 'cilium-peer' } }] }] });
    assert.deepEqual(r.create[0]!.owner, { apiVersion: 'cilium.io/v2', kind: 'CiliumBGPClusterConfig', name: 'cilium-bgp', uid: 'u1', controller: true });
    assert.equal(r.clusterConfigs[0]!.noMatchingNode, false);
  });

  it('nil nodeSelector selects every node; a selector matching nothing is reported', () => {
    const all = deriveNodeConfigs({ ...base, clusterConfigs: [cc('a', 'u1', 't1')], nodes: [node('n1'), node('n2')] });
    assert.deepEqual(all.create.map((c) => c.node), ['n1', 'n2']);
    const none = deriveNodeConfigs({ ...base, clusterConfigs: [cc('a', 'u1', 't1', { nodeSelector: { matchLabels: { x: 'y' } } })], nodes: [node('n1')] });
    assert.equal(none.clusterConfigs[0]!.noMatchingNode, true);
    assert.equal(none.create.length, 0);
  });

  it('merges the override: routerID, localPort, localASN and peer localAddress (peer localPort ignored)', () => {
    const ov: CiliumBGPNodeConfigOverride = {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumBGPNodeConfigOverride',
      metadata: { name: 'n1' },
      spec: { bgpInstances: [{ name: 'instance-65001', routerID: '10.0.0.1', localPort: 1790, localASN: 65011, peers: [{ name: 'tor-switch', localAddress: '192.168.10.100', localPort: 5000 }] }] },
    };
    const r = deriveNodeConfigs({ ...base, overrides: new Map([['n1', ov]]), clusterConfigs: [cc('a', 'u1', 't1')], nodes: [node('n1')] });
    const inst = r.create[0]!.spec.bgpInstances[0]!;
    assert.equal(inst.routerID, '10.0.0.1');
    assert.equal(inst.localPort, 1790);
    assert.equal(inst.localASN, 65011);
    assert.deepEqual(inst.peers![0], { name: 'tor-switch', peerAddress: '192.168.10.200', peerASN: 65000, localAddress: '192.168.10.100', peerConfigRef: { name: 'cilium-peer' } });
  });

  it('reports a node owned by another cluster config as a conflict instead of merging', () => {
    const first = cc('first', 'u1', '2025-01-01T00:00:00Z');
    const second = cc('second', 'u2', '2025-01-02T00:00:00Z');
    // nobody owns the node yet: the older config claims it
    const fresh = deriveNodeConfigs({ ...base, clusterConfigs: [second, first], nodes: [node('n1')] });
    assert.deepEqual(fresh.create.map((c) => [c.node, c.owner.name]), [['n1', 'first']]);
    assert.deepEqual(fresh.clusterConfigs.find((c) => c.name === 'second')!.conflicting, ['first']);
    // an existing node config keeps its owner even when the other config is older
    const owned = deriveNodeConfigs({ ...base, nodeConfigs: new Map([['n1', nodeConfig('n1', second)]]), clusterConfigs: [first, second], nodes: [node('n1')] });
    assert.deepEqual(owned.clusterConfigs.find((c) => c.name === 'first')!.conflicting, ['second']);
    assert.deepEqual(owned.update.map((u) => u.owner.name), ['second']);
  });

  it('deletes node configs of nodes the owner no longer selects, leaves orphans to the garbage collector', () => {
    const a = cc('a', 'u1', 't1', { nodeSelector: { matchLabels: { 'enable-bgp': 'true' } } });
    const gone = cc('gone', 'u9', 't0');
    const r = deriveNodeConfigs({
      ...base,
      nodeConfigs: new Map([
        ['n1', nodeConfig('n1', a)],
        ['n2', nodeConfig('n2', gone)],
      ]),
      clusterConfigs: [a],
      nodes: [node('n1', { 'enable-bgp': 'false' }), node('n2')],
    });
    assert.deepEqual(r.delete, ['n1']);
  });

  it('lists missing peer configs once each, sorted', () => {
    const c = cc('a', 'u1', 't1', {
      bgpInstances: [
        { name: 'i1', localASN: 65001, peers: [{ name: 'p1', peerConfigRef: { name: 'zz' } }, { name: 'p2', peerConfigRef: { name: 'aa' } }] },
        { name: 'i2', localASN: 65002, peers: [{ name: 'p3', peerConfigRef: { name: 'zz' } }] },
      ],
    });
    const r = deriveNodeConfigs({ ...base, clusterConfigs: [c], nodes: [node('n1')] });
    assert.deepEqual(r.clusterConfigs[0]!.missingPeerConfigs, ['aa', 'zz']);
  });

  it('allocates router IDs from the pool per node and instance, lowest first, freeing unused ones', () => {
    const pool = new RouterIDPool(parseCIDR('10.255.0.0/30')!);
    const run = (nodes: string[]) => {
      pool.beginPass();
      const r = deriveNodeConfigs({ ...base, routerIDs: pool, clusterConfigs: [cc('a', 'u1', 't1')], nodes: nodes.map((n) => node(n)) });
      pool.endPass();
      return r.create.map((c) => `${c.node}=${c.spec.bgpInstances[0]!.routerID}`);
    };
    assert.deepEqual(run(['n1', 'n2']), ['n1=10.255.0.0', 'n2=10.255.0.1']);
    // n1's address is freed at the end of the pass that no longer needs it, then reused
    assert.deepEqual(run(['n2', 'n3']), ['n2=10.255.0.1', 'n3=10.255.0.2']);
    assert.deepEqual(run(['n2', 'n3', 'n4']), ['n2=10.255.0.1', 'n3=10.255.0.2', 'n4=10.255.0.0']);
  });
});

describe('cluster config conditions', () => {
  it('have Cilium messages, keep NoMatchingNode text when False and are sorted by type', () => {
    const want = clusterConfigConditions({ conflicting: ['b', 'a'].sort(), missingPeerConfigs: [], noMatchingNode: false }, 3);
    const out = nextConditions(undefined, want, [], '2025-08-15T14:27:12Z');
    assert.deepEqual(
      out.map((c) => [c.type, c.status, c.message]),
      [
        ['cilium.io/ConflictingClusterConfig', 'True', 'Selecting the same node(s) with ClusterConfig(s): [a b]'],
        ['cilium.io/MissingPeerConfigs', 'False', ''],
        ['cilium.io/NoMatchingNode', 'False', 'No node matches spec.nodeSelector'],
      ],
    );
    assert.deepEqual(nextConditions(out, undefined, ['cilium.io/ConflictingClusterConfig', 'cilium.io/MissingPeerConfigs', 'cilium.io/NoMatchingNode'], 'x'), []);
  });
});
