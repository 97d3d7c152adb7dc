// The BGP control plane of one node's agent (pkg/bgpv1/manager with reconcilerv2): reads the
// node's CiliumBGPNodeConfig and what it refers to, runs one BGPInstance per configured instance,
// and converges each with small reconcilers — peers, PodCIDR, services, pod IP pools. A change of
// configuration (node config, peer configs, advertisements, secrets, the node) reconciles
// everything; a service or its endpoints reconcile that service alone.

import type { Transport } from '../../bgp/transport.ts';
import type { Clock } from '../../controller/clock.ts';
import { type EventHandlers, Informer } from '../../controller/informer.ts';
import type { Rng } from '../../controller/rng.ts';
import type { Runnable } from '../../controller/runnable.ts';
import { WorkQueue } from '../../controller/workqueue.ts';
import { GK } from '../../k8s/kinds.ts';
import { deepEqual } from '../../k8s/meta.ts';
import type { KObject } from '../../k8s/object.ts';
import type { CiliumBGPAdvertisement, CiliumBGPNodeConfig, CiliumBGPPeerConfig, CiliumNode, EndpointSlice, Secret, Service, CiliumPodIPPool } from '../../k8s/types.ts';
import type { ResourceStore } from '../../store/types.ts';
import { type DesiredInstance, type Problem, desiredInstances } from './desired.ts';
import { BGPInstance } from './instance.ts';
import { type PeerAdverts, anyAdvertOfType, selectAdverts } from './reconcilers/adverts.ts';
import { nodePodCIDRs, podCIDRRoutes } from './reconcilers/podcidr.ts';
import { type PodIPPoolInfo, nodePoolCIDRs, podIPPoolRoutes } from './reconcilers/podippool.ts';
import { endpointSensitive, hasLocalEndpoint, serviceOwnerRoutes } from './reconcilers/service.ts';
import { StatusWriter, instanceStatus, writeStatus } from './status.ts';

export interface BGPManagerOptions {
  store: ResourceStore;
  clock: Clock;
  rng: Rng;
  nodeName: string;
  transport: Transport;
  /** `enable-bgp-control-plane-status-report`. */
  statusReport: boolean;
  /** `bgp-secrets-namespace`. */
  secretsNamespace: string;
  routerIdMode: 'default' | 'ip-pool';
  /** The node's default gateway per family (for autoDiscovery), when the runtime knows its routes. */
  defaultGateway?: (family: 4 | 6) => string | undefined;
  log: (line: string) => void;
}

const CONFIG = 'config';
const SVC = 'svc/';
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** Multi-pool IPAM's pools; served only when a lab registers the kind. */

interface InstanceState {
  inst: BGPInstance;
  adverts: PeerAdverts[];
}

/** What the manager does with informers of any kind. */
interface AnyInformer {
  on(h: EventHandlers<KObject>, replay?: boolean): unknown;
  start(): Promise<void>;
  stop(): void;
}

const svcKey = (ns: string | undefined, name: string) => `${ns ?? 'default'}/${name}`;

export class BGPManager implements Runnable {
  readonly name = 'bgp-control-plane';
  private readonly queue: WorkQueue;
  private readonly nodeConfigs: Informer<CiliumBGPNodeConfig>;
  private readonly peerConfigs: Informer<CiliumBGPPeerConfig>;
  private readonly adverts: Informer<CiliumBGPAdvertisement>;
  private readonly nodes: Informer<CiliumNode>;
  private readonly services: Informer<Service>;
  private readonly slices: Informer<EndpointSlice>;
  private readonly secrets: Informer<Secret>;
  private readonly pools: Informer<CiliumPodIPPool>;
  private readonly instances = new Map<string, InstanceState>();
  /** Per service, its EndpointSlices that have a usable endpoint on this node (only those: 1,000 nodes × 10,000 services stay small). */
  private readonly localSlices = new Map<string, Set<string>>();
  private readonly status: StatusWriter | undefined;
  /** Read on every slice change in the cluster, so kept on the manager rather than one hop away. */
  private readonly nodeName: string;
  private loggedProblems = new Set<string>();
  private stopped = false;

