// Every lab's lab.txt must pass, as `cilia lab run` plays it. Labs with a dedicated test (which
// also checks state the script cannot show) are played there instead.

import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatFailure, runScenario } from '../../src/lab/scenario-command.ts';

const LABS = join(import.meta.dirname, '../../labs');
/** Played by their own tests in test/labs, which also check state the scripts cannot show. */
const ELSEWHERE = new Set(['week5-bgp', 'week5-lb', 'week4-l2']);

const labs = readdirSync(LABS).filter((d) => existsSync(join(LABS, d, 'lab.txt')));

test('every lab directory with a lab.txt is played somewhere', () => {
  assert.ok(labs.length >= 7, labs.join(' '));
  for (const l of ELSEWHERE) assert.ok(labs.includes(l), `${l} has a lab.txt`);
});

for (const name of labs.filter((l) => !ELSEWHERE.has(l))) {
  test(`labs/${name}/lab.txt`, async () => {
    const run = await runScenario(join(LABS, name));
    try {
      assert.deepEqual(run.results.filter((r) => !r.ok).map((r) => formatFailure(r, `labs/${name}/lab.txt`)), []);
      assert.ok(run.results.length > 0);
    } finally {
      await run.lab.stop();
    }
  });
}
