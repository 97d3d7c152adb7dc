// kube-dns / CoreDNS's kubernetes plugin: A/AAAA for `<svc>.<ns>.svc.<domain>` (ClusterIPs, or
// endpoint IPs for headless services), SRV for `_<port>._<proto>.<svc>.<ns>.svc.<domain>`,
// `<a-b-c-d>.<ns>.pod.<domain>`, PTR for service IPs; NXDOMAIN with the zone's SOA otherwise.
// Served on UDP and TCP port 53. The lab supplies the view of services (`ClusterDns`).

import { fmtAddr, parseAddr } from '../netemu/addr.ts';
import { DNS_TYPE, type DnsMessage, type DnsRecord, RCODE, decodeDns, encodeDns } from '../netemu/dns.ts';
import type { Host } from '../netemu/host.ts';
import type { TcpSocket } from '../netemu/tcp.ts';

export interface DnsServicePort {
  name?: string;
  port: number;
  protocol: string;
}

export interface DnsService {
  clusterIPs: string[];
  headless: boolean;
  endpoints: { ip: string; hostname?: string }[];
  ports: DnsServicePort[];
}

/** What kube-dns knows about the cluster; the lab implements it over the store. */
export interface ClusterDns {
  service(namespace: string, name: string): DnsService | undefined;
  /** The service owning a ClusterIP, for PTR queries. */
  serviceByIP?(ip: string): { namespace: string; name: string } | undefined;
  /** Answers for names outside the cluster domain (CoreDNS `forward`); NXDOMAIN when absent. */
  upstream?(name: string, type: number): DnsRecord[] | undefined;
}

const TTL = 30;

export class KubeDns {
  private readonly domain: string;
  constructor(
    private readonly view: ClusterDns,
    domain = 'cluster.local',
  ) {
    this.domain = domain.toLowerCase();
  }

  private soa(): DnsRecord {
    return {
      name: `${this.domain}.`,
      type: DNS_TYPE.SOA!,
      class: 1,
      ttl: TTL,
      data: {
        kind: 'SOA',
        mname: `ns.dns.${this.domain}.`,
        rname: `hostmaster.${this.domain}.`,
        serial: 1754000000,
        refresh: 7200,
        retry: 1800,
        expire: 86400,
        minimum: TTL,
      },
    };
  }

  answer(q: DnsMessage): DnsMessage {
    const reply: DnsMessage = { ...q, qr: true, aa: true, ra: true, rcode: RCODE.NOERROR, answers: [], authority: [], additional: [] };
    const question = q.questions[0];
    if (!question || q.opcode !== 0) return { ...reply, rcode: RCODE.NOTIMP };
    const name = question.name.toLowerCase().replace(/\.$/, '');
    const inZone = name === this.domain || name.endsWith(`.${this.domain}`);
    if (!inZone && !name.endsWith('.in-addr.arpa')) {
      const up = this.view.upstream?.(name, question.type);
      if (up) return { ...reply, aa: false, answers: up };
      return { ...reply, aa: false, rcode: RCODE.NXDOMAIN };
    }
    const found = name.endsWith('.in-addr.arpa') ? this.ptr(name, question.name) : this.lookup(name, question.type, question.name);
    if (found === undefined) return { ...reply, rcode: RCODE.NXDOMAIN, authority: [this.soa()] };
    if (found.answers.length === 0) return { ...reply, authority: [this.soa()] };
    return { ...reply, answers: found.answers, additional: found.additional };
  }

  private addrRecords(owner: string, ips: string[], type: number): DnsRecord[] {
    const out: DnsRecord[] = [];
    for (const text of ips) {
      const a = parseAddr(text);
      if (a === undefined) continue;
      if (type === DNS_TYPE.A && typeof a === 'number') out.push({ name: owner, type, class: 1, ttl: TTL, data: { kind: 'A', addr: a } });
      if (type === DNS_TYPE.AAAA && typeof a === 'bigint') out.push({ name: owner, type, class: 1, ttl: TTL, data: { kind: 'AAAA', addr: a } });
    }
    return out;
  }

