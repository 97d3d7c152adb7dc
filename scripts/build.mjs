#!/usr/bin/env node
// Bundles the sources into dist/cilia.mjs (run by `npm install` through `prepare`). bin/cilia.mjs
// uses the bundle when it is newer than every source file, and runs the sources through tsx
// otherwise, so editing code never needs a manual build.
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
