// A BGP control plane without a lab, for tests and benchmarks: a memory store with admission, the
// operator's derivation, one agent BGPManager per node over an in-memory network, and a ToR
// speaker (AS 65000) the nodes peer with. Objects are written like a user or kubelet would.

import { type Clock, RealClock, VirtualClock } from '../../controller/clock.ts';
import { Rng } from '../../controller/rng.ts';
import { admit } from '../../k8s/admission.ts';
import type { KObject } from '../../k8s/object.ts';
import { applyPatch } from '../../k8s/patch.ts';
import type { CiliumNode, EndpointSlice, Service } from '../../k8s/types.ts';
import { Speaker } from '../../bgp/speaker.ts';
import type { Transport } from '../../bgp/transport.ts';
import { type MemoryNetwork, memoryNetwork } from '../../bgp/testing/memory-transport.ts';
import { BGPOperator } from '../../operator/bgp/controller.ts';
import { MemoryStore } from '../../store/memory.ts';
import { BGPManager } from './manager.ts';

export interface TestNode {
  name: string;
  ip: string;
  podCIDR: string;
  labels?: Record<string, string>;
}

export interface TestbedOptions {
  nodes: TestNode[];
  routerAddress?: string;
  statusReport?: boolean;
  /** Run the ToR speaker (default true). */
  router?: boolean;
  /** The ToR only listens: it sends nothing back (a route sink, for benchmarks). */
  routerSink?: boolean;
  /** Real time and real sockets: each node's transport (no ToR speaker is run). */
  realTransport?: (node: TestNode) => Transport;
  /** The nodes' default gateway (autoDiscovery); none by default. */
  defaultGateway?: (node: string, family: 4 | 6) => string | undefined;
  log?: (line: string) => void;
}

export class BgpTestbed {
  readonly clock: Clock;
  readonly rng = new Rng('bgp-testbed');
  readonly store: MemoryStore;
  readonly net: MemoryNetwork = memoryNetwork();
  readonly router: Speaker | undefined;
  readonly operator: BGPOperator;
  readonly managers = new Map<string, BGPManager>();
  readonly logs: string[] = [];
  private readonly log: (line: string) => void;

  constructor(readonly o: TestbedOptions) {
    this.clock = o.realTransport ? new RealClock() : new VirtualClock();
    this.log = (line) => {
      this.logs.push(line);
      o.log?.(line);
    };
    this.store = new MemoryStore({
      clock: this.clock,
      rng: this.rng.fork('store'),
      admit: (op, obj, old) => admit(op, obj, old),
      patcher: (type, target, patch) => applyPatch(target, type, patch),
      log: this.log,
    });
    const routerAddress = o.routerAddress ?? '192.168.10.200';
    if (o.router !== false && !o.realTransport) {
      this.router = new Speaker({ asn: 65000, routerId: routerAddress, clock: this.clock, transport: this.net.transport(routerAddress), listen: { address: routerAddress, port: 179 }, ebgpRequiresPolicy: false });
      for (const n of o.nodes) {
        if (o.routerSink) this.router.addPeer({ address: n.ip, asn: 'external', passive: true, exportPolicy: { policies: [], defaultAction: 'reject' } });
        else this.router.addPeer({ address: n.ip, asn: 'external', passive: true, sendBack: true });
      }
    }
    this.operator = new BGPOperator({ store: this.store, clock: this.clock, statusReport: o.statusReport ?? true, secretsNamespace: 'kube-system', log: this.log });
  }

  private prepared = false;

