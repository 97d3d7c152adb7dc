// EndpointSlice and (legacy) Endpoints controllers: for every Service with a selector, the pods
// it selects that have an address, with ready/serving/terminating conditions and named ports
// resolved against each pod's containers.

import type { EndpointPort } from 'kubernetes-types/discovery/v1.js';
import type { Clock } from '../controller/clock.ts';
import type { Informer } from '../controller/informer.ts';
import { Reconciler } from '../controller/reconciler.ts';
import { GK } from '../k8s/kinds.ts';
import { controllerRef } from '../k8s/meta.ts';
import { objectKey, splitObjectKey } from '../k8s/object.ts';
import { fromLabelSelector, labelSelectorMatches, matches } from '../k8s/selectors.ts';
import type { EndpointSlice, Endpoints, Pod, Service } from '../k8s/types.ts';
import type { ResourceStore } from '../store/types.ts';
import { compareIP, parseIP } from '../netaddr/ip.ts';
import { stableStringify } from './names.ts';
import { isPodReady } from './pods.ts';

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
const CONTROLLER = 'endpointslice-controller.k8s.io';

type ServicePort = NonNullable<NonNullable<Service['spec']>['ports']>[number];

/** The container port a service port targets on this pod, or undefined when a named port is missing. */
export function resolveTargetPort(sp: ServicePort, pod: Pod): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === (sp.protocol ?? 'TCP')) return p.containerPort;
  }
  return undefined;
}

function compareIPText(a: string, b: string): number {
  const x = parseIP(a);
  const y = parseIP(b);
  return x && y ? compareIP(x, y) : a.localeCompare(b);
}

export class EndpointSliceController extends Reconciler {
  readonly name = 'endpointslice';
  private readonly services: Informer<Service>;
  private readonly pods: Informer<Pod>;
  private readonly slices: Informer<EndpointSlice>;
  private readonly endpoints: Informer<Endpoints>;

  constructor(
    store: ResourceStore,
    clock: Clock,
  ) {
    super(store, clock, { maxDelayMs: 5000 });
    const byNamespace = (o: { metadata: { namespace?: string } }) => [o.metadata.namespace ?? ''];
    this.services = this.watch<Service>(GK.Service, { indexers: { ns: byNamespace } });
    this.pods = this.watch<Pod>(GK.Pod, { indexers: { ns: byNamespace } });
    this.slices = this.watch<EndpointSlice>(GK.EndpointSlice, {
      indexers: { service: (s) => [`${s.metadata.namespace}/${s.metadata.labels?.[SERVICE_NAME_LABEL] ?? ''}`] },
    });
    this.endpoints = this.watch<Endpoints>(GK.Endpoints);
  }

  protected handlers(): void {
    const enqueueSvc = (s: Service) => this.queue.add(objectKey(s.metadata));
    this.services.on({ add: enqueueSvc, update: (_o, n) => enqueueSvc(n), delete: enqueueSvc });
    const enqueueForPod = (p: Pod) => {
      for (const s of this.services.byIndex('ns', p.metadata.namespace ?? '')) {
        if (s.spec?.selector && labelSelectorMatches({ matchLabels: s.spec.selector }, p.metadata.labels)) enqueueSvc(s);
      }
    };
    this.pods.on({
      add: enqueueForPod,
      update: (o, n) => {
        enqueueForPod(o);
        enqueueForPod(n);
      },
      delete: enqueueForPod,
    });
  }

  protected async reconcile(key: string): Promise<void> {
    const svc = this.services.get(key);
    const existing = this.slices.byIndex('service', key).filter((s) => s.metadata.labels?.[MANAGED_BY] === CONTROLLER);
    // Without a selector, slices and Endpoints are the user's (or the apiserver's, for `kubernetes`).
    if (!svc || !svc.spec?.selector) {
      if (!svc) {
        for (const s of existing) await this.store.delete(GK.EndpointSlice, s.metadata.namespace, s.metadata.name!);
        const { namespace, name } = splitObjectKey(key);
        if (this.endpoints.getByName(namespace, name)) await this.store.delete(GK.Endpoints, namespace, name);
      }
      return;
    }
    const selector = fromLabelSelector({ matchLabels: svc.spec.selector });
    const selected = this.pods
      .byIndex('ns', svc.metadata.namespace ?? '')
      .filter((p) => selector !== 'nothing' && matches(selector, p.metadata.labels))
      .filter((p) => p.status?.podIP && p.status.phase !== 'Failed' && p.status.phase !== 'Succeeded')
      .sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
    await this.syncSlice(svc, selected, existing);
    await this.syncEndpoints(svc, selected);
  }

