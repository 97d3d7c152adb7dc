// DNS messages (RFC 1035) as structured values with a wire codec, for the stub resolver, the
// kube-dns workload and tcpdump's DNS lines. Records: A, AAAA, CNAME, PTR, SRV, NS, SOA, TXT.

export const DNS_TYPE: Record<string, number> = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, TXT: 16, AAAA: 28, SRV: 33, ANY: 255 };
export const DNS_TYPE_NAME: Record<number, string> = Object.fromEntries(Object.entries(DNS_TYPE).map(([k, v]) => [v, k]));

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export const RCODE_NAME: Record<number, string> = { 0: 'NoError', 1: 'FormErr', 2: 'ServFail', 3: 'NXDomain', 4: 'NotImp', 5: 'Refused' };

export interface DnsQuestion {
  name: string;
  type: number;
  class: number;
}

export type RData =
  | { kind: 'A'; addr: number }
  | { kind: 'AAAA'; addr: bigint }
  | { kind: 'name'; name: string }
  | { kind: 'SRV'; priority: number; weight: number; port: number; target: string }
  | { kind: 'SOA'; mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number }
  | { kind: 'raw'; data: Uint8Array };

export interface DnsRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  data: RData;
}

export interface DnsMessage {
  id: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  rcode: number;
  questions: DnsQuestion[];
  answers: DnsRecord[];
  authority: DnsRecord[];
  additional: DnsRecord[];
}

export class DnsFormatError extends Error {}

export function dnsQuery(id: number, name: string, type: number): DnsMessage {
  return {
    id,
    qr: false,
    opcode: 0,
    aa: false,
    tc: false,
    rd: true,
    ra: false,
    rcode: 0,
    questions: [{ name, type, class: 1 }],
    answers: [],
    authority: [],
    additional: [],
  };
}

// ---- encoding ------------------------------------------------------------------------------

class Writer {
  buf = Buffer.alloc(512);
  len = 0;
  private readonly names = new Map<string, number>();

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const b = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(b, 0, 0, this.len);
    this.buf = b;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.len++] = v & 0xff;
  }
  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v & 0xffff, this.len);
    this.len += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.len);
    this.len += 4;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  /** A domain name with RFC 1035 4.1.4 compression. */
  name(n: string): void {
    const labels = n.replace(/\.$/, '').split('.').filter((l) => l.length > 0);
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.').toLowerCase();
      const at = this.names.get(suffix);
      if (at !== undefined) {
        this.u16(0xc000 | at);
        return;
      }
      if (this.len < 0x4000) this.names.set(suffix, this.len);
      const bytes = Buffer.from(labels[i]!, 'utf8');
      if (bytes.length > 63) throw new DnsFormatError(`label too long: ${labels[i]}`);
      this.u8(bytes.length);
      this.bytes(bytes);
    }
    this.u8(0);
  }
}

function writeRecord(w: Writer, r: DnsRecord): void {
  w.name(r.name);
  w.u16(r.type);
  w.u16(r.class);
  w.u32(r.ttl);
  const lenAt = w.len;
  w.u16(0);
  const start = w.len;
  const d = r.data;
  switch (d.kind) {
    case 'A':
      w.u32(d.addr);
      break;
    case 'AAAA':
      for (let i = 3; i >= 0; i--) w.u32(Number((d.addr >> BigInt(i * 32)) & 0xffffffffn));
      break;
    case 'name':
      w.name(d.name);
      break;
    case 'SRV':
      w.u16(d.priority);
      w.u16(d.weight);
      w.u16(d.port);
      w.name(d.target);
      break;
    case 'SOA':
      w.name(d.mname);
      w.name(d.rname);
      for (const v of [d.serial, d.refresh, d.retry, d.expire, d.minimum]) w.u32(v);
      break;
    case 'raw':
      w.bytes(d.data);
      break;
  }
  w.buf.writeUInt16BE(w.len - start, lenAt);
}

