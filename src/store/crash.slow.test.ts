import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, it } from 'node:test';
import { GK } from '../k8s/kinds.ts';
import { MemoryStore } from './memory.ts';

const writer = new URL('./testdata/crash-writer.ts', import.meta.url).pathname;
let dir = '';
after(() => rm(dir, { recursive: true, force: true }));

/** Runs the writer until it has acknowledged `acks` writes, then SIGKILLs it; returns what it acknowledged. */
async function runAndKill(round: number, acks: number): Promise<{ puts: Set<string>; tried: Set<string>; dels: Set<string>; lastRev: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', writer, dir, String(round)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  const puts = new Set<string>();
  const dels = new Set<string>();
  const tried = new Set<string>();
  let lastRev = 0;
  let count = 0;
  for await (const line of createInterface({ input: child.stdout })) {
    const [op, name, rev] = line.split(' ');
    if (op === 'try') {
      tried.add(name!);
      continue;
    }
    (op === 'put' ? puts : dels).add(name!);
    lastRev = Math.max(lastRev, Number(rev));
    if (++count === acks) child.kill('SIGKILL');
  }
  const signal = await exited;
  assert.equal(signal, 'SIGKILL', `writer ended on its own: ${stderr}`);
  return { puts, tried, dels, lastRev };
}

it('keeps every acknowledged write across kill -9, twice in a row', async () => {
  dir = await mkdtemp(join(tmpdir(), 'cilia-crash-'));
  const seen = { puts: new Set<string>(), tried: new Set<string>(), dels: new Set<string>() };
  for (const round of [1, 2]) {
    const acked = await runAndKill(round, 3000);
    for (const n of acked.puts) seen.puts.add(n);
    for (const n of acked.dels) seen.dels.add(n);
    for (const n of acked.tried) seen.tried.add(n);
    const lines: string[] = [];
    const store = await MemoryStore.open({ dataDir: dir, log: (l) => lines.push(l) }).catch((e: unknown) => {
      throw new Error(`round ${round}: restart failed: ${e instanceof Error ? e.message : e}`);
    });
    try {
      const present = new Set((await store.list(GK.ConfigMap)).items.map((o) => o.metadata.name!));
      // An acknowledged create must be there unless a delete of it was at least issued.
      const lost = [...seen.puts].filter((n) => !seen.tried.has(n) && !present.has(n));
      const revived = [...seen.dels].filter((n) => present.has(n));
      const context = `round ${round}, log: ${JSON.stringify(lines)}`;
      assert.deepEqual(lost, [], `acknowledged creates missing after restart (${context})`);
      assert.deepEqual(revived, [], `acknowledged deletes undone after restart (${context})`);
      assert.ok(Number(await store.revision()) >= acked.lastRev, `revision went back (${context})`);
      // At most one message, and only about a torn tail.
      assert.ok(lines.length <= 1 && lines.every((l) => /^store: dropped a torn record at the end of wal-\d{6}\.log \(offset \d+, \d+ bytes\)$/.test(l)), `round ${round}: ${lines.join('\n')}`);
    } finally {
      await store.close();
    }
  }
});
