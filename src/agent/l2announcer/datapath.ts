// What the L2 announcer needs from its node, provided by the lab (or, on a real machine, by the
// system): the devices Cilium selected, the node's L2 responder map (pinned: it outlives agent
// restarts), a way to send a gratuitous ARP, and whether the API server can be reached.

import { serviceKey } from '../agent.ts';
import type { L2ResponderMap } from '../../datapath/maps/node.ts';

export interface L2Device {
  name: string;
  ifindex: number;
  mac: number;
  /** The device's IPv4 networks, as [network address, prefix length]. */
  ipv4: readonly (readonly [number, number])[];
}

export interface L2Datapath {
  /** The devices Cilium selected (the `devices` option, else Ethernet devices with an IPv4 address). */
  devices(): L2Device[];
  /** Any link of the node by name (netlink LinkByName). */
  link(name: string): L2Device | undefined;
  readonly responder: L2ResponderMap;
  /** pkg/datapath/garp: one ARP reply, sender = target = ip, to the broadcast address. */
  sendGratuitousArp(ifindex: number, ip: number): void;
}

/** The node's L2 datapath, by node name. */
export const L2_DATAPATH = serviceKey<(nodeName: string) => L2Datapath | undefined>('datapath/l2');

/** Whether the node's agent can reach the API server right now (its host is up, the path exists). */
export const API_REACHABLE = serviceKey<(nodeName: string) => boolean>('netemu/api-reachable');
