#!/usr/bin/env node
// Entry point. Runs the bundle `npm install` built (dist/cilia.mjs) when it is newer than every
// source file; otherwise loads the TypeScript sources through tsx. Either way no manual build.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bundle = join(root, 'dist', 'cilia.mjs');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    const t = entry.isDirectory() ? newestSource(p) : entry.name.endsWith('.ts') ? statSync(p).mtimeMs : 0;
    if (t > newest) newest = t;
  }
  return newest;
}

function bundleIsFresh() {
  try {
    return process.env.CILIA_FROM_SOURCE !== '1' && statSync(bundle).mtimeMs >= newestSource(join(root, 'src'));
  } catch {
    return false;
  }
}

let main;
if (bundleIsFresh()) {
  ({ main } = await import(bundle));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