  constructor(private readonly o: BGPManagerOptions) {
    this.nodeName = o.nodeName;
    this.queue = new WorkQueue(o.clock, { maxDelayMs: 30_000, onError: (k, err) => o.log(`bgp: reconcile ${k} failed: ${(err as Error).message}`) });
    this.nodeConfigs = new Informer(o.store, GK.CiliumBGPNodeConfig, { fieldSelector: `metadata.name=${o.nodeName}` });
    this.peerConfigs = new Informer(o.store, GK.CiliumBGPPeerConfig);
    this.adverts = new Informer(o.store, GK.CiliumBGPAdvertisement);
    this.nodes = new Informer(o.store, GK.CiliumNode, { fieldSelector: `metadata.name=${o.nodeName}` });
    this.services = new Informer(o.store, GK.Service);
    this.slices = new Informer(o.store, GK.EndpointSlice);
    this.secrets = new Informer(o.store, GK.Secret, { namespace: o.secretsNamespace });
    this.pools = new Informer(o.store, GK.CiliumPodIPPool);
    if (o.statusReport) {
      this.status = new StatusWriter({ store: o.store, clock: o.clock, rng: o.rng.fork('status'), nodeName: o.nodeName, nodeConfig: () => this.nodeConfig(), log: o.log });
    }
  }

  async start(): Promise<void> {
    const config = () => this.queue.add(CONFIG);
    const onConfig = { add: config, delete: config, update: (a: KObject, b: KObject) => (specOrLabelsChanged(a, b) ? config() : undefined) };
    const configInformers: AnyInformer[] = [this.nodeConfigs, this.peerConfigs, this.adverts, this.nodes, this.secrets];
    for (const inf of configInformers) inf.on(onConfig);
    this.services.on({
      add: (s) => this.serviceChanged(s),
      delete: (s) => this.serviceChanged(s),
      update: (a, b) => (specOrLabelsChanged(a, b) || !deepEqual(a.status, b.status) ? this.serviceChanged(b) : undefined),
    });
    this.slices.on({ add: (s) => this.sliceChanged(undefined, s), delete: (s) => this.sliceChanged(s, undefined), update: (a, b) => this.sliceChanged(a, b) });
    const informers: AnyInformer[] = [this.nodeConfigs, this.peerConfigs, this.adverts, this.nodes, this.services, this.slices, this.secrets];
    this.pools.on(onConfig, false);
    informers.push(this.pools);
    await Promise.all(informers.map((i) => i.start()));
    this.queue.run((key) => this.reconcile(key));
    this.status?.start();
    config();
  }

  stop(): void {
    this.stopped = true;
    this.queue.stop();
    this.status?.stop();
    for (const s of this.instances.values()) s.inst.stop();
    this.instances.clear();
    for (const i of [this.nodeConfigs, this.peerConfigs, this.adverts, this.nodes, this.services, this.slices, this.secrets]) i.stop();
    this.pools?.stop();
  }

  isIdle(): boolean {
    return this.queue.isIdle();
  }

  /** The running instances, in node-config order (read by the debug views and cilium-dbg). */
  runningInstances(): BGPInstance[] {
    return [...this.instances.values()].map((s) => s.inst);
  }

  /** Status writes so far (0 with reporting off). */
  get statusWrites(): number {
    return this.status?.writes ?? 0;
  }

  private nodeConfig(): CiliumBGPNodeConfig | undefined {
    return this.nodeConfigs.getByName(undefined, this.nodeName);
  }

  private serviceChanged(s: Service): void {
    if (this.instances.size > 0) this.queue.add(SVC + svcKey(s.metadata.namespace, s.metadata.name!));
  }

  /**
   * Tracks which slices have an endpoint here. Every agent hears every slice change; one that neither
   * had nor has an endpoint on this node (nearly all of them) is dismissed before any lookup.
   */
  private sliceChanged(old: EndpointSlice | undefined, cur: EndpointSlice | undefined): void {
    const oldKey = this.localService(old);
    const curKey = this.localService(cur);
    // still local, still the same service's: no presence flips
    if (oldKey === curKey) return;
    if (oldKey !== undefined) this.setLocal(oldKey, old!.metadata.name!, false);
    if (curKey !== undefined) this.setLocal(curKey, cur!.metadata.name!, true);
  }

