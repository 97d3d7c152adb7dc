// client-go's leader election (tools/leaderelection) with a Lease lock (resourcelock.LeaseLock),
// on the Clock and the Rng:
//   acquire: tryAcquireOrRenew at once, then every retryPeriod × (1 + rand × 1.2) until it holds;
//   renew:   every retryPeriod, retrying every retryPeriod for at most renewDeadline, else leadership is lost;
//   release: on cancel, when still the holder (ReleaseOnCancel): holder "", leaseDurationSeconds 1.
// A candidate takes a lease over once it has seen the same record for leaseDurationSeconds of its
// own clock (observedTime), never by comparing renewTime with its clock.

import { type Clock, sleepFor } from '../../controller/clock.ts';
import type { Rng } from '../../controller/rng.ts';
import { formatMicroTime } from '../../k8s/meta.ts';
import type { Lease } from '../../k8s/types.ts';
import { JITTER_FACTOR } from './timing.ts';

/** resourcelock.LeaderElectionRecord; times in ms since the epoch (MicroTime on the wire). */
export interface LeaderElectionRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: number;
  renewTime: number;
  leaderTransitions: number;
}

/** The API calls a Lease lock makes. NotFound/AlreadyExists/Conflict come back as StoreError. */
export interface LeaseClient {
  get(namespace: string, name: string): Promise<Lease | undefined>;
  create(lease: Lease): Promise<Lease>;
  update(lease: Lease): Promise<Lease>;
}

const parseTime = (t: string | undefined) => (t ? Date.parse(t) : 0);

function toRecord(lease: Lease): LeaderElectionRecord {
  const s = lease.spec ?? {};
  return {
    holderIdentity: s.holderIdentity ?? '',
    leaseDurationSeconds: s.leaseDurationSeconds ?? 0,
    acquireTime: parseTime(s.acquireTime),
    renewTime: parseTime(s.renewTime),
    leaderTransitions: s.leaseTransitions ?? 0,
  };
}

/** LeaderElectionRecordToLeaseSpec: every field set, the holder as "" once released. */
function toSpec(r: LeaderElectionRecord): NonNullable<Lease['spec']> {
  return {
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    acquireTime: formatMicroTime(r.acquireTime),
    renewTime: formatMicroTime(r.renewTime),
    leaseTransitions: r.leaderTransitions,
  };
}

/** The record as the lock serialises it, to notice any change. */
const rawRecord = (r: LeaderElectionRecord) => JSON.stringify(toSpec(r));

/** resourcelock.LeaseLock: remembers the last Lease object it saw, and updates that one (optimistic concurrency). */
export class LeaseLock {
  private lease: Lease | undefined;

  constructor(
    private readonly client: LeaseClient,
    readonly namespace: string,
    readonly name: string,
    readonly identity: string,
  ) {}

  describe(): string {
    return `${this.namespace}/${this.name}`;
  }

  /** The current record, or undefined when the Lease does not exist. */
  async get(): Promise<{ record: LeaderElectionRecord; raw: string } | undefined> {
    const lease = await this.client.get(this.namespace, this.name);
    if (!lease) return undefined;
    this.lease = lease;
    const record = toRecord(lease);
    return { record, raw: rawRecord(record) };
  }

  async create(r: LeaderElectionRecord): Promise<void> {
    this.lease = await this.client.create({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { namespace: this.namespace, name: this.name },
      spec: toSpec(r),
    });
  }

  async update(r: LeaderElectionRecord): Promise<void> {
    if (!this.lease) throw new Error('lease not initialized, call get or create first');
    this.lease = await this.client.update({ ...this.lease, spec: toSpec(r) });
  }
}

export interface LeaderElectionConfig {
  lock: LeaseLock;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  releaseOnCancel: boolean;
  clock: Clock;
  rng: Rng;
  onStartedLeading(): void;
  onStoppedLeading(): void;
  /** klog lines (level, text). */
  log(level: 'info' | 'error', msg: string): void;
}


const errText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** One leaderelection.LeaderElector: Run acquires, then renews until it fails or is cancelled. */
export class LeaderElector {
  private observed: LeaderElectionRecord | undefined;
  private observedRaw = '';
  private observedTime = 0;

  constructor(private readonly cfg: LeaderElectionConfig) {}

  /** LeaderElector.Run: OnStoppedLeading is called whenever Run returns, leader or not. */
  async run(signal: AbortSignal): Promise<void> {
    try {
      if (!(await this.acquire(signal))) return;
      this.cfg.onStartedLeading();
      await this.renew(signal);
    } finally {
      this.cfg.onStoppedLeading();
    }
  }

  isLeader(): boolean {
    return this.observed?.holderIdentity === this.cfg.lock.identity;
  }

  private isLeaseValid(now: number): boolean {
    return this.observedTime + (this.observed?.leaseDurationSeconds ?? 0) * 1000 > now;
  }

