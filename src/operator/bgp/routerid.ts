// Router IDs from an IPv4 pool (`bgp-router-id-allocation-mode: ip-pool`, pool in
// `bgp-router-id-allocation-ip-pool`): one address per (node, instance), lowest free first, restored
// from existing node configs after an operator restart and freed when the node config goes.

import { type Cidr, cidrContains, cidrSize } from '../../netaddr/cidr.ts';
import { formatIP, parseIP } from '../../netaddr/ip.ts';
import type { CiliumBGPNodeConfig } from '../../k8s/types.ts';
import type { RouterIDSource } from './derive.ts';

export class RouterIDPool implements RouterIDSource {
  private readonly byKey = new Map<string, bigint>();
  private readonly used = new Set<bigint>();
  private touched = new Set<string>();
  /** Keys that could not get an address (pool exhausted) in the last pass. */
  exhausted: string[] = [];

  constructor(readonly cidr: Cidr) {
    if (cidr.family !== 4) throw new Error(`router ID pool ${formatIP({ family: cidr.family, value: cidr.addr })}/${cidr.prefixLen} is not IPv4`);
  }

  /** Takes over the router IDs existing node configs carry (operator restart). */
  restore(nodeConfigs: Iterable<CiliumBGPNodeConfig>): void {
    for (const nc of nodeConfigs) {
      for (const inst of nc.spec?.bgpInstances ?? []) {
        const ip = inst.routerID ? parseIP(inst.routerID) : undefined;
        if (!ip || ip.family !== 4 || !cidrContains(this.cidr, ip) || this.used.has(ip.value)) continue;
        const key = `${nc.metadata.name}/${inst.name}`;
        if (this.byKey.has(key)) continue;
        this.byKey.set(key, ip.value);
        this.used.add(ip.value);
      }
    }
  }

  beginPass(): void {
    this.touched = new Set();
    this.exhausted = [];
  }

  routerID(node: string, instance: string): string | undefined {
    const key = `${node}/${instance}`;
    this.touched.add(key);
    let v = this.byKey.get(key);
    if (v === undefined) {
      const size = cidrSize(this.cidr);
      for (let i = 0n; i < size; i++) {
        if (!this.used.has(this.cidr.addr + i)) {
          v = this.cidr.addr + i;
          break;
        }
      }
      if (v === undefined) {
        this.exhausted.push(key);
        return undefined;
      }
      this.byKey.set(key, v);
      this.used.add(v);
    }
    return formatIP({ family: 4, value: v });
  }

  /** Frees the addresses of keys the last pass did not ask for (their node configs are gone). */
  endPass(): void {
    for (const [key, v] of this.byKey) {
      if (this.touched.has(key)) continue;
      this.byKey.delete(key);
      this.used.delete(v);
    }
  }
}