  /** The service of a slice with a usable endpoint on this node. */
  private localService(s: EndpointSlice | undefined): string | undefined {
    return s && hasLocalEndpoint(s, this.nodeName) ? sliceService(s) : undefined;
  }

  /** Records whether one slice of a service is local; only a flip of a Local-policy service's presence queues it. */
  private setLocal(key: string, slice: string, local: boolean): void {
    const before = this.localSlices.has(key);
    let set = this.localSlices.get(key);
    if (local) {
      if (!set) this.localSlices.set(key, (set = new Set()));
      set.add(slice);
    } else if (set?.delete(slice) && set.size === 0) this.localSlices.delete(key);
    if (before === this.localSlices.has(key) || this.instances.size === 0) return;
    const svc = this.services.get(key);
    if (svc && endpointSensitive(svc)) this.queue.add(SVC + key);
  }

  private hasLocal(key: string): boolean {
    return this.localSlices.has(key);
  }

  private async reconcile(key: string): Promise<void> {
    if (this.stopped) return;
    if (key === CONFIG) return this.reconcileConfig();
    if (key.startsWith(SVC)) {
      const k = key.slice(SVC.length);
      const svc = this.services.get(k);
      for (const st of this.instances.values()) {
        st.inst.setOwner(SVC + k, svc && anyAdvertOfType(st.adverts, 'Service') ? serviceOwnerRoutes(st.adverts, svc, () => this.hasLocal(k)) : undefined);
        st.inst.flush();
      }
    }
  }

  private async reconcileConfig(): Promise<void> {
    const nc = this.nodeConfig();
    const cn = this.nodes.getByName(undefined, this.nodeName);
    const { instances: desired, problems } = desiredInstances({
      nodeConfig: nc,
      ciliumNode: cn,
      peerConfigs: new Map(this.peerConfigs.list().map((p) => [p.metadata.name!, p])),
      secretPassword: (name) => this.secretPassword(name),
      routerIdMode: this.o.routerIdMode,
      defaultGateway: this.o.defaultGateway,
    });
    const byName = new Map(desired.map((d) => [d.name, d]));
    for (const [name, st] of [...this.instances]) {
      const d = byName.get(name);
      if (d && st.inst.compatible(d)) continue;
      // a new ASN, router ID or listen port needs a new instance (Cilium recreates the GoBGP server)
      st.inst.stop();
      this.instances.delete(name);
      if (!d) this.o.log(`bgp: instance ${name} removed`);
    }
    for (const d of desired) {
      if (this.instances.has(d.name)) continue;
      const inst = this.createInstance(d);
      this.instances.set(d.name, { inst, adverts: [] });
      await inst.start();
      this.o.log(`bgp: instance ${d.name} started (local AS ${d.asn}, router ID ${d.routerId}${d.listenPort > 0 ? `, listening on port ${d.listenPort}` : ''})`);
    }
    const adverts = this.adverts.list();
    const pools = this.poolInfos();
    const poolCIDRs = nodePoolCIDRs(cn);
    const podCIDRs = nodePodCIDRs(cn);
    for (const d of desired) {
      const st = this.instances.get(d.name)!;
      const keep = new Set(problems.filter((p) => p.instance === d.name && p.peer !== undefined && p.condition).map((p) => p.peer!));
      problems.push(...st.inst.reconcilePeers(d.peers, keep));
      st.adverts = selectAdverts(st.inst.runningPeers(), adverts, (source, what) =>
        problems.push({ instance: d.name, message: `CiliumBGPAdvertisement ${source}: invalid ${what}, ignored`, condition: false }),
      );
      this.reconcileRoutes(st, podCIDRs, pools, poolCIDRs);
      st.inst.flush();
    }
    this.report(nc, desired, problems);
    if (!this.o.statusReport && nc?.status && Object.keys(nc.status).length > 0) {
      // reporting off: empty the status once; nothing is written afterwards
      await writeStatus(this.o.store, this.nodeName, nc.status, {});
    }
  }

  private createInstance(d: DesiredInstance): BGPInstance {
    const inst: BGPInstance = new BGPInstance(d, {
      clock: this.o.clock,
      transport: this.o.transport,
      hostname: this.nodeName,
      log: this.o.log,
      onPeerState: (peer, from, to) => {
        this.o.log(`bgp: instance ${d.name}: peer ${peer} ${from} -> ${to}`);
        this.snapshot(inst);
      },
    });
    return inst;
  }

