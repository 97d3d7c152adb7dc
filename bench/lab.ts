// npm run bench -- lab
// Issue 2 targets: the default lab comes up in under 300 ms and under 100 MB RSS; `cilia apply`
// of 10,000 Services with the cluster controllers running settles in under 3 s.

import { ApiClient, InProcessTransport } from '../src/api/client.ts';
import { ApiServer } from '../src/api/server.ts';
import { Lab } from '../src/lab/runtime.ts';
import { loadTopology } from '../src/lab/topology.ts';

function mb(n: number): string {
  return `${(n / 1e6).toFixed(0)} MB`;
}

function row(what: string, value: string, target: string): void {
  console.log(`${what.padEnd(52)}${value.padStart(12)}   target ${target}`);
}

const baseRss = process.memoryUsage().rss;
const topo = loadTopology('labs/week5-bgp');

// Cold: the first lab in this process pays for module initialisation and schema compilation.
for (const [label, clock] of [
  ['lab up, first in process (virtual time)', 'virtual'],
  ['lab up, warm (virtual time)', 'virtual'],
  ['lab up, warm (real time, as `npm start`)', 'real'],
] as const) {
  const t0 = performance.now();
  const lab = new Lab(topo, { clock });
  await lab.start();
  const ms = performance.now() - t0;
  row(label, `${ms.toFixed(0)} ms`, '< 300 ms');
  await lab.stop();
}
row('RSS after three labs (process total)', mb(process.memoryUsage().rss), '< 100 MB');
row('RSS of the process before any lab (node + tsx)', mb(baseRss), '-');

const lab = new Lab(topo, { clock: 'virtual' });
await lab.start();
const client = new ApiClient(new InProcessTransport(new ApiServer(lab.store, lab.api.extensions())));
const services = Array.from({ length: 10_000 }, (_, i) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: `svc-${i}`, namespace: 'default', labels: { bench: 'true' } },
  spec: { selector: { app: 'webpod' }, ports: [{ port: 8000 + (i % 1000), targetPort: 80 }] },
}));
const t0 = performance.now();
const { results } = await client.apply(services);
const applied = performance.now() - t0;
await lab.settle();
const settled = performance.now() - t0;
const slices = (await lab.store.list({ group: 'discovery.k8s.io', kind: 'EndpointSlice' }, { labelSelector: 'bench=true' })).items.length;
row(`apply 10,000 Services (${results.length} created)`, `${applied.toFixed(0)} ms`, '-');
row(`... until controllers settle (${slices} EndpointSlices)`, `${settled.toFixed(0)} ms`, '< 3000 ms');
row('RSS with the 10,000 Services', mb(process.memoryUsage().rss), '-');
await lab.stop();
