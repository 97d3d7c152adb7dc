// BGP control plane at scale: N nodes (default 1,000) each running the agent's BGP manager with
// one session to a ToR, S LoadBalancer services (default 10,000) with externalTrafficPolicy=Local
// and one endpoint each. Prints: cluster start, the full reconcile of one restarted agent, the
// latency of one pod moving between nodes (and how many nodes' advertisements changed), and the
// status-report writes per second under endpoint churn and session flaps, against the bound N / 5 s
// (Cilium snapshots status on session state changes and writes at most once per 5 s tick).
// Usage: npm run bench -- bgp-cp [--nodes N] [--services S] [--churn PODS_PER_S] [--flaps SESSIONS_PER_S] [--moves M]

import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { Informer } from '../src/controller/informer.ts';
import { GK } from '../src/k8s/kinds.ts';
import type { EndpointSlice } from '../src/k8s/types.ts';
import { locRib } from '../src/bgp/views.ts';
import { BgpTestbed, endpointSlice, lbService, seedObjects, type TestNode } from '../src/agent/bgp/testkit.ts';
import { STATUS_INTERVAL_MS } from '../src/agent/bgp/status.ts';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const N = arg('nodes', 1000);
const S = arg('services', 10_000);
const CHURN = arg('churn', 50);
const FLAPS = arg('flaps', Math.max(1, Math.floor(N / 10)));
const MOVES = arg('moves', 21);

