// FRR's "RIB entries N" counts route_table nodes: one per prefix plus one glue node wherever two
// prefixes branch apart without a prefix there (lib/table.c route_node_get). That is the node
// count of the path-compressed binary trie over the prefixes, computed here without building it.

interface Key {
  addr: bigint;
  len: number;
}

/** Length of the common leading bits of two prefixes, capped by both lengths. */
function common(a: Key, b: Key, bits: number): number {
  const max = Math.min(a.len, b.len);
  const x = (a.addr ^ b.addr) >> BigInt(bits - max);
  if (x === 0n) return max;
  return max - x.toString(2).length;
}

/** Node count of the compressed trie holding `prefixes` (bits = 32 or 128). */
export function ribNodeCount(prefixes: Key[], bits: number): number {
  if (prefixes.length === 0) return 0;
  const keys = [...prefixes].sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : a.len - b.len));
  const nodes = new Set<string>();
  for (const k of keys) nodes.add(`${k.addr}/${k.len}`);
  // In address order, every branch point is the common prefix of some adjacent pair.
  for (let i = 0; i + 1 < keys.length; i++) {
    const a = keys[i]!;
    const b = keys[i + 1]!;
    const l = common(a, b, bits);
    if (l === a.len || l === b.len) continue; // one contains the other: no glue needed
    const mask = ((1n << BigInt(l)) - 1n) << BigInt(bits - l);
    nodes.add(`${a.addr & mask}/${l}`);
  }
  return nodes.size;
}