  private async syncSlice(svc: Service, pods: Pod[], existing: EndpointSlice[]): Promise<void> {
    const svcPorts = svc.spec?.ports ?? [];
    // Pods whose named ports resolve differently go into different slices, as upstream does.
    const groups = new Map<string, { ports: EndpointPort[]; pods: Pod[] }>();
    for (const pod of pods) {
      const ports = svcPorts.flatMap((sp) => {
        const port = resolveTargetPort(sp, pod);
        return port === undefined ? [] : [{ name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' }];
      });
      const k = JSON.stringify(ports); // its objects are built just above, keys always in one order
      const g = groups.get(k) ?? { ports, pods: [] as Pod[] };
      g.pods.push(pod);
      groups.set(k, g);
    }
    if (groups.size === 0) groups.set('[]', { ports: [], pods: [] });
    const free = [...existing];
    for (const { ports, pods: members } of groups.values()) {
      const endpoints = members.map((p) => ({
        addresses: [p.status!.podIP!],
        conditions: {
          ready: isPodReady(p) && !p.metadata.deletionTimestamp,
          serving: isPodReady(p),
          terminating: p.metadata.deletionTimestamp !== undefined,
        },
        nodeName: p.spec?.nodeName,
        targetRef: { kind: 'Pod', namespace: p.metadata.namespace, name: p.metadata.name, uid: p.metadata.uid },
      }));
      const reuse = free.shift();
      const body = { addressType: 'IPv4', endpoints, ports: ports.length ? ports : null };
      if (reuse) {
        if (stableStringify({ a: reuse.addressType, e: reuse.endpoints, p: reuse.ports ?? null }) === stableStringify({ a: body.addressType, e: endpoints, p: body.ports })) continue;
        await this.store.update({ ...reuse, ...body });
      } else {
        await this.store.create<EndpointSlice>({
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: {
            generateName: `${svc.metadata.name}-`,
            namespace: svc.metadata.namespace,
            labels: { [SERVICE_NAME_LABEL]: svc.metadata.name!, [MANAGED_BY]: CONTROLLER, ...(svc.metadata.labels ?? {}) },
            ownerReferences: [{ ...controllerRef(svc), blockOwnerDeletion: true }],
          },
          ...body,
        } as EndpointSlice);
      }
    }
    for (const stale of free) await this.store.delete(GK.EndpointSlice, stale.metadata.namespace, stale.metadata.name!);
  }

  private async syncEndpoints(svc: Service, selected: Pod[]): Promise<void> {
    let pods = selected;
    const svcPorts = svc.spec?.ports ?? [];
    // the endpoints controller keeps addresses sorted by IP (endpoints.SortSubsets)
    const byIP = (a: Pod, b: Pod) => compareIPText(a.status!.podIP!, b.status!.podIP!);
    pods = [...pods].sort(byIP);
    const ready = pods.filter((p) => isPodReady(p) && !p.metadata.deletionTimestamp);
    const notReady = pods.filter((p) => !ready.includes(p));
    const address = (p: Pod) => ({
      ip: p.status!.podIP!,
      nodeName: p.spec?.nodeName,
      targetRef: { kind: 'Pod', namespace: p.metadata.namespace, name: p.metadata.name, uid: p.metadata.uid },
    });
    const ports = svcPorts.flatMap((sp) => {
      const port = pods[0] ? resolveTargetPort(sp, pods[0]) : undefined;
      return port === undefined ? [] : [{ ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? 'TCP' }];
    });
    const subsets =
      pods.length === 0
        ? undefined
        : [
            {
              ...(ready.length ? { addresses: ready.map(address) } : {}),
              ...(notReady.length ? { notReadyAddresses: notReady.map(address) } : {}),
              ports,
            },
          ];
    const current = this.endpoints.getByName(svc.metadata.namespace, svc.metadata.name!);
    if (current) {
      if (stableStringify(current.subsets ?? null) === stableStringify(subsets ?? null)) return;
      await this.store.update({ ...current, subsets });
      return;
    }
    await this.store.create<Endpoints>({
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: svc.metadata.name, namespace: svc.metadata.namespace, labels: { ...(svc.metadata.labels ?? {}) } },
      ...(subsets ? { subsets } : {}),
    } as Endpoints);
  }
}
