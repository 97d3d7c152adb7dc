// Pinning of the LB maps, as Cilium pins its BPF maps under /sys/fs/bpf so that they outlive the
// agent: the service, backend and reverse-NAT maps (where service and backend IDs live) as JSON,
// for a runtime that keeps a node's state across process restarts. Maglev tables, source ranges
// and affinity-match entries are rebuilt by the agent; sockets and affinity do not survive.

import { formatAddrKey, parseAddrKey } from './lbaddr.ts';
import { type BackendStateFlag, LBMaps, type ServiceValue } from './lb.ts';

const VERSION = 1;

interface PinnedService {
  addr: string;
  port: number;
  proto: number;
  scope: number;
  /** [backendId, count, qcount, revNat, flags] per slot, master first. */
  slots: [number, number, number, number, number][];
}

interface PinnedMaps {
  version: number;
  services: PinnedService[];
  backends: [number, string, number, number, number][];
  revNat: [number, string, number][];
}

export function pinLBMaps(m: LBMaps): PinnedMaps {
  const services: PinnedService[] = [];
  for (const fam of [4, 6] as const) {
    for (const e of m.servicesOf(fam).entries()) {
      services.push({
        addr: formatAddrKey(e.key.addr),
        port: e.key.port,
        proto: e.key.proto,
        scope: e.key.scope,
        slots: e.values.map((v) => [v.backendId, v.count, v.qcount, v.revNat, v.flags]),
      });
    }
  }
  const backends: PinnedMaps['backends'] = [];
  const revNat: PinnedMaps['revNat'] = [];
  for (const fam of [4, 6] as const) {
    for (const [id, b] of m.backendsOf(fam)) backends.push([id, formatAddrKey(b.addr), b.port, b.proto, b.state]);
    for (const [id, r] of m.revNatOf(fam)) revNat.push([id, formatAddrKey(r.addr), r.port]);
  }
  return { version: VERSION, services, backends, revNat };
}

const isUint = (n: unknown, max: number): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= max;

/** Rebuilds maps from a pinned snapshot; a damaged one is an error naming what is wrong. */
export function unpinLBMaps(data: unknown): LBMaps | { error: string } {
  const d = data as Partial<PinnedMaps> | null;
  if (!d || typeof d !== 'object' || d.version !== VERSION) return { error: `pinned LB maps: unsupported version ${JSON.stringify(d?.version)}` };
  if (!Array.isArray(d.services) || !Array.isArray(d.backends) || !Array.isArray(d.revNat)) return { error: 'pinned LB maps: missing services, backends or revNat' };
  const m = new LBMaps();
  for (const [i, s] of d.services.entries()) {
    const addr = typeof s?.addr === 'string' ? parseAddrKey(s.addr) : undefined;
    if (addr === undefined || !isUint(s.port, 65535) || !isUint(s.proto, 255) || !isUint(s.scope, 1) || !Array.isArray(s.slots) || s.slots.length === 0) {
      return { error: `pinned LB maps: services[${i}]: malformed entry` };
    }
    const values: ServiceValue[] = [];
    for (const v of s.slots) {
      if (!Array.isArray(v) || v.length !== 5 || !v.every((x, j) => isUint(x, j === 0 ? 0xffffffff : 0xffff))) {
        return { error: `pinned LB maps: services[${i}]: malformed slot` };
      }
      values.push({ backendId: v[0], count: v[1], qcount: v[2], revNat: v[3], flags: v[4] });
    }
    m.upsertService({ addr, port: s.port, proto: s.proto, scope: s.scope }, values);
  }
  for (const [i, b] of d.backends.entries()) {
    const addr = Array.isArray(b) && typeof b[1] === 'string' ? parseAddrKey(b[1]) : undefined;
    if (addr === undefined || !isUint(b[0], 0xffffffff) || !isUint(b[2], 65535) || !isUint(b[3], 255) || !isUint(b[4], 3)) {
      return { error: `pinned LB maps: backends[${i}]: malformed entry` };
    }
    m.upsertBackend(b[0], { addr, port: b[2], proto: b[3], state: b[4] as BackendStateFlag, clusterId: 0, zone: 0 });
  }
  for (const [i, r] of d.revNat.entries()) {
    const addr = Array.isArray(r) && typeof r[1] === 'string' ? parseAddrKey(r[1]) : undefined;
    if (addr === undefined || !isUint(r[0], 0xffff) || !isUint(r[2], 65535)) return { error: `pinned LB maps: revNat[${i}]: malformed entry` };
    m.revNatOf(typeof addr === 'number' ? 4 : 6).set(r[0], { addr, port: r[2] });
  }
  return m;
}
