// npm run bench -- bgp [--n 1000000,100000:distinct] [--runs 3] [--impls cilia,frr,bird,gobgp] [--quick]
//
// 1. In-process figures (no root needed): best-path selection over 64 paths, ingestion and a
//    late-joining peer's table dump through in-memory sockets (CPU milliseconds).
// 2. With root and the Debian daemons: the route-ingestion harness of
//    ../shared/tools/bgp-harness (bench.py sut) for this speaker and FRR, BIRD and GoBGP in the
//    same run, SUT pinned to one core, and the ratios against each of them.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bestPath, ingest } from './inproc.ts';

const HARNESS = '/work/shared/tools/bgp-harness/bench.py';
const HERE = new URL('.', import.meta.url).pathname;

interface Cell {
  n: number;
  attrSets: number;
}

interface Result {
  impl: string;
  conv_s: number;
  cpu_s: number;
  peak_rss_mb: number;
  sink_updates: number;
  join_conv_s?: number;
  join_cpu_s?: number;
  join_updates?: number;
}

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
}

function parseCells(s: string): Cell[] {
  return s.split(',').map((c) => {
    const [n, kind] = c.split(':');
    const count = Number(n);
    return { n: count, attrSets: kind === 'distinct' ? count : 1 };
  });
}

function fmt(v: number | undefined, digits = 3): string {
  return v === undefined || Number.isNaN(v) ? '-' : v.toFixed(digits);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function inProcess(quick: boolean): Promise<void> {
  console.log('== in-process (CPU ms; machine load does not enter)');
  for (const mp of [false, true]) {
    const bp = [1, 2, 3].map(() => bestPath(64, 20000, mp));
    console.log(`best path, one prefix with 64 paths${mp ? ', multipath over all 64' : ''}: ${fmt(median(bp), 2)} µs CPU per selection (target < 5)`);
  }
  for (const c of quick ? [{ n: 100000, attrSets: 1 }] : [{ n: 1000000, attrSets: 1 }, { n: 100000, attrSets: 100000 }]) {
    const r = await ingest(c.n, c.attrSets);
    console.log(
      `ingest ${c.n} prefixes, ${c.attrSets === 1 ? '1 attribute set' : 'all distinct'}: ${fmt(r.ingestCpuMs, 0)} ms CPU (${fmt(r.ingestWallMs, 0)} ms wall), ` +
        `${r.sinkUpdates} UPDATEs out; late join ${fmt(r.joinCpuMs, 0)} ms CPU in ${r.joinUpdates} UPDATEs; RSS ${fmt(r.heapMb, 0)} MB (includes source and sink)`,
    );
  }
}

function harnessSkip(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root (the harness needs a network namespace)';
  if (!existsSync(HARNESS)) return `${HARNESS} not found`;
  for (const b of ['/usr/lib/frr/bgpd', '/usr/sbin/bird', '/usr/bin/gobgpd']) if (!existsSync(b)) return `${b} missing (apt-get install frr bird2 gobgpd)`;
  return undefined;
}

function runHarness(impl: string, cell: Cell, runs: number, work: string): Result | undefined {
  const sutCmd = `exec ${process.execPath} ${join(HERE, 'sut.mjs')} --asn 65012 --router-id 10.0.0.12 --listen 10.0.0.12 --peer 10.0.0.11:65011 --peer 10.0.0.13:65013 --peer 10.0.0.14:65014`;
  const out = join(work, `${impl}-${cell.n}-${cell.attrSets}.jsonl`);
  const argv = [HARNESS, 'sut', '--impl', impl === 'cilia' ? 'cmd' : impl, '-n', String(cell.n), '--attr-sets', String(cell.attrSets), '--runs', String(runs), '--workdir', join(work, 'runs'), '--out', out];
  if (impl === 'cilia') argv.push('--sut-cmd', sutCmd);
  const r = spawnSync('python3', argv, { encoding: 'utf8', timeout: 3600_000 });
  if (r.status !== 0 || !existsSync(out)) {
    console.log(`  ${impl}: harness failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
    return undefined;
  }
  const rows = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Result);
  const m = (k: keyof Result) => {
    const xs = rows.map((x) => x[k]).filter((x): x is number => typeof x === 'number');
    return xs.length ? median(xs) : Number.NaN;
  };
  return {
    impl,
    conv_s: m('conv_s'),
    cpu_s: m('cpu_s'),
    peak_rss_mb: m('peak_rss_mb'),
    sink_updates: m('sink_updates'),
    join_conv_s: m('join_conv_s'),
    join_cpu_s: m('join_cpu_s'),
    join_updates: m('join_updates'),
  };
}

function table(cell: Cell, runs: number, rs: Result[]): void {
  console.log(`\n== harness: ${cell.n} prefixes, ${cell.attrSets === 1 ? '1 attribute set (packed)' : 'every prefix its own attribute set'}, SUT pinned to CPU 1, median of ${runs}`);
  console.log('impl      conv s    CPU s   peak RSS MB   UPDATEs out   late join s (CPU s, UPDATEs)');
  for (const r of rs) {
    console.log(
      `${r.impl.padEnd(8)} ${fmt(r.conv_s).padStart(7)} ${fmt(r.cpu_s, 2).padStart(8)} ${fmt(r.peak_rss_mb, 1).padStart(13)} ${String(r.sink_updates).padStart(13)}   ${fmt(r.join_conv_s)} (${fmt(r.join_cpu_s, 2)}, ${r.join_updates})`,
    );
  }
  const us = rs.find((r) => r.impl === 'cilia');
  if (!us) return;
  for (const r of rs) {
    if (r === us) continue;
    const say = (theirs: number, ours: number, better: string, worse: string) => {
      const x = theirs / ours;
      return x >= 1 ? `${fmt(x, 2)}x ${better}` : `${fmt(1 / x, 2)}x ${worse}`;
    };
    console.log(
      `cilia vs ${r.impl}: converges ${say(r.conv_s, us.conv_s, 'faster', 'slower')}, ${say(r.cpu_s, us.cpu_s, 'less CPU', 'more CPU')}, ` +
        `${say(r.peak_rss_mb, us.peak_rss_mb, 'less memory', 'more memory')}, late join ${say(r.join_conv_s ?? Number.NaN, us.join_conv_s ?? Number.NaN, 'faster', 'slower')}`,
    );
  }
}

const quick = process.argv.includes('--quick');
await inProcess(quick);
const skip = harnessSkip();
if (skip) {
  console.log(`\n(harness comparison skipped: ${skip})`);
} else {
  const cells = parseCells(arg('n', quick ? '100000' : '1000000,100000:distinct'));
  const runs = Number(arg('runs', quick ? '1' : '3'));
  const impls = arg('impls', 'cilia,frr,bird,gobgp').split(',');
  const work = mkdtempSync(join(tmpdir(), 'cilia-bgp-bench-'));
  for (const cell of cells) {
    const rs: Result[] = [];
    for (const impl of impls) {
      const r = runHarness(impl, cell, runs, work);
      if (r) rs.push(r);
    }
    table(cell, runs, rs);
  }
  console.log(`\nraw JSON lines in ${work}`);
}
