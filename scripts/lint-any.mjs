#!/usr/bin/env node
// House rule: no `any` without a comment on the same line saying why.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bad = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.ts')) {
      const lines = readFileSync(p, 'utf8').split('\n');
      lines.forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, '').replace(/'[^']*'|"[^"]*"|`[^`]*`/g, '');
        if (/(:\s*any\b|<any\b|\bas any\b|any\[\])/.test(code) && !line.includes('//')) {
          bad.push(`${relative(root, p)}:${i + 1}: \`any\` without a comment saying why`);
        }
      });
    }
  }
}
for (const r of ['src', 'test', 'bench']) {
  try {
    walk(join(root, r));
  } catch {
    // missing folder
  }
}
if (bad.length) {
  console.error(bad.join('\n'));
  process.exit(1);
}
