// The LB-IPAM controller: watches CiliumLoadBalancerIPPools and Services, feeds the engine one
// queued key at a time, and writes back only what the engine wants in status — the pools' status
// and the services' status.loadBalancer.ingress plus their cilium.io/IPAMRequestSatisfied
// condition — through updateStatus. A write that loses a race is retried from the newer object.

import type { Clock } from '../../controller/clock.ts';
import { Informer } from '../../controller/informer.ts';
import type { Runnable } from '../../controller/runnable.ts';
import { WorkQueue } from '../../controller/workqueue.ts';
import { GK } from '../../k8s/kinds.ts';
import { objectKey } from '../../k8s/object.ts';
import type { CiliumLoadBalancerIPPool, Service } from '../../k8s/types.ts';
import { jsonEqual } from '../../store/json.ts';
import { rfc3339 } from '../../store/meta.ts';
import { type ResourceStore, StoreError } from '../../store/types.ts';
import { FIELD_MANAGER } from './conditions.ts';
import { type EngineLog, LBIPAMEngine, type ServiceStatusWant } from './engine.ts';
import { DEFAULT_OPTIONS, type LBIPAMOptions } from './service.ts';
import { serviceStatusWith } from './status.ts';

export interface LBIPAMControllerOptions {
  clock: Clock;
  /** Operator configuration; unset fields take Cilium's defaults (see lbipamOptionsFromConfig). */
  config?: Partial<LBIPAMOptions>;
  /** Operator log lines (bad pools, unparsable requested IPs, conflicts, failed writes). */
  log?: EngineLog;
}

const POOL = 'pool:';
const SVC = 'svc:';

export class LBIPAMController implements Runnable {
  readonly name = 'lbipam';
  readonly engine: LBIPAMEngine;
  private readonly pools: Informer<CiliumLoadBalancerIPPool>;
  private readonly services: Informer<Service>;
  private readonly queue: WorkQueue;
  private readonly log: EngineLog;
  /**
   * Desired statuses from the engine not yet written, for services it no longer answers for:
   * null for one it let go of (ingress and condition to clear), or the last wish before dormancy.
   */
  private readonly pending = new Map<string, ServiceStatusWant | null>();

  constructor(
    private readonly store: ResourceStore,
    opts: LBIPAMControllerOptions,
  ) {
    this.log = opts.log ?? (() => {});
    const clock = opts.clock;
    this.engine = new LBIPAMEngine({ ...DEFAULT_OPTIONS, ...opts.config }, () => rfc3339(clock.now()), this.log);
    this.pools = new Informer<CiliumLoadBalancerIPPool>(store, GK.CiliumLoadBalancerIPPool);
    this.services = new Informer<Service>(store, GK.Service);
    this.queue = new WorkQueue(clock, {
      maxDelayMs: 5000,
      onError: (key, err) => this.log('error', `lbipam: ${key}: ${err instanceof Error ? err.message : String(err)}`),
    });
  }

  async start(): Promise<void> {
    await Promise.all([this.pools.start(), this.services.start()]);
    const pool = (p: CiliumLoadBalancerIPPool) => this.queue.add(POOL + (p.metadata.name ?? ''));
    const svc = (s: Service) => this.queue.add(SVC + objectKey(s.metadata));
    // Pools first, so the first key processed wakes the engine with every service already cached.
    this.pools.on({ add: pool, update: (_o, n) => pool(n), delete: pool });
    this.services.on({ add: svc, update: (_o, n) => svc(n), delete: svc });
    this.queue.run((key) => this.process(key));
  }

  stop(): void {
    this.queue.stop();
    this.pools.stop();
    this.services.stop();
  }

  isIdle(): boolean {
    return this.queue.isIdle();
  }

  private async process(key: string): Promise<void> {
    if (key.startsWith(POOL)) {
      const name = key.slice(POOL.length);
      const pool = this.pools.getByName(undefined, name);
      if (this.engine.dormant) {
        if (pool) this.engine.initialize(this.pools.list(), this.services.list());
      } else if (pool) {
        this.engine.upsertPool(pool);
      } else {
        this.engine.deletePool(name);
      }
    } else {
      const svcKey = key.slice(SVC.length);
      const svc = this.services.get(svcKey);
      if (svc) this.engine.upsertService(svc);
      else this.engine.deleteService(svcKey);
    }
    this.enqueueChanges(key);
    if (key.startsWith(POOL)) await this.writePool(key.slice(POOL.length));
    else await this.writeService(key.slice(SVC.length));
  }

  /**
   * Every other object whose status the engine changed is queued rather than written here: its
   * write then reads the freshest cached object, and a burst (each new service changes the pool
   * counts) collapses into one write per object.
   */
  private enqueueChanges(current: string): void {
    const changes = this.engine.takeChanges();
    for (const name of changes.pools.keys()) if (POOL + name !== current) this.queue.add(POOL + name);
    for (const [svcKey, want] of changes.services) {
      // Kept for services the engine will not answer for any more (let go of, or LB-IPAM went dormant).
      this.pending.set(svcKey, want);
      if (SVC + svcKey !== current) this.queue.add(SVC + svcKey);
    }
  }

  /** The pool's whole status is LB-IPAM's, so it is written without a resourceVersion precondition. */
  private async writePool(name: string): Promise<void> {
    const pool = this.pools.getByName(undefined, name);
    const conditions = this.engine.poolConditions(name);
    if (!pool || !conditions) return;
    const status = { ...pool.status, conditions };
    if (jsonEqual(pool.status ?? {}, status)) return;
    await this.write(POOL + name, { ...pool, metadata: { ...pool.metadata, resourceVersion: undefined }, status });
  }

  private async writeService(svcKey: string): Promise<void> {
    const svc = this.services.get(svcKey);
    const handled = this.engine.serviceWant(svcKey);
    if (handled) this.pending.delete(svcKey);
    const want = handled ?? this.pending.get(svcKey);
    if (!svc || want === undefined) {
      this.pending.delete(svcKey);
      return;
    }
    const status = serviceStatusWith(svc.status, want);
    const done = jsonEqual(svc.status ?? {}, status) || (await this.write(SVC + svcKey, { ...svc, status }));
    if (done) this.pending.delete(svcKey);
  }

  /**
   * updateStatus (for services guarded by the cached resourceVersion). On a lost race or any
   * failure the key is retried with backoff, by when the informer holds the newer object.
   * True when written.
   */
  private async write(key: string, obj: CiliumLoadBalancerIPPool | Service): Promise<boolean> {
    try {
      await this.store.updateStatus(obj, { fieldManager: FIELD_MANAGER });
      return true;
    } catch (err) {
      if (err instanceof StoreError && err.code === 'NotFound') return true;
      if (!(err instanceof StoreError && err.code === 'Conflict')) {
        this.log('error', `lbipam: status of ${key}: ${err instanceof Error ? err.message : String(err)}`);
      }
      this.queue.addRateLimited(key);
      return false;
    }
  }
}
