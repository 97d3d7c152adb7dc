// The neighbour table (ARP for IPv4, ND for IPv6) with Linux's NUD state machine:
// INCOMPLETE → REACHABLE → (reachable_time) STALE → (used) DELAY → (delay_first_probe_time)
// PROBE → FAILED, plus PERMANENT and NOARP. Timers run on the host's Clock.

import type { TimerHandle } from '../controller/clock.ts';
import type { Addr } from './addr.ts';
import type { Iface } from './iface.ts';
import type { Mac } from './mac.ts';
import { type Skb, ethLen } from './packet.ts';

export type NudState = 'INCOMPLETE' | 'REACHABLE' | 'STALE' | 'DELAY' | 'PROBE' | 'FAILED' | 'PERMANENT' | 'NOARP';

export interface NeighEntry {
  ip: Addr;
  dev: Iface;
  mac: Mac | undefined;
  state: NudState;
  /** Last time the link-layer address changed or was confirmed (ms). */
  updated: number;
  /** Last time the entry was used to send (ms). */
  used: number;
  probes: number;
  queue: Skb[];
  queueBytes: number;
  timer: TimerHandle | undefined;
  /** IPv6 neighbour is a router (ND). */
  router: boolean;
}

/** Per-table parameters (net.ipv4.neigh.default.*), in ms. */
export interface NeighParams {
  baseReachableMs: number;
  delayFirstProbeMs: number;
  retransMs: number;
  mcastSolicit: number;
  ucastSolicit: number;
  locktimeMs: number;
  unresQlenBytes: number;
}

export const DEFAULT_NEIGH_PARAMS: NeighParams = {
  baseReachableMs: 30_000,
  delayFirstProbeMs: 5_000,
  retransMs: 1_000,
  mcastSolicit: 3,
  ucastSolicit: 3,
  locktimeMs: 1_000,
  unresQlenBytes: 212_992,
};

export interface NeighDriver {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** A random factor in [0.5, 1.5) for reachable_time. */
  jitter(): number;
  /** Sends a solicitation (broadcast when `unicast` is undefined). */
  solicit(e: NeighEntry, unicast: Mac | undefined): void;
  /** The entry became usable: transmit its queued packets. */
  flush(e: NeighEntry, queued: Skb[]): void;
  /** Resolution failed: drop the queued packets (and report host unreachable). */
  fail(e: NeighEntry, queued: Skb[]): void;
}

function key(dev: Iface, ip: Addr): string {
  return `${dev.index}|${ip}`;
}

export class NeighTable {
  private readonly entries = new Map<string, NeighEntry>();
  params: NeighParams;

  constructor(
    private readonly driver: NeighDriver,
    params: NeighParams = DEFAULT_NEIGH_PARAMS,
  ) {
    this.params = { ...params };
  }

  get(dev: Iface, ip: Addr): NeighEntry | undefined {
    return this.entries.get(key(dev, ip));
  }

  /** Entries in creation order (the order `ip neigh` and `arp -a` list them). */
  list(): NeighEntry[] {
    return [...this.entries.values()];
  }

  /**
   * Resolves `ip` on `dev` for sending `skb`. Returns the MAC when it can be used now; otherwise
   * queues the skb (sending solicitations as needed) and returns undefined.
   */
  resolve(dev: Iface, ip: Addr, skb: Skb): Mac | undefined {
    const now = this.driver.now();
    let e = this.entries.get(key(dev, ip));
    if (!e) {
      e = this.create(dev, ip, undefined, 'INCOMPLETE');
      e.used = now;
      this.enqueue(e, skb);
      e.probes = 1;
      this.driver.solicit(e, undefined);
      this.arm(e, this.params.retransMs, () => this.retransmit(e!));
      return undefined;
    }
    e.used = now;
    switch (e.state) {
      case 'REACHABLE':
      case 'PERMANENT':
      case 'NOARP':
      case 'DELAY':
      case 'PROBE':
        return e.mac;
      case 'STALE':
        // neigh_event_send: first use of a stale entry starts the delay timer; sending goes on
        this.setState(e, 'DELAY');
        this.arm(e, this.params.delayFirstProbeMs, () => this.delayExpired(e!));
        return e.mac;
      case 'INCOMPLETE':
        this.enqueue(e, skb);
        return undefined;
      case 'FAILED': {
        // a new attempt starts from INCOMPLETE
        this.setState(e, 'INCOMPLETE');
        e.probes = 1;
        this.enqueue(e, skb);
        this.driver.solicit(e, undefined);
        this.arm(e, this.params.retransMs, () => this.retransmit(e!));
        return undefined;
      }
    }
  }

