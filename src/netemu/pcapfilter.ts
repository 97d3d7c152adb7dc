// A pcap-filter(7) subset compiled to a predicate over captured frames: host/net/port/portrange
// with src/dst qualifiers, protocols (ether, arp, ip, ip6, tcp, udp, icmp, icmp6), less/greater,
// and/or/not with parentheses; a bare id repeats the previous qualifiers (`host a or b`).

import { type Addr, maskAddr, parseAddr, parsePrefix } from './addr.ts';
import { parseMac } from './mac.ts';
import { type EthFrame, ETH_P_ARP, ETH_P_IP, ETH_P_IPV6, ethLen } from './packet.ts';

export type FramePredicate = (f: EthFrame) => boolean;

export class FilterError extends Error {}

type Dir = 'src' | 'dst' | 'src or dst' | 'src and dst';

interface Quals {
  proto?: string;
  dir?: Dir;
  type?: 'host' | 'net' | 'port' | 'portrange';
}

const PROTOS = new Set(['ether', 'arp', 'ip', 'ip6', 'tcp', 'udp', 'icmp', 'icmp6', 'sctp']);

function tokenize(s: string): string[] {
  const out: string[] = [];
  const re = /\s*(\(|\)|!=|&&|\|\||!|[^\s()!&|]+)/y;
  let m: RegExpExecArray | null;
  let pos = 0;
  for (;;) {
    re.lastIndex = pos;
    m = re.exec(s);
    if (!m) break;
    out.push(m[1]!);
    pos = re.lastIndex;
  }
  if (s.slice(pos).trim() !== '') throw new FilterError('syntax error');
  return out;
}

export function compileFilter(expr: string): FramePredicate {
  const toks = tokenize(expr);
  if (toks.length === 0) return () => true;
  let i = 0;
  let last: Quals = {};
  const peek = () => toks[i];
  const next = () => toks[i++];

  const orExpr = (): FramePredicate => {
    let l = andExpr();
    while (peek() === 'or' || peek() === '||') {
      next();
      const a = l;
      const b = andExpr();
      l = (f) => a(f) || b(f);
    }
    return l;
  };
  const andExpr = (): FramePredicate => {
    let l = notExpr();
    for (;;) {
      const t = peek();
      if (t === 'and' || t === '&&') {
        next();
      } else if (t === undefined || t === ')' || t === 'or' || t === '||') break;
      // juxtaposition is an error in pcap-filter
      else throw new FilterError('syntax error');
      const a = l;
      const b = notExpr();
      l = (f) => a(f) && b(f);
    }
    return l;
  };
  const notExpr = (): FramePredicate => {
    const t = peek();
    if (t === 'not' || t === '!') {
      next();
      const a = notExpr();
      return (f) => !a(f);
    }
    if (t === '(') {
      next();
      const e = orExpr();
      if (next() !== ')') throw new FilterError('syntax error');
      return e;
    }
    return primitive();
  };
  const primitive = (): FramePredicate => {
    const q: Quals = {};
    let t = peek();
    if (t === undefined) throw new FilterError('syntax error');
    if (t === 'less' || t === 'greater') {
      next();
      const n = Number(next());
      if (!Number.isInteger(n)) throw new FilterError('syntax error');
      return t === 'less' ? (f) => ethLen(f) <= n : (f) => ethLen(f) >= n;
    }
    if (PROTOS.has(t)) {
      q.proto = t;
      next();
      t = peek();
    }
    if (t === 'src' || t === 'dst') {
      next();
      let dir: Dir = t;
      if ((peek() === 'or' || peek() === 'and') && (toks[i + 1] === 'src' || toks[i + 1] === 'dst')) {
        dir = peek() === 'or' ? 'src or dst' : 'src and dst';
        i += 2;
      }
      q.dir = dir;
      t = peek();
    }
    if (t === 'host' || t === 'net' || t === 'port' || t === 'portrange') {
      q.type = t;
      next();
      t = peek();
    }
    if (q.proto && !q.dir && !q.type) {
      // a protocol alone; `ether host`/`tcp port` style continue above
      last = q;
      return protoPred(q.proto);
    }
    if (!q.proto && !q.dir && !q.type) {
      // a bare id: the previous qualifiers apply
      if (!last.type && !last.dir) throw new FilterError('syntax error');
      Object.assign(q, last);
    }
    const id = next();
    if (id === undefined || id === ')' || id === '(') throw new FilterError('syntax error');
    last = q;
    let mask: string | undefined;
    if (toks[i] === 'mask') {
      i++;
      mask = next();
    }
    return valuePred(q, id, mask);
  };

  const e = orExpr();
  if (i !== toks.length) throw new FilterError('syntax error');
  return e;
}