  /** Namespaces and CiliumNodes (the cluster before Cilium's BGP objects); start() does it if needed. */
  async prepare(): Promise<void> {
    if (this.prepared) return;
    this.prepared = true;
    await this.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
    await this.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } });
    for (const n of this.o.nodes) {
      await this.create<CiliumNode>({
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumNode',
        metadata: { name: n.name, labels: n.labels ?? {} },
        spec: { addresses: [{ type: 'InternalIP', ip: n.ip }], ipam: { podCIDRs: [n.podCIDR] } },
      });
    }
  }

  async start(): Promise<void> {
    await this.prepare();
    await this.router?.start();
    await this.operator.start();
    for (const n of this.o.nodes) await this.startAgent(n.name);
    await this.settle();
  }

  async startAgent(name: string, opts: { statusReport?: boolean } = {}): Promise<BGPManager> {
    const n = this.o.nodes.find((x) => x.name === name)!;
    const m = new BGPManager({
      store: this.store,
      clock: this.clock,
      rng: this.rng.fork(`agent/${name}`),
      nodeName: name,
      transport: this.o.realTransport ? this.o.realTransport(n) : this.net.transport(n.ip),
      statusReport: opts.statusReport ?? this.o.statusReport ?? true,
      secretsNamespace: 'kube-system',
      routerIdMode: 'default',
      defaultGateway: (family) => this.o.defaultGateway?.(name, family),
      log: (l) => this.log(`[${name}] ${l}`),
    });
    this.managers.set(name, m);
    await m.start();
    return m;
  }

  stopAgent(name: string): void {
    this.managers.get(name)?.stop();
    this.managers.delete(name);
  }

  manager(name: string): BGPManager {
    return this.managers.get(name)!;
  }

  async create<T extends KObject>(obj: T): Promise<T> {
    return this.store.create(obj);
  }

  /** Creates a service and writes its status (the LB-IPAM role), as create drops a status. */
  async createService(svc: Service): Promise<Service> {
    const created = await this.store.create(svc);
    return svc.status ? this.store.updateStatus({ ...created, status: svc.status }) : created;
  }

  /** Lets controllers and sessions run for `ms` of virtual time (default: one second). */
  async settle(ms = 1000): Promise<void> {
    const clock = this.clock;
    if (!(clock instanceof VirtualClock)) return clock.sleep(ms);
    for (let i = 0; i < 50; i++) {
      await clock.advance(0);
      if (this.operator.isIdle() && [...this.managers.values()].every((m) => m.isIdle())) break;
    }
    await clock.advance(ms);
  }

  stop(): void {
    for (const m of this.managers.values()) m.stop();
    this.operator.stop();
    this.router?.stop();
  }
}

/** The seed's BGP objects (001, week 5): PodCIDR advertisement, peer config, cluster config. */
export function seedObjects(opts: { multihop?: number } = {}): KObject[] {
  return [
    {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumBGPAdvertisement',
      metadata: { name: 'bgp-advertisements', labels: { advertise: 'bgp' } },
      spec: { advertisements: [{ advertisementType: 'PodCIDR' }] },
    },
    {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumBGPPeerConfig',
      metadata: { name: 'cilium-peer' },
      spec: {
        timers: { holdTimeSeconds: 9, keepAliveTimeSeconds: 3 },
        ...(opts.multihop !== undefined ? { ebgpMultihop: opts.multihop } : {}),
        gracefulRestart: { enabled: true, restartTimeSeconds: 15 },
        families: [{ afi: 'ipv4', safi: 'unicast', advertisements: { matchLabels: { advertise: 'bgp' } } }],
      },
    },
    {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumBGPClusterConfig',
      metadata: { name: 'cilium-bgp' },
      spec: {
        nodeSelector: { matchLabels: { 'enable-bgp': 'true' } },
        bgpInstances: [{ name: 'instance-65001', localASN: 65001, peers: [{ name: 'tor-switch', peerASN: 65000, peerAddress: '192.168.10.200', peerConfigRef: { name: 'cilium-peer' } }] }],
      },
    },
  ];
}

export function lbService(name: string, ip: string, opts: { etpLocal?: boolean; labels?: Record<string, string>; namespace?: string } = {}): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: opts.namespace ?? 'default', labels: opts.labels ?? { app: name } },
    spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }], selector: { app: name }, ...(opts.etpLocal ? { externalTrafficPolicy: 'Local' } : {}) },
    status: { loadBalancer: { ingress: [{ ip }] } },
  };
}

export function endpointSlice(service: string, nodes: string[], namespace = 'default'): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${service}-abcde`, namespace, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints: nodes.map((n, i) => ({ addresses: [`172.20.${i}.10`], nodeName: n, conditions: { ready: true, serving: true, terminating: false } })),
    ports: [{ port: 80, protocol: 'TCP' }],
  };
}

