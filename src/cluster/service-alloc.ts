// The apiserver's service allocators, run at admission: ClusterIPs from the service CIDR and
// NodePorts from 30000-32767. Like Kubernetes (KEP-3070), dynamic picks come at random from the
// upper band of the range so the lower band stays free for static requests (kube-dns .10).

import type { Rng } from '../controller/rng.ts';
import { type Cidr, cidrContains, cidrRange, cidrSize } from '../netaddr/cidr.ts';
import { formatIP, parseIP } from '../netaddr/ip.ts';
import type { KObject } from '../k8s/object.ts';
import type { Service } from '../k8s/types.ts';
import { StoreError } from '../store/types.ts';

export const NODE_PORT_MIN = 30000;
export const NODE_PORT_MAX = 32767;

/** Size of the static band: min(max(16, size/16), limit) — KEP-3070 / KEP-3668. */
function staticBand(size: bigint, limit: bigint): bigint {
  const b = size / 16n < 16n ? 16n : size / 16n;
  return b > limit ? limit : b;
}

function invalid(svc: Service, field: string, value: string | number, msg: string): StoreError {
  const detail = `${field}: Invalid value: ${typeof value === 'string' ? JSON.stringify(value) : value}: ${msg}`;
  return new StoreError('Invalid', `Service "${svc.metadata.name}" is invalid: ${detail}`, [{ field, message: msg }]);
}

interface Holding {
  ips: string[];
  ports: string[];
}

/**
 * Committed allocations come from the services the store holds (fed by `observe`/`release`).
 * An admission also reserves what it hands out, under the service's key, until the store shows
 * the service: a dry run or a transaction that fails leaves only a reservation that the same
 * service reuses on its next admission and that lapses after `reservationMs`.
 */
export class ServiceAllocator {
  private readonly committed = new Map<string, Holding>();
  private readonly pending = new Map<string, Holding & { expires: number }>();
  private readonly ips = new Map<string, string>(); // ip -> owner key (committed and pending)
  private readonly ports = new Map<string, string>(); // "port/proto" -> owner key

  constructor(
    private readonly serviceCIDRs: Cidr[],
    private readonly rng: Rng,
    private readonly now: () => number = Date.now,
    private readonly reservationMs = 30_000,
  ) {}

  /** Rebuilds the allocation state from stored services (after a restart). */
  restore(services: Service[]): void {
    for (const key of [...this.committed.keys(), ...this.pending.keys()]) this.drop(key);
    for (const s of services) this.hold(this.committed, ownerKey(s), holdingOf(s));
  }

  /** The store now holds this version of the service. */
  observe(svc: Service): void {
    const key = ownerKey(svc);
    this.pending.delete(key);
    this.hold(this.committed, key, holdingOf(svc));
  }

  /** Frees everything a deleted service held. */
  release(svc: Service): void {
    this.drop(ownerKey(svc));
  }

  /** Admission step for Services: fills in clusterIP(s)/nodePorts, rejects collisions. */
  admit(op: 'create' | 'update', obj: KObject, old?: KObject): KObject {
    if (obj.kind !== 'Service' || obj.apiVersion !== 'v1') return obj;
    this.expireReservations();
    const prev = old as Service | undefined;
    const svc = { ...(obj as Service), spec: { ...((obj as Service).spec ?? {}) } };
    svc.spec.ports = svc.spec.ports?.map((p) => ({ ...p }));
    const spec = svc.spec;
    const key = ownerKey(svc);
    if (op === 'update' && prev) {
      spec.clusterIP ??= prev.spec?.clusterIP;
      spec.clusterIPs ??= prev.spec?.clusterIPs;
    }
    if (spec.type !== 'ExternalName') this.assignClusterIPs(svc, key);
    this.assignNodePorts(svc, key, prev);
    this.hold(this.pending, key, { ...holdingOf(svc), expires: this.now() + this.reservationMs });
    return svc;
  }

  /** Reservations sit in expiry order (hold() re-inserts), so this stops at the first live one. */
  private expireReservations(): void {
    const now = this.now();
    for (const [key, h] of this.pending) {
      if (h.expires > now) break;
      this.pending.delete(key);
      this.unindex(key, h);
    }
  }

