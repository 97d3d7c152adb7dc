// The per-node load-balancing controller (cilium's k8s reflector + writer + BPF reconciler in
// one): informers on Services, EndpointSlices, this node's Node and Pods; each service (or
// hostPort pod) is a work-queue key whose frontends and backends are recomputed from the caches
// and written into this node's LB maps.

import type { Clock } from '../../controller/clock.ts';
import { Informer } from '../../controller/informer.ts';
import type { Runnable } from '../../controller/runnable.ts';
import { WorkQueue } from '../../controller/workqueue.ts';
import { GK } from '../../k8s/kinds.ts';
import type { EndpointSlice, Node, Pod, Service } from '../../k8s/types.ts';
import type { LBMaps } from '../../datapath/maps/lb.ts';
import { formatL3n4, parseAddrKey } from '../../datapath/maps/lbaddr.ts';
import type { AddrKey } from '../../netaddr/lpm.ts';
import type { ResourceStore } from '../../store/types.ts';
import { type ConfigError, type LBConfig, parseLBConfig } from './config.ts';
import {
  backendsForFrontend,
  type ConvertedService,
  convertEndpointSlices,
  convertPodHostPorts,
  convertService,
  serviceName,
} from './convert.ts';
import { type BackendParams, type DesiredFrontend, type FrontendParams, type L3n4, l3n4Key, type ServiceModel, type ServiceProblem } from './model.ts';
import { LBReconciler } from './reconciler.ts';

/** The controller's name among the agent's features (`agent.feature('loadbalancer')`). */
export const LOADBALANCER_FEATURE = 'loadbalancer';

/** cilium loadbalancer.ErrFrontendConflict. */
const CONFLICT = 'frontend already owned by another service';

/** EndpointSlice label naming the owning service (discovery.k8s.io/v1). */
const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';

export interface LoadBalancerControllerOptions {
  store: ResourceStore;
  nodeName: string;
  /** The node's datapath maps; they outlive the controller (an agent restart restores IDs from them). */
  maps: LBMaps;
  clock: Clock;
  /** cilium-config data; defaults apply to missing keys. */
  config?: Readonly<Record<string, string>>;
  /**
   * Addresses that serve NodePorts (cilium: all non-link-local addresses of the node's devices).
   * Without it, the Node's InternalIP and ExternalIP addresses are used.
   */
  nodeAddresses?: readonly AddrKey[];
  log?: (line: string) => void;
}

/** Per-port state of the kube-proxy compatible health check server (healthCheckNodePort, eTP=Local). */
export interface HealthCheckStatus {
  port: number;
  namespace: string;
  name: string;
  localEndpoints: number;
}

interface AppliedService {
  model: ServiceModel;
  frontends: FrontendParams[];
  backends: BackendParams[];
}

/** A service's conversion and what it was computed from: reused while only its endpoints change. */
interface Conversion {
  svc: Service;
  cfg: LBConfig;
  node: Node | undefined;
  result: ConvertedService | undefined;
}

interface KeyState {
  /** What is in the maps. */
  applied: AppliedService[];
  conversion: Conversion | undefined;
}

interface Desired {
  services: AppliedService[];
  problems: string[];
  conversion?: Conversion;
}

/** Whether two lists of services have the very same frontends (a conversion reused). */
function sameFrontends(a: readonly AppliedService[], b: readonly AppliedService[]): boolean {
  return a.length === b.length && a.every((s, i) => s.frontends === b[i]!.frontends);
}

export class LoadBalancerController implements Runnable {
  readonly name: string;
  readonly reconciler: LBReconciler;
  private readonly services: Informer<Service>;
  private readonly slices: Informer<EndpointSlice>;
  private readonly nodes: Informer<Node>;
  private readonly pods: Informer<Pod>;
  private readonly queue: WorkQueue;
  private readonly log: (line: string) => void;
  private readonly nodeName: string;
  private nodeAddressOverride: readonly AddrKey[] | undefined;
  /** Per work key (`svc:ns/name` or `pod:ns/name`). */
  private readonly state = new Map<string, KeyState>();
  /** Frontend key → owning work key, for conflict detection across services. */
  private readonly owners = new Map<string, string>();
  private readonly problemsByKey = new Map<string, ServiceProblem[]>();
  /** Backend health set through setBackendHealth: `ns/name|addr|port|proto`. */
  private readonly unhealthy = new Set<string>();
  private started = false;
  private pruned = false;

