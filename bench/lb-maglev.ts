// Maglev lookup-table computation (src/agent/loadbalancer/maglev.ts).
// Usage: npm run bench -- lb-maglev [--go <ms@16381/100>,<ms@131071/1000>]
// --go takes figures of Cilium's Go algorithm measured elsewhere and prints the ratio.
import { maglevHashString, maglevTable, parseMaglevSeed } from '../src/agent/loadbalancer/maglev.ts';

const parsed = parseMaglevSeed('JLfvgnHc2kaSUFaI');
if ('error' in parsed) throw new Error(parsed.error);
const murmur = parsed.murmur;
const goArg = process.argv.indexOf('--go');
const goMs = goArg > 0 ? (process.argv[goArg + 1] ?? '').split(',').map(Number) : [];

function backends(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    hashString: maglevHashString(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 4, 80, 'TCP', false),
    weight: 100,
  }));
}

function run(n: number, m: number, iterations: number, budgetMs: number, go: number | undefined): void {
  const bes = backends(n);
  for (let i = 0; i < 3; i++) maglevTable(bes, m, murmur);
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    maglevTable(bes, m, murmur);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const median = times[times.length >> 1]!;
  let line = `maglev M=${m} N=${n}: median ${median.toFixed(3)} ms, min ${times[0]!.toFixed(3)} ms (target < ${budgetMs} ms)`;
  if (go !== undefined && Number.isFinite(go) && go > 0) line += `; Go ${go} ms, ratio cilia/Go ${(median / go).toFixed(3)}`;
  console.log(line);
}

run(100, 16381, 200, 2, goMs[0]);
run(1000, 131071, 30, 40, goMs[1]);
