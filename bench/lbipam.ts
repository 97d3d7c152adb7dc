// LB-IPAM benchmarks (npm run bench -- lbipam [--quick]). Prints figures, asserts nothing.
//  1. 100,000 LoadBalancer services over 10 pools, through the engine (target: < 2 s total), and
//     the same through the controller and the embedded store.
//  2. One more service when 1,000,000 addresses of a pool are in use (target: < 100 µs median).
//  3. Heap used by /8 IPv4 and /64 IPv6 pools: proportional to allocations, not to pool size.

import { performance } from 'node:perf_hooks';
import { VirtualClock } from '../src/controller/clock.ts';
import { Rng } from '../src/controller/rng.ts';
import type { CiliumLoadBalancerIPPool, Service } from '../src/k8s/types.ts';
import { LBIPAMController } from '../src/operator/lbipam/controller.ts';
import { LBIPAMEngine } from '../src/operator/lbipam/engine.ts';
import { DEFAULT_OPTIONS } from '../src/operator/lbipam/service.ts';
import { MemoryStore } from '../src/store/memory.ts';
import { rfc3339 } from '../src/store/meta.ts';

const quick = process.argv.includes('--quick');
const gc = (globalThis as { gc?: () => void }).gc;

function pool(name: string, cidr: string, selector?: Record<string, string>): CiliumLoadBalancerIPPool {
  return {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumLoadBalancerIPPool',
    metadata: { name, generation: 1, creationTimestamp: '2025-08-07T08:17:59Z' },
    spec: { blocks: [{ cidr }], ...(selector ? { serviceSelector: { matchLabels: selector } } : {}) },
  };
}

function service(i: number, labels?: Record<string, string>): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `svc-${i}`, namespace: 'default', generation: 1, ...(labels ? { labels } : {}) },
    spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }], selector: { app: `svc-${i}` } },
  };
}

function newEngine(): LBIPAMEngine {
  const now = rfc3339(Date.UTC(2025, 7, 7));
  return new LBIPAMEngine({ ...DEFAULT_OPTIONS, ipv6Enabled: true }, () => now);
}

function heapMB(): number {
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

const fmt = (n: number, digits = 1) => n.toFixed(digits);

/** Wall and CPU milliseconds of `fn` (CPU time says more on a busy machine). */
async function timed(fn: () => unknown): Promise<{ wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const c = process.cpuUsage(c0);
  return { wall: performance.now() - t0, cpu: (c.user + c.system) / 1000 };
}

async function benchManyServices(count: number): Promise<void> {
  const engine = newEngine();
  const pools = Array.from({ length: 10 }, (_, i) => pool(`pool-${i}`, `10.${i}.0.0/16`, { tier: `t${i}` }));
  const services = Array.from({ length: count }, (_, i) => service(i, { tier: `t${i % 10}` }));
  engine.initialize(pools, []);
  engine.takeChanges();
  let written = 0;
  const t = await timed(() => {
    for (const s of services) engine.upsertService(s);
    written = engine.takeChanges().services.size;
  });
  console.log(
    `1. engine: ${count.toLocaleString('en')} services over 10 pools allocated in ${fmt(t.wall, 0)} ms wall, ${fmt(t.cpu, 0)} ms CPU ` +
      `(${fmt((t.wall * 1000) / count, 2)} µs each; ${written.toLocaleString('en')} statuses to write) — target < 2000 ms`,
  );
}

/** Runs watch events, queued keys and status writes until the controller stays idle. */
async function settle(clock: VirtualClock, ctrl: LBIPAMController): Promise<void> {
  for (let quiet = 0; quiet < 3; ) {
    await clock.settle();
    quiet = ctrl.isIdle() ? quiet + 1 : 0;
  }
}

async function benchThroughStore(count: number): Promise<void> {
  const clock = new VirtualClock();
  const store = new MemoryStore({ clock, rng: new Rng(1), log: () => {} });
  await store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  const ctrl = new LBIPAMController(store, { clock });
  await ctrl.start();
  for (let i = 0; i < 10; i++) await store.create(pool(`pool-${i}`, `10.${i}.0.0/16`, { tier: `t${i}` }));
  await settle(clock, ctrl);
  const t = await timed(async () => {
    for (let i = 0; i < count; i++) await store.create(service(i, { tier: `t${i % 10}` }));
    await settle(clock, ctrl);
  });
  const last = await store.get<Service>({ group: '', kind: 'Service' }, 'default', `svc-${count - 1}`);
  ctrl.stop();
  console.log(
    `   controller + MemoryStore: ${count.toLocaleString('en')} services created and their status written in ` +
      `${fmt(t.wall, 0)} ms wall, ${fmt(t.cpu, 0)} ms CPU ` +
      `(last got ${last?.status?.loadBalancer?.ingress?.[0]?.ip})`,
  );
}

function benchOneMore(inUse: number, samples: number): void {
  const engine = newEngine();
  engine.initialize([pool('big', '10.0.0.0/8')], []);
  const t0 = performance.now();
  for (let i = 0; i < inUse; i++) engine.upsertService(service(i));
  engine.takeChanges();
  const fillMs = performance.now() - t0;
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const s = service(inUse + i);
    const t = performance.now();
    engine.upsertService(s);
    engine.takeChanges();
    times.push((performance.now() - t) * 1000);
  }
  times.sort((a, b) => a - b);
  const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
  console.log(
    `2. one more service with ${inUse.toLocaleString('en')} addresses in use (filled in ${fmt(fillMs / 1000, 2)} s): ` +
      `median ${fmt(pct(0.5), 1)} µs, p99 ${fmt(pct(0.99), 1)} µs over ${samples} — target median < 100 µs`,
  );
}

function benchMemory(): void {
  console.log('3. heap used (MB) by a pool, its allocator and the engine\'s per-service state:');
  for (const [label, cidr, family] of [
    ['/24 IPv4', '10.1.0.0/24', 'IPv4'],
    ['/8 IPv4', '10.0.0.0/8', 'IPv4'],
    ['/64 IPv6', '2001:db8:dead:beef::/64', 'IPv6'],
  ] as const) {
    const engine = newEngine();
    const base = heapMB();
    engine.initialize([pool('p', cidr)], []);
    const empty = heapMB() - base;
    const row = [`   ${label.padEnd(9)} empty ${fmt(empty, 2)}`];
    let done = 0;
    for (const n of cidr.endsWith('/24') ? [200] : [10_000, 100_000]) {
      for (; done < n; done++) {
        const s = service(done);
        s.spec!.ipFamilies = [family];
        engine.upsertService(s);
      }
      engine.takeChanges();
      row.push(`${n.toLocaleString('en')} allocated ${fmt(heapMB() - base, 1)}`);
    }
    console.log(row.join(', '));
  }
}

await benchManyServices(100_000);
await benchThroughStore(quick ? 10_000 : 100_000);
benchOneMore(quick ? 100_000 : 1_000_000, 1000);
benchMemory();
if (!gc) console.log('(run through npm run bench, which passes --expose-gc, for exact heap figures)');
