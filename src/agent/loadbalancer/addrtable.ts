// A table keyed by (address, port, protocol) without string keys or per-entry Maps: IPv4
// addresses become int32 map keys (uint32 values above 2^31 would be boxed on every lookup) and
// the few entries of one address sit in a small array.

import type { AddrKey } from '../../netaddr/lpm.ts';

interface Slot<T> {
  /** port * 256 + protocol */
  l4: number;
  value: T;
}

export class AddrPortTable<T> {
  private readonly byAddr = new Map<AddrKey, Slot<T>[]>();

  get(addr: AddrKey, port: number, proto: number): T | undefined {
    const list = this.byAddr.get(typeof addr === 'number' ? addr | 0 : addr);
    if (list === undefined) return undefined;
    const l4 = port * 256 + proto;
    for (let i = 0; i < list.length; i++) if (list[i]!.l4 === l4) return list[i]!.value;
    return undefined;
  }

  set(addr: AddrKey, port: number, proto: number, value: T): void {
    const k = typeof addr === 'number' ? addr | 0 : addr;
    const l4 = port * 256 + proto;
    const list = this.byAddr.get(k);
    if (!list) {
      this.byAddr.set(k, [{ l4, value }]);
      return;
    }
    for (const s of list) {
      if (s.l4 === l4) {
        s.value = value;
        return;
      }
    }
    list.push({ l4, value });
  }

  delete(addr: AddrKey, port: number, proto: number): void {
    const k = typeof addr === 'number' ? addr | 0 : addr;
    const list = this.byAddr.get(k);
    if (!list) return;
    const l4 = port * 256 + proto;
    const i = list.findIndex((s) => s.l4 === l4);
    if (i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) this.byAddr.delete(k);
  }

  /** Every value, grouped by address in insertion order. */
  values(): T[] {
    const out: T[] = [];
    for (const list of this.byAddr.values()) for (const s of list) out.push(s.value);
    return out;
  }

  clear(): void {
    this.byAddr.clear();
  }
}
