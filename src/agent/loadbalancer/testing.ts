// A node's load-balancing controller over a MemoryStore, with helpers to create services and
// endpoint slices: shared by this folder's tests and bench/lb*.ts (not used by the controller).

import { VirtualClock } from '../../controller/clock.ts';
import { Rng } from '../../controller/rng.ts';
import type { EndpointSlice, Service } from '../../k8s/types.ts';
import { LBMaps } from '../../datapath/maps/lb.ts';
import { parseAddrKey } from '../../datapath/maps/lbaddr.ts';
import { MemoryStore } from '../../store/memory.ts';
import { LoadBalancerController } from './controller.ts';

export interface Fixture {
  store: MemoryStore;
  clock: VirtualClock;
  maps: LBMaps;
  controller: LoadBalancerController;
  logs: string[];
}

export interface FixtureOptions {
  nodeName?: string;
  nodeAddresses?: string[];
  nodeLabels?: Record<string, string>;
  config?: Record<string, string>;
  /** Reuse maps (an agent restart keeps the node's datapath maps). */
  maps?: LBMaps;
  store?: MemoryStore;
  clock?: VirtualClock;
  start?: boolean;
}

export async function newStore(clock = new VirtualClock()): Promise<MemoryStore> {
  const store = new MemoryStore({ clock, rng: new Rng('lb-test'), log: () => {} });
  for (const name of ['default', 'kube-system']) await store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return store;
}

export async function newFixture(o: FixtureOptions = {}): Promise<Fixture> {
  const clock = o.clock ?? new VirtualClock();
  const nodeName = o.nodeName ?? 'k8s-w1';
  const store = o.store ?? (await newStore(clock));
  if (!(await store.get({ group: '', kind: 'Node' }, undefined, nodeName))) {
    await store.create({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: nodeName, labels: o.nodeLabels ?? {} },
      status: { addresses: [{ type: 'InternalIP', address: o.nodeAddresses?.[0] ?? '192.168.10.101' }] },
    });
  }
  const maps = o.maps ?? new LBMaps();
  const logs: string[] = [];
  const controller = new LoadBalancerController({
    store,
    nodeName,
    maps,
    clock,
    config: o.config,
    nodeAddresses: o.nodeAddresses?.map((a) => parseAddrKey(a)!),
    log: (l) => logs.push(l),
  });
  if (o.start !== false) await controller.start();
  return { store, clock, maps, controller, logs };
}

/** Lets watch deliveries run and waits for the controller's queue to drain. */
export async function settle(f: Fixture): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  await f.controller.whenIdle();
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  await f.controller.whenIdle();
}

export type ServiceSpec = NonNullable<Service['spec']>;

export function service(namespace: string, name: string, spec: ServiceSpec, extra: Partial<Service> = {}): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace, ...(extra.metadata ?? {}) }, spec, ...(extra.status ? { status: extra.status } : {}) };
}

export interface EndpointSpec {
  ip: string;
  node?: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

/** One EndpointSlice of a service: every endpoint with every port. */
export function endpointSlice(
  namespace: string,
  service: string,
  endpoints: (string | EndpointSpec)[],
  ports: { port: number; protocol?: string; name?: string }[],
  sliceName = `${service}-${ports.map((p) => p.port).join('-')}`,
): EndpointSlice {
  const family = endpoints.some((e) => (typeof e === 'string' ? e : e.ip).includes(':')) ? 'IPv6' : 'IPv4';
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: sliceName, namespace, labels: { 'kubernetes.io/service-name': service } },
    addressType: family,
    endpoints: endpoints.map((e) => {
      const s = typeof e === 'string' ? { ip: e } : e;
      return {
        addresses: [s.ip],
        ...(s.node ? { nodeName: s.node } : {}),
        conditions: { ready: s.ready ?? true, serving: s.serving ?? s.ready ?? true, terminating: s.terminating ?? false },
      };
    }),
    ports: ports.map((p) => ({ port: p.port, protocol: p.protocol ?? 'TCP', ...(p.name ? { name: p.name } : {}) })),
  };
}