function protoPred(p: string): FramePredicate {
  switch (p) {
    case 'arp':
      return (f) => f.type === ETH_P_ARP;
    case 'ip':
      return (f) => f.type === ETH_P_IP;
    case 'ip6':
      return (f) => f.type === ETH_P_IPV6;
    case 'ether':
      return () => true;
    case 'tcp':
      return (f) => f.payload.kind === 'ip' && f.payload.proto === 6;
    case 'udp':
      return (f) => f.payload.kind === 'ip' && f.payload.proto === 17;
    case 'icmp':
      return (f) => f.payload.kind === 'ip' && f.payload.v === 4 && f.payload.proto === 1;
    case 'icmp6':
      return (f) => f.payload.kind === 'ip' && f.payload.v === 6 && f.payload.proto === 58;
    default:
      return (f) => f.payload.kind === 'ip' && f.payload.proto === 132;
  }
}

function dirMatch(dir: Dir | undefined, src: boolean, dst: boolean): boolean {
  switch (dir) {
    case 'src':
      return src;
    case 'dst':
      return dst;
    case 'src and dst':
      return src && dst;
    default:
      return src || dst;
  }
}

function valuePred(q: Quals, id: string, mask: string | undefined): FramePredicate {
  const type = q.type ?? 'host';
  const proto = q.proto ? protoPred(q.proto) : () => true;
  if (q.proto === 'ether') {
    const mac = parseMac(id);
    if (mac === undefined) throw new FilterError(`bad ethernet address ${id}`);
    return (f) => dirMatch(q.dir, f.src === mac, f.dst === mac);
  }
  if (type === 'port' || type === 'portrange') {
    let lo: number;
    let hi: number;
    if (type === 'portrange') {
      const m = /^(\d+)-(\d+)$/.exec(id);
      if (!m) throw new FilterError(`illegal port range ${id}`);
      lo = Number(m[1]);
      hi = Number(m[2]);
    } else {
      lo = hi = Number(id);
      if (!/^\d+$/.test(id) || lo > 65535) throw new FilterError(`unknown port '${id}'`);
    }
    const inRange = (p: number) => p >= lo && p <= hi;
    return (f) => {
      const ip = f.payload;
      if (ip.kind !== 'ip' || (ip.l4.kind !== 'tcp' && ip.l4.kind !== 'udp') || !proto(f)) return false;
      return dirMatch(q.dir, inRange(ip.l4.sport), inRange(ip.l4.dport));
    };
  }
  let net: { addr: Addr; len: number };
  if (type === 'net') {
    const p = parsePrefix(mask ? `${id}/${maskLen(mask)}` : id.includes('/') ? id : classful(id));
    if (!p) throw new FilterError(`non-network bits set in "${id}"`);
    net = p;
  } else {
    const a = parseAddr(id);
    if (a === undefined) throw new FilterError(`unknown host '${id}'`);
    net = { addr: a, len: typeof a === 'number' ? 32 : 128 };
  }
  const inNet = (a: Addr) => typeof a === typeof net.addr && maskAddr(a, net.len) === net.addr;
  return (f) => {
    const p = f.payload;
    if (p.kind === 'arp') return (!q.proto || q.proto === 'arp') && dirMatch(q.dir, inNet(p.spa), inNet(p.tpa));
    return proto(f) && dirMatch(q.dir, inNet(p.src), inNet(p.dst));
  };
}

function maskLen(mask: string): number {
  const a = parseAddr(mask);
  if (typeof a !== 'number') throw new FilterError(`bad mask ${mask}`);
  let n = 0;
  for (let b = 31; b >= 0 && (a >>> b) & 1; b--) n++;
  return n;
}

/** `net 10` means 10.0.0.0/8: the length follows the number of octets given. */
function classful(id: string): string {
  const parts = id.split('.');
  if (parts.length >= 4) return `${id}/32`;
  return `${[...parts, '0', '0', '0'].slice(0, 4).join('.')}/${parts.length * 8}`;
}
