// Property tests over random histories of pools, services, deletions and restarts:
// 1. no IP is ever held by two services that may not share it;
// 2. every IP a service holds lies in a pool that selects it, and an IP a service newly gets lies
//    in a pool that is neither disabled nor conflicting (existing ones survive both, by design);
// 3. pool counts add up: total = the blocks' sizes, available + used = total, used = held addresses;
// 4. what the statuses say is what the allocator holds.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { labelSelectorMatches } from '../../k8s/selectors.ts';
import type { CiliumLoadBalancerIPPool, Service } from '../../k8s/types.ts';
import { parseIP } from '../../netaddr/ip.ts';
import { parsePoolRanges } from './blocks.ts';
import { POOL_CONFLICT, POOL_IPS_AVAILABLE, POOL_IPS_TOTAL, POOL_IPS_USED } from './conditions.ts';
import { DEFAULT_OPTIONS, isResponsible, type LBIPAMOptions, selectorLabels, sharingIncompatibility, sharingInfo } from './service.ts';
import { EngineFixture, mkPool, mkSvc } from './testkit.ts';

const BLOCKS = ['10.0.0.0/30', '10.0.0.2/31', '10.0.0.4/30', '10.0.1.0-10.0.1.2', '10.0.0.8', 'ff::/126', 'ff::2/127'];
const REQUESTS = ['10.0.0.1', '10.0.0.5', '10.0.1.1', '10.0.9.9', 'ff::1', 'bogus'];

const poolArb = fc.record({
  name: fc.constantFrom('p0', 'p1', 'p2'),
  blocks: fc.uniqueArray(fc.constantFrom(...BLOCKS), { minLength: 1, maxLength: 3 }),
  team: fc.constantFrom(undefined, 'a', 'b'),
  disabled: fc.boolean(),
  noFirstLast: fc.boolean(),
  created: fc.integer({ min: 0, max: 3 }),
});

const svcArb = fc.record({
  name: fc.constantFrom('s0', 's1', 's2', 's3', 's4'),
  ns: fc.constantFrom('default', 'other'),
  team: fc.constantFrom(undefined, 'a', 'b'),
  key: fc.constantFrom(undefined, 'k1', 'k2'),
  cross: fc.constantFrom(undefined, '*', 'default', 'other'),
  ports: fc.uniqueArray(fc.constantFrom(80, 443, 8080), { minLength: 0, maxLength: 2 }),
  request: fc.option(fc.uniqueArray(fc.constantFrom(...REQUESTS), { minLength: 1, maxLength: 2 })),
  policy: fc.constantFrom(undefined, 'SingleStack', 'PreferDualStack', 'RequireDualStack'),
  families: fc.constantFrom<string[] | undefined>(undefined, ['IPv4'], ['IPv6'], ['IPv6', 'IPv4']),
  type: fc.constantFrom('LoadBalancer', 'LoadBalancer', 'LoadBalancer', 'ClusterIP'),
  etp: fc.constantFrom('Cluster', 'Local'),
  app: fc.constantFrom('x', 'y'),
});

type PoolGen = typeof poolArb extends fc.Arbitrary<infer T> ? T : never;
type SvcGen = typeof svcArb extends fc.Arbitrary<infer T> ? T : never;
type Op =
  | { op: 'pool'; p: PoolGen }
  | { op: 'svc'; s: SvcGen }
  | { op: 'delPool'; name: string }
  | { op: 'delSvc'; key: string }
  | { op: 'restart' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: poolArb.map((p) => ({ op: 'pool' as const, p })) },
  { weight: 6, arbitrary: svcArb.map((s) => ({ op: 'svc' as const, s })) },
  { weight: 1, arbitrary: fc.constantFrom('p0', 'p1', 'p2').map((name) => ({ op: 'delPool' as const, name })) },
  { weight: 1, arbitrary: fc.constantFrom('default/s0', 'other/s1', 'default/s2').map((key) => ({ op: 'delSvc' as const, key })) },
  { weight: 1, arbitrary: fc.constant({ op: 'restart' as const }) },
);

function buildPool(p: PoolGen): CiliumLoadBalancerIPPool {
  return mkPool(p.name, p.blocks, {
    selector: p.team ? { matchLabels: { team: p.team } } : undefined,
    disabled: p.disabled,
    allowFirstLastIPs: p.noFirstLast ? 'No' : undefined,
    created: p.created,
  });
}

function buildSvc(s: SvcGen): Service {
  const annotations: Record<string, string> = {};
  if (s.key) annotations['lbipam.cilium.io/sharing-key'] = s.key;
  if (s.cross) annotations['lbipam.cilium.io/sharing-cross-namespace'] = s.cross;
  if (s.request) annotations['lbipam.cilium.io/ips'] = s.request.join(',');
  return mkSvc(s.name, {
    ns: s.ns,
    type: s.type,
    labels: s.team ? { team: s.team } : undefined,
    annotations,
    ports: s.ports,
    policy: s.policy,
    families: s.families,
    etp: s.etp,
    selector: { app: s.app },
  });
}

/** (service key, ip) pairs as the service statuses show them. */
function held(f: EngineFixture): Set<string> {
  const out = new Set<string>();
  for (const [key] of f.services) for (const ip of f.ips(key)) out.add(`${key} ${ip}`);
  return out;
}

