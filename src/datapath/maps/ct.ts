// The connection-tracking and SNAT maps: cilium_ct4_global / cilium_ct_any4_global (and the
// IPv6 twins) and cilium_snat_v4_external / _v6_. Entries have the shapes of lbct.ts, which the
// load-balancing code fills for service flows and the emulated datapath for everything else.
// Lifetimes are seconds of the node's monotonic clock, as bpf_mono_now() gives them.

import type { AddrKey } from '../../netaddr/lpm.ts';
import {
  CT_TIMEOUT_ANY,
  CT_TIMEOUT_TCP_CLOSE,
  CT_TIMEOUT_TCP_ESTABLISHED,
  CT_TIMEOUT_TCP_SYN,
  type CtDirection,
  type LBCtEntry,
  type LBNatEntry,
  type LBTuple,
} from './lbct.ts';

export const CT_MAP_NAMES = {
  tcp4: 'cilium_ct4_global',
  any4: 'cilium_ct_any4_global',
  tcp6: 'cilium_ct6_global',
  any6: 'cilium_ct_any6_global',
} as const;

export const NAT_MAP_NAMES = { v4: 'cilium_snat_v4_external', v6: 'cilium_snat_v6_external' } as const;

const DIR_CODE: Record<string, number> = { OUT: 1, IN: 2, SVC: 3 };

function addrHash(a: AddrKey): number {
  return typeof a === 'number' ? a : Number(a & 0xffffffffn) ^ Number((a >> 96n) & 0xffffffffn);
}

/** A 32-bit hash of (direction, tuple): the key of a bucket (no strings on the per-packet path). */
function tupleHash(dir: string, t: LBTuple): number {
  let h = Math.imul(addrHash(t.src) ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ addrHash(t.dst), 0xc2b2ae35);
  h = Math.imul(h ^ ((t.sport << 16) | t.dport), 0x27d4eb2f);
  return (h ^ (t.proto << 2) ^ (DIR_CODE[dir] ?? 0)) >>> 0;
}

function sameTuple(a: LBTuple, b: LBTuple): boolean {
  return a.sport === b.sport && a.dport === b.dport && a.src === b.src && a.dst === b.dst && a.proto === b.proto;
}

/** A hash map from (direction, tuple) to entries of type E, bucketed by a numeric hash. */
class TupleMap<E extends { dir: string; tuple: LBTuple }> {
  private readonly m = new Map<number, E[]>();
  private n = 0;

  get(dir: string, t: LBTuple): E | undefined {
    const b = this.m.get(tupleHash(dir, t));
    if (!b) return undefined;
    for (const e of b) if (e.dir === dir && sameTuple(e.tuple, t)) return e;
    return undefined;
  }

  set(e: E): void {
    const h = tupleHash(e.dir, e.tuple);
    const b = this.m.get(h);
    if (!b) {
      this.m.set(h, [e]);
      this.n++;
      return;
    }
    const i = b.findIndex((x) => x.dir === e.dir && sameTuple(x.tuple, e.tuple));
    if (i >= 0) b[i] = e;
    else {
      b.push(e);
      this.n++;
    }
  }

  delete(dir: string, t: LBTuple): boolean {
    const h = tupleHash(dir, t);
    const b = this.m.get(h);
    const i = b ? b.findIndex((x) => x.dir === dir && sameTuple(x.tuple, t)) : -1;
    if (!b || i < 0) return false;
    b.splice(i, 1);
    if (b.length === 0) this.m.delete(h);
    this.n--;
    return true;
  }

  values(): E[] {
    const out: E[] = [];
    for (const b of this.m.values()) out.push(...b);
    return out;
  }

  /** Removes the entries `pred` selects; returns how many. */
  prune(pred: (e: E) => boolean): number {
    let removed = 0;
    for (const [h, b] of this.m) {
      const keep = b.filter((e) => !pred(e));
      removed += b.length - keep.length;
      if (keep.length === 0) this.m.delete(h);
      else if (keep.length !== b.length) this.m.set(h, keep);
    }
    this.n -= removed;
    return removed;
  }

  get size(): number {
    return this.n;
  }
}

/** One CT map (TCP or "any", one family). */
export class CtMap {
  private readonly m = new TupleMap<LBCtEntry>();
  constructor(readonly name: string) {}

