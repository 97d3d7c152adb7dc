#!/usr/bin/env node
// Builds native/build/Release/bgpsock.node with the node-gyp that ships inside npm, so a clean
// clone needs only g++, make, python3 and the Node headers (no install scripts, no downloads
// when the headers are local: /usr/include/node or `npm config get nodedir`).
// Usage: node native/build.mjs [--if-missing]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const here = new URL('.', import.meta.url).pathname;
const out = join(here, 'build', 'Release', 'bgpsock.node');
if (process.argv.includes('--if-missing') && existsSync(out)) process.exit(0);

function findNodeGyp() {
  const npmCli = spawnSync('npm', ['root', '-g'], { encoding: 'utf8' });
  const roots = [npmCli.stdout?.trim(), join(dirname(process.execPath), '..', 'lib', 'node_modules')].filter(Boolean);
  for (const r of roots) {
    const p = join(r, 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (existsSync(p)) return p;
  }
  return undefined;
}

const gyp = findNodeGyp();
if (!gyp) {
  console.error('native/build.mjs: node-gyp not found (it ships with npm)');
  process.exit(1);
}
const args = [gyp, 'rebuild', '--directory', here];
const nodedir = ['/usr/include/node'].find((d) => existsSync(join(d, 'node_api.h')));
if (nodedir) args.push(`--nodedir=${dirname(dirname(nodedir))}`);
const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
if (r.status !== 0 || !existsSync(out)) {
  console.error('native/build.mjs: build failed');
  process.exit(1);
}
console.log(`built ${out}`);