  constructor(opts: LoadBalancerControllerOptions) {
    this.name = LOADBALANCER_FEATURE;
    this.nodeName = opts.nodeName;
    this.log = opts.log ?? (() => {});
    const parsed = parseLBConfig(opts.config ?? {});
    if ('errors' in parsed) throw new Error(parsed.errors.map((e) => `${e.key}: ${e.message}`).join('; '));
    this.reconciler = new LBReconciler(opts.maps, parsed.config);
    this.nodeAddressOverride = opts.nodeAddresses;
    this.services = new Informer<Service>(opts.store, GK.Service);
    this.slices = new Informer<EndpointSlice>(opts.store, GK.EndpointSlice, {
      indexers: {
        service: (s) => {
          const svc = s.metadata.labels?.[LABEL_SERVICE_NAME];
          return svc ? [`${s.metadata.namespace ?? 'default'}/${svc}`] : [];
        },
      },
    });
    this.nodes = new Informer<Node>(opts.store, GK.Node, { fieldSelector: `metadata.name=${opts.nodeName}` });
    this.pods = new Informer<Pod>(opts.store, GK.Pod, { fieldSelector: `spec.nodeName=${opts.nodeName}` });
    this.queue = new WorkQueue(opts.clock, {
      onError: (key, err) => this.log(`loadbalancer: ${key}: ${err instanceof Error ? err.message : String(err)}`),
    });
  }

  get config(): LBConfig {
    return this.reconciler.config;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await Promise.all([this.nodes.start(), this.slices.start(), this.pods.start(), this.services.start()]);
    // Handlers go on together once every cache is synced: the replay of services then queues
    // each service once, in cache order, with its endpoints already known.
    this.updateNodeAddresses();
    this.nodes.on({ add: () => this.updateNodeAddresses(), update: () => this.updateNodeAddresses() }, false);
    const svcKey = (o: Service) => this.queue.add(`svc:${serviceName(o)}`);
    this.services.on({ add: svcKey, update: (_, o) => svcKey(o), delete: svcKey });
    const sliceKey = (s: EndpointSlice) => {
      const svc = s.metadata.labels?.[LABEL_SERVICE_NAME];
      if (svc) this.queue.add(`svc:${s.metadata.namespace ?? 'default'}/${svc}`);
    };
    const sliceMoved = (o: EndpointSlice, n: EndpointSlice) => {
      sliceKey(o);
      sliceKey(n);
    };
    this.slices.on({ add: sliceKey, update: sliceMoved, delete: sliceKey }, false);
    const podKey = (p: Pod) => this.queue.add(`pod:${p.metadata.namespace ?? 'default'}/${p.metadata.name ?? ''}`);
    this.pods.on({ add: podKey, update: (_, p) => podKey(p), delete: podKey });
    this.queue.run((key) => this.process(key));
    await this.queue.whenIdle();
    // cilium prunes restored map entries once the initial state is in.
    this.reconciler.prune();
    this.pruned = true;
  }

  stop(): void {
    this.services.stop();
    this.slices.stop();
    this.nodes.stop();
    this.pods.stop();
    this.queue.stop();
  }

  isIdle(): boolean {
    return !this.started || (this.pruned && this.queue.isIdle());
  }

  whenIdle(): Promise<void> {
    return this.queue.whenIdle();
  }

  /**
   * Applies new cilium-config data. Invalid values are returned and nothing changes: the maps keep
   * serving with the previous configuration.
   */
  applyConfig(data: Readonly<Record<string, string>>): ConfigError[] {
    const parsed = parseLBConfig(data);
    if ('errors' in parsed) {
      for (const e of parsed.errors) this.log(`loadbalancer: invalid configuration: ${e.message}`);
      return parsed.errors;
    }
    this.reconciler.setConfig(parsed.config);
    for (const key of this.allKeys()) this.queue.add(key);
    return [];
  }

  /** Overrides the NodePort addresses (from the emulated node's devices). */
  setNodeAddresses(addrs: readonly AddrKey[]): void {
    this.nodeAddressOverride = addrs;
    this.updateNodeAddresses();
  }

  /** Marks a backend of a service healthy or not (a quarantined slot), as cilium's health checker does. */
  setBackendHealth(service: string, backend: L3n4, healthy: boolean): void {
    const k = `${service}|${backend.addr}|${backend.port}|${backend.proto}`;
    if (healthy === !this.unhealthy.has(k)) return;
    if (healthy) this.unhealthy.delete(k);
    else this.unhealthy.add(k);
    this.queue.add(`svc:${service}`);
  }

  /** Problems with services (bad annotations, frontend conflicts), by service. */
  problems(): ServiceProblem[] {
    return [...this.problemsByKey.values()].flat();
  }

  healthChecks(): HealthCheckStatus[] {
    const out: HealthCheckStatus[] = [];
    for (const [key, { applied }] of this.state) {
      if (!key.startsWith('svc:')) continue;
      for (const a of applied) {
        if (!a.model.extTrafficLocal || a.model.healthCheckNodePort === 0) continue;
        const local = a.backends.filter((b) => (b.nodeName === '' || b.nodeName === this.nodeName) && b.state === 0).length;
        out.push({ port: a.model.healthCheckNodePort, namespace: a.model.namespace, name: a.model.name.slice(a.model.namespace.length + 1), localEndpoints: local });
      }
    }
    return out.sort((a, b) => a.port - b.port);
  }

  private allKeys(): string[] {
    const keys = new Set<string>(this.state.keys());
    for (const s of this.services.list()) keys.add(`svc:${serviceName(s)}`);
    for (const p of this.pods.list()) keys.add(`pod:${p.metadata.namespace ?? 'default'}/${p.metadata.name ?? ''}`);
    return [...keys];
  }

