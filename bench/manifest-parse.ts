// npm run bench -- manifest-parse
// The client side of `cilia apply -f` on 10,000 Services: parsing and checking the YAML in this
// process, and a whole CLI process (the bundle) up to the point where it would send them: the
// server it names is not there.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckedManifests } from '../src/k8s/check.ts';
import { parseManifests } from '../src/k8s/manifest.ts';
import { serviceManifest, servicesYaml } from './lib/services.ts';

const RUNS = 7;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

function row(what: string, value: string): void {
  console.log(`${what.padEnd(60)}${value.padStart(12)}`);
}

async function median(run: () => unknown): Promise<string> {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    gc();
    const t0 = performance.now();
    await run();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return `${samples[RUNS >> 1]!.toFixed(0)} ms`;
}

const text = servicesYaml(Array.from({ length: 10_000 }, (_, i) => serviceManifest(i)));
const dir = mkdtempSync(join(tmpdir(), 'cilia-bench-'));
const file = join(dir, 'services.yaml');
writeFileSync(file, text);
row('parse (parseManifests)', await median(() => parseManifests(text, 'services.yaml')));
row('read, parse and check as apply does (loadCheckedManifests)', await median(() => loadCheckedManifests([file])));

if (spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' }).status !== 0) throw new Error('bundle build failed');
row(
  '`cilia apply -f` CLI process until it connects (bundle)',
  await median(() => {
    // Port 9 (discard) is closed here: the process parses and checks everything, then fails to connect.
    const r = spawnSync(process.execPath, ['bin/cilia.mjs', '-s', 'http://127.0.0.1:9', 'apply', '-f', file], { encoding: 'utf8' });
    if (!/no cilia daemon answers/.test(r.stderr)) throw new Error(`unexpected: ${r.stderr}`);
  }),
);
rmSync(dir, { recursive: true });