  private hold<H extends Holding>(source: Map<string, H>, key: string, h: H): void {
    const old = source.get(key);
    source.delete(key);
    source.set(key, h);
    if (old) this.unindex(key, old);
    for (const ip of h.ips) this.ips.set(ip, key);
    for (const p of h.ports) this.ports.set(p, key);
  }

  private drop(key: string): void {
    for (const source of [this.committed, this.pending] as Map<string, Holding>[]) {
      const h = source.get(key);
      source.delete(key);
      if (h) this.unindex(key, h);
    }
  }

  /** Removes index entries of `h` that neither of the key's current holdings still uses. */
  private unindex(key: string, h: Holding): void {
    const keep = (pick: (x: Holding) => string[]) => new Set([...pick(this.committed.get(key) ?? EMPTY), ...pick(this.pending.get(key) ?? EMPTY)]);
    const ipsKept = keep((x) => x.ips);
    const portsKept = keep((x) => x.ports);
    for (const ip of h.ips) if (!ipsKept.has(ip) && this.ips.get(ip) === key) this.ips.delete(ip);
    for (const p of h.ports) if (!portsKept.has(p) && this.ports.get(p) === key) this.ports.delete(p);
  }

  /** Whether `ip` is free for `key` (its own holdings count as free). */
  private ipFreeFor(ip: string, key: string): boolean {
    const owner = this.ips.get(ip);
    return owner === undefined || owner === key;
  }

  /**
   * The families a service gets (KEP-563): SingleStack takes the first of ipFamilies (else the
   * cluster's primary family); PreferDualStack the listed families the cluster has, else all the
   * cluster's; RequireDualStack both, or an error on a single-stack cluster.
   */
  private familiesFor(svc: Service): ('IPv4' | 'IPv6')[] {
    const spec = svc.spec!;
    const cluster = this.serviceCIDRs.map((c): 'IPv4' | 'IPv6' => (c.family === 4 ? 'IPv4' : 'IPv6'));
    const listed = (spec.ipFamilies ?? []) as ('IPv4' | 'IPv6')[];
    for (const [i, fam] of listed.entries()) {
      if (!cluster.includes(fam) && (spec.ipFamilyPolicy ?? 'SingleStack') !== 'PreferDualStack') {
        throw invalid(svc, `spec.ipFamilies[${i}]`, fam, 'not configured on this cluster');
      }
    }
    switch (spec.ipFamilyPolicy) {
      case 'RequireDualStack':
        if (cluster.length < 2) throw invalid(svc, 'spec.ipFamilyPolicy', 'RequireDualStack', 'this cluster is not configured for dual-stack services');
        return listed.length ? [listed[0]!, ...cluster.filter((f) => f !== listed[0])] : cluster;
      case 'PreferDualStack': {
        const usable = listed.filter((f) => cluster.includes(f));
        return usable.length ? [usable[0]!, ...cluster.filter((f) => f !== usable[0])] : cluster;
      }
      default:
        return [listed[0] ?? cluster[0]!];
    }
  }

  private assignClusterIPs(svc: Service, key: string): void {
    const spec = svc.spec!;
    if (spec.clusterIP === 'None') {
      spec.clusterIPs = ['None'];
      return;
    }
    const families = this.familiesFor(svc);
    const wanted = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
    const out: string[] = [];
    families.forEach((fam, i) => {
      const requested = wanted[i];
      const cidr = this.serviceCIDRs.find((c) => (c.family === 4) === (fam === 'IPv4'));
      if (!cidr) return;
      if (requested) {
        const ip = parseIP(requested);
        if (!ip || !cidrContains(cidr, ip)) {
          throw invalid(svc, 'spec.clusterIPs', requested, `failed to allocate IP ${requested}: the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${formatIP({ family: cidr.family, value: cidr.addr })}/${cidr.prefixLen}`);
        }
        const owner = this.ips.get(formatIP(ip));
        if (owner && owner !== key) throw invalid(svc, 'spec.clusterIPs', requested, `failed to allocate IP ${requested}: provided IP is already allocated`);
        out.push(formatIP(ip));
        return;
      }
      // a dry run or failed write of this same service reserved one already: hand out the same
      const again = this.pending.get(key)?.ips.find((ip) => { const x = parseIP(ip); return x !== undefined && cidrContains(cidr, x); });
      out.push(again ?? this.pickIP(cidr, key));
    });
    spec.clusterIPs = out;
    spec.clusterIP = out[0];
    spec.ipFamilies = families.slice(0, out.length);
  }

