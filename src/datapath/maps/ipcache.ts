// cilium_ipcache_v2: an LPM map from a prefix to the security identity behind it and, for
// remote pods and nodes, the tunnel endpoint (the node's IP) that carries their traffic
// (bpf/lib/eps.h ipcache_lookup4; pkg/maps/ipcache). Written by the agent, read per packet.

import { formatIP, formatIPv4Number } from '../../netaddr/ip.ts';
import { type AddrKey, LpmTrie } from '../../netaddr/lpm.ts';

export function formatAddrKey(a: AddrKey): string {
  return typeof a === 'number' ? formatIPv4Number(a) : formatIP({ family: 6, value: a });
}

export const IPCACHE_MAP_NAME = 'cilium_ipcache_v2';

// pkg/maps/ipcache: flags of RemoteEndpointInfo
export const IPCACHE_FLAG_HAS_TUNNEL = 1 << 1;

export interface IPCacheEntry {
  identity: number;
  /** 0 (or 0n) when the destination is not behind a tunnel. */
  tunnelEndpoint: AddrKey;
  encryptKey: number;
  flags: number;
}

export interface IPCachePrefix {
  addr: AddrKey;
  prefixLen: number;
}

export class IPCache {
  private readonly v4 = new LpmTrie<IPCacheEntry>(4);
  private readonly v6 = new LpmTrie<IPCacheEntry>(6);
  /** Bumped on every change. */
  generation = 0;

  private trie(a: AddrKey): LpmTrie<IPCacheEntry> {
    return typeof a === 'number' ? this.v4 : this.v6;
  }

  upsert(p: IPCachePrefix, e: IPCacheEntry): void {
    this.trie(p.addr).set(p.addr, p.prefixLen, e);
    this.generation++;
  }

  delete(p: IPCachePrefix): boolean {
    const ok = this.trie(p.addr).delete(p.addr, p.prefixLen);
    if (ok) this.generation++;
    return ok;
  }

  get(p: IPCachePrefix): IPCacheEntry | undefined {
    return this.trie(p.addr).get(p.addr, p.prefixLen);
  }

  /** Longest-prefix lookup (what the datapath does for every packet). */
  lookup(addr: AddrKey): IPCacheEntry | undefined {
    return this.trie(addr).lookup(addr);
  }

  entries(): { prefix: IPCachePrefix; entry: IPCacheEntry }[] {
    const out: { prefix: IPCachePrefix; entry: IPCacheEntry }[] = [];
    for (const t of [this.v4, this.v6]) {
      for (const e of t.entries()) out.push({ prefix: { addr: e.addr, prefixLen: e.prefixLen }, entry: e.value });
    }
    return out;
  }

  get size(): number {
    return this.v4.size + this.v6.size;
  }

  clear(): void {
    this.v4.clear();
    this.v6.clear();
    this.generation++;
  }
}

/** The value as `cilium-dbg bpf ipcache list` prints it. */
export function formatIPCacheEntry(e: IPCacheEntry): string {
  const tunnel = e.tunnelEndpoint === 0 || e.tunnelEndpoint === 0n ? (typeof e.tunnelEndpoint === 'number' ? '0.0.0.0' : '::') : formatAddrKey(e.tunnelEndpoint);
  const flags = e.flags & IPCACHE_FLAG_HAS_TUNNEL ? 'hastunnel' : '<none>';
  return `identity=${e.identity} encryptkey=${e.encryptKey} tunnelendpoint=${tunnel} flags=${flags}`;
}

export function formatIPCachePrefix(p: IPCachePrefix): string {
  return `${formatAddrKey(p.addr)}/${p.prefixLen}`;
}