function rangesOf(pool: CiliumLoadBalancerIPPool) {
  return parsePoolRanges(pool.spec).ranges;
}

function inPool(pool: CiliumLoadBalancerIPPool, ipText: string): boolean {
  const ip = parseIP(ipText)!;
  return rangesOf(pool).some((r) => r.family === ip.family && ip.value >= r.from && ip.value <= r.to);
}

function enabledPoolsWith(f: EngineFixture, key: string, ip: string): CiliumLoadBalancerIPPool[] {
  const svc = f.services.get(key)!;
  return [...f.pools.values()].filter(
    (p) =>
      inPool(p, ip) &&
      labelSelectorMatches(p.spec.serviceSelector, selectorLabels(svc), true) &&
      p.spec.disabled !== true &&
      f.poolCond(p.metadata.name!, POOL_CONFLICT)?.status !== 'True',
  );
}

function inEnabledPool(f: EngineFixture, pair: string): boolean {
  const [key, ip] = pair.split(' ') as [string, string];
  return enabledPoolsWith(f, key, ip).length > 0;
}

function checkInvariants(f: EngineFixture, before: Set<string>, opts: LBIPAMOptions): void {
  const now = held(f);
  // 1. sharing only between compatible services
  const byIP = new Map<string, string[]>();
  for (const pair of now) {
    const [key, ip] = pair.split(' ') as [string, string];
    byIP.set(ip, [...(byIP.get(ip) ?? []), key]);
  }
  for (const [ip, keys] of byIP) {
    for (const a of keys) {
      for (const b of keys) {
        if (a === b) continue;
        const why = sharingIncompatibility(sharingInfo(f.services.get(a)!), sharingInfo(f.services.get(b)!), opts.protocolDifferentiation);
        assert.equal(why, undefined, `${ip} held by ${a} and ${b}: ${why}`);
      }
    }
  }
  // 2. every held IP lies in a selecting pool; new ones in an enabled pool
  const engineHeld = new Set<string>();
  for (const a of f.engine.allocations()) for (const s of a.services) engineHeld.add(`${s} ${a.ip}`);
  for (const pair of now) {
    const [key, ip] = pair.split(' ') as [string, string];
    const svc = f.services.get(key)!;
    assert.ok(isResponsible(svc, opts), `${key} holds ${ip} but is not LB-IPAM's`);
    const pools = [...f.pools.values()].filter(
      (p) => inPool(p, ip) && labelSelectorMatches(p.spec.serviceSelector, selectorLabels(svc), true),
    );
    assert.ok(pools.length > 0, `${key} holds ${ip} outside every pool that selects it`);
    if (!before.has(pair)) assert.ok(inEnabledPool(f, pair), `${key} newly got ${ip} from a disabled or conflicting pool`);
    // 4. statuses and allocator agree
    assert.ok(engineHeld.has(pair), `status says ${pair}, the allocator does not`);
  }
  for (const pair of engineHeld) assert.ok(now.has(pair), `the allocator holds ${pair}, no status says so`);
  // 3. counts
  if (f.engine.dormant) return;
  const allocs = f.engine.allocations();
  for (const [name, pool] of f.pools) {
    const ranges = rangesOf(pool);
    if (ranges.length === 0 && pool.spec.blocks.length > 0) continue; // an ignored (invalid) pool
    const total = ranges.reduce((n, r) => n + (r.to - r.from + 1n), 0n);
    const used = BigInt(allocs.filter((a) => a.pool === name).length);
    assert.equal(f.poolCond(name, POOL_IPS_TOTAL)?.message, total.toString(), `${name} IPsTotal`);
    assert.equal(f.poolCond(name, POOL_IPS_USED)?.message, used.toString(), `${name} IPsUsed`);
    assert.equal(f.poolCond(name, POOL_IPS_AVAILABLE)?.message, (total - used).toString(), `${name} IPsAvailable`);
  }
}

describe('LB-IPAM engine properties', () => {
  for (const v6 of [false, true]) {
    for (const protocolDifferentiation of [false, true]) {
      it(`hold over random histories (ipv6 ${v6}, proto-diff ${protocolDifferentiation})`, () => {
        const out = fc.check(
          fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), (ops) => {
            const opts = { ...DEFAULT_OPTIONS, ipv6Enabled: v6, protocolDifferentiation };
            const f = new EngineFixture(opts);
            for (const o of ops) {
              const before = held(f);
              if (o.op === 'pool') f.applyPool(buildPool(o.p));
              else if (o.op === 'svc') f.applyService(buildSvc(o.s));
              else if (o.op === 'delPool') f.deletePool(o.name);
              else if (o.op === 'delSvc') f.deleteService(o.key);
              else f.restart();
              f.tick(1);
              checkInvariants(f, before, opts);
            }
            // A restart keeps every IP of an enabled pool where it is.
            const before = [...held(f)].filter((pair) => inEnabledPool(f, pair));
            f.restart();
            const after = held(f);
            for (const pair of before) assert.ok(after.has(pair), `restart took away ${pair}`);
          }),
          { numRuns: 300 },
        );
        // The failing assertion's own message, which fc.assert leaves in an error cause.
        if (out.failed) assert.fail(`${fc.defaultReportMessage(out)}\n${String(out.errorInstance)}`);
      });
    }
  }
});
