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

export class ServiceAllocator {
  private readonly ips = new Map<string, string>(); // ip -> owner key
  private readonly ports = new Map<string, string>(); // "port/proto" -> owner key

  constructor(
    private readonly serviceCIDRs: Cidr[],
    private readonly rng: Rng,
  ) {}

  /** Rebuilds the allocation state from stored services (after a restart). */
  restore(services: Service[]): void {
    this.ips.clear();
    this.ports.clear();
    for (const s of services) this.record(s, ownerKey(s));
  }

  /** Admission step for Services: fills in clusterIP(s)/nodePorts, rejects collisions. */
  admit(op: 'create' | 'update', obj: KObject, old?: KObject): KObject {
    if (obj.kind !== 'Service' || obj.apiVersion !== 'v1') return obj;
    const svc = structuredClone(obj) as Service;
    const prev = old as Service | undefined;
    const spec = svc.spec ?? (svc.spec = {});
    const key = ownerKey(svc);
    if (op === 'update' && prev) {
      spec.clusterIP ??= prev.spec?.clusterIP;
      spec.clusterIPs ??= prev.spec?.clusterIPs;
    }
    if (spec.type !== 'ExternalName') this.assignClusterIPs(svc, key);
    this.assignNodePorts(svc, key, prev);
    if (prev) this.releaseUnused(prev, svc);
    this.record(svc, key);
    return svc;
  }

  /** Frees everything a deleted service held. */
  release(svc: Service): void {
    const key = ownerKey(svc);
    for (const [ip, owner] of this.ips) if (owner === key) this.ips.delete(ip);
    for (const [p, owner] of this.ports) if (owner === key) this.ports.delete(p);
  }

  private assignClusterIPs(svc: Service, key: string): void {
    const spec = svc.spec!;
    if (spec.clusterIP === 'None') {
      spec.clusterIPs = ['None'];
      return;
    }
    const families = spec.ipFamilies?.length ? spec.ipFamilies : ['IPv4'];
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
      out.push(this.pickIP(cidr));
    });
    spec.clusterIPs = out;
    spec.clusterIP = out[0];
    spec.ipFamilies = families.slice(0, out.length);
  }

  private pickIP(cidr: Cidr): string {
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
        if (!this.ips.has(ip)) return ip;
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
    (spec.ports ?? []).forEach((p, i) => {
      const proto = p.protocol ?? 'TCP';
      if (!wantsNodePorts) {
        if (spec.type !== 'LoadBalancer') delete p.nodePort;
        return;
      }
      const before = prev?.spec?.ports?.find((q) => q.port === p.port && (q.protocol ?? 'TCP') === proto)?.nodePort;
      const requested = p.nodePort ?? before;
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

  private releaseUnused(prev: Service, next: Service): void {
    const keep = new Set((next.spec?.ports ?? []).map((p) => `${p.nodePort}/${p.protocol ?? 'TCP'}`));
    for (const p of prev.spec?.ports ?? []) {
      const k = `${p.nodePort}/${p.protocol ?? 'TCP'}`;
      if (p.nodePort && !keep.has(k)) this.ports.delete(k);
    }
  }

  private record(svc: Service, key: string): void {
    for (const ip of svc.spec?.clusterIPs ?? (svc.spec?.clusterIP ? [svc.spec.clusterIP] : [])) {
      if (ip !== 'None') this.ips.set(ip, key);
    }
    for (const p of svc.spec?.ports ?? []) if (p.nodePort) this.ports.set(`${p.nodePort}/${p.protocol ?? 'TCP'}`, key);
  }
}

function ownerKey(svc: Service): string {
  return `${svc.metadata.namespace}/${svc.metadata.name}`;
}
