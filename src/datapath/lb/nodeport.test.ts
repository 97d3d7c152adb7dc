import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualClock } from '../../controller/clock.ts';
import { Rng } from '../../controller/rng.ts';
import type { AddrKey } from '../../netaddr/lpm.ts';
import {
  LB_ALG_MAGLEV,
  LBMaps,
  type LBDatapathConfig,
  SCOPE_EXTERNAL,
  SVC_FLAG_FWD_MODE_DSR,
  SVC_FLAG_LOADBALANCER,
  SVC_FLAG_ROUTABLE,
  SVC_FLAG_SESSION_AFFINITY,
  SVC_FLAG_SOURCE_RANGE,
  SVC_FLAG_SOURCE_RANGE_DENY,
} from '../maps/lb.ts';
import { parseAddrKey } from '../maps/lbaddr.ts';
import { DROP_IS_CLUSTER_IP, DROP_NO_SERVICE, DROP_NOT_IN_SRC_RANGE, dropReasonText } from './drop.ts';
import { decodeGeneveDsrOption, decodeIPv4DsrOption } from './dsr.ts';
import { type BackendLocator, nodePortIngress, podServiceLB, reverseNat } from './nodeport.ts';
import { type LBRuntime, lookupService, selectBackend } from './select.ts';

const A = (s: string) => parseAddrKey(s)! as number;
const VIP = A('172.16.1.1');
const NODE = A('192.168.10.100');
const CLIENT = A('192.168.10.200');

/** A service with `backends` at VIP:80/TCP, rev-NAT 17, backend IDs 1.. */
function mapsWith(backends: string[], flags: number, config: Partial<LBDatapathConfig> = {}, affinityTimeout = 0): LBMaps {
  const m = new LBMaps();
  m.config = { ...m.config, ...config };
  const slots = backends.map((b, i) => {
    m.upsertBackend(i + 1, { addr: A(b), port: 80, proto: 6, state: 0, clusterId: 0, zone: 0 });
    if (flags & SVC_FLAG_SESSION_AFFINITY) m.affinityMatch.add(m.affinityMatchKey(i + 1, 17));
    return { backendId: i + 1, count: 0, qcount: 0, revNat: 17, flags };
  });
  m.upsertService({ addr: VIP, port: 80, proto: 6, scope: SCOPE_EXTERNAL }, [
    { backendId: affinityTimeout, count: backends.length, qcount: 0, revNat: 17, flags },
    ...slots,
  ]);
  m.revNat4.set(17, { addr: VIP, port: 80 });
  return m;
}

function runtime(maps: LBMaps, clock = new VirtualClock()): LBRuntime {
  const rng = new Rng('dp');
  return { maps, random: () => rng.uint32(), now: () => clock.now() };
}

/** Backends 172.20.0.x live on this node, 172.20.1.x on 192.168.10.101, 172.20.2.x on 192.168.20.100. */
const where: BackendLocator = {
  isLocal: (a: AddrKey) => typeof a === 'number' && a >>> 8 === A('172.20.0.0') >>> 8,
  nodeOf: (a: AddrKey) => (typeof a !== 'number' ? undefined : a >>> 8 === A('172.20.1.0') >>> 8 ? A('192.168.10.101') : a >>> 8 === A('172.20.2.0') >>> 8 ? A('192.168.20.100') : undefined),
};

const LB = SVC_FLAG_LOADBALANCER | SVC_FLAG_ROUTABLE;
const pkt = (sport = 43094, daddr = VIP) => ({ saddr: CLIENT, daddr, sport, dport: 80, proto: 6 });

test('SNAT mode: a remote backend is reached with the node address as source', () => {
  const rt = runtime(mapsWith(['172.20.1.119'], LB));
  const d = nodePortIngress(rt, pkt(), where, NODE);
  assert.equal(d.kind, 'snat');
  if (d.kind !== 'snat') return;
  assert.equal(d.nodeIP, NODE);
  assert.equal(d.backend.addr, A('172.20.1.119'));
  assert.deepEqual(d.service, { addr: VIP, port: 80 });
  assert.deepEqual(reverseNat(rt, 4, d.revNat), { addr: VIP, port: 80 });
});

