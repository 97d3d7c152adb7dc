// A cluster of L2 announcers on one store and one VirtualClock, without the emulated network:
// each node gets a datapath with real responder maps that records the gratuitous ARPs it sends,
// and a switch for its reachability of the API server. For tests and benchmarks.

import { withDefaults } from '../../config/cilium.ts';
import { VirtualClock, yieldToEventLoop } from '../../controller/clock.ts';
import { Rng } from '../../controller/rng.ts';
import { L2ResponderMap } from '../../datapath/maps/node.ts';
import { GK } from '../../k8s/kinds.ts';
import { applyPatch } from '../../k8s/patch.ts';
import type { CiliumL2AnnouncementPolicy, CiliumNode, Lease, Service } from '../../k8s/types.ts';
import { parseIPv4Number } from '../../netaddr/ip.ts';
import { MemoryStore } from '../../store/memory.ts';
import type { ResourceStore } from '../../store/types.ts';
import { L2Announcer } from './announcer.ts';
import type { L2Datapath, L2Device } from './datapath.ts';

export interface TestDevice {
  name: string;
  /** `a.b.c.d/len` */
  cidr?: string;
}

export interface TestNodeSpec {
  name: string;
  labels?: Record<string, string>;
  devices?: TestDevice[];
}

export class FakeDatapath implements L2Datapath {
  readonly responder = new L2ResponderMap();
  readonly garps: { ifindex: number; ip: number; at: number }[] = [];
  private readonly devs: L2Device[];

  constructor(
    devices: TestDevice[],
    macBase: number,
    private readonly now: () => number,
  ) {
    this.devs = devices.map((d, i) => {
      const [addr, len] = (d.cidr ?? '').split('/');
      const a = addr ? parseIPv4Number(addr) : -1;
      return { name: d.name, ifindex: i + 2, mac: macBase + i, ipv4: a >= 0 ? [[a, Number(len)] as const] : [] };
    });
  }

  devices(): L2Device[] {
    return this.devs;
  }

  link(name: string): L2Device | undefined {
    return this.devs.find((d) => d.name === name);
  }

  sendGratuitousArp(ifindex: number, ip: number): void {
    this.garps.push({ ifindex, ip, at: this.now() });
  }
}

/** Lease API requests one node's agent made. */
export interface LeaseRequests {
  get: number;
  create: number;
  update: number;
  /** Updates per lease name. */
  updates: Map<string, number>;
}

/** The store as one agent sees it, counting its Lease requests. */
function countingStore(store: ResourceStore, counts: LeaseRequests): ResourceStore {
  return {
    get: (gk, ns, name) => {
      if (gk.kind === 'Lease') counts.get++;
      return store.get(gk, ns, name);
    },
    create: (obj, opts) => {
      if (obj.kind === 'Lease') counts.create++;
      return store.create(obj, opts);
    },
    update: (obj, opts) => {
      if (obj.kind === 'Lease') {
        counts.update++;
        counts.updates.set(obj.metadata.name!, (counts.updates.get(obj.metadata.name!) ?? 0) + 1);
      }
      return store.update(obj, opts);
    },
    list: (gk, opts) => store.list(gk, opts),
    watch: (gk, opts, fn) => store.watch(gk, opts, fn),
    updateStatus: (obj, opts) => store.updateStatus(obj, opts),
    patch: (gk, ns, name, type, patch, opts) => store.patch(gk, ns, name, type, patch, opts),
    delete: (gk, ns, name, opts) => store.delete(gk, ns, name, opts),
    transaction: (ops, opts) => store.transaction(ops, opts),
    revision: () => store.revision(),
    close: () => store.close(),
  };
}

export interface TestNode {
  spec: TestNodeSpec;
  requests: LeaseRequests;
  dp: FakeDatapath;
  reachable: boolean;
  announcer: L2Announcer | undefined;
  rng: Rng;
}

export const DEFAULT_DEVICES: TestDevice[] = [
  { name: 'eth0', cidr: '10.0.2.15/24' },
  { name: 'eth1', cidr: '192.168.10.100/24' },
];

export class L2TestCluster {
  readonly clock = new VirtualClock();
  readonly store: MemoryStore;
  readonly nodes = new Map<string, TestNode>();
  readonly logs: string[] = [];
  private readonly rng: Rng;
  /** Stopped announcers whose last API calls (lease releases) may still be in flight. */
  private retiring: L2Announcer[] = [];
  private readonly tableWatchers: ((node: string) => void)[] = [];

  constructor(
    private config: Record<string, string> = {},
    seed: string | number = 1,
    private readonly keepLogs = true,
  ) {
    this.rng = new Rng(seed);
    this.store = new MemoryStore({ clock: this.clock, rng: this.rng.fork('store'), patcher: (type, target, patch) => applyPatch(target, type, patch), log: () => {} });
  }

  /** Registers nodes (CiliumNode objects with their labels) and starts their announcers. */
  async addNodes(specs: TestNodeSpec[]): Promise<void> {
    for (const ns of ['default', 'kube-system', 'other']) {
      if (!(await this.store.get(GK.Namespace, undefined, ns))) await this.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    }
    for (const [i, spec] of specs.entries()) {
      await this.store.create<CiliumNode>({
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumNode',
        metadata: { name: spec.name, labels: { 'kubernetes.io/hostname': spec.name, ...(spec.labels ?? {}) } },
        spec: {},
      });
      const dp = new FakeDatapath(spec.devices ?? DEFAULT_DEVICES, 0x080027000000 + i * 16, () => this.clock.now());
      this.nodes.set(spec.name, { spec, dp, reachable: true, announcer: undefined, rng: this.rng.fork(`agent/${spec.name}`), requests: { get: 0, create: 0, update: 0, updates: new Map() } });
    }
    for (const spec of specs) await this.start(spec.name);
    await this.settle();
  }