  /** undefined = NXDOMAIN, empty answers = the name exists but has no such records. */
  private lookup(name: string, type: number, owner: string): { answers: DnsRecord[]; additional: DnsRecord[] } | undefined {
    const labels = name.slice(0, name.length - this.domain.length - 1).split('.');
    const kind = labels[labels.length - 1];
    if (kind === 'pod' && labels.length === 3) {
      const ip = labels[0]!.replaceAll('-', '.');
      const a = parseAddr(ip) ?? parseAddr(labels[0]!.replaceAll('-', ':'));
      if (a === undefined) return undefined;
      return { answers: this.addrRecords(owner, [fmtAddr(a)], type), additional: [] };
    }
    if (kind !== 'svc') return labels.length === 1 && (labels[0] === 'svc' || labels[0] === 'pod') ? { answers: [], additional: [] } : undefined;
    if (labels.length === 3) {
      const [svcName, ns] = labels as [string, string];
      const svc = this.view.service(ns, svcName);
      if (!svc) return undefined;
      if (type === DNS_TYPE.SRV) return { answers: [], additional: [] };
      const ips = svc.headless ? svc.endpoints.map((e) => e.ip) : svc.clusterIPs;
      return { answers: this.addrRecords(owner, ips, type), additional: [] };
    }
    if (labels.length === 5 && labels[0]!.startsWith('_') && labels[1]!.startsWith('_')) {
      const [portName, proto, svcName, ns] = [labels[0]!.slice(1), labels[1]!.slice(1), labels[2]!, labels[3]!];
      const svc = this.view.service(ns, svcName);
      const port = svc?.ports.find((p) => p.name === portName && p.protocol.toLowerCase() === proto);
      if (!svc || !port) return undefined;
      if (type !== DNS_TYPE.SRV) return { answers: [], additional: [] };
      const target = `${svcName}.${ns}.svc.${this.domain}.`;
      return {
        answers: [{ name: owner, type: DNS_TYPE.SRV!, class: 1, ttl: TTL, data: { kind: 'SRV', priority: 0, weight: 100, port: port.port, target } }],
        additional: this.addrRecords(target, svc.headless ? svc.endpoints.map((e) => e.ip) : svc.clusterIPs, DNS_TYPE.A!),
      };
    }
    if (labels.length === 4) {
      // <hostname>.<svc>.<ns>.svc: a headless service's named endpoint
      const [hostname, svcName, ns] = labels as [string, string, string];
      const ep = this.view.service(ns, svcName)?.endpoints.find((e) => e.hostname === hostname);
      if (!ep) return undefined;
      return { answers: this.addrRecords(owner, [ep.ip], type), additional: [] };
    }
    return labels.length === 2 ? { answers: [], additional: [] } : undefined;
  }

  private ptr(name: string, owner: string): { answers: DnsRecord[]; additional: DnsRecord[] } | undefined {
    const octets = name.replace(/\.in-addr\.arpa$/, '').split('.').reverse();
    if (octets.length !== 4) return undefined;
    const svc = this.view.serviceByIP?.(octets.join('.'));
    if (!svc) return undefined;
    return {
      answers: [{ name: owner, type: DNS_TYPE.PTR!, class: 1, ttl: TTL, data: { kind: 'name', name: `${svc.name}.${svc.namespace}.svc.${this.domain}.` } }],
      additional: [],
    };
  }

  handle(packet: Uint8Array): Buffer | undefined {
    let q: DnsMessage;
    try {
      q = decodeDns(packet);
    } catch {
      if (packet.length < 12) return undefined;
      // FORMERR with the header's id
      const id = (packet[0]! << 8) | packet[1]!;
      return encodeDns({ id, qr: true, opcode: 0, aa: false, tc: false, rd: false, ra: true, rcode: RCODE.FORMERR, questions: [], answers: [], authority: [], additional: [] });
    }
    if (q.qr) return undefined;
    return encodeDns(this.answer(q));
  }
}

/** Serves DNS on UDP and TCP port 53 of `host`; returns a stop function. */
export function startKubeDns(host: Host, view: ClusterDns): () => void {
  const dns = new KubeDns(view);
  const udp = host.udp.createSocket('udp4');
  udp.on('error', () => {});
  udp.on('message', (msg: Buffer, rinfo: { address: string; port: number }) => {
    const reply = dns.handle(msg);
    if (reply) udp.send(reply, rinfo.port, rinfo.address);
  });
  udp.bind(53);
  const tcp = host.tcp.createServer((s: TcpSocket) => {
    s.on('error', () => {});
    let buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const reply = dns.handle(buf.subarray(2, 2 + len));
        buf = buf.subarray(2 + len);
        if (reply) {
          const hdr = Buffer.alloc(2);
          hdr.writeUInt16BE(reply.length);
          s.write(Buffer.concat([hdr, reply]));
        }
      }
    });
  });
  tcp.on('error', () => {});
  tcp.listen(53);
  return () => {
    udp.close();
    tcp.close();
  };
}