  private setObserved(r: LeaderElectionRecord, raw = rawRecord(r)): void {
    this.observed = r;
    this.observedRaw = raw;
    this.observedTime = this.cfg.clock.now();
  }

  /** wait.JitterUntil(tryAcquireOrRenew, retryPeriod, 1.2, sliding) until acquired; false when cancelled. */
  private async acquire(signal: AbortSignal): Promise<boolean> {
    const { lock, retryPeriodMs, clock, rng, log } = this.cfg;
    log('info', `attempting to acquire leader lease ${lock.describe()}...`);
    for (;;) {
      if (signal.aborted) return false;
      // acquired while being cancelled still counts: renew then sees the cancel and releases
      if (await this.tryAcquireOrRenew()) {
        log('info', `successfully acquired lease ${lock.describe()}`);
        return true;
      }
      if (!(await sleepFor(clock, retryPeriodMs + rng.float() * JITTER_FACTOR * retryPeriodMs, signal))) return false;
    }
  }

  /** wait.Until(poll tryAcquireOrRenew every retryPeriod for at most renewDeadline, retryPeriod). */
  private async renew(signal: AbortSignal): Promise<void> {
    const { lock, retryPeriodMs, renewDeadlineMs, clock, log } = this.cfg;
    for (;;) {
      const deadline = clock.now() + renewDeadlineMs;
      let renewed = false;
      for (;;) {
        if (signal.aborted) break;
        if (await this.tryAcquireOrRenew()) {
          renewed = true;
          break;
        }
        const wait = Math.min(retryPeriodMs, deadline - clock.now());
        if (wait <= 0 || !(await sleepFor(clock, wait, signal)) || clock.now() >= deadline) break;
      }
      if (signal.aborted) break;
      if (!renewed) {
        log('info', `failed to renew lease ${lock.describe()}: context deadline exceeded`);
        break;
      }
      if (!(await sleepFor(clock, retryPeriodMs, signal))) break;
    }
    if (this.cfg.releaseOnCancel) await this.release();
  }

  /** Gives the lease up if this elector holds it: fetches the current version, then holder "", duration 1s. */
  private async release(): Promise<void> {
    const { lock, clock, log } = this.cfg;
    let current: { record: LeaderElectionRecord } | undefined;
    try {
      current = await lock.get();
    } catch (err) {
      log('error', `error retrieving resource lock ${lock.describe()}: ${errText(err)}`);
      return;
    }
    if (!current) {
      log('info', `lease lock not found: ${lock.describe()}`);
      return;
    }
    if (!this.isLeader()) return;
    const now = clock.now();
    const r: LeaderElectionRecord = {
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: now,
      renewTime: now,
      leaderTransitions: current.record.leaderTransitions,
    };
    try {
      await lock.update(r);
      this.setObserved(r);
    } catch (err) {
      log('error', `Failed to release lock: ${errText(err)}`);
    }
  }

  /** tryAcquireOrRenew: true when this elector holds the lease afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { lock, clock, leaseDurationMs, log } = this.cfg;
    const now = clock.now();
    const desired: LeaderElectionRecord = {
      holderIdentity: lock.identity,
      leaseDurationSeconds: Math.floor(leaseDurationMs / 1000),
      acquireTime: now,
      renewTime: now,
      leaderTransitions: 0,
    };
    // 1. fast path: the leader updates optimistically, assuming the record it saw last is current
    if (this.isLeader() && this.isLeaseValid(now)) {
      const r = { ...desired, acquireTime: this.observed!.acquireTime, leaderTransitions: this.observed!.leaderTransitions };
      try {
        await lock.update(r);
        this.setObserved(r);
        return true;
      } catch (err) {
        log('error', `Failed to update lock optimistically: ${errText(err)}, falling back to slow path`);
      }
    }
    // 2. obtain or create the record
    let current: { record: LeaderElectionRecord; raw: string } | undefined;
    try {
      current = await lock.get();
    } catch (err) {
      log('error', `error retrieving resource lock ${lock.describe()}: ${errText(err)}`);
      return false;
    }
    if (!current) {
      try {
        await lock.create(desired);
      } catch (err) {
        log('error', `error initially creating leader election record: ${errText(err)}`);
        return false;
      }
      this.setObserved(desired);
      return true;
    }
    // 3. a record exists: a changed one restarts the observation clock
    if (current.raw !== this.observedRaw) this.setObserved(current.record, current.raw);
    const old = current.record;
    if (old.holderIdentity !== '' && this.isLeaseValid(now) && !this.isLeader()) return false;
    // 4. take it (or keep it)
    const r = this.isLeader()
      ? { ...desired, acquireTime: old.acquireTime, leaderTransitions: old.leaderTransitions }
      : { ...desired, leaderTransitions: old.leaderTransitions + 1 };
    try {
      await lock.update(r);
    } catch (err) {
      log('error', `Failed to update lock: ${errText(err)}`);
      return false;
    }
    this.setObserved(r);
    return true;
  }
}
