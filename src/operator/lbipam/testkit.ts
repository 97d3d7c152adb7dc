// Test helpers: object builders and an in-memory stand-in for the controller that applies the
// engine's wishes to plain objects the way the controller writes them to the store.

import type { Condition } from '../../k8s/object.ts';
import { objectKey } from '../../k8s/object.ts';
import type { CiliumLoadBalancerIPPool, IPPoolBlock, LabelSelector, Service } from '../../k8s/types.ts';
import { jsonEqual } from '../../store/json.ts';
import { rfc3339 } from '../../store/meta.ts';
import { POOL_CONFLICT, POOL_IPS_AVAILABLE, POOL_IPS_TOTAL, POOL_IPS_USED, SERVICE_SATISFIED } from './conditions.ts';
import { findCondition } from '../../k8s/meta.ts';
import { LBIPAMEngine } from './engine.ts';
import { DEFAULT_OPTIONS, type LBIPAMOptions } from './service.ts';
import { serviceStatusWith } from './status.ts';

export const T0 = Date.UTC(2025, 7, 7, 8, 17, 59);

export interface PoolOpts {
  selector?: LabelSelector;
  disabled?: boolean;
  allowFirstLastIPs?: 'Yes' | 'No';
  /** Seconds after T0 (default: the fixture's current time). */
  created?: number;
}

/** Blocks: `a.b.c.d/n` is a cidr, `x-y` a start/stop range, a bare address a single-IP start. */
export function mkPool(name: string, blocks: string[], o: PoolOpts = {}): CiliumLoadBalancerIPPool {
  const toBlock = (b: string): IPPoolBlock => {
    if (b.includes('/')) return { cidr: b };
    const dash = b.indexOf('-');
    return dash < 0 ? { start: b } : { start: b.slice(0, dash), stop: b.slice(dash + 1) };
  };
  const pool: CiliumLoadBalancerIPPool = {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumLoadBalancerIPPool',
    metadata: { name, ...(o.created !== undefined ? { creationTimestamp: rfc3339(T0 + o.created * 1000) } : {}) },
    spec: { blocks: blocks.map(toBlock) },
  };
  if (o.selector) pool.spec.serviceSelector = o.selector;
  if (o.disabled !== undefined) pool.spec.disabled = o.disabled;
  if (o.allowFirstLastIPs) pool.spec.allowFirstLastIPs = o.allowFirstLastIPs;
  return pool;
}

export interface SvcOpts {
  ns?: string;
  type?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** `80` or `53/UDP`. */
  ports?: (number | string)[];
  policy?: string;
  families?: string[];
  lbIP?: string;
  lbClass?: string;
  etp?: string;
  selector?: Record<string, string>;
}

export function mkSvc(name: string, o: SvcOpts = {}): Service {
  const ports = (o.ports ?? [80]).map((p) => {
    const [port, protocol] = String(p).split('/');
    return { port: Number(port), protocol: protocol ?? 'TCP' };
  });
  const svc: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: o.ns ?? 'default' },
    spec: { type: o.type ?? 'LoadBalancer', ports, selector: o.selector ?? { app: name } },
  };
  if (o.labels) svc.metadata.labels = o.labels;
  if (o.annotations) svc.metadata.annotations = o.annotations;
  if (o.policy) svc.spec!.ipFamilyPolicy = o.policy;
  if (o.families) svc.spec!.ipFamilies = o.families;
  if (o.lbIP) svc.spec!.loadBalancerIP = o.lbIP;
  if (o.lbClass) svc.spec!.loadBalancerClass = o.lbClass;
  if (o.etp) svc.spec!.externalTrafficPolicy = o.etp;
  return svc;
}

/**
 * The engine plus a tiny object store: objects get generation and creationTimestamp like the
 * apiserver sets them, and after every event the engine's changes are written into their status.
 */
export class EngineFixture {
  engine: LBIPAMEngine;
  readonly pools = new Map<string, CiliumLoadBalancerIPPool>();
  readonly services = new Map<string, Service>();
  readonly logs: string[] = [];
  /** Status writes that changed something, since the last `resetWrites`. */
  writes: string[] = [];
  nowMs = T0;

  constructor(readonly opts: Partial<LBIPAMOptions> = {}) {
    this.engine = this.newEngine();
  }