test('a local backend is DNATed and keeps the client address', () => {
  const d = nodePortIngress(runtime(mapsWith(['172.20.0.15'], LB | SVC_FLAG_FWD_MODE_DSR)), pkt(), where, NODE);
  assert.equal(d.kind, 'dnat');
});

test('DSR over Geneve: encapsulated to the backend node with the service in option class 0x014B type 0x81', () => {
  const rt = runtime(mapsWith(['172.20.2.35'], LB | SVC_FLAG_FWD_MODE_DSR, { dsrDispatch: 'geneve' }));
  const d = nodePortIngress(rt, pkt(), where, NODE);
  assert.equal(d.kind, 'dsr');
  if (d.kind !== 'dsr') return;
  assert.equal(d.dispatch, 'geneve');
  assert.equal(d.nodeIP, A('192.168.20.100'));
  assert.deepEqual([...d.option!], [0x01, 0x4b, 0x81, 2, 172, 16, 1, 1, 0, 80, 0, 0]);
  assert.deepEqual(decodeGeneveDsrOption(d.option!), { addr: VIP, port: 80 });
});

test('DSR with IP options: option 0x9a on the SYN, routed natively', () => {
  const rt = runtime(mapsWith(['172.20.1.7'], LB | SVC_FLAG_FWD_MODE_DSR, { dsrDispatch: 'opt' }));
  const d = nodePortIngress(rt, pkt(), where, NODE);
  assert.ok(d.kind === 'dsr' && d.dispatch === 'opt' && d.optionOnSynOnly);
  if (d.kind !== 'dsr') return;
  assert.deepEqual([...d.option!], [0x9a, 8, 0, 80, 172, 16, 1, 1]);
  assert.deepEqual(decodeIPv4DsrOption(d.option!), { addr: VIP, port: 80 });
});

test('no backend: ICMP port unreachable by default, a silent drop with service-no-backend-response=drop', () => {
  const reject = nodePortIngress(runtime(mapsWith([], LB)), pkt(), where, NODE);
  assert.deepEqual(reject, { kind: 'drop', reason: DROP_NO_SERVICE, icmp: { type: 3, code: 3 } });
  assert.equal(dropReasonText(DROP_NO_SERVICE), 'Service backend not found');
  const drop = nodePortIngress(runtime(mapsWith([], LB, { noBackendResponse: 'drop' })), pkt(), where, NODE);
  assert.deepEqual(drop, { kind: 'drop', reason: DROP_NO_SERVICE });
});

test('a ClusterIP is not routable from outside the node', () => {
  const d = nodePortIngress(runtime(mapsWith(['172.20.0.15'], 0)), pkt(), where, NODE);
  assert.deepEqual(d, { kind: 'drop', reason: DROP_IS_CLUSTER_IP });
  assert.deepEqual(nodePortIngress(runtime(mapsWith(['172.20.0.15'], LB)), pkt(80, A('10.9.9.9')), where, NODE), { kind: 'pass' });
});

test('source ranges: allow-list and deny-list', () => {
  const allow = mapsWith(['172.20.0.15'], LB | SVC_FLAG_SOURCE_RANGE);
  allow.sourceRanges4.set(17, [{ addr: A('10.0.0.0'), prefixLen: 8 }]);
  assert.deepEqual(nodePortIngress(runtime(allow), pkt(), where, NODE), { kind: 'drop', reason: DROP_NOT_IN_SRC_RANGE });
  allow.sourceRanges4.set(17, [{ addr: A('192.168.10.0'), prefixLen: 24 }]);
  assert.equal(nodePortIngress(runtime(allow), pkt(), where, NODE).kind, 'dnat');
  const deny = mapsWith(['172.20.0.15'], LB | SVC_FLAG_SOURCE_RANGE | SVC_FLAG_SOURCE_RANGE_DENY);
  deny.sourceRanges4.set(17, [{ addr: A('192.168.10.0'), prefixLen: 24 }]);
  assert.equal(nodePortIngress(runtime(deny), pkt(), where, NODE).kind, 'drop');
});

