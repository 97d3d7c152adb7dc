// The agent's cluster-pool IPAM for one node: pod (and router) addresses from the node's PodCIDRs.
// Like Kubernetes' bitmap allocator it starts scanning at a random offset, so addresses look
// scattered (172.20.0.158, 172.20.0.64) rather than sequential.

import type { Rng } from '../../controller/rng.ts';
import { type Cidr, cidrContains, cidrSize } from '../../netaddr/cidr.ts';
import { type Family, formatIP, parseIP } from '../../netaddr/ip.ts';

export class IPAMExhaustedError extends Error {}

export class NodeIPAM {
  private cidrs: Cidr[] = [];
  private readonly owners = new Map<string, string>(); // ip -> owner

  constructor(private readonly rng: Rng) {}

  setCIDRs(cidrs: Cidr[]): void {
    this.cidrs = cidrs;
  }

  hasCIDR(family: Family): boolean {
    return this.cidrs.some((c) => c.family === family);
  }

  /** Allocates a free address of the family; the network and broadcast addresses are never used. */
  allocateNext(owner: string, family: Family = 4): string {
    for (const cidr of this.cidrs.filter((c) => c.family === family)) {
      const size = cidrSize(cidr);
      const usable = family === 4 && size > 2n ? size - 2n : size - 1n;
      if (usable <= 0n) continue;
      const start = BigInt(this.rng.uint32()) % usable;
      for (let i = 0n; i < usable && i < 65536n; i++) {
        const ip = formatIP({ family, value: cidr.addr + 1n + ((start + i) % usable) });
        if (!this.owners.has(ip)) {
          this.owners.set(ip, owner);
          return ip;
        }
      }
    }
    throw new IPAMExhaustedError(`no more IPv${family} addresses available in ${this.cidrs.length ? 'the node\'s pod CIDRs' : 'an empty pool (no pod CIDR assigned yet)'}`);
  }

  /** Marks an existing address as used (restoration after a restart); false if outside the CIDRs or taken by another owner. */
  claim(ipText: string, owner: string): boolean {
    const ip = parseIP(ipText);
    if (!ip || !this.cidrs.some((c) => cidrContains(c, ip))) return false;
    const key = formatIP(ip);
    const cur = this.owners.get(key);
    if (cur !== undefined && cur !== owner) return false;
    this.owners.set(key, owner);
    return true;
  }

  release(ipText: string): void {
    const ip = parseIP(ipText);
    if (ip) this.owners.delete(formatIP(ip));
  }

  ownerOf(ip: string): string | undefined {
    return this.owners.get(ip);
  }

  get used(): number {
    return this.owners.size;
  }
}
