// Route lookup in a table of 1,000,000 IPv4 prefixes (an Internet-like mix of lengths), through
// the host's FIB (RouteTable over the LPM trie). Target: median lookup under 2 µs.

import { Rng } from '../src/controller/rng.ts';
import { LpmTrie } from '../src/netaddr/lpm.ts';
import { RouteTable } from '../src/netemu/route.ts';
import { testCluster } from '../src/netemu/testing.ts';

const N = Number(process.argv[2] ?? 1_000_000);
const rng = new Rng('lpm-bench');
// roughly the global table's mix: /24 dominate, then /22-/23, /16-/21, a few /8-/15 and /25-/32
function randomLen(): number {
  const r = rng.float();
  if (r < 0.6) return 24;
  if (r < 0.75) return 22 + rng.int(2);
  if (r < 0.95) return 16 + rng.int(6);
  if (r < 0.97) return 8 + rng.int(8);
  return 25 + rng.int(8);
}
const c = testCluster({ nodes: 1, mode: 'native' });
const host = c.nodes[0]!.host;
const dev = host.iface('eth1')!;
const table = new RouteTable(254);
const t0 = performance.now();
while (table.size < N) {
  const len = randomLen();
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  const addr = (rng.uint32() & mask) >>> 0;
  if (table.exact({ addr, len }).length > 0) continue;
  table.add({ table: 254, type: 'unicast', dst: { addr, len }, protocol: 186, scope: 0, metric: 20, nexthops: [{ gw: 0xc0a80ac8, dev, weight: 1 }] });
}
const buildMs = performance.now() - t0;
const probes = Array.from({ length: 200_000 }, () => rng.uint32());
// warm up
let hits = 0;
for (let i = 0; i < 50_000; i++) if (table.lookup(probes[i]!)) hits++;
// per-batch medians of wall and of CPU time (on a shared machine the wall clock also counts the
// time other processes held the CPU)
const wall: number[] = [];
const cpu: number[] = [];
const batch = 2000;
for (let i = 0; i < probes.length; i += batch) {
  const s = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  for (let j = i; j < i + batch; j++) if (table.lookup(probes[j]!)) hits++;
  const c = process.cpuUsage(c0);
  wall.push(Number(process.hrtime.bigint() - s) / batch / 1000);
  cpu.push((c.user + c.system) / batch);
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const median = med(wall);
const medianCpu = med(cpu);
// the bare trie (no route selection) for comparison
const trie = new LpmTrie<number>(4);
let k = 0;
for (const e of table.list(4)) trie.set(e.dst.addr as number, e.dst.len, k++);
const tt = process.hrtime.bigint();
for (let i = 0; i < probes.length; i++) if (trie.lookup(probes[i]!) !== undefined) hits++;
const trieNs = Number(process.hrtime.bigint() - tt) / probes.length;
const mem = process.memoryUsage().heapUsed / 2 ** 20;
console.log(
  `netemu-lpm: ${table.size} prefixes built in ${buildMs.toFixed(0)} ms; route lookup median ${median.toFixed(3)} µs wall, ${medianCpu.toFixed(3)} µs CPU; bare trie ${(trieNs / 1000).toFixed(3)} µs mean; heap ${mem.toFixed(0)} MiB; ${hits} hits`,
);
console.log(`  target: median under 2 µs → ${median < 2 ? 'met' : medianCpu < 2 ? 'met in CPU time (wall inflated by a shared machine)' : 'NOT met'}`);
