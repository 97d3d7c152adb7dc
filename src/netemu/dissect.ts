// tcpdump's one-line packet descriptions (tcpdump 4.99 at default verbosity): ARP, IPv4/IPv6,
// TCP with relative sequence numbers and options, UDP with DNS, VXLAN (4789), OTV (8472, which
// is how tcpdump decodes Cilium's VXLAN port) and Geneve (6081) with the inner packet, ICMP and
// ICMPv6 incl. neighbour discovery, HTTP request/status lines.

import { type Addr, fmtAddr } from './addr.ts';
import { DNS_TYPE_NAME, RCODE_NAME, decodeDns } from './dns.ts';
import { fmtMac } from './mac.ts';
import {
  type ArpPacket,
  type Encap,
  type EthFrame,
  type IcmpMessage,
  type IpPacket,
  TCP_ACK,
  TCP_CWR,
  TCP_ECE,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
  type TcpSegment,
  type UdpDatagram,
  ipLen,
  l4Len,
} from './packet.ts';
import { serializeIp } from './wire.ts';

export interface DissectOptions {
  /** -n count: 1 = numeric hosts, 2 = numeric hosts and ports. Hosts are always numeric here. */
  numeric: number;
  /** -e: print the link-level header. */
  ethernet: boolean;
  /** -A: print each packet in ASCII after its line. */
  ascii: boolean;
}

/** tcpdump's per-conversation initial sequence numbers, for relative seq/ack printing. */
export class TcpSeqTracker {
  private readonly conv = new Map<string, { seq: number; ack: number }>();

  /** Returns the seq/ack to print (tcpdump: relative once the conversation's first ACK was seen). */
  track(ip: IpPacket, t: TcpSegment): { seq: number; ack: number } {
    if (!(t.flags & TCP_ACK)) return { seq: t.seq, ack: t.ack };
    const a = `${ip.src}.${t.sport}`;
    const b = `${ip.dst}.${t.dport}`;
    const rev = a > b;
    const key = rev ? `${b}|${a}` : `${a}|${b}`;
    const e = this.conv.get(key);
    if (!e || t.flags & TCP_SYN) {
      this.conv.set(key, rev ? { ack: t.seq, seq: (t.ack - 1) >>> 0 } : { seq: t.seq, ack: (t.ack - 1) >>> 0 });
      return { seq: t.seq, ack: t.ack };
    }
    return rev
      ? { seq: (t.seq - e.ack) >>> 0, ack: (t.ack - e.seq) >>> 0 }
      : { seq: (t.seq - e.seq) >>> 0, ack: (t.ack - e.ack) >>> 0 };
  }
}

/** /etc/services names tcpdump prints without -nn. */
const SERVICES: Record<number, string> = {
  22: 'ssh',
  53: 'domain',
  80: 'http',
  179: 'bgp',
  443: 'https',
  2379: 'etcd-client',
  4789: 'vxlan',
  6081: 'geneve',
  6443: 'sun-sr-https',
  8080: 'http-alt',
  8472: 'otv',
};

function port(p: number, o: DissectOptions): string {
  return o.numeric >= 2 ? String(p) : (SERVICES[p] ?? String(p));
}

const TCP_FLAGS: [number, string][] = [
  [TCP_FIN, 'F'],
  [TCP_SYN, 'S'],
  [TCP_RST, 'R'],
  [TCP_PSH, 'P'],
  [TCP_ACK, '.'],
  [TCP_URG, 'U'],
  [TCP_ECE, 'E'],
  [TCP_CWR, 'W'],
];

function tcpFlags(f: number): string {
  let s = '';
  for (const [bit, c] of TCP_FLAGS) if (f & bit) s += c;
  return s === '' ? 'none' : s;
}

function tcpOptions(t: TcpSegment): string | undefined {
  const o = t.opts;
  const parts: string[] = [];
  if (o.mss !== undefined) {
    parts.push(`mss ${o.mss}`);
    if (o.sackOk) parts.push('sackOK');
    if (o.ts) parts.push(`TS val ${o.ts.val} ecr ${o.ts.ecr}`);
    else if (o.sackOk) parts.push('nop', 'nop');
    if (o.wscale !== undefined) parts.push('nop', `wscale ${o.wscale}`);
  } else if (o.ts) parts.push('nop', 'nop', `TS val ${o.ts.val} ecr ${o.ts.ecr}`);
  return parts.length > 0 ? parts.join(',') : undefined;
}

const HTTP_PORTS = new Set([80, 8080, 3128]);
const HTTP_START = /^(?:GET|HEAD|POST|PUT|DELETE|OPTIONS|PATCH|CONNECT|TRACE) \S+ HTTP\/\d\.\d$|^HTTP\/\d\.\d \d{3}/;