  get(dir: CtDirection, t: LBTuple): LBCtEntry | undefined {
    return this.m.get(dir, t);
  }

  set(e: LBCtEntry): void {
    this.m.set(e);
  }

  delete(dir: CtDirection, t: LBTuple): boolean {
    return this.m.delete(dir, t);
  }

  entries(): LBCtEntry[] {
    return this.m.values();
  }

  get size(): number {
    return this.m.size;
  }

  /** Removes entries whose lifetime ran out (the agent's CT GC). */
  gc(nowSec: number): number {
    return this.m.prune((e) => e.expires < nowSec);
  }
}

export class CtMaps {
  readonly tcp4 = new CtMap(CT_MAP_NAMES.tcp4);
  readonly any4 = new CtMap(CT_MAP_NAMES.any4);
  readonly tcp6 = new CtMap(CT_MAP_NAMES.tcp6);
  readonly any6 = new CtMap(CT_MAP_NAMES.any6);

  of(t: LBTuple): CtMap {
    const v4 = typeof t.src === 'number';
    if (t.proto === 6) return v4 ? this.tcp4 : this.tcp6;
    return v4 ? this.any4 : this.any6;
  }

  all(): CtMap[] {
    return [this.tcp4, this.any4, this.tcp6, this.any6];
  }

  gc(nowSec: number): number {
    let n = 0;
    for (const m of this.all()) n += m.gc(nowSec);
    return n;
  }
}

// TCP flags as the CT entry records them (TCP header flag bits)
const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const ACK = 0x10;

/** Lifetime of an entry after a packet with `tcpFlags` (ct_update_timeout in bpf/lib/conntrack.h). */
export function ctTimeout(proto: number, tcpFlags: number, closing: boolean): number {
  if (proto !== 6) return CT_TIMEOUT_ANY;
  if (closing || tcpFlags & (FIN | RST)) return CT_TIMEOUT_TCP_CLOSE;
  if (tcpFlags & SYN && !(tcpFlags & ACK)) return CT_TIMEOUT_TCP_SYN;
  return CT_TIMEOUT_TCP_ESTABLISHED;
}

export function newCtEntry(dir: CtDirection, tuple: LBTuple, nowSec: number, srcIdentity: number): LBCtEntry {
  return {
    dir,
    tuple,
    expires: nowSec + (tuple.proto === 6 ? CT_TIMEOUT_TCP_SYN : CT_TIMEOUT_ANY),
    packets: 0,
    bytes: 0,
    rxFlagsSeen: 0,
    txFlagsSeen: 0,
    lastRxReport: nowSec,
    lastTxReport: nowSec,
    flags: 0,
    revNat: 0,
    sourceSecurityId: srcIdentity,
    backendId: 0,
    natPort: 0,
  };
}

/** cilium_snat_v{4,6}_external. OUT entries rewrite the source, IN entries the destination. */
export class NatMap {
  private readonly m = new TupleMap<LBNatEntry>();
  constructor(readonly name: string) {}

  get(dir: 'OUT' | 'IN', t: LBTuple): LBNatEntry | undefined {
    return this.m.get(dir, t);
  }

  set(e: LBNatEntry): void {
    this.m.set(e);
  }

  delete(dir: 'OUT' | 'IN', t: LBTuple): boolean {
    return this.m.delete(dir, t);
  }

  entries(): LBNatEntry[] {
    return this.m.values();
  }

  get size(): number {
    return this.m.size;
  }

  /**
   * snat_v4_new_mapping: keep the original port when the reverse tuple is free, else probe
   * ports in [min, max] from a random start (`rand` in [0,1)).
   */
  pickPort(proto: number, natAddr: AddrKey, peer: AddrKey, peerPort: number, preferred: number, min: number, max: number, rand: number): number | undefined {
    const free = (p: number) => this.m.get('IN', { proto, src: peer, sport: peerPort, dst: natAddr, dport: p }) === undefined;
    if (preferred >= min && preferred <= max && free(preferred)) return preferred;
    const span = max - min + 1;
    const start = Math.floor(rand * span);
    for (let i = 0; i < Math.min(span, 1024); i++) {
      const p = min + ((start + i) % span);
      if (free(p)) return p;
    }
    return undefined;
  }
}
