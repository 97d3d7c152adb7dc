// An L2 broadcast domain: the topology's networks. It behaves like a learning switch whose table
// is pre-filled with the attached ports' MACs: unicast goes to the owner of the destination MAC,
// broadcast/multicast and unknown unicast are flooded to every other port.

import type { Iface } from './iface.ts';
import { BROADCAST_MAC, type Mac, isMulticastMac } from './mac.ts';
import { type Skb, cloneSkb } from './packet.ts';

export class Segment {
  readonly name: string;
  /** One-way delay of the wire, in ms (modelled; see Network). */
  latencyMs: number;
  readonly ports = new Set<Iface>();
  private readonly macTable = new Map<Mac, Iface>();
  /** Up/down of the whole segment (a switch failure). */
  up = true;

  constructor(name: string, latencyMs: number) {
    this.name = name;
    this.latencyMs = latencyMs;
  }

  attach(port: Iface): void {
    this.ports.add(port);
    port.segment = this;
    this.macTable.set(port.mac, port);
  }

  detach(port: Iface): void {
    this.ports.delete(port);
    if (this.macTable.get(port.mac) === port) this.macTable.delete(port.mac);
    port.segment = undefined;
  }

  /** A port's MAC changed (ip link set address). */
  relearn(port: Iface, oldMac: Mac): void {
    if (this.macTable.get(oldMac) === port) this.macTable.delete(oldMac);
    this.macTable.set(port.mac, port);
  }

  /** Ports a frame sent by `from` reaches, with their own copy of the skb when there are several. */
  destinations(from: Iface, skb: Skb): [Iface, Skb][] {
    if (!this.up) return [];
    const dst = skb.frame.dst;
    if (dst !== BROADCAST_MAC && !isMulticastMac(dst)) {
      const port = this.macTable.get(dst);
      if (port && port !== from) return [[port, skb]];
      if (port === from) return [];
    }
    const out: [Iface, Skb][] = [];
    // copies are taken now, before any receiver mutates the original
    for (const port of this.ports) if (port !== from) out.push([port, out.length === 0 ? skb : cloneSkb(skb)]);
    return out;
  }
}
