// The agent's `l2-announce` statedb table (pkg/datapath/tables L2AnnounceEntry): one entry per
// (IP, network interface) the node announces, with the services ("origins") that want it. The
// announcer writes it; the L2 responder reconciler reads it into the datapath.

import { CILIUM_TABS, tabwrite } from '../../text/tabwriter.ts';
import { formatIP, type IP } from '../../netaddr/ip.ts';

export interface L2AnnounceEntry {
  ip: IP;
  networkInterface: string;
  /** `namespace/name` of the services that want this entry. */
  origins: string[];
}

export function entryKey(ip: IP, networkInterface: string): string {
  return `${ip.family}|${ip.value}|${networkInterface}`;
}

/**
 * The primary index key's byte order (index.NetIPAddr: the 16-byte form, then `+`, then the
 * name), which is the order statedb lists the table in: IPv4 (as ::ffff:a.b.c.d) before most IPv6.
 */
function sortKey(e: L2AnnounceEntry): string {
  const v = e.ip.family === 4 ? (0xffffn << 32n) | e.ip.value : e.ip.value;
  return `${v.toString(16).padStart(32, '0')}+${e.networkInterface}`;
}

export class L2AnnounceTable {
  private readonly entries = new Map<string, L2AnnounceEntry>();
  private readonly watchers: (() => void)[] = [];

  get(ip: IP, networkInterface: string): L2AnnounceEntry | undefined {
    return this.entries.get(entryKey(ip, networkInterface));
  }

  /** Entries that have `origin` among their origins (the origin index). */
  byOrigin(origin: string): L2AnnounceEntry[] {
    return [...this.entries.values()].filter((e) => e.origins.includes(origin));
  }

  /** All entries in primary-key order. */
  list(): L2AnnounceEntry[] {
    return [...this.entries.values()].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
  }

  get size(): number {
    return this.entries.size;
  }

  /** A write transaction: inserts (replacing by key) and deletes, then one notification. */
  commit(changes: { insert?: L2AnnounceEntry[]; remove?: L2AnnounceEntry[] }): void {
    let changed = false;
    for (const e of changes.remove ?? []) changed = this.entries.delete(entryKey(e.ip, e.networkInterface)) || changed;
    for (const e of changes.insert ?? []) {
      this.entries.set(entryKey(e.ip, e.networkInterface), { ...e, origins: [...e.origins] });
      changed = true;
    }
    if (changed) for (const w of this.watchers) w();
  }

  /** Called after every commit that changed something. */
  watch(fn: () => void): void {
    this.watchers.push(fn);
  }
}

/** `cilium-dbg shell -- db/show l2-announce` (statedb show: tabwriter 5/0/3, header without `#` in 1.18). */
export function formatL2AnnounceTable(entries: readonly L2AnnounceEntry[]): string {
  const lines = ['IP\tNetworkInterface', ...entries.map((e) => `${formatIP(e.ip)}\t${e.networkInterface}`)];
  return tabwrite(`${lines.join('\n')}\n`, CILIUM_TABS);
}