const ip = (base: number, i: number) => `${base}.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
const nodes: TestNode[] = Array.from({ length: N }, (_, i) => ({
  name: `node-${String(i).padStart(4, '0')}`,
  ip: ip(10, i + 1),
  podCIDR: `172.${16 + (i >> 8)}.${i & 255}.0/24`,
  labels: { 'enable-bgp': 'true' },
}));
const svcNode = (s: number) => nodes[s % N]!.name;
const nodeIP = (name: string) => nodes.find((n) => n.name === name)!.ip;
const lbIP = (s: number) => ip(100, (64 << 16) + s + 1);

const mb = () => `${Math.round(process.memoryUsage().rss / 1e6)} MB RSS`;
const tick = () => new Promise<void>((r) => setImmediate(r));

async function main(): Promise<void> {
  console.log(`bgp-cp: ${N} nodes, ${S} LoadBalancer services (eTP=Local, one endpoint each)`);
  const tb = new BgpTestbed({ nodes, routerAddress: '10.255.255.254', routerSink: true });
  const [podcidr, peerConfig, clusterConfig] = seedObjects();
  const cc = structuredClone(clusterConfig!) as unknown as { spec: { bgpInstances: { peers: { peerAddress: string }[] }[] } };
  cc.spec.bgpInstances[0]!.peers[0]!.peerAddress = '10.255.255.254';
  const t0 = performance.now();
  await tb.prepare();
  for (const o of [podcidr!, peerConfig!, cc as never]) await tb.create(o);
  await tb.create({
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumBGPAdvertisement',
    metadata: { name: 'lb', labels: { advertise: 'bgp' } },
    spec: { advertisements: [{ advertisementType: 'Service', service: { addresses: ['LoadBalancerIP'] }, selector: {} }] },
  });
  for (let s = 0; s < S; s++) {
    await tb.createService(lbService(`svc-${s}`, lbIP(s), { etpLocal: true }));
    const slice = endpointSlice(`svc-${s}`, [svcNode(s)]);
    await tb.create({ ...slice, metadata: { ...slice.metadata, name: `svc-${s}-abcde` } });
  }
  const tObjects = performance.now();
  await tb.start();
  await tb.settle(3000);
  const tStart = performance.now();
  const inRouter = locRib(tb.router!, 'ipv4-unicast').length;
  console.log(`objects written: ${((tObjects - t0) / 1000).toFixed(2)} s; cluster start (operator + ${N} agents reconciled, sessions up): ${((tStart - tObjects) / 1000).toFixed(2)} s; ToR holds ${inRouter} prefixes (expect ${N + S}); ${mb()}`);

  // 1. one agent restarts: informers relist, every service is reconciled, paths re-originated
  const victim = nodes[0]!.name;
  const expected = 1 + Math.ceil(S / N);
  tb.stopAgent(victim);
  const r0 = performance.now();
  const m = await tb.startAgent(victim);
  while (!(m.isIdle() && m.runningInstances()[0] && locRib(m.runningInstances()[0]!.speaker, 'ipv4-unicast').length >= expected)) await tick();
  const r1 = performance.now();
  console.log(`full reconcile after an agent restart: ${(r1 - r0).toFixed(0)} ms for ${S} services (${expected} prefixes originated on ${victim}); target < 5000 ms`);
  await tb.settle(3000);

  // 2. a pod moves from node A to node B, MOVES times (a different service each time): median and worst
  // a watcher registered after every agent's: when it hears the change, the store has delivered it to all of them
  let delivered = 0;
  const last = new Informer<EndpointSlice>(tb.store, GK.EndpointSlice);
  await last.start();
  last.on({ update: () => (delivered ||= performance.now()) }, false);
  const changed = new Map<string, number>();
  for (const [name, mgr] of tb.managers) for (const inst of mgr.runningInstances()) inst.speaker.onBestChange(() => changed.has(name) || changed.set(name, performance.now()));
  const latencies: number[] = [];
  const fanouts: number[] = [];
  const others: string[] = [];
  let routerOk = 0;
  for (let i = 0; i < MOVES; i++) {
    const s = (7 + i * Math.max(1, Math.floor(S / MOVES))) % S;
    const from = svcNode(s);
    const to = nodes[(s + N / 2) % N]!.name;
    const cur = await tb.store.get<EndpointSlice>(GK.EndpointSlice, 'default', `svc-${s}-abcde`);
    changed.clear();
    delivered = 0;
    const w0 = performance.now();
    await tb.store.update({ ...cur!, endpoints: endpointSlice(`svc-${s}`, [to]).endpoints });
    while ((!changed.has(from) || !changed.has(to)) && performance.now() - w0 < 5000) await tick();
    latencies.push(Math.max(changed.get(from)! - w0, changed.get(to)! - w0));
    fanouts.push(delivered - w0);
    await tb.settle(1000);
    for (const n of changed.keys()) if (n !== from && n !== to) others.push(n);
    const nh = locRib(tb.router!, 'ipv4-unicast', `${lbIP(s)}/32`)[0]?.paths.map((p) => p.nextHop) ?? [];
    if (nh.length === 1 && nh[0] === nodeIP(to)) routerOk++;
  }
  last.stop();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(
    `pod move, ${MOVES} times: advertisements changed on the two nodes involved only (${others.length === 0 ? 'no other node' : `also ${[...new Set(others)].join(', ')}`}), within ${median(latencies).toFixed(2)} ms median, ${Math.max(...latencies).toFixed(2)} ms worst of the store write (target < 10 ms); the store's watch fan-out to all ${N} agents took ${median(fanouts).toFixed(2)} ms median of it; ToR next hop followed the pod ${routerOk}/${MOVES} times`,
  );

  // 3. status writes under churn: CHURN pods move and FLAPS sessions reset every virtual second
  let transitions = 0;
  for (const mgr of tb.managers.values()) for (const inst of mgr.runningInstances()) inst.speaker.onPeerState(() => transitions++);
  const before = [...tb.managers.values()].reduce((n, x) => n + x.statusWrites, 0);
  const seconds = 60;
  let moved = 0;
  const c0 = performance.now();
  for (let sec = 0; sec < seconds; sec++) {
    for (let k = 0; k < CHURN; k++) {
      const svc = (sec * CHURN + k) % S;
      const slice = await tb.store.get<EndpointSlice>(GK.EndpointSlice, 'default', `svc-${svc}-abcde`);
      const target = nodes[(svc + sec + 1) % N]!.name;
      await tb.store.update({ ...slice!, endpoints: endpointSlice(`svc-${svc}`, [target]).endpoints });
      moved++;
    }
    for (let k = 0; k < FLAPS; k++) tb.router!.resetPeer(nodes[(sec * FLAPS + k) % N]!.ip, 'benchmark flap');
    await tb.settle(1000);
  }
  const writes = [...tb.managers.values()].reduce((n, x) => n + x.statusWrites, 0) - before;
  console.log(
    `status report under churn (${moved} pod moves, ${FLAPS * seconds} session resets, ${transitions} peer state changes over ${seconds} s virtual): ${(writes / seconds).toFixed(1)} writes/s across ${N} nodes; bound ${(N / (STATUS_INTERVAL_MS / 1000)).toFixed(0)}/s (one per node per ${STATUS_INTERVAL_MS / 1000} s); wall ${((performance.now() - c0) / 1000).toFixed(1)} s; ${mb()}`,
  );
  tb.stop();
}

// A thousand agents, each with its own caches of 10,000 services and slices, need more than V8's
// default heap: run again with room for them.
const HEAP_MB = 12_288;
if (getHeapStatistics().heap_size_limit < HEAP_MB * 1e6 && process.env.CILIA_BGP_CP_CHILD !== '1') {
  const r = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_MB}`, '--import', 'tsx', new URL(import.meta.url).pathname, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, CILIA_BGP_CP_CHILD: '1' },
  });
  process.exit(r.status ?? 1);
}
await main();
process.exit(0);