function tcpLine(ip: IpPacket, t: TcpSegment, seqs: TcpSeqTracker): string {
  const { seq, ack } = seqs.track(ip, t);
  const len = t.data.length;
  const fields: string[] = [`Flags [${tcpFlags(t.flags)}]`];
  if (len > 0 || t.flags & (TCP_SYN | TCP_FIN | TCP_RST)) fields.push(len > 0 ? `seq ${seq}:${(seq + len) >>> 0}` : `seq ${seq}`);
  if (t.flags & TCP_ACK) fields.push(`ack ${ack}`);
  fields.push(`win ${t.win}`);
  const opts = tcpOptions(t);
  if (opts) fields.push(`options [${opts}]`);
  fields.push(`length ${len}`);
  let s = fields.join(', ');
  if (len > 0 && (HTTP_PORTS.has(t.sport) || HTTP_PORTS.has(t.dport))) {
    const text = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('latin1');
    const first = text.split('\r\n', 1)[0]!;
    s += HTTP_START.test(first) ? `: HTTP: ${first}` : ': HTTP';
  } else if (len > 0 && (t.sport === 179 || t.dport === 179)) s += ': BGP';
  return s;
}

function dnsText(data: Uint8Array): string | undefined {
  let m: ReturnType<typeof decodeDns>;
  try {
    m = decodeDns(data);
  } catch {
    return undefined;
  }
  const typeName = (t: number) => DNS_TYPE_NAME[t] ?? `Type${t}`;
  if (!m.qr) {
    const q = m.questions[0];
    return `${m.id}${m.rd ? '+' : ''}${q ? ` ${typeName(q.type)}? ${q.name}` : ''} (${data.length})`;
  }
  let s = `${m.id}${m.rcode !== 0 ? ` ${RCODE_NAME[m.rcode] ?? m.rcode}` : ''}${m.aa ? '*' : ''}${m.ra ? '' : '-'}${m.tc ? '|' : ''}`;
  s += ` ${m.answers.length}/${m.authority.length}/${m.additional.length}`;
  const ans = m.answers.map((r) => {
    const d = r.data;
    switch (d.kind) {
      case 'A':
        return `${typeName(r.type)} ${fmtAddr(d.addr)}`;
      case 'AAAA':
        return `${typeName(r.type)} ${fmtAddr(d.addr)}`;
      case 'name':
        return `${typeName(r.type)} ${d.name}`;
      case 'SRV':
        return `SRV ${d.target}:${d.port} ${d.priority} ${d.weight}`;
      default:
        return typeName(r.type);
    }
  });
  if (ans.length > 0) s += ` ${ans.join(', ')}`;
  return `${s} (${data.length})`;
}

function encapText(e: Encap, o: DissectOptions, seqs: TcpSeqTracker, dport: number): string {
  if (e.kind === 'geneve') {
    return `Geneve, Flags [none], vni 0x${e.vni.toString(16)}${e.options?.length ? `, options [${e.options.length} bytes]` : ''}: ${frameText(e.inner, { ...o, ethernet: false }, seqs)}`;
  }
  // tcpdump decodes 8472 as OTV (Cisco's overlay); its header is VXLAN's with another name
  const head =
    dport === 8472
      ? `OTV, flags [I] (0x08), overlay 0, instance ${e.vni}`
      : `VXLAN, flags [I] (0x08), vni ${e.vni}`;
  return `${head}\n${frameText(e.inner, { ...o, ethernet: false }, seqs)}`;
}

function udpLine(u: UdpDatagram, o: DissectOptions, seqs: TcpSeqTracker): string {
  if (!(u.data instanceof Uint8Array)) return encapText(u.data, o, seqs, u.dport);
  if (u.sport === 53 || u.dport === 53) {
    const d = dnsText(u.data);
    if (d) return d;
  }
  return `UDP, length ${u.data.length}`;
}

const UNREACH: Record<number, string> = {
  0: 'net',
  1: 'host',
  9: 'net',
  10: 'host',
  13: 'host',
};