  private convert(svc: Service, prev: Conversion | undefined): Conversion {
    const cfg = this.reconciler.config;
    const node = this.nodes.getByName(undefined, this.nodeName);
    if (prev && prev.svc === svc && prev.cfg === cfg && prev.node === node) return prev;
    return { svc, cfg, node, result: convertService(svc, cfg, node ? { name: this.nodeName, labels: node.metadata.labels ?? {} } : undefined) };
  }

  private updateNodeAddresses(): void {
    let addrs = this.nodeAddressOverride;
    if (!addrs) {
      const n = this.nodes.getByName(undefined, this.nodeName);
      const out: AddrKey[] = [];
      for (const a of n?.status?.addresses ?? []) {
        if (a.type !== 'InternalIP' && a.type !== 'ExternalIP') continue;
        const k = parseAddrKey(a.address);
        if (k !== undefined) out.push(k);
      }
      addrs = out;
    }
    this.reconciler.setNodeAddresses(addrs);
  }

  private setProblems(key: string, name: string, messages: readonly string[]): void {
    if (messages.length === 0) {
      this.problemsByKey.delete(key);
      return;
    }
    const prev = this.problemsByKey.get(key) ?? [];
    const next = messages.map((message) => ({ service: name, message }));
    if (next.length === 0) this.problemsByKey.delete(key);
    else this.problemsByKey.set(key, next);
    for (const p of next) if (!prev.some((q) => q.message === p.message)) this.log(`loadbalancer: ${name}: ${p.message}`);
  }

  private desiredFor(key: string, name: string, prev: Conversion | undefined): Desired {
    const cfg = this.reconciler.config;
    const slash = name.indexOf('/');
    if (key.startsWith('svc:')) {
      const svc = this.services.getByName(name.slice(0, slash), name.slice(slash + 1));
      if (!svc) return { services: [], problems: [] };
      const conversion = this.convert(svc, prev);
      const conv = conversion.result;
      if (!conv) return { services: [], problems: [], conversion };
      const backends = convertEndpointSlices(this.slices.byIndex('service', name), cfg);
      return { services: [{ model: conv.service, frontends: conv.frontends, backends }], problems: [...conv.problems], conversion };
    }
    const pod = this.pods.getByName(name.slice(0, slash), name.slice(slash + 1));
    const hostPorts = pod ? convertPodHostPorts(pod, cfg) : [];
    return { services: hostPorts.map((h) => ({ model: h.service, frontends: h.frontends, backends: h.backends })), problems: [] };
  }

  private process(key: string): void {
    const name = key.slice(4);
    const st = this.state.get(key);
    const { services, problems, conversion } = this.desiredFor(key, name, st?.conversion);
    const previous = st?.applied ?? [];
    // Frontends applied before are still this key's (ownership is exclusive): only new ones are checked and claimed.
    const claim = !sameFrontends(previous, services);

    // cilium writer.validateFrontends: a frontend owned by another service rejects the whole
    // service update; what was applied before stays.
    const owned: string[] = [];
    if (claim) {
      for (const s of services) {
        for (const fe of s.frontends) {
          const k = this.ownerKey(fe.address);
          const owner = this.owners.get(k);
          if (owner !== undefined && owner !== key) {
            problems.push(`${CONFLICT}: ${formatL3n4(fe.address.addr, fe.address.port, fe.address.proto, fe.address.scope)} is owned by ${owner.slice(4)}`);
            this.setProblems(key, name, problems);
            return;
          }
          owned.push(k);
        }
      }
    }

    const desired: DesiredFrontend[] = [];
    for (const s of services) {
      const backends =
        this.unhealthy.size === 0
          ? s.backends
          : s.backends.map((b) => (this.unhealthy.has(`${name}|${b.address.addr}|${b.address.port}|${b.address.proto}`) ? { ...b, unhealthy: true } : b));
      for (const fe of s.frontends) desired.push({ params: fe, service: s.model, backends: backendsForFrontend(fe, s.model, backends, this.nodeName) });
    }
    const prevAddrs: L3n4[] = [];
    for (const a of previous) for (const f of a.frontends) prevAddrs.push(f.address);
    this.reconciler.reconcileService(desired, prevAddrs);
    for (const e of this.reconciler.takeErrors()) problems.push(`${e.frontend}: ${e.message}`);
    if (claim) {
      let released = false;
      for (const a of prevAddrs) {
        const k = this.ownerKey(a);
        if (!owned.includes(k) && this.owners.get(k) === key) {
          this.owners.delete(k);
          released = true;
        }
      }
      for (const k of owned) this.owners.set(k, key);
      // Services rejected for a conflict may fit now.
      if (released) for (const [k, list] of this.problemsByKey) if (k !== key && list.some((p) => p.message.startsWith(CONFLICT))) this.queue.add(k);
    }
    if (services.length === 0 && !conversion) this.state.delete(key);
    else if (st) {
      st.applied = services;
      st.conversion = conversion;
    } else this.state.set(key, { applied: services, conversion });
    this.setProblems(key, name, problems);
  }

  private ownerKey(a: L3n4): string {
    return l3n4Key(this.reconciler.keyOf(a));
  }
}
