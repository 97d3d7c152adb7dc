// npm run bench -- lab
// Issue 2 targets: the default lab comes up in under 300 ms and under 100 MB RSS; `cilia apply`
// of 10,000 Services with the cluster controllers running settles in under 3 s.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, InProcessTransport } from '../src/api/client.ts';
import { ApiServer } from '../src/api/server.ts';
import type { KObject } from '../src/k8s/object.ts';
import { Lab } from '../src/lab/runtime.ts';
import { loadTopology } from '../src/lab/topology.ts';
import { serviceManifest, servicesYaml } from './lib/services.ts';

function mb(n: number): string {
  return `${(n / 1e6).toFixed(0)} MB`;
}

function row(what: string, value: string, target: string): void {
  console.log(`${what.padEnd(52)}${value.padStart(12)}   target ${target}`);
}

const baseRss = process.memoryUsage().rss;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}
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

// `npm start` itself: a separate process running the bundle (bin/cilia.mjs), as a user starts it.
// bin/cilia.mjs falls back to the TypeScript sources when the bundle is older than them: rebuild it.
if (spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' }).status !== 0) throw new Error('bundle build failed');
const port = await freePort();
const server = `http://127.0.0.1:${port}`;
// exactly package.json's start script (node flags included), on a free port
const [node, ...startArgs] = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start.split(/\s+/);
if (node !== 'node') throw new Error('package.json start script does not start with node');
const child = spawn(process.execPath, [...startArgs, '--port', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
const childExited = new Promise<never>((_, reject) => child.on('exit', (code) => reject(new Error(`lab up exited with ${code}`))));
const upLine = await Promise.race([
  childExited,
  new Promise<string>((resolve) => {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /is up in (\d+) ms/.exec(buf);
      if (m) resolve(m[1]!);
    });
  }),
]);
const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
row('`npm start` (bundle, real time): lab up as reported', `${upLine} ms`, '< 300 ms');
row('`npm start` process RSS once the lab is up', mb(rssKb * 1024), '< 100 MB');

const services = Array.from({ length: 10_000 }, (_, i) => serviceManifest(i));

// As a user does it: `cilia apply -f` (a YAML file, a second process) against the running lab,
// then any debug view, which answers once the controllers have settled.
const dir = mkdtempSync(join(tmpdir(), 'cilia-bench-'));
const file = join(dir, 'services.yaml');
writeFileSync(file, servicesYaml(services));
let t0 = performance.now();
const apply = spawnSync(process.execPath, ['bin/cilia.mjs', '-s', server, 'apply', '-f', file], { encoding: 'utf8' });
if (apply.status !== 0) throw new Error(`cilia apply failed: ${apply.stderr}`);
const cliApplied = performance.now() - t0;
const view = await fetch(`${server}/cilia/v1/debug/lb/kpr-details`);
if (!view.ok) throw new Error(`debug view: HTTP ${view.status}`);
const cliSettled = performance.now() - t0;
row('`cilia apply -f` 10,000 Services (YAML, CLI process)', `${cliApplied.toFixed(0)} ms`, '-');
row('... until the lab has settled', `${cliSettled.toFixed(0)} ms`, '< 3000 ms');
rmSync(dir, { recursive: true });
child.kill('SIGTERM');
row('(this bench process: node + tsx + three labs)', mb(process.memoryUsage().rss), '-');
row('(this bench process before any lab)', mb(baseRss), '-');

const lab = new Lab(topo, { clock: 'virtual' });
await lab.start();
const client = new ApiClient(new InProcessTransport(new ApiServer(lab.store, lab.api.extensions())));
// The same through the API in this process: no YAML, no second process.
t0 = performance.now();
const { results } = await client.apply(services as KObject[]);
const applied = performance.now() - t0;
await lab.settle();
const settled = performance.now() - t0;
const slices = (await lab.store.list({ group: 'discovery.k8s.io', kind: 'EndpointSlice' }, { labelSelector: 'bench=true' })).items.length;
row(`API apply 10,000 Services in process (${results.length} created)`, `${applied.toFixed(0)} ms`, '-');
row(`... until controllers settle (${slices} EndpointSlices)`, `${settled.toFixed(0)} ms`, '< 3000 ms');
row('RSS with the 10,000 Services', mb(process.memoryUsage().rss), '-');
await lab.stop();