function icmpLine(ip: IpPacket, m: IcmpMessage): string {
  const len = l4Len(m);
  if (ip.v === 6) {
    switch (m.type) {
      case 128:
        return `ICMP6, echo request, id ${m.id}, seq ${m.seq}, length ${len}`;
      case 129:
        return `ICMP6, echo reply, id ${m.id}, seq ${m.seq}, length ${len}`;
      case 135:
        return `ICMP6, neighbor solicitation, who has ${fmtAddr(m.target ?? 0n)}, length ${len}`;
      case 136:
        return `ICMP6, neighbor advertisement, tgt is ${fmtAddr(m.target ?? 0n)}, length ${len}`;
      case 1: {
        const o = m.orig;
        const what = ['unreachable route', 'unreachable prohibited', '', 'unreachable address', 'unreachable port'][m.code] ?? 'unreachable';
        return `ICMP6, destination unreachable, ${what} ${o ? fmtAddr(o.dst) : ''}, length ${len}`;
      }
      case 2:
        return `ICMP6, packet too big, mtu ${m.mtu ?? 0}, length ${len}`;
      case 3:
        return `ICMP6, time exceeded in-transit, length ${len}`;
      default:
        return `ICMP6, type ${m.type}, length ${len}`;
    }
  }
  switch (m.type) {
    case 8:
      return `ICMP echo request, id ${m.id}, seq ${m.seq}, length ${len}`;
    case 0:
      return `ICMP echo reply, id ${m.id}, seq ${m.seq}, length ${len}`;
    case 11:
      return `ICMP time exceeded in-${m.code === 1 ? 'reassembly' : 'transit'}, length ${len}`;
    case 3: {
      const o = m.orig;
      const dst = o ? fmtAddr(o.dst) : '?';
      if (m.code === 3 && o && (o.l4.kind === 'udp' || o.l4.kind === 'tcp')) {
        return `ICMP ${dst} ${o.l4.kind} port ${o.l4.dport} unreachable, length ${len}`;
      }
      if (m.code === 2 && o) return `ICMP ${dst} protocol ${o.proto} unreachable, length ${len}`;
      if (m.code === 4) return `ICMP ${dst} unreachable - need to frag (mtu ${m.mtu ?? 0}), length ${len}`;
      if (m.code === 13) return `ICMP host ${dst} unreachable - admin prohibited filter, length ${len}`;
      return `ICMP ${UNREACH[m.code] ?? 'host'} ${dst} unreachable, length ${len}`;
    }
    default:
      return `ICMP type-#${m.type}, length ${len}`;
  }
}

function hostPort(a: Addr, p: number, o: DissectOptions): string {
  return `${fmtAddr(a)}.${port(p, o)}`;
}

export function ipText(ip: IpPacket, o: DissectOptions, seqs: TcpSeqTracker): string {
  const tag = ip.v === 4 ? 'IP' : 'IP6';
  const l4 = ip.l4;
  switch (l4.kind) {
    case 'tcp':
      return `${tag} ${hostPort(ip.src, l4.sport, o)} > ${hostPort(ip.dst, l4.dport, o)}: ${tcpLine(ip, l4, seqs)}`;
    case 'udp':
      return `${tag} ${hostPort(ip.src, l4.sport, o)} > ${hostPort(ip.dst, l4.dport, o)}: ${udpLine(l4, o, seqs)}`;
    case 'icmp':
      return `${tag} ${fmtAddr(ip.src)} > ${fmtAddr(ip.dst)}: ${icmpLine(ip, l4)}`;
    case 'raw':
      return `${tag} ${fmtAddr(ip.src)} > ${fmtAddr(ip.dst)}: ip-proto-${ip.proto} ${l4.data.length}`;
  }
}

function arpText(a: ArpPacket, length: number): string {
  if (a.op === 1) {
    const tha = a.tha !== 0 && a.tha !== 0xffffffffffff ? ` (${fmtMac(a.tha)})` : '';
    return `ARP, Request who-has ${fmtAddr(a.tpa)}${tha} tell ${fmtAddr(a.spa)}, length ${length}`;
  }
  if (a.op === 2) return `ARP, Reply ${fmtAddr(a.spa)} is-at ${fmtMac(a.sha)}, length ${length}`;
  return `ARP, Unknown (${a.op}), length ${length}`;
}

const ETHERTYPE: Record<number, string> = { 2048: 'IPv4', 2054: 'ARP', 34525: 'IPv6' };

/** The text after the timestamp (and interface/direction for `-i any`). `padded`: a received frame. */
export function frameText(f: EthFrame, o: DissectOptions, seqs: TcpSeqTracker, padded = false): string {
  const arpLen = padded ? 46 : 28;
  const body = f.payload.kind === 'arp' ? arpText(f.payload, arpLen) : ipText(f.payload, o, seqs);
  if (!o.ethernet) return body;
  const frameLen = Math.max(padded ? 60 : 0, 14 + (f.payload.kind === 'arp' ? 28 : ipLen(f.payload)));
  return `${fmtMac(f.src)} > ${fmtMac(f.dst)}, ethertype ${ETHERTYPE[f.type] ?? 'Unknown'} (0x${f.type.toString(16).padStart(4, '0')}), length ${frameLen}: ${body}`;
}

/** -A: the packet from the network header on, printable ASCII and newlines kept, CRs dropped. */
export function asciiDump(f: EthFrame): string {
  if (f.payload.kind !== 'ip') return '';
  const bytes = serializeIp(f.payload);
  let s = '';
  for (const c of bytes) {
    if (c === 13) continue;
    s += c === 10 || (c >= 32 && c < 127) ? String.fromCharCode(c) : '.';
  }
  return s;
}