export function encodeDns(m: DnsMessage): Buffer {
  const w = new Writer();
  w.u16(m.id);
  w.u16(
    (m.qr ? 0x8000 : 0) | ((m.opcode & 0xf) << 11) | (m.aa ? 0x400 : 0) | (m.tc ? 0x200 : 0) | (m.rd ? 0x100 : 0) | (m.ra ? 0x80 : 0) | (m.rcode & 0xf),
  );
  w.u16(m.questions.length);
  w.u16(m.answers.length);
  w.u16(m.authority.length);
  w.u16(m.additional.length);
  for (const q of m.questions) {
    w.name(q.name);
    w.u16(q.type);
    w.u16(q.class);
  }
  for (const r of [...m.answers, ...m.authority, ...m.additional]) writeRecord(w, r);
  return w.buf.subarray(0, w.len);
}

// ---- decoding ------------------------------------------------------------------------------

function readName(b: Uint8Array, off: number): [string, number] {
  const labels: string[] = [];
  let pos = off;
  let end = -1;
  for (let hops = 0; hops < 64; hops++) {
    if (pos >= b.length) throw new DnsFormatError('name runs past the message');
    const len = b[pos]!;
    if (len === 0) {
      if (end < 0) end = pos + 1;
      return [labels.length === 0 ? '.' : `${labels.join('.')}.`, end];
    }
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= b.length) throw new DnsFormatError('truncated pointer');
      if (end < 0) end = pos + 2;
      pos = ((len & 0x3f) << 8) | b[pos + 1]!;
      continue;
    }
    if (len > 63 || pos + 1 + len > b.length) throw new DnsFormatError('bad label');
    labels.push(Buffer.from(b.subarray(pos + 1, pos + 1 + len)).toString('utf8'));
    pos += 1 + len;
  }
  throw new DnsFormatError('compression loop');
}

export function decodeDns(b: Uint8Array): DnsMessage {
  if (b.length < 12) throw new DnsFormatError('message shorter than a header');
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const flags = v.getUint16(2);
  const counts = [v.getUint16(4), v.getUint16(6), v.getUint16(8), v.getUint16(10)] as const;
  let off = 12;
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < counts[0]; i++) {
    const [name, next] = readName(b, off);
    if (next + 4 > b.length) throw new DnsFormatError('truncated question');
    questions.push({ name, type: v.getUint16(next), class: v.getUint16(next + 2) });
    off = next + 4;
  }
  const sections: DnsRecord[][] = [[], [], []];
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s + 1]!; i++) {
      const [name, next] = readName(b, off);
      if (next + 10 > b.length) throw new DnsFormatError('truncated record');
      const type = v.getUint16(next);
      const cls = v.getUint16(next + 2);
      const ttl = v.getUint32(next + 4);
      const rdlen = v.getUint16(next + 8);
      const rd = next + 10;
      if (rd + rdlen > b.length) throw new DnsFormatError('truncated rdata');
      let data: RData;
      if (type === 1 && rdlen === 4) data = { kind: 'A', addr: v.getUint32(rd) };
      else if (type === 28 && rdlen === 16) {
        let a = 0n;
        for (let k = 0; k < 4; k++) a = (a << 32n) | BigInt(v.getUint32(rd + 4 * k));
        data = { kind: 'AAAA', addr: a };
      } else if (type === 5 || type === 12 || type === 2) data = { kind: 'name', name: readName(b, rd)[0] };
      else if (type === 33 && rdlen >= 7) {
        data = { kind: 'SRV', priority: v.getUint16(rd), weight: v.getUint16(rd + 2), port: v.getUint16(rd + 4), target: readName(b, rd + 6)[0] };
      } else if (type === 6) {
        const [mname, afterM] = readName(b, rd);
        const [rname, afterR] = readName(b, afterM);
        if (afterR + 20 > rd + rdlen) throw new DnsFormatError('truncated SOA');
        const [serial, refresh, retry, expire, minimum] = [0, 4, 8, 12, 16].map((k) => v.getUint32(afterR + k)) as [number, number, number, number, number];
        data = { kind: 'SOA', mname, rname, serial, refresh, retry, expire, minimum };
      } else data = { kind: 'raw', data: b.slice(rd, rd + rdlen) };
      sections[s]!.push({ name, type, class: cls, ttl, data });
      off = rd + rdlen;
    }
  }
  return {
    id: v.getUint16(0),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & 0x400) !== 0,
    tc: (flags & 0x200) !== 0,
    rd: (flags & 0x100) !== 0,
    ra: (flags & 0x80) !== 0,
    rcode: flags & 0xf,
    questions,
    answers: sections[0]!,
    authority: sections[1]!,
    additional: sections[2]!,
  };
}