  /** Every object's routes: PodCIDR, each service, each pool — and what no longer exists goes. */
  private reconcileRoutes(st: InstanceState, podCIDRs: string[], pools: Map<string, PodIPPoolInfo>, poolCIDRs: Map<string, string[]>): void {
    const { inst, adverts } = st;
    const seen = new Set<string>();
    const set = (key: string, routes: ReturnType<typeof podCIDRRoutes> | undefined) => {
      seen.add(key);
      inst.setOwner(key, routes);
    };
    if (anyAdvertOfType(adverts, 'PodCIDR')) set('podcidr', podCIDRRoutes(adverts, podCIDRs));
    if (anyAdvertOfType(adverts, 'Service')) {
      for (const svc of this.services.list()) {
        const k = svcKey(svc.metadata.namespace, svc.metadata.name!);
        set(SVC + k, serviceOwnerRoutes(adverts, svc, () => this.hasLocal(k)));
      }
    }
    if (anyAdvertOfType(adverts, 'CiliumPodIPPool')) {
      for (const [name, cidrs] of poolCIDRs) set(`pool/${name}`, podIPPoolRoutes(adverts, pools.get(name) ?? { name, labels: {} }, cidrs));
    }
    for (const key of inst.ownerKeys()) if (!seen.has(key)) inst.setOwner(key, undefined);
  }

  private poolInfos(): Map<string, PodIPPoolInfo> {
    const out = new Map<string, PodIPPoolInfo>();
    for (const p of this.pools.list()) {
      const spec = p.spec;
      const info: PodIPPoolInfo = { name: p.metadata.name!, labels: p.metadata.labels ?? {} };
      if (spec?.ipv4?.maskSize !== undefined) info.maskSizeV4 = spec.ipv4.maskSize;
      if (spec?.ipv6?.maskSize !== undefined) info.maskSizeV6 = spec.ipv6.maskSize;
      out.set(info.name, info);
    }
    return out;
  }

  private secretPassword(name: string): string | 'no-key' | undefined {
    const s = this.secrets.getByName(this.o.secretsNamespace, name);
    if (!s) return undefined;
    if (s.stringData?.password !== undefined) return s.stringData.password;
    const b64 = s.data?.password;
    return b64 === undefined ? 'no-key' : Buffer.from(b64, 'base64').toString('utf8');
  }

  /** Logs problems once each; writes the error condition and instance list into the status. */
  private report(nc: CiliumBGPNodeConfig | undefined, desired: DesiredInstance[], problems: Problem[]): void {
    const lines = new Set(problems.map((p) => `${p.instance}: ${p.message}`));
    for (const l of lines) if (!this.loggedProblems.has(l)) this.o.log(`bgp: ${l}`);
    this.loggedProblems = lines;
    if (!this.status) return;
    this.status.setErrors(problems.filter((p) => p.condition).map((p) => `${p.instance}: ${p.message}`));
    this.status.setOrder(desired.map((d) => d.name).filter((n) => this.instances.has(n)));
    for (const st of this.instances.values()) this.snapshot(st.inst, nc);
  }

  private snapshot(inst: BGPInstance, nc = this.nodeConfig()): void {
    if (!this.status || this.instances.get(inst.config.name)?.inst !== inst) return;
    const configured = nc?.spec?.bgpInstances?.find((i) => i.name === inst.config.name)?.peers ?? [];
    this.status.setInstance(instanceStatus(inst, configured, this.o.clock.now()));
  }
}

/** The key of the service a slice belongs to, if it names one. */
function sliceService(s: EndpointSlice): string | undefined {
  const name = s.metadata.labels?.[SERVICE_NAME_LABEL];
  return name ? svcKey(s.metadata.namespace, name) : undefined;
}

/** Changes other than status and bookkeeping (resourceVersion, managedFields). */
function specOrLabelsChanged(a: KObject, b: KObject): boolean {
  const strip = (o: KObject) => ({ ...o, status: undefined, metadata: { ...o.metadata, resourceVersion: undefined, generation: undefined } });
  return !deepEqual(strip(a), strip(b));
}
