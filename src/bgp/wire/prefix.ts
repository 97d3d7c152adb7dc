// NLRI prefix encoding (RFC 4271 §4.3, RFC 4760 §5) with optional ADD-PATH identifiers (RFC 7911 §3).

/** Network mask for an IPv4 prefix length, as an unsigned 32-bit number. */
export function mask4(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

export function mask6(len: number): bigint {
  return len === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - len)) - 1n);
}

/** True when every prefix in start..end is well formed for the address width (32 or 128 bits). */
export function nlriValid(buf: Uint8Array, start: number, end: number, bits: number, addPath: boolean): boolean {
  let p = start;
  while (p < end) {
    if (addPath) {
      if (p + 4 > end) return false;
      p += 4;
    }
    if (p >= end) return false;
    const len = buf[p]!;
    if (len > bits) return false;
    p += 1 + ((len + 7) >> 3);
  }
  return p === end;
}

/** Calls fn for each IPv4 prefix in a region already checked with nlriValid; host bits are cleared. */
export function forEachNlri4(
  buf: Uint8Array,
  start: number,
  end: number,
  addPath: boolean,
  fn: (addr: number, len: number, pathId: number) => void,
): void {
  let p = start;
  while (p < end) {
    let pathId = 0;
    if (addPath) {
      pathId = ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0;
      p += 4;
    }
    const len = buf[p++]!;
    let addr = 0;
    switch ((len + 7) >> 3) {
      case 4:
        addr = ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0;
        p += 4;
        break;
      case 3:
        addr = ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8)) >>> 0;
        p += 3;
        break;
      case 2:
        addr = ((buf[p]! << 24) | (buf[p + 1]! << 16)) >>> 0;
        p += 2;
        break;
      case 1:
        addr = (buf[p]! << 24) >>> 0;
        p += 1;
        break;
      default:
        break;
    }
    fn((addr & mask4(len)) >>> 0, len, pathId);
  }
}

export function forEachNlri6(
  buf: Uint8Array,
  start: number,
  end: number,
  addPath: boolean,
  fn: (addr: bigint, len: number, pathId: number) => void,
): void {
  let p = start;
  while (p < end) {
    let pathId = 0;
    if (addPath) {
      pathId = ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0;
      p += 4;
    }
    const len = buf[p++]!;
    const nb = (len + 7) >> 3;
    let v = 0n;
    for (let i = 0; i < 16; i++) v = (v << 8n) | BigInt(i < nb ? buf[p + i]! : 0);
    p += nb;
    fn(v & mask6(len), len, pathId);
  }
}

export function writePrefix4(buf: Uint8Array, at: number, addr: number, len: number): number {
  buf[at++] = len;
  const nb = (len + 7) >> 3;
  for (let i = 0; i < nb; i++) buf[at++] = (addr >>> (24 - 8 * i)) & 0xff;
  return at;
}

export function writePrefix6(buf: Uint8Array, at: number, addr: bigint, len: number): number {
  buf[at++] = len;
  const nb = (len + 7) >> 3;
  for (let i = 0; i < nb; i++) buf[at++] = Number((addr >> BigInt(120 - 8 * i)) & 0xffn);
  return at;
}

export function writePathId(buf: Uint8Array, at: number, id: number): number {
  buf[at] = id >>> 24;
  buf[at + 1] = (id >>> 16) & 0xff;
  buf[at + 2] = (id >>> 8) & 0xff;
  buf[at + 3] = id & 0xff;
  return at + 4;
}

export function ipv6Bytes(v: bigint): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 15; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export function ipv6FromBytes(b: Uint8Array, at = 0): bigint {
  let v = 0n;
  for (let i = 0; i < 16; i++) v = (v << 8n) | BigInt(b[at + i]!);
  return v;
}

/** A fresh Uint8Array (not a Buffer view) holding b[start..end). */
export function copyBytes(b: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(b.subarray(start, end));
}
