// Map rebuild after an agent restart: 10,000 ClusterIP services × 10 backends in the store, the
// node's maps populated by a first agent; a second agent starts over the same maps and store
// (list + convert + restore IDs + rewrite + prune). Usage: npm run bench -- lb-rebuild [services]
import { defaultLBConfig } from '../src/agent/loadbalancer/config.ts';
import { LoadBalancerController } from '../src/agent/loadbalancer/controller.ts';
import { backendsForFrontend, convertEndpointSlices, convertService } from '../src/agent/loadbalancer/convert.ts';
import type { DesiredFrontend } from '../src/agent/loadbalancer/model.ts';
import { LBReconciler } from '../src/agent/loadbalancer/reconciler.ts';
import type { EndpointSlice, Service } from '../src/k8s/types.ts';
import { endpointSlice, newStore, service } from '../src/agent/loadbalancer/testing.ts';
import { VirtualClock } from '../src/controller/clock.ts';
import { LBMaps } from '../src/datapath/maps/lb.ts';

const services = Number(process.argv[2] ?? 10000);
const clock = new VirtualClock();
const store = await newStore(clock);
await store.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { addresses: [{ type: 'InternalIP', address: '192.168.10.100' }] } });
for (let s = 0; s < services; s++) {
  const name = `svc-${s}`;
  const ips = Array.from({ length: 10 }, (_, b) => `172.${20 + (s >> 12)}.${(s >> 4) & 255}.${((s & 15) << 4) + b + 1}`);
  await store.create(endpointSlice('default', name, ips, [{ port: 8080 }]));
  await store.create(service('default', name, { clusterIP: `10.${96 + (s >> 16)}.${(s >> 8) & 255}.${s & 255}`, ports: [{ port: 80, targetPort: 8080 }] }));
}
const maps = new LBMaps();
const agent = (label: string) => new LoadBalancerController({ store, nodeName: 'n1', maps, clock, log: (l) => console.error(`${label}: ${l}`) });

/** Wall time and this process's CPU time (the machine may be shared). */
async function timed(fn: () => Promise<void>): Promise<string> {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  await fn();
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(c0);
  return `${wall.toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU`;
}

const first = agent('first');
const cold = await timed(() => first.start());
first.stop();
const before = maps.services4.size;
const second = agent('second');
const restart = await timed(() => second.start());
second.stop();

// The map rebuild alone: restore IDs, rewrite every frontend from the desired state, prune.
const cfg = defaultLBConfig();
const slices = (await store.list<EndpointSlice>({ group: 'discovery.k8s.io', kind: 'EndpointSlice' })).items;
const byService = new Map(slices.map((sl) => [sl.metadata.labels!['kubernetes.io/service-name']!, sl]));
const desired: DesiredFrontend[][] = [];
for (const svc of (await store.list<Service>({ group: '', kind: 'Service' })).items) {
  const conv = convertService(svc, cfg, undefined)!;
  const bes = convertEndpointSlices([byService.get(svc.metadata.name!)!], cfg);
  desired.push(conv.frontends.map((fe) => ({ params: fe, service: conv.service, backends: backendsForFrontend(fe, conv.service, bes, 'n1') })));
}
const rebuild = await timed(async () => {
  const r = new LBReconciler(maps, cfg);
  for (const d of desired) r.reconcileService(d, []);
  r.prune();
});

console.log(`${services} services x 10 backends: ${before} service-map entries, ${maps.backends4.size} backends`);
console.log(`first agent start (empty maps): ${cold}`);
console.log(`agent restart over existing maps: ${restart} (target < 1000 ms), entries after: ${maps.services4.size}`);
console.log(`  of which the map rebuild (restore, rewrite, prune): ${rebuild}`);