  node(name: string): TestNode {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  setConfig(config: Record<string, string>): void {
    this.config = config;
  }

  async start(name: string): Promise<void> {
    const n = this.node(name);
    if (n.announcer) return;
    n.announcer = new L2Announcer({
      store: countingStore(this.store, n.requests),
      clock: this.clock,
      rng: n.rng,
      nodeName: name,
      config: withDefaults({ 'enable-l2-announcements': 'true', ...this.config }),
      datapath: n.dp,
      apiReachable: () => n.reachable,
      log: this.keepLogs ? (line) => this.logs.push(`[${name}] ${line}`) : () => {},
    });
    const a = n.announcer;
    a.table.watch(() => {
      if (n.announcer === a) for (const w of this.tableWatchers) w(name);
    });
    await a.start();
  }

  /** Calls fn after every change of a running announcer's table: every instant its state changes. */
  watchTables(fn: (node: string) => void): void {
    this.tableWatchers.push(fn);
  }

  /** A graceful agent stop (leases released when the API server can be reached). */
  stop(name: string): void {
    const n = this.node(name);
    if (n.announcer) {
      n.announcer.stop();
      this.retiring.push(n.announcer);
    }
    n.announcer = undefined;
  }

  /** A node that goes down: cut from the API server first, so nothing is released; its datapath is gone. */
  crash(name: string): void {
    const n = this.node(name);
    n.reachable = false;
    this.stop(name);
    for (const e of n.dp.responder.entries()) n.dp.responder.delete(e.ip, e.ifindex);
  }

  async reboot(name: string): Promise<void> {
    const n = this.node(name);
    n.reachable = true;
    await this.start(name);
  }

  isIdle(): boolean {
    this.retiring = this.retiring.filter((a) => !a.isIdle());
    return this.retiring.length === 0 && [...this.nodes.values()].every((n) => !n.announcer || n.announcer.isIdle());
  }

  /** Runs due timers and in-flight work until every announcer is idle (at most `limitMs` of virtual time). */
  async settle(limitMs = 60_000): Promise<void> {
    const deadline = this.clock.now() + limitMs;
    for (;;) {
      await this.clock.settle();
      if (this.isIdle()) {
        let calm = true;
        for (let i = 0; i < 3 && calm; i++) {
          await yieldToEventLoop();
          calm = this.isIdle();
        }
        if (calm) return;
        continue;
      }
      const next = this.clock.nextDue();
      if (next === undefined || next > deadline) throw new Error('announcers did not settle');
      await this.clock.advance(next - this.clock.now());
    }
  }

  async advance(ms: number): Promise<void> {
    await this.clock.advance(ms);
    await this.settle();
  }

  async apply(obj: Service | CiliumL2AnnouncementPolicy): Promise<void> {
    const existing = await this.store.get(obj.kind === 'Service' ? GK.Service : GK.CiliumL2AnnouncementPolicy, obj.metadata.namespace, obj.metadata.name!);
    if (existing) {
      // spec and status are written separately, as the user and LB-IPAM would
      const updated = await this.store.update({ ...obj, metadata: { ...obj.metadata, resourceVersion: existing.metadata.resourceVersion } });
      if (obj.status) await this.store.updateStatus({ ...updated, status: obj.status });
    } else await this.store.create(obj);
    await this.settle();
  }

  async lease(namespace: string, name: string): Promise<Lease | undefined> {
    return this.store.get<Lease>(GK.Lease, 'kube-system', `cilium-l2announce-${namespace}-${name}`);
  }

  /** Nodes whose running announcer has table entries for the service. */
  announcers(svc: string): string[] {
    return this.announcing().get(svc) ?? [];
  }

  /** Service → nodes whose running announcer has table entries for it, in one pass over the tables. */
  announcing(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const [name, n] of this.nodes) {
      const mine = new Set<string>();
      for (const e of n.announcer?.table.list() ?? []) for (const o of e.origins) mine.add(o);
      for (const svc of mine) out.set(svc, [...(out.get(svc) ?? []), name]);
    }
    return out;
  }

  /** Nodes whose responder map answers ARP for the IP. */
  responders(ip: string): string[] {
    const v = parseIPv4Number(ip);
    return [...this.nodes.entries()].filter(([, n]) => n.dp.responder.entries().some((e) => e.ip === v)).map(([name]) => name);
  }
}

export function lbService(namespace: string, name: string, ip: string | undefined, extra: { labels?: Record<string, string>; externalIPs?: string[]; loadBalancerClass?: string } = {}): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace, name, labels: extra.labels ?? { app: name } },
    spec: {
      type: 'LoadBalancer',
      ports: [{ port: 80 }],
      ...(extra.externalIPs ? { externalIPs: extra.externalIPs } : {}),
      ...(extra.loadBalancerClass ? { loadBalancerClass: extra.loadBalancerClass } : {}),
    },
    status: ip ? { loadBalancer: { ingress: [{ ip, ipMode: 'VIP' }] } } : {},
  };
}

export function l2Policy(name: string, spec: CiliumL2AnnouncementPolicy['spec']): CiliumL2AnnouncementPolicy {
  return { apiVersion: 'cilium.io/v2alpha1', kind: 'CiliumL2AnnouncementPolicy', metadata: { name }, spec };
}
