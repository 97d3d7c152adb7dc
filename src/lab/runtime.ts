// The lab runtime: one process holding the store, Kubernetes' own controllers, the Cilium
// operator, one Cilium agent per node and the emulated network, all on one Clock and one seeded Rng.

import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { Agent, type AgentContext, type AgentFeature, ServiceRegistry } from '../agent/agent.ts';
import { AgentIPAM } from '../agent/ipam/agent-ipam.ts';
import { nodeConditions, nodeObject, systemLeases, systemObjects } from '../cluster/bootstrap.ts';
import { DaemonSetController } from '../cluster/daemonset.ts';
import { DeploymentController } from '../cluster/deployment.ts';
import { EndpointSliceController } from '../cluster/endpointslice.ts';
import { Kubelet, type PodNetwork } from '../cluster/kubelet.ts';
import { ReplicaSetController } from '../cluster/replicaset.ts';
import { Scheduler } from '../cluster/scheduler.ts';
import { ServiceAllocator } from '../cluster/service-alloc.ts';
import { rfc3339 } from '../cluster/time.ts';
import { type CiliumConfig, parseDuration, withDefaults } from '../config/cilium.ts';
import { type Clock, RealClock, VirtualClock, yieldToEventLoop } from '../controller/clock.ts';
import { Informer } from '../controller/informer.ts';
import { Rng } from '../controller/rng.ts';
import type { Runnable } from '../controller/runnable.ts';
import { admit as k8sAdmit } from '../k8s/admission.ts';
import { GK } from '../k8s/kinds.ts';
import { formatMicroTime } from '../k8s/meta.ts';
import { applyPatch } from '../k8s/patch.ts';
import type { KObject } from '../k8s/object.ts';
import type { ConfigMap, Node, Pod, Service } from '../k8s/types.ts';
import { formatIP } from '../netaddr/ip.ts';
import { type OperatorFeature, OPERATOR_FEATURES } from '../operator/features.ts';
import { MemoryStore } from '../store/memory.ts';
import { type ResourceStore, StoreError } from '../store/types.ts';
import { applyObjects } from '../api/apply.ts';
import { loadManifests } from '../api/manifests.ts';
import { AGENT_FEATURES } from './agent-features.ts';
import { LabApi } from './api-bridge.ts';
import { LAB_PLUGINS } from './plugin-list.ts';
import type { LabPlugin } from './plugins.ts';
import { type LoadedTopology, nodeInternalIP, serviceCIDRs, type Topology, type TopologyNode } from './topology.ts';

export { nodeInternalIP };

export interface LabOptions {
  /** Virtual time for scripted runs and tests; real time for an interactive `lab up`. */
  clock?: 'virtual' | 'real';
  seed?: string | number;
  dataDir?: string;
  log?: (line: string) => void;
  agentFeatures?: readonly AgentFeature[];
  operatorFeatures?: readonly OperatorFeature[];
  plugins?: readonly LabPlugin[];
}

/** How long `cilia lab reboot` keeps a node down unless told (a VM reboot). */
const DEFAULT_REBOOT_MS = 60_000;
/** kube-controller-manager's node-monitor-grace-period (1.33: 50 s). */
const NODE_MONITOR_GRACE_MS = 50_000;
/** After a reboot the agent comes up later than the host: kubelet restarts the cilium pod, its init containers run. */
const AGENT_START_DELAY_MS = 15_000;

export class Lab {
  readonly store: ResourceStore;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly topology: Topology;
  readonly services = new ServiceRegistry();
  readonly api: LabApi = new LabApi(this);
  readonly agents = new Map<string, Agent>();
  private readonly runnables: Runnable[] = [];
  private readonly allocator: ServiceAllocator;
  private readonly ipams = new Map<string, AgentIPAM>();
  private kubelet: Kubelet | undefined;
  private ciliumPods: Informer<Pod> | undefined;
  private config: CiliumConfig;
  private stopped = false;
  /** Agent (re)starts run one at a time, in the order their pods came up. */
  private agentStarts: Promise<void> = Promise.resolve();
  private pendingAgentStarts = 0;
  readonly log: (line: string) => void;