  private newEngine(): LBIPAMEngine {
    return new LBIPAMEngine(
      { ...DEFAULT_OPTIONS, ...this.opts },
      () => rfc3339(this.nowMs),
      (level, message) => this.logs.push(`${level}: ${message}`),
    );
  }

  tick(seconds: number): void {
    this.nowMs += seconds * 1000;
  }

  applyPool(input: CiliumLoadBalancerIPPool): CiliumLoadBalancerIPPool {
    const name = input.metadata.name!;
    const old = this.pools.get(name);
    const pool = structuredClone(input);
    pool.metadata.creationTimestamp = old?.metadata.creationTimestamp ?? input.metadata.creationTimestamp ?? rfc3339(this.nowMs);
    pool.metadata.generation = !old ? 1 : (old.metadata.generation ?? 1) + (jsonEqual(old.spec, pool.spec) ? 0 : 1);
    pool.status = old?.status;
    this.pools.set(name, pool);
    if (this.engine.dormant) this.engine.initialize([...this.pools.values()], [...this.services.values()]);
    else this.engine.upsertPool(pool);
    this.flush();
    return pool;
  }

  deletePool(name: string): void {
    this.pools.delete(name);
    this.engine.deletePool(name);
    this.flush();
  }

  applyService(input: Service): Service {
    const key = objectKey(input.metadata);
    const old = this.services.get(key);
    // Like the apiserver: status is kept from the stored object (a new one may bring its own, to
    // stand for what an earlier operator wrote).
    const svc: Service = { ...structuredClone(input), status: old ? old.status : input.status };
    svc.metadata.creationTimestamp = old?.metadata.creationTimestamp ?? rfc3339(this.nowMs);
    svc.metadata.generation = !old ? 1 : (old.metadata.generation ?? 1) + (jsonEqual(old.spec, svc.spec) ? 0 : 1);
    this.services.set(key, svc);
    this.engine.upsertService(svc);
    this.flush();
    return svc;
  }

  deleteService(key: string): void {
    this.services.delete(key);
    this.engine.deleteService(key);
    this.flush();
  }

  /** A new engine over the same objects, as after an operator restart. */
  restart(): void {
    this.engine = this.newEngine();
    if (this.pools.size > 0) this.engine.initialize([...this.pools.values()], [...this.services.values()]);
    this.flush();
  }

  resetWrites(): void {
    this.writes = [];
  }

  private flush(): void {
    const changes = this.engine.takeChanges();
    for (const [name, conditions] of changes.pools) {
      const pool = this.pools.get(name);
      if (!pool || jsonEqual(pool.status?.conditions, conditions)) continue;
      pool.status = { conditions };
      this.writes.push(`pool/${name}`);
    }
    for (const [key, want] of changes.services) {
      const svc = this.services.get(key);
      if (!svc) continue;
      const status = serviceStatusWith(svc.status, want);
      if (jsonEqual(svc.status ?? {}, status)) continue;
      this.services.set(key, { ...svc, status });
      this.writes.push(`svc/${key}`);
    }
  }

  ips(key: string): string[] {
    return (this.services.get(key)?.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '');
  }

  /** `status/reason` (and `: message` when there is one) of the service's condition, or undefined. */
  cond(key: string): string | undefined {
    const c = findCondition(this.services.get(key)?.status?.conditions as Condition[] | undefined, SERVICE_SATISFIED);
    if (!c) return undefined;
    return `${c.status}/${c.reason}${c.message ? `: ${c.message}` : ''}`;
  }

  poolCond(name: string, type: string): Condition | undefined {
    return findCondition(this.pools.get(name)?.status?.conditions, type);
  }

  /** `available/total/used` of a pool. */
  counts(name: string): string {
    const m = (t: string) => this.poolCond(name, t)?.message ?? '-';
    return `${m(POOL_IPS_AVAILABLE)}/${m(POOL_IPS_TOTAL)}/${m(POOL_IPS_USED)}`;
  }

  /** `False`, or `True: <message>`. */
  conflict(name: string): string | undefined {
    const c = this.poolCond(name, POOL_CONFLICT);
    return c && (c.status === 'True' ? `True: ${c.message}` : c.status);
  }
}
