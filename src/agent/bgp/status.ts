// CiliumBGPNodeConfig status (reconcilerv2/crd_status.go): a snapshot of an instance's peers is
// taken when a peer changes state or the instance is reconfigured, and the whole status is written
// by a ticker every 5 s (normal jitter, σ 500 ms) only when it differs from what was last written —
// so a node writes at most once per tick however busy its sessions are. With reporting off the
// agent empties the status once and writes nothing more.

import type { Clock, TimerHandle } from '../../controller/clock.ts';
import type { Rng } from '../../controller/rng.ts';
import { GK } from '../../k8s/kinds.ts';
import { deepEqual, formatTime } from '../../k8s/meta.ts';
import type { Condition } from '../../k8s/object.ts';
import type { CiliumBGPNodeConfig, CiliumBGPNodeConfigStatus, CiliumBGPNodePeerStatus } from '../../k8s/types.ts';
import type { ResourceStore } from '../../store/types.ts';
import { StoreError } from '../../store/types.ts';
import type { BGPInstance } from './instance.ts';
import { peerModels } from './views.ts';

export const STATUS_INTERVAL_MS = 5000;
const JITTER_STDEV_MS = 500;
const RECONCILE_ERROR = 'cilium.io/BGPReconcileError';
/** Condition messages are capped (api validation of the CRD). */
const MAX_MESSAGE = 32 * 1024;

type InstanceStatus = NonNullable<CiliumBGPNodeConfigStatus['bgpInstances']>[number];

export interface StatusWriterOptions {
  store: ResourceStore;
  clock: Clock;
  rng: Rng;
  nodeName: string;
  /** The node config as last seen (informer cache). */
  nodeConfig: () => CiliumBGPNodeConfig | undefined;
  log: (line: string) => void;
}

/** The status of one instance now: the peers with address and ASN configured, with their running state. */
export function instanceStatus(inst: BGPInstance, configured: readonly { name: string; peerAddress?: string; peerASN?: number }[], now: number): InstanceStatus {
  const models = new Map(peerModels(inst, now).map((m) => [m.peerAddress, m]));
  const peers: CiliumBGPNodePeerStatus[] = [];
  for (const c of configured) {
    if (c.peerAddress === undefined || c.peerASN === undefined) continue;
    const running = inst.peerByName(c.name);
    const m = running ? models.get(running.address) : undefined;
    const st: CiliumBGPNodePeerStatus = { name: c.name, peerAddress: c.peerAddress, peerASN: c.peerASN };
    if (m) {
      if (c.peerASN === 0) st.peerASN = m.peerAsn;
      st.peeringState = m.sessionState as CiliumBGPNodePeerStatus['peeringState'];
      if (m.sessionState === 'established') st.establishedTime = formatTime(now - m.uptimeMs);
      st.timers = { appliedHoldTimeSeconds: m.appliedHoldTimeSeconds, appliedKeepaliveSeconds: m.appliedKeepAliveTimeSeconds };
      st.routeCount = m.families.map((f) => ({ afi: f.afi, safi: f.safi, advertised: f.advertised, received: f.received }));
    }
    peers.push(st);
  }
  const out: InstanceStatus = { name: inst.config.name, localASN: inst.config.asn };
  if (peers.length > 0) out.peers = peers;
  return out;
}

export class StatusWriter {
  private readonly instances = new Map<string, InstanceStatus>();
  private order: string[] = [];
  private errors = '';
  /** Once an error was reported the condition stays, turning False when the errors are gone. */
  private errorReported = false;
  private errorSince = '';
  private running: CiliumBGPNodeConfigStatus | undefined;
  private timer: TimerHandle | undefined;
  private writing = false;
  /** Status writes done (for the benchmark's rate). */
  writes = 0;

  constructor(private readonly o: StatusWriterOptions) {}

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private schedule(): void {
    // Box–Muller: jitterbug.Norm{Stdev: 500ms} around the 5 s interval
    const u = Math.max(this.o.rng.float(), 1e-12);
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.o.rng.float());
    const ms = Math.max(100, Math.round(STATUS_INTERVAL_MS + z * JITTER_STDEV_MS));
    this.timer = this.o.clock.setTimeout(() => {
      void this.flush().finally(() => {
        if (this.timer) this.schedule();
      });
    }, ms);
  }

  /** The instance list, in node-config order (instances not running drop out). */
  setOrder(names: readonly string[]): void {
    this.order = [...names];
    for (const k of [...this.instances.keys()]) if (!names.includes(k)) this.instances.delete(k);
  }

  setInstance(status: InstanceStatus): void {
    this.instances.set(status.name, status);
  }

  /** `<instance>: <error>` lines of the last reconcile ('' = none). */
  setErrors(lines: readonly string[]): void {
    const text = lines.map((l) => `${l}\n`).join('');
    this.errors = text.length > MAX_MESSAGE ? text.slice(0, MAX_MESSAGE) : text;
  }

  desired(): CiliumBGPNodeConfigStatus {
    const out: CiliumBGPNodeConfigStatus = {};
    const list = this.order.map((n) => this.instances.get(n)).filter((s): s is InstanceStatus => s !== undefined);
    if (list.length > 0) out.bgpInstances = list;
    if (this.errors || this.errorReported) {
      const now = formatTime(this.o.clock.now());
      const status = this.errors ? 'True' : 'False';
      const prev = this.running?.conditions?.find((c) => c.type === RECONCILE_ERROR);
      if (!prev || prev.status !== status) this.errorSince = now;
      const cond: Condition = { type: RECONCILE_ERROR, status, reason: 'BGPReconcileError', message: this.errors, lastTransitionTime: this.errorSince || now };
      out.conditions = [cond];
    }
    return out;
  }

  /** Writes the status if it changed since the last write. */
  async flush(): Promise<void> {
    if (this.writing) return;
    const nc = this.o.nodeConfig();
    if (!nc) {
      this.running = undefined;
      return;
    }
    const want = this.desired();
    const have = this.running ?? nc.status ?? {};
    if (deepEqual(stripTimes(have), stripTimes(want))) return;
    this.writing = true;
    try {
      await writeStatus(this.o.store, this.o.nodeName, nc.status ?? {}, want);
      this.running = want;
      this.writes++;
      if (this.errors) this.errorReported = true;
    } catch (err) {
      // the node config went away or is being replaced: the next tick tries again
      if (!(err instanceof StoreError)) throw err;
      if (err.code !== 'NotFound') this.o.log(`bgp: writing the CiliumBGPNodeConfig status failed, retrying: ${err.message}`);
      this.running = undefined;
    } finally {
      this.writing = false;
    }
  }
}

/** A condition's transition time alone is no reason to write. */
function stripTimes(s: CiliumBGPNodeConfigStatus): CiliumBGPNodeConfigStatus {
  return s.conditions ? { ...s, conditions: s.conditions.map((c) => ({ ...c, lastTransitionTime: undefined })) } : s;
}

/** Replaces the whole status (a merge patch that nulls the keys that go: Cilium patches `replace /status`). */
export async function writeStatus(store: ResourceStore, name: string, current: CiliumBGPNodeConfigStatus, next: CiliumBGPNodeConfigStatus): Promise<void> {
  const status: Record<string, unknown> = {};
  for (const k of Object.keys(current)) status[k] = null;
  Object.assign(status, next);
  await store.patch(GK.CiliumBGPNodeConfig, undefined, name, 'merge', { status }, { subresource: 'status', fieldManager: 'CiliumBGPNodeConfigStatusReconciler' });
}