  constructor(
    readonly loaded: LoadedTopology,
    private readonly opts: LabOptions = {},
  ) {
    this.topology = loaded.topology;
    this.clock = opts.clock === 'real' ? new RealClock() : new VirtualClock();
    this.rng = new Rng(opts.seed ?? this.topology.seed);
    this.log = opts.log ?? (() => {});
    this.config = withDefaults(this.topology.cilium.config);
    this.allocator = new ServiceAllocator(serviceCIDRs(this.topology), this.rng.fork('service-ips'), () => this.clock.now());
    this.store = new MemoryStore({
      clock: this.clock,
      rng: this.rng.fork('store'),
      dataDir: opts.dataDir,
      admit: (op, obj, old) => this.allocator.admit(op, k8sAdmit(op, obj, old), old),
      patcher: (type, target, patch) => applyPatch(target, type, patch),
      log: this.log,
    });
  }

  /** The current cilium-config (what agents started now would read). */
  get ciliumConfig(): CiliumConfig {
    return this.config;
  }

  async start(): Promise<void> {
    const serviceCIDR = serviceCIDRs(this.topology)[0]!;
    const nth = (n: bigint) => formatIP({ family: serviceCIDR.family, value: serviceCIDR.addr + n });
    const controlPlane = this.topology.nodes.find((n) => n.role === 'control-plane')!;
    const existing = await this.store.list<Service>(GK.Service);
    this.allocator.restore(existing.items);
    if (existing.items.length === 0) {
      const system = systemObjects({
        ciliumVersion: this.topology.cilium.version,
        config: this.config,
        kubernetesServiceIP: nth(1n),
        dnsServiceIP: nth(10n),
        apiServerIP: nodeInternalIP(controlPlane),
      });
      for (const obj of system) await this.store.create(obj);
      const ids = this.rng.fork('leases');
      const hex = (n: number) => ids.string(n, '0123456789abcdef');
      const leases = systemLeases({
        controlPlane: controlPlane.name,
        nodes: this.topology.nodes.map((n) => n.name),
        now: formatMicroTime(this.clock.now()),
        uuid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[ids.int(4)]}${hex(3)}-${hex(12)}`,
        token: (n) => ids.string(n, 'abcdefghijklmnopqrstuvwxyz0123456789'),
      });
      for (const obj of leases) await this.store.create(obj);
    } else {
      const cm = await this.store.get<ConfigMap>(GK.ConfigMap, 'kube-system', 'cilium-config');
      this.config = withDefaults(cm?.data);
    }
    this.trackServiceReleases();

    const network: PodNetwork = {
      add: async (pod, node) => this.ipam(node).allocate(pod),
      del: async (pod, node) => this.ipam(node).release(pod),
    };
    this.kubelet = new Kubelet(this.store, this.clock, this.rng.fork('kubelet'), network, {
      nodes: () => this.topology.nodes.map((n) => n.name),
      log: this.log,
    });
    this.runnables.push(
      new DeploymentController(this.store, this.clock),
      new ReplicaSetController(this.store, this.clock),
      new DaemonSetController(this.store, this.clock),
      new Scheduler(this.store, this.clock, this.rng.fork('scheduler')),
      new EndpointSliceController(this.store, this.clock),
      this.kubelet,
    );
    for (const f of this.opts.operatorFeatures ?? OPERATOR_FEATURES) {
      const r = f.create({ store: this.store, clock: this.clock, rng: this.rng.fork(`operator/${f.name}`), config: this.config, log: this.log });
      if (r) this.runnables.push(r);
    }
    for (const r of this.runnables) await r.start();
    this.api.actions.set('lab/reboot', (p) => {
      const downMs = p.for === undefined ? DEFAULT_REBOOT_MS : parseDuration(p.for);
      if (downMs === undefined || downMs <= 0) throw new StoreError('BadRequest', `invalid duration "${p.for}": use a duration like 60s or 2m`);
      this.rebootNode(p.node ?? '', downMs);
      return `node/${p.node} rebooting (down for ${p.for ?? '60s'})\n`;
    });
    for (const p of this.plugins) await p.setup(this);
    for (const n of this.topology.nodes) this.agents.set(n.name, this.makeAgent(n.name));
    await this.watchCiliumPods();
    if (existing.items.length === 0) {
      // nodes join one after another, in topology order (their CiliumNodes get PodCIDRs in that order)
      for (const n of this.topology.nodes) {
        await this.store.create(this.nodeFor(n));
        if (this.clock instanceof VirtualClock) await this.clock.advance(1000);
      }
    }
    await this.settle();
    if (existing.items.length === 0) await this.applyTopologyManifests();
  }

  /** The lab's own manifests (`manifests:` in the topology), applied once on a fresh store. */
  private async applyTopologyManifests(): Promise<void> {
    const paths = this.topology.manifests.map((m) => resolve(this.loaded.dir, m));
    if (paths.length === 0) return;
    const { objects, errors } = await loadManifests(paths, async () => '');
    if (errors.length > 0) throw new Error(errors.join('\n'));
    await this.apply(objects);
  }

  private nodeFor(n: TopologyNode): Node {
    const node = nodeObject({
      name: n.name,
      role: n.role,
      internalIP: nodeInternalIP(n),
      labels: n.labels,
      taints: n.taints,
      kubernetesVersion: this.topology.kubernetes.version,
      osImage: this.topology.kubernetes.osImage,
      kernelVersion: this.topology.kubernetes.kernelVersion,
      containerRuntime: this.topology.kubernetes.containerRuntime,
      machineID: createHash('md5').update(`${this.topology.name}/${n.name}`).digest('hex'),
    });
    node.status!.conditions = nodeConditions(true, rfc3339(this.clock.now()));
    return node;
  }

  private ipam(node: string): AgentIPAM {
    const ipam = this.ipams.get(node);
    if (!ipam) throw new Error(`node ${node}: the Cilium agent is not running`);
    return ipam;
  }

  private makeAgent(nodeName: string): Agent {
    const features: AgentFeature[] = [
      {
        name: 'ipam',
        create: (ctx) => {
          const ipam = new AgentIPAM(ctx.store, ctx.clock, ctx.rng, ctx.nodeName, () => this.kubelet?.resyncNode(ctx.nodeName));
          this.ipams.set(ctx.nodeName, ipam);
          return ipam;
        },
      },
      ...(this.opts.agentFeatures ?? AGENT_FEATURES),
    ];
    const makeContext = (): AgentContext => ({
      store: this.store,
      clock: this.clock,
      rng: this.rng.fork(`agent/${nodeName}`),
      nodeName,
      config: this.config,
      services: this.services,
      log: (line) => this.log(`[${nodeName}] ${line}`),
    });
    return new Agent(nodeName, features, makeContext);
  }

  /** Agents follow the cilium DaemonSet's pods: a new Running pod on a node (re)starts that node's agent with the current config. */
  private async watchCiliumPods(): Promise<void> {
    this.ciliumPods = new Informer<Pod>(this.store, GK.Pod, { namespace: 'kube-system', labelSelector: 'k8s-app=cilium' });
    await this.ciliumPods.start();
    const seen = new Map<string, string>();
    const onPod = (pod: Pod) => {
      const node = pod.spec?.nodeName;
      if (!node || pod.status?.phase !== 'Running' || pod.metadata.deletionTimestamp) return;
      if (seen.get(node) === pod.metadata.uid) return;
      seen.set(node, pod.metadata.uid!);
      this.pendingAgentStarts++;
      this.agentStarts = this.agentStarts.then(() => this.restartAgent(node)).finally(() => this.pendingAgentStarts--);
    };
    this.ciliumPods.on({ add: onPod, update: (_o, n) => onPod(n) });
  }

  /** Nodes powered off now (`cilia lab reboot`). */
  private readonly nodesDown = new Set<string>();
  private readonly powerListeners: ((node: string, up: boolean) => void)[] = [];

  /** Called with every node power change; the network plugin takes hosts down and up with it. */
  onNodePower(listener: (node: string, up: boolean) => void): void {
    this.powerListeners.push(listener);
  }

  isNodeUp(node: string): boolean {
    return !this.nodesDown.has(node);
  }

  /**
   * An emulated reboot: the node's network, kubelet and agent stop at once, releasing nothing;
   * after `downMs` the host and kubelet are back, and its agent starts `agentDelayMs` later (the
   * cilium pod's init containers). While down, the node controller marks the Node unknown after
   * its grace period, as it does when a kubelet stops posting status.
   */
  rebootNode(node: string, downMs: number, agentDelayMs = AGENT_START_DELAY_MS): void {
    const agent = this.agents.get(node);
    if (!agent) throw new StoreError('NotFound', `nodes "${node}" not found`);
    if (this.nodesDown.has(node)) throw new StoreError('Conflict', `node ${node} is already down`);
    this.nodesDown.add(node);
    for (const l of this.powerListeners) l(node, false);
    this.kubelet?.suspendNode(node);
    agent.stop();
    this.log(`node ${node} is down for ${downMs / 1000}s`);
    const grace = this.clock.setTimeout(() => void this.setNodeReady(node, false), NODE_MONITOR_GRACE_MS);
    this.clock.setTimeout(() => {
      grace.cancel();
      this.nodesDown.delete(node);
      for (const l of this.powerListeners) l(node, true);
      this.kubelet?.resumeNode(node);
      void this.setNodeReady(node, true);
      this.log(`node ${node} is back`);
      this.clock.setTimeout(() => {
        this.pendingAgentStarts++;
        this.agentStarts = this.agentStarts.then(() => this.restartAgent(node)).finally(() => this.pendingAgentStarts--);
      }, agentDelayMs);
    }, downMs);
  }

  /** The node's Ready condition, and its pods' Ready (node lifecycle controller, MarkPodsNotReady). */
  private async setNodeReady(node: string, ready: boolean): Promise<void> {
    const now = rfc3339(this.clock.now());
    const cur = await this.store.get<Node>(GK.Node, undefined, node);
    if (cur) await this.store.updateStatus({ ...cur, status: { ...cur.status, conditions: nodeConditions(ready, now) } });
    const status = ready ? 'True' : 'False';
    for (const pod of (await this.store.list<Pod>(GK.Pod, { fieldSelector: `spec.nodeName=${node}` })).items) {
      const conditions = pod.status?.conditions?.map((c) => (c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status, lastTransitionTime: now } : c));
      if (!conditions || pod.metadata.deletionTimestamp) continue;
      await this.store.updateStatus({ ...pod, status: { ...pod.status, conditions } });
    }
  }

  private async restartAgent(node: string): Promise<void> {
    if (this.stopped) return;
    const cm = await this.store.get<ConfigMap>(GK.ConfigMap, 'kube-system', 'cilium-config');
    this.config = withDefaults(cm?.data);
    const agent = this.agents.get(node);
    if (!agent) return;
    this.log(`starting cilium agent on ${node}`);
    await agent.restart();
  }

  /** Committed services feed the allocator; its admission-time reservations lapse once they are seen. */
  private trackServiceReleases(): void {
    const services = new Informer<Service>(this.store, GK.Service);
    services.on({ add: (s) => this.allocator.observe(s), update: (_o, s) => this.allocator.observe(s), delete: (s) => this.allocator.release(s) }, false);
    void services.start();
    this.runnables.push({ name: 'service-ip-release', start: async () => {}, stop: () => services.stop(), isIdle: () => true });
  }

  /** Every controller idle and (virtual time) every due timer fired. */
  isQuiescent(): boolean {
    return this.pendingAgentStarts === 0 && this.runnables.every((r) => r.isIdle()) && [...this.agents.values()].every((a) => a.isIdle());
  }

  /**
   * Lets the lab reach a steady state: every controller idle, including failed work waiting for
   * its retry. In virtual time, pending retries move the clock forward to the next timer (at most
   * `limitMs`); in real time it waits.
   */
  async settle(limitMs = 60_000): Promise<void> {
    const clock = this.clock;
    const deadline = clock.now() + limitMs;
    for (let round = 0; round < 100_000; round++) {
      if (clock instanceof VirtualClock) await clock.settle();
      else await yieldToEventLoop();
      if (this.isQuiescent()) {
        // watch events are delivered a few event-loop turns after a write is acknowledged
        let calm = true;
        for (let i = 0; i < 4 && calm; i++) {
          await yieldToEventLoop();
          calm = this.isQuiescent();
        }
        if (calm) return;
        continue;
      }
      if (clock.now() >= deadline) break;
      if (clock instanceof VirtualClock) {
        const next = clock.nextDue();
        if (next !== undefined && next > clock.now()) await clock.advance(Math.min(next, deadline) - clock.now());
      } else await clock.sleep(5);
    }
    this.log(`lab: controllers did not settle within ${limitMs} ms`);
  }

  /** Advances virtual time (or waits real time) and settles. */
  async advance(ms: number): Promise<void> {
    if (this.clock instanceof VirtualClock) await this.clock.advance(ms);
    else await this.clock.sleep(ms);
    await this.settle();
  }

  private get plugins(): readonly LabPlugin[] {
    return this.opts.plugins ?? LAB_PLUGINS;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const a of this.agents.values()) a.stop();
    for (const p of [...this.plugins].reverse()) await p.stop?.(this);
    for (const r of [...this.runnables].reverse()) r.stop();
    this.ciliumPods?.stop();
    await this.store.close();
    // what is still armed (neighbour aging, leases, BGP timers) would keep the process alive
    if (this.clock instanceof RealClock) this.clock.stop();
  }

  /** Applies objects through the same admission path a client would use. */
  async apply(objects: KObject[]): Promise<void> {
    await applyObjects(this.store, objects);
    await this.settle();
  }
}
