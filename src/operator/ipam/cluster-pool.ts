// The operator's cluster-pool IPAM: each CiliumNode gets the lowest free /mask of
// `cluster-pool-ipv4-cidr` (and of the IPv6 pool when configured), in the order nodes appear —
// so the first node gets 172.20.0.0/24, the next 172.20.1.0/24.

import type { Clock } from '../../controller/clock.ts';
import type { Informer } from '../../controller/informer.ts';
import { Reconciler } from '../../controller/reconciler.ts';
import { GK } from '../../k8s/kinds.ts';
import type { CiliumNode } from '../../k8s/types.ts';
import { type Cidr, cidrContainsCidr, formatCIDR, parseCIDR, subnet } from '../../netaddr/cidr.ts';
import type { ResourceStore } from '../../store/types.ts';

export interface ClusterPoolConfig {
  pools: { cidr: Cidr; maskSize: number }[];
}

export class ClusterPoolAllocator extends Reconciler {
  readonly name = 'cluster-pool-ipam';
  private readonly nodes: Informer<CiliumNode>;
  /** CIDRs this allocator handed out, until the informer shows them (its cache lags our writes). */
  private readonly assigned = new Map<string, Cidr[]>();

  constructor(
    store: ResourceStore,
    clock: Clock,
    private readonly config: ClusterPoolConfig,
  ) {
    super(store, clock, { maxDelayMs: 5000 });
    this.nodes = this.watch<CiliumNode>(GK.CiliumNode);
  }

  protected handlers(): void {
    const enqueue = (n: CiliumNode) => this.queue.add(n.metadata.name!);
    this.nodes.on({ add: enqueue, update: (_o, n) => enqueue(n), delete: enqueue });
  }

  private inUse(except: string): Cidr[] {
    const out: Cidr[] = [];
    for (const n of this.nodes.list()) {
      if (n.metadata.name === except) continue;
      for (const c of n.spec?.ipam?.podCIDRs ?? []) {
        const cidr = parseCIDR(c);
        if (cidr) out.push(cidr);
      }
    }
    for (const [name, cidrs] of this.assigned) if (name !== except) out.push(...cidrs);
    return out;
  }

  protected async reconcile(name: string): Promise<void> {
    const node = this.nodes.getByName(undefined, name);
    if (!node || node.metadata.deletionTimestamp) {
      this.assigned.delete(name);
      return;
    }
    const have = (node.spec?.ipam?.podCIDRs ?? []).map(parseCIDR).filter((c): c is Cidr => c !== undefined);
    const used = this.inUse(name);
    const podCIDRs = [...(node.spec?.ipam?.podCIDRs ?? [])];
    for (const pool of this.config.pools) {
      if (have.some((c) => c.family === pool.cidr.family)) continue;
      const next = lowestFree(pool.cidr, pool.maskSize, used);
      if (!next) throw new Error(`cluster-pool ${formatCIDR(pool.cidr)} has no free /${pool.maskSize} for node ${name}`);
      podCIDRs.push(formatCIDR(next));
    }
    if (podCIDRs.length === (node.spec?.ipam?.podCIDRs ?? []).length) {
      this.assigned.delete(name);
      return;
    }
    this.assigned.set(name, podCIDRs.map((c) => parseCIDR(c)!));
    await this.store.update({ ...node, spec: { ...node.spec, ipam: { ...node.spec?.ipam, podCIDRs } } });
  }
}

function lowestFree(pool: Cidr, mask: number, used: Cidr[]): Cidr | undefined {
  const count = 1n << BigInt(mask - pool.prefixLen);
  for (let i = 0n; i < count; i++) {
    const candidate = subnet(pool, mask, i)!;
    if (!used.some((u) => cidrContainsCidr(u, candidate) || cidrContainsCidr(candidate, u))) return candidate;
  }
  return undefined;
}
