// cilium_lxc: the node's local endpoints by IP (bpf/lib/eps.h struct endpoint_info): endpoint
// ID, the host-side veth's ifindex and MACs, the security identity, and ENDPOINT_F_HOST for the
// node's own addresses (the host endpoint).

import type { AddrKey } from '../../netaddr/lpm.ts';

export const LXC_MAP_NAME = 'cilium_lxc';

export const ENDPOINT_F_HOST = 1;

export interface EndpointInfo {
  /** Endpoint ID (1..4095). */
  id: number;
  /** ifindex of the host-side device (lxc…), 0 for the host endpoint. */
  ifindex: number;
  /** MAC of the endpoint's interface (the pod's eth0). */
  mac: number;
  /** MAC of the host-side device. */
  nodeMac: number;
  secId: number;
  flags: number;
}

export class EndpointMap {
  private readonly byIp = new Map<AddrKey, EndpointInfo>();
  generation = 0;

  set(ip: AddrKey, e: EndpointInfo): void {
    this.byIp.set(ip, e);
    this.generation++;
  }

  delete(ip: AddrKey): boolean {
    const ok = this.byIp.delete(ip);
    if (ok) this.generation++;
    return ok;
  }

  get(ip: AddrKey): EndpointInfo | undefined {
    return this.byIp.get(ip);
  }

  entries(): [AddrKey, EndpointInfo][] {
    return [...this.byIp];
  }

  get size(): number {
    return this.byIp.size;
  }
}