  /**
   * A link-layer address was learned from the wire (neigh_update). `solicited`: a unicast reply
   * to our own request, which makes the entry REACHABLE; other information makes it STALE.
   * `create`: make an entry if there is none (ARP request addressed to us); `override`: ignore
   * locktime (gratuitous ARP).
   */
  learn(dev: Iface, ip: Addr, mac: Mac, opts: { solicited: boolean; create: boolean; override: boolean }): void {
    const now = this.driver.now();
    let e = this.entries.get(key(dev, ip));
    if (!e) {
      if (!opts.create) return;
      e = this.create(dev, ip, mac, opts.solicited ? 'REACHABLE' : 'STALE');
      if (e.state === 'REACHABLE') this.armReachable(e);
      return;
    }
    if (e.state === 'PERMANENT' || e.state === 'NOARP') return;
    const changed = e.mac !== mac;
    if (changed && e.mac !== undefined && !opts.override && now - e.updated < this.params.locktimeMs) return;
    const wasUnresolved = e.state === 'INCOMPLETE' || e.state === 'FAILED';
    e.mac = mac;
    e.updated = now;
    if (opts.solicited) {
      this.setState(e, 'REACHABLE');
      this.armReachable(e);
    } else if (changed || wasUnresolved) {
      this.setState(e, 'STALE');
      this.cancel(e);
    }
    if (e.queue.length > 0) {
      const q = e.queue;
      e.queue = [];
      e.queueBytes = 0;
      this.driver.flush(e, q);
    }
  }

  /** Upper-layer confirmation of reachability (a TCP peer acknowledged new data). */
  confirm(dev: Iface, ip: Addr): void {
    const e = this.entries.get(key(dev, ip));
    if (!e || e.mac === undefined) return;
    if (e.state === 'STALE' || e.state === 'DELAY' || e.state === 'PROBE' || e.state === 'REACHABLE') {
      e.updated = this.driver.now();
      this.setState(e, 'REACHABLE');
      this.armReachable(e);
    }
  }

  /** `ip neigh add|replace`. */
  set(dev: Iface, ip: Addr, mac: Mac | undefined, state: NudState): NeighEntry {
    let e = this.entries.get(key(dev, ip));
    if (!e) e = this.create(dev, ip, mac, state);
    this.cancel(e);
    e.mac = mac;
    e.state = state;
    e.updated = this.driver.now();
    if (state === 'REACHABLE') this.armReachable(e);
    return e;
  }

  delete(dev: Iface, ip: Addr): boolean {
    const e = this.entries.get(key(dev, ip));
    if (!e) return false;
    this.cancel(e);
    this.entries.delete(key(dev, ip));
    return true;
  }

  /** Drops every entry on `dev` (device down, `ip neigh flush dev X`); PERMANENT ones survive unless `all`. */
  flushDev(dev: Iface, all = false): number {
    let n = 0;
    for (const [k, e] of this.entries) {
      if (e.dev !== dev || (!all && (e.state === 'PERMANENT' || e.state === 'NOARP'))) continue;
      this.cancel(e);
      this.entries.delete(k);
      n++;
    }
    return n;
  }

  private create(dev: Iface, ip: Addr, mac: Mac | undefined, state: NudState): NeighEntry {
    const now = this.driver.now();
    const e: NeighEntry = {
      ip,
      dev,
      mac,
      state,
      updated: now,
      used: now,
      probes: 0,
      queue: [],
      queueBytes: 0,
      timer: undefined,
      router: false,
    };
    this.entries.set(key(dev, ip), e);
    return e;
  }

  private enqueue(e: NeighEntry, skb: Skb): void {
    // __neigh_event_send: over unres_qlen_bytes the oldest queued packets are dropped
    e.queue.push(skb);
    e.queueBytes += ethLen(skb.frame);
    while (e.queueBytes > this.params.unresQlenBytes && e.queue.length > 1) {
      e.queueBytes -= ethLen(e.queue.shift()!.frame);
    }
  }

  private setState(e: NeighEntry, s: NudState): void {
    e.state = s;
    if (s !== 'PROBE' && s !== 'INCOMPLETE') e.probes = 0;
  }

  private armReachable(e: NeighEntry): void {
    const ms = this.params.baseReachableMs * this.driver.jitter();
    this.arm(e, ms, () => {
      if (e.state === 'REACHABLE') this.setState(e, 'STALE');
    });
  }

  private delayExpired(e: NeighEntry): void {
    if (e.state !== 'DELAY') return;
    if (this.driver.now() - e.updated < this.params.delayFirstProbeMs) {
      this.setState(e, 'REACHABLE');
      this.armReachable(e);
      return;
    }
    this.setState(e, 'PROBE');
    e.probes = 1;
    this.driver.solicit(e, e.mac);
    this.arm(e, this.params.retransMs, () => this.retransmit(e));
  }

  private retransmit(e: NeighEntry): void {
    if (e.state !== 'INCOMPLETE' && e.state !== 'PROBE') return;
    const max = e.state === 'INCOMPLETE' ? this.params.mcastSolicit : this.params.ucastSolicit;
    if (e.probes >= max) {
      this.setState(e, 'FAILED');
      const q = e.queue;
      e.queue = [];
      e.queueBytes = 0;
      if (q.length > 0) this.driver.fail(e, q);
      return;
    }
    e.probes++;
    this.driver.solicit(e, e.state === 'PROBE' ? e.mac : undefined);
    this.arm(e, this.params.retransMs, () => this.retransmit(e));
  }

  private arm(e: NeighEntry, ms: number, fn: () => void): void {
    this.cancel(e);
    e.timer = this.driver.setTimeout(() => {
      e.timer = undefined;
      fn();
    }, ms);
  }

  private cancel(e: NeighEntry): void {
    e.timer?.cancel();
    e.timer = undefined;
  }
}
