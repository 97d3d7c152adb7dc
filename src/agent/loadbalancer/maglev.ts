// Maglev lookup tables (Eisenbud et al., NSDI 2016, §3.4) the way cilium pkg/maglev builds them:
// backends sorted by their hash string, permutation offset/skip from murmur3 128 with the
// cluster-wide seed, round-robin fill with Envoy-style weights. The permutation is walked lazily
// (position += skip) instead of being materialised as an N×M array; the resulting table is the same.

import { murmur3x64_128, u64Mod } from './murmur3.ts';

/** cilium pkg/maglev: maglevSupportedTableSizes. */
export const MAGLEV_TABLE_SIZES: readonly number[] = [251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071];
export const DEFAULT_MAGLEV_TABLE_SIZE = 16381;
/** cilium pkg/maglev: DefaultHashSeed (12 random bytes, base64). */
export const DEFAULT_MAGLEV_HASH_SEED = 'JLfvgnHc2kaSUFaI';

export interface MaglevSeeds {
  /** Bytes 0..3, big-endian: the murmur3 seed for permutations. */
  murmur: number;
  /** Bytes 4..7: the datapath's jhash seed for IPv4 tuples. */
  jhash4: number;
  /** Bytes 8..11: the datapath's jhash seed for IPv6 tuples. */
  jhash6: number;
}

export function isMaglevTableSize(m: number): boolean {
  return MAGLEV_TABLE_SIZES.includes(m);
}

/** Error text as the agent prints it (cilium pkg/maglev UserConfig.ToConfig). */
export function maglevTableSizeError(m: string | number): string {
  return `Invalid value for --bpf-lb-maglev-table-size: ${m}, supported values are: [${MAGLEV_TABLE_SIZES.join(' ')}]`;
}

/** Decodes bpf-lb-maglev-hash-seed: base64 (standard alphabet, padded) of exactly 12 bytes. */
export function parseMaglevSeed(seed: string): MaglevSeeds | { error: string } {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(seed) || seed.length % 4 !== 0) {
    return { error: `cannot decode base64 Maglev hash seed "${seed}": illegal base64 data` };
  }
  const d = Buffer.from(seed, 'base64');
  if (d.length !== 12) return { error: `decoded hash seed is ${d.length} bytes (not 12 bytes)` };
  return { murmur: d.readUInt32BE(0), jhash4: d.readUInt32BE(4), jhash6: d.readUInt32BE(8) };
}

export interface MaglevBackend {
  /** The value stored in the table (the backend ID). */
  id: number;
  /** cilium: `[<ip>:<port>/<PROTO>[/i],State:active]` (IPv6 in brackets); also the sort key. */
  hashString: string;
  /** Kubernetes backends have weight 100 (cilium loadbalancer.DefaultBackendWeight). */
  weight: number;
}

/** Cilium's BackendInfo.setHashString: the string must never change, or nodes disagree during upgrades. */
export function maglevHashString(ip: string, family: 4 | 6, port: number, proto: string, internalScope: boolean): string {
  const host = family === 6 ? `[${ip}]` : ip;
  return `[${host}:${port}/${proto}${internalScope ? '/i' : ''},State:active]`;
}

const encoder = new TextEncoder();

/** Scratch buffers reused between calls; tables are built one at a time. */
let posBuf = new Int32Array(0);
let skipBuf = new Int32Array(0);

/**
 * The lookup table of size m: entry j holds the ID of the backend owning slot j. Input order does
 * not matter (backends are sorted by hash string); identical inputs give identical tables on
 * every node and across restarts. An empty backend list gives an empty table.
 */
export function maglevTable(backends: readonly MaglevBackend[], m: number, murmurSeed: number): Uint32Array {
  const l = backends.length;
  if (l === 0) return new Uint32Array(0);
  const sorted = [...backends].sort((a, b) => (a.hashString < b.hashString ? -1 : a.hashString > b.hashString ? 1 : 0));

  if (posBuf.length < l) {
    posBuf = new Int32Array(l);
    skipBuf = new Int32Array(l);
  }
  const pos = posBuf;
  const skip = skipBuf;
  const weightCntr = new Float64Array(l);
  let weightSum = 0;
  for (let i = 0; i < l; i++) {
    const b = sorted[i]!;
    const [h1, h2] = murmur3x64_128(encoder.encode(b.hashString), murmurSeed);
    pos[i] = u64Mod(h1, m); // offset = h1 mod M
    skip[i] = u64Mod(h2, m - 1) + 1; // skip = (h2 mod (M-1)) + 1
    weightSum += b.weight;
    weightCntr[i] = b.weight / l;
  }
  // Go: weightSum/uint64(l) > 1 (integer division)
  const weightsUsed = Math.floor(weightSum / l) > 1;

  const filled = new Uint8Array(m);
  const entry = new Uint32Array(m);
  for (let n = 0; n < m; n++) {
    let i = n % l;
    if (weightsUsed) {
      // A backend waits for its turn while (n+1)*weight < counter (Envoy PR 2982, as cilium does).
      while ((n + 1) * sorted[i]!.weight < Math.trunc(weightCntr[i]!)) i = (i + 1) % l;
      weightCntr[i] += weightSum;
    }
    let c = pos[i]!;
    const s = skip[i]!;
    while (filled[c] === 1) {
      c += s;
      if (c >= m) c -= m;
    }
    filled[c] = 1;
    entry[c] = sorted[i]!.id;
    c += s;
    if (c >= m) c -= m;
    pos[i] = c;
  }
  return entry;
}
