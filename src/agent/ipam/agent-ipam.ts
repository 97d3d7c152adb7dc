// The agent's side of cluster-pool IPAM on one node: registers the node's CiliumNode (labels and
// addresses), waits for the operator to assign PodCIDRs, allocates the router IP for cilium_host
// (kept across restarts as the CiliumInternalIP), and hands out pod addresses for the CNI call.

import type { Clock } from '../../controller/clock.ts';
import { Informer } from '../../controller/informer.ts';
import type { Rng } from '../../controller/rng.ts';
import type { Runnable } from '../../controller/runnable.ts';
import { WorkQueue } from '../../controller/workqueue.ts';
import { GK } from '../../k8s/kinds.ts';
import { objectKey } from '../../k8s/object.ts';
import type { CiliumNode, Node, Pod } from '../../k8s/types.ts';
import { type Cidr, parseCIDR } from '../../netaddr/cidr.ts';
import type { ResourceStore } from '../../store/types.ts';
import { NodeIPAM } from './node-ipam.ts';

const ROUTER_OWNER = 'router';

export class AgentIPAM implements Runnable {
  readonly name: string;
  private readonly queue: WorkQueue;
  private readonly nodes: Informer<Node>;
  private readonly ciliumNodes: Informer<CiliumNode>;
  private readonly pods: Informer<Pod>;
  private readonly ipam: NodeIPAM;
  private routerIP: string | undefined;
  private readyWaiters: (() => void)[] = [];
  private announced = false;

  constructor(
    private readonly store: ResourceStore,
    clock: Clock,
    rng: Rng,
    readonly nodeName: string,
    /** Called once the node can allocate pod addresses. */
    private readonly onReady: () => void = () => {},
  ) {
    this.name = 'ipam';
    this.queue = new WorkQueue(clock, { baseDelayMs: 100, maxDelayMs: 5000 });
    this.nodes = new Informer<Node>(store, GK.Node, { fieldSelector: `metadata.name=${nodeName}` });
    this.ciliumNodes = new Informer<CiliumNode>(store, GK.CiliumNode, { fieldSelector: `metadata.name=${nodeName}` });
    this.pods = new Informer<Pod>(store, GK.Pod, { fieldSelector: `spec.nodeName=${nodeName}` });
    this.ipam = new NodeIPAM(rng);
  }

  async start(): Promise<void> {
    await Promise.all([this.nodes.start(), this.ciliumNodes.start(), this.pods.start()]);
    const sync = () => this.queue.add(this.nodeName);
    this.nodes.on({ add: sync, update: sync });
    this.ciliumNodes.on({ add: sync, update: sync, delete: sync });
    await this.reconcile(); // registers the CiliumNode before start() returns, so nodes register in start order
    this.queue.run(() => this.reconcile());
  }

  isIdle(): boolean {
    return this.queue.isIdle();
  }

  stop(): void {
    this.queue.stop();
    this.nodes.stop();
    this.ciliumNodes.stop();
    this.pods.stop();
  }

  /** The cilium_host address, once PodCIDRs are known. */
  get router(): string | undefined {
    return this.routerIP;
  }

  podCIDRs(): Cidr[] {
    const cn = this.ciliumNodes.getByName(undefined, this.nodeName);
    return (cn?.spec?.ipam?.podCIDRs ?? []).map(parseCIDR).filter((c): c is Cidr => c !== undefined);
  }

  /** Resolves when the node has PodCIDRs and a router IP. */
  ready(): Promise<void> {
    if (this.routerIP) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** CNI ADD: an IPv4 (and IPv6 when the node has a v6 CIDR) address for the pod. */
  allocate(pod: Pod): string[] {
    if (!this.routerIP) throw new Error(`node ${this.nodeName}: IPAM not ready (no PodCIDR assigned yet)`);
    const owner = objectKey(pod.metadata);
    const out = [this.ipam.allocateNext(owner, 4)];
    if (this.ipam.hasCIDR(6)) out.push(this.ipam.allocateNext(owner, 6));
    return out;
  }

  release(pod: Pod): void {
    for (const { ip } of pod.status?.podIPs ?? []) if (ip && this.ipam.ownerOf(ip) === objectKey(pod.metadata)) this.ipam.release(ip);
  }

  private async reconcile(): Promise<void> {
    const node = this.nodes.getByName(undefined, this.nodeName);
    if (!node) return;
    const internal = node.status?.addresses?.filter((a) => a.type === 'InternalIP').map((a) => a.address) ?? [];
    let cn = this.ciliumNodes.getByName(undefined, this.nodeName);
    if (!cn) {
      await this.store.create<CiliumNode>({
        apiVersion: 'cilium.io/v2',
        kind: 'CiliumNode',
        metadata: { name: this.nodeName, labels: { ...(node.metadata.labels ?? {}) }, ownerReferences: [nodeOwner(node)] },
        spec: { addresses: internal.map((ip) => ({ type: 'InternalIP' as const, ip })), ipam: {}, encryption: {} },
      });
      return; // the informer event brings us back once the operator has assigned CIDRs
    }
    const cidrs = this.podCIDRs();
    if (cidrs.length === 0) return;
    this.ipam.setCIDRs(cidrs);
    if (!this.routerIP) {
      // after an agent restart the router and running pods keep their addresses
      const previous = cn.spec?.addresses?.find((a) => a.type === 'CiliumInternalIP')?.ip;
      this.routerIP = previous && this.ipam.claim(previous, ROUTER_OWNER) ? previous : this.ipam.allocateNext(ROUTER_OWNER, 4);
      for (const pod of this.pods.list()) {
        if (pod.spec?.hostNetwork) continue;
        for (const { ip } of pod.status?.podIPs ?? []) if (ip) this.ipam.claim(ip, objectKey(pod.metadata));
      }
    }
    const addresses = [
      ...internal.map((ip) => ({ type: 'InternalIP' as const, ip })),
      { type: 'CiliumInternalIP' as const, ip: this.routerIP },
    ];
    const labels = { ...(node.metadata.labels ?? {}) };
    if (JSON.stringify(cn.spec?.addresses) !== JSON.stringify(addresses) || JSON.stringify(cn.metadata.labels ?? {}) !== JSON.stringify(labels)) {
      cn = await this.store.update({ ...cn, metadata: { ...cn.metadata, labels }, spec: { ...cn.spec, addresses } });
    }
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of waiters) w();
    if (waiters.length > 0 || !this.announced) {
      this.announced = true;
      this.onReady();
    }
  }
}

function nodeOwner(node: Node) {
  return { apiVersion: 'v1', kind: 'Node', name: node.metadata.name!, uid: node.metadata.uid! };
}
