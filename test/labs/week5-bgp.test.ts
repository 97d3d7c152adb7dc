// labs/week5-bgp (seed 001's BGP week) through `cilia lab run`'s runner, then checks the script
// cannot see: learned routes never reach a node's kernel table, the router's kernel holds the
// LB IP over three next hops, and bad input on the live lab leaves the running sessions alone.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { BGP_TRANSPORT } from '../../src/agent/bgp/index.ts';
import { peerModels } from '../../src/agent/bgp/views.ts';
import type { BGPManager } from '../../src/agent/bgp/manager.ts';
import { GK } from '../../src/k8s/kinds.ts';
import type { CiliumBGPClusterConfig, CiliumBGPNodeConfig } from '../../src/k8s/types.ts';
import { labNetwork } from '../../src/lab/plugins/netemu.ts';
import { formatFailure, runScenario } from '../../src/lab/scenario-command.ts';
import { parsePrefix } from '../../src/netemu/addr.ts';
import { RT_TABLE_MAIN } from '../../src/netemu/route.ts';

const LAB = join(import.meta.dirname, '../../labs/week5-bgp');
const RTPROT_BGP = 186;

test('labs/week5-bgp: the seed-001 BGP control plane story, then bad input on the live lab', { timeout: 300_000 }, async () => {
  const run = await runScenario(LAB);
  const lab = run.lab;
  try {
    const failures = run.results.filter((r) => !r.ok).map((r) => formatFailure(r, 'lab.txt'));
    assert.deepEqual(failures, []);
    assert.ok(run.results.length >= 70);
    assert.ok(lab.services.get(BGP_TRANSPORT), 'the lab hands the agents a transport');

    const net = labNetwork(lab).net;
    // nothing learnt over BGP is ever installed on a node (only the seed's manual route is there)
    for (const n of ['k8s-ctr', 'k8s-w0', 'k8s-w1']) {
      const routes = net.host(n)!.table(RT_TABLE_MAIN).list(4);
      assert.equal(routes.filter((r) => r.protocol === RTPROT_BGP).length, 0, n);
    }
    const lb = net.host('router')!.table(RT_TABLE_MAIN).exact(parsePrefix('172.16.1.1/32')!);
    assert.equal(lb.length, 1);
    assert.equal(lb[0]!.protocol, RTPROT_BGP);
    assert.equal(lb[0]!.nexthops.length, 3);

    // a second cluster config selecting the same nodes and naming a missing peer config: it is
    // reported as a conflict and a missing reference, and the running sessions stay up
    await lab.apply([
      {
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumBGPClusterConfig',
        metadata: { name: 'second' },
        spec: { bgpInstances: [{ name: 'i2', localASN: 65002, peers: [{ name: 'p', peerASN: 65000, peerAddress: '192.168.10.200', peerConfigRef: { name: 'nope' } }] }] },
      },
    ]);
    await lab.advance(5000);
    const second = await lab.store.get<CiliumBGPClusterConfig>(GK.CiliumBGPClusterConfig, undefined, 'second');
    const conds = Object.fromEntries((second!.status?.conditions ?? []).map((c) => [c.type, c.message]));
    assert.equal(conds['cilium.io/ConflictingClusterConfig'], 'Selecting the same node(s) with ClusterConfig(s): [cilium-bgp]');
    assert.equal(conds['cilium.io/MissingPeerConfigs'], 'Referenced CiliumBGPPeerConfig(s) are missing: [nope]');
    const nc = await lab.store.get<CiliumBGPNodeConfig>(GK.CiliumBGPNodeConfig, undefined, 'k8s-ctr');
    assert.equal(nc!.metadata.ownerReferences![0]!.name, 'cilium-bgp');
    for (const n of ['k8s-ctr', 'k8s-w0', 'k8s-w1']) {
      const m = lab.agents.get(n)!.feature<BGPManager>('bgp-control-plane')!;
      assert.deepEqual(
        m.runningInstances().flatMap((i) => peerModels(i, lab.clock.now()).map((p) => p.sessionState)),
        ['established'],
        n,
      );
    }
  } finally {
    await lab.stop();
  }
});
