// All the datapath maps of one node (except the load-balancing ones, which src/datapath/maps/lb.ts
// defines), plus the L2 responder map that answers ARP for announced service IPs
// (cilium_l2_responder_v4, bpf/lib/l2_responder.h).

import type { AddrKey } from '../../netaddr/lpm.ts';
import { CT_MAP_NAMES, CtMaps, NAT_MAP_NAMES, NatMap } from './ct.ts';
import { EndpointMap, LXC_MAP_NAME } from './endpoints.ts';
import { IPCACHE_MAP_NAME, IPCache } from './ipcache.ts';

export const L2_RESPONDER_MAP_NAME = 'cilium_l2_responder_v4';

/** (IP, ifindex) → the MAC to answer ARP with. */
export class L2ResponderMap {
  private readonly m = new Map<string, { ip: number; ifindex: number; mac: number }>();

  set(ip: number, ifindex: number, mac: number): void {
    this.m.set(`${ip}|${ifindex}`, { ip, ifindex, mac });
  }

  delete(ip: number, ifindex: number): boolean {
    return this.m.delete(`${ip}|${ifindex}`);
  }

  get(ip: number, ifindex: number): number | undefined {
    return this.m.get(`${ip}|${ifindex}`)?.mac;
  }

  entries(): { ip: number; ifindex: number; mac: number }[] {
    return [...this.m.values()];
  }

  get size(): number {
    return this.m.size;
  }
}

export class NodeMaps {
  readonly ipcache = new IPCache();
  readonly lxc = new EndpointMap();
  readonly ct = new CtMaps();
  readonly nat4 = new NatMap(NAT_MAP_NAMES.v4);
  readonly nat6 = new NatMap(NAT_MAP_NAMES.v6);
  readonly l2responder = new L2ResponderMap();

  nat(a: AddrKey): NatMap {
    return typeof a === 'number' ? this.nat4 : this.nat6;
  }

  /** Entry counts in Cilium's map-name spelling (for `cilium-dbg map list`). */
  counts(): { name: string; entries: number }[] {
    return [
      { name: IPCACHE_MAP_NAME, entries: this.ipcache.size },
      { name: LXC_MAP_NAME, entries: this.lxc.size },
      { name: CT_MAP_NAMES.tcp4, entries: this.ct.tcp4.size },
      { name: CT_MAP_NAMES.any4, entries: this.ct.any4.size },
      { name: CT_MAP_NAMES.tcp6, entries: this.ct.tcp6.size },
      { name: CT_MAP_NAMES.any6, entries: this.ct.any6.size },
      { name: NAT_MAP_NAMES.v4, entries: this.nat4.size },
      { name: NAT_MAP_NAMES.v6, entries: this.nat6.size },
      { name: L2_RESPONDER_MAP_NAME, entries: this.l2responder.size },
    ];
  }
}