  private pickIP(cidr: Cidr, key: string): string {
    const { from } = cidrRange(cidr);
    const size = cidrSize(cidr);
    // the network address and (IPv4) broadcast address are never handed out
    const usable = cidr.family === 4 ? size - 2n : size - 1n;
    const band = staticBand(usable, 256n);
    const tryRange = (lo: bigint, hi: bigint): string | undefined => {
      const span = hi - lo;
      if (span <= 0n) return undefined;
      const start = BigInt(this.rng.uint32()) % span;
      for (let i = 0n; i < span && i < 1_000_000n; i++) {
        const ip = formatIP({ family: cidr.family, value: from + 1n + lo + ((start + i) % span) });
        if (this.ipFreeFor(ip, key)) return ip;
      }
      return undefined;
    };
    const ip = tryRange(band, usable) ?? tryRange(0n, band);
    if (!ip) throw new StoreError('Internal', `Internal error occurred: failed to allocate a serviceIP: range is full`);
    return ip;
  }

  private assignNodePorts(svc: Service, key: string, prev?: Service): void {
    const spec = svc.spec!;
    const wantsNodePorts = spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
    const reservedPorts = [...(this.pending.get(key)?.ports ?? [])];
    (spec.ports ?? []).forEach((p, i) => {
      const proto = p.protocol ?? 'TCP';
      if (!wantsNodePorts) {
        if (spec.type !== 'LoadBalancer') delete p.nodePort;
        return;
      }
      const before = prev?.spec?.ports?.find((q) => q.port === p.port && (q.protocol ?? 'TCP') === proto)?.nodePort;
      // a dry run or failed write of this same service reserved ports already: hand out the same
      const reservedAt = p.nodePort ?? before ? -1 : reservedPorts.findIndex((r) => r.endsWith(`/${proto}`));
      const reserved = reservedAt >= 0 ? reservedPorts.splice(reservedAt, 1)[0] : undefined;
      const requested = p.nodePort ?? before ?? (reserved ? Number.parseInt(reserved, 10) : undefined);
      if (requested !== undefined && requested !== 0) {
        if (requested < NODE_PORT_MIN || requested > NODE_PORT_MAX) {
          throw invalid(svc, `spec.ports[${i}].nodePort`, requested, `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_MIN}-${NODE_PORT_MAX}`);
        }
        const owner = this.ports.get(`${requested}/${proto}`);
        if (owner && owner !== key) throw invalid(svc, `spec.ports[${i}].nodePort`, requested, 'provided port is already allocated');
        p.nodePort = requested;
        return;
      }
      p.nodePort = this.pickPort(proto);
    });
  }

  private pickPort(proto: string): number {
    const size = NODE_PORT_MAX - NODE_PORT_MIN + 1;
    const band = Number(staticBand(BigInt(size), 128n));
    const tryRange = (lo: number, hi: number) => {
      const span = hi - lo;
      const start = this.rng.int(span);
      for (let i = 0; i < span; i++) {
        const port = NODE_PORT_MIN + lo + ((start + i) % span);
        if (!this.ports.has(`${port}/${proto}`)) return port;
      }
      return undefined;
    };
    const port = tryRange(band, size) ?? tryRange(0, band);
    if (port === undefined) throw new StoreError('Internal', 'Internal error occurred: failed to allocate a nodePort: range is full');
    return port;
  }
}

const EMPTY: Holding = { ips: [], ports: [] };

function holdingOf(svc: Service): Holding {
  return {
    ips: (svc.spec?.clusterIPs ?? (svc.spec?.clusterIP ? [svc.spec.clusterIP] : [])).filter((ip) => ip !== 'None'),
    ports: (svc.spec?.ports ?? []).flatMap((p) => (p.nodePort ? [`${p.nodePort}/${p.protocol ?? 'TCP'}`] : [])),
  };
}

function ownerKey(svc: Service): string {
  return `${svc.metadata.namespace}/${svc.metadata.name}`;
}
