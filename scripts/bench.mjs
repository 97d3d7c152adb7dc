#!/usr/bin/env node
// npm run bench -- <name> [args...]   runs bench/<name>.ts or bench/<name>/index.ts
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const [name, ...args] = process.argv.slice(2);
const list = () =>
  readdirSync(join(root, 'bench'))
    .filter((f) => f.endsWith('.ts') || existsSync(join(root, 'bench', f, 'index.ts')))
    .map((f) => f.replace(/\.ts$/, ''));
if (!name) {
  console.log(`usage: npm run bench -- <name>\navailable: ${list().join(' ')}`);
  process.exit(0);
}
const candidates = [join(root, 'bench', `${name}.ts`), join(root, 'bench', name, 'index.ts')];
const file = candidates.find((f) => existsSync(f));
if (!file) {
  console.error(`no benchmark named ${name}; available: ${list().join(' ')}`);
  process.exit(1);
}
const res = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', file, ...args], { cwd: root, stdio: 'inherit' });
process.exit(res.status ?? 1);
