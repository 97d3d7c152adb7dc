#!/usr/bin/env node
// Run by `npm install` through `prepare`: bundles the sources into dist/cilia.mjs and builds the
// native addon. bin/cilia.mjs uses the bundle when it is newer than every source file, and runs
// the sources through tsx otherwise, so editing code never needs a manual build.
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
try {
  await build({
    entryPoints: [`${root}src/main.ts`],
    outfile: `${root}dist/cilia.mjs`,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
    // bundled CommonJS dependencies call require()
    banner: { js: "import { createRequire as __ciliaRequire } from 'node:module'; const require = __ciliaRequire(import.meta.url);" },
  });
} catch (err) {
  // Never fail `npm install`: without a bundle, bin/cilia.mjs runs the sources through tsx.
  console.warn(`cilia: no bundle built (${err.message.split('\n')[0]}); commands will run from source`);
}

// The TCP MD5 / TTL addon for the BGP speaker (native/). Without it the speaker refuses those
// settings with a clear error; nothing else depends on it.
const addon = spawnSync(process.execPath, [`${root}native/build.mjs`, '--if-missing'], { stdio: 'inherit' });
if (addon.status !== 0) console.warn('cilia: the TCP MD5/TTL addon was not built (needs g++, make, python3); BGP passwords and eBGP multihop TTL on real sockets will be refused');