test('random selection spreads connections over every backend', () => {
  const rt = runtime(mapsWith(['172.20.0.1', '172.20.0.2', '172.20.0.3'], LB));
  const counts = new Map<AddrKey, number>();
  for (let i = 0; i < 3000; i++) {
    const d = nodePortIngress(rt, pkt(30000 + i), where, NODE);
    if (d.kind === 'dnat') counts.set(d.backend.addr, (counts.get(d.backend.addr) ?? 0) + 1);
  }
  assert.equal(counts.size, 3);
  for (const c of counts.values()) assert.ok(c > 850 && c < 1150, String(c));
});

test('Maglev: the same tuple picks the same backend on any node holding the same table', () => {
  const m = mapsWith(['172.20.0.1', '172.20.0.2', '172.20.0.3'], LB, { algorithm: 'maglev', hashSeed4: 0x71dcda46 });
  const lut = new Uint32Array(251);
  for (let i = 0; i < lut.length; i++) lut[i] = (i % 3) + 1;
  m.maglev4.set(17, lut);
  const a = runtime(m);
  const picks = (rt: LBRuntime) => Array.from({ length: 50 }, (_, i) => selectBackend(rt, lookupService(m, VIP, 80, 6, false)!, { saddr: CLIENT, sport: 40000 + i, dport: 80, proto: 6 })!.backendId);
  assert.deepEqual(picks(a), picks(runtime(m)));
  assert.equal(new Set(picks(a)).size, 3);
  // A per-service algorithm in the master slot overrides the global one.
  m.services4.get(VIP, 80, 6, 0)!.values[0]!.backendId = LB_ALG_MAGLEV << 24;
  m.config.algorithm = 'random';
  assert.deepEqual(picks(a), picks(runtime(m)));
});

test('session affinity ClientIP: same backend until the timeout passes', async () => {
  const clock = new VirtualClock();
  const m = mapsWith(['172.20.0.1', '172.20.0.2', '172.20.0.3', '172.20.0.4'], LB | SVC_FLAG_SESSION_AFFINITY, {}, 60);
  const rt = runtime(m, clock);
  const svc = lookupService(m, VIP, 80, 6, false)!;
  const first = selectBackend(rt, svc, { saddr: CLIENT, sport: 1, dport: 80, proto: 6 })!.backendId;
  for (let i = 2; i < 40; i++) {
    await clock.advance(1000);
    assert.equal(selectBackend(rt, svc, { saddr: CLIENT, sport: i, dport: 80, proto: 6 })!.backendId, first);
  }
  await clock.advance(60_000);
  const seen = new Set<number>();
  for (let i = 0; i < 40; i++) {
    await clock.advance(61_000);
    seen.add(selectBackend(rt, svc, { saddr: CLIENT, sport: i, dport: 80, proto: 6 })!.backendId);
  }
  assert.ok(seen.size > 1, 'expired entries choose again');
  // A backend that left the service (no affinity-match entry) is not reused.
  const now = selectBackend(rt, svc, { saddr: CLIENT, sport: 1, dport: 80, proto: 6 })!.backendId;
  m.affinityMatch.delete(m.affinityMatchKey(now, 17));
  m.upsertService(svc.key, [svc.values[0]!, ...svc.values.slice(1).filter((v) => v.backendId !== now)].map((v, i) => (i === 0 ? { ...v, count: 3 } : v)));
  assert.notEqual(selectBackend(rt, lookupService(m, VIP, 80, 6, false)!, { saddr: CLIENT, sport: 1, dport: 80, proto: 6 })!.backendId, now);
});

test('pods reaching a service: DNAT anywhere, loopback when the backend is the client itself', () => {
  const rt = runtime(mapsWith(['172.20.0.35'], 0));
  const d = podServiceLB(rt, { saddr: A('172.20.0.35'), daddr: VIP, sport: 5555, dport: 80, proto: 6 });
  assert.ok(d.kind === 'dnat' && d.loopback);
  assert.deepEqual(podServiceLB(rt, { saddr: A('172.20.0.35'), daddr: VIP, sport: 5555, dport: 81, proto: 6 }), { kind: 'pass' });
});
