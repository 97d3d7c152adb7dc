// The stub resolver (glibc getaddrinfo): /etc/hosts first, then DNS over UDP to the nameservers of
// /etc/resolv.conf, walking the search list by the ndots rule, with per-try timeout and
// attempts on the Clock. Real queries leave the host, so tcpdump shows them.

import { type Addr, fmtAddr, isV4, parseAddr } from './addr.ts';
import { DNS_TYPE, RCODE, decodeDns, dnsQuery, encodeDns } from './dns.ts';
import { sleepFor } from '../controller/clock.ts';
import type { Host } from './host.ts';

export interface ResolvConf {
  nameservers: Addr[];
  search: string[];
  ndots: number;
  timeoutMs: number;
  attempts: number;
}

const dec = new TextDecoder();

export function readResolvConf(host: Host): ResolvConf {
  const conf: ResolvConf = { nameservers: [], search: [], ndots: 1, timeoutMs: 5000, attempts: 2 };
  const data = host.readFile('/etc/resolv.conf');
  if (!data) return conf;
  for (const raw of dec.decode(data).split('\n')) {
    const [key, ...vals] = raw.trim().split(/\s+/);
    if (key === 'nameserver' && vals[0]) {
      const a = parseAddr(vals[0]);
      if (a !== undefined) conf.nameservers.push(a);
    } else if (key === 'search' || key === 'domain') conf.search = vals;
    else if (key === 'options') {
      for (const o of vals) {
        const [k, v] = o.split(':');
        if (k === 'ndots') conf.ndots = Math.min(15, Number(v) || 0);
        else if (k === 'timeout') conf.timeoutMs = Math.max(1, Number(v) || 5) * 1000;
        else if (k === 'attempts') conf.attempts = Math.max(1, Math.min(5, Number(v) || 2));
      }
    }
  }
  return conf;
}

/** /etc/hosts, plus the implicit localhost entries. */
export function lookupHostsFile(host: Host, name: string, family: 4 | 6 | 'any'): Addr[] {
  const out: Addr[] = [];
  const want = (a: Addr) => family === 'any' || (family === 4) === isV4(a);
  const data = host.readFile('/etc/hosts');
  if (data) {
    for (const raw of dec.decode(data).split('\n')) {
      const line = raw.replace(/#.*/, '').trim();
      if (!line) continue;
      const [ip, ...names] = line.split(/\s+/);
      const a = parseAddr(ip ?? '');
      if (a !== undefined && names.some((n) => n.toLowerCase() === name.toLowerCase()) && want(a)) out.push(a);
    }
  }
  if (out.length === 0 && (name === 'localhost' || name === 'localhost.localdomain')) {
    if (want(0x7f000001)) out.push(0x7f000001);
    if (want(1n)) out.push(1n);
  }
  return out;
}

/** Every address for `name` (an IP literal is returned as is); undefined when it does not resolve. */
export async function resolveAll(host: Host, name: string, family: 4 | 6 | 'any', signal?: AbortSignal): Promise<Addr[] | undefined> {
  const literal = parseAddr(name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name);
  if (literal !== undefined) return [literal];
  if (name === '' || name.length > 253) return undefined;
  const fromFile = lookupHostsFile(host, name.replace(/\.$/, ''), family);
  if (fromFile.length > 0) return fromFile;
  const conf = readResolvConf(host);
  if (conf.nameservers.length === 0) return undefined;
  const dots = (name.replace(/\.$/, '').match(/\./g) ?? []).length;
  const candidates = name.endsWith('.')
    ? [name]
    : dots >= conf.ndots
      ? [name, ...conf.search.map((s) => `${name}.${s}`)]
      : [...conf.search.map((s) => `${name}.${s}`), name];
  const types = family === 4 ? [DNS_TYPE.A!] : family === 6 ? [DNS_TYPE.AAAA!] : [DNS_TYPE.A!, DNS_TYPE.AAAA!];
  for (const cand of candidates) {
    const res = await queryAll(host, conf, cand, types, signal);
    if (res === 'timeout' || signal?.aborted) return undefined;
    if (res.length > 0) return res;
  }
  return undefined;
}

export async function resolveHost(host: Host, name: string, family: 4 | 6 | 'any', signal?: AbortSignal): Promise<Addr | undefined> {
  const all = await resolveAll(host, name, family, signal);
  if (!all) return undefined;
  return all.find(isV4) ?? all[0];
}

/** Sends one query per type to each nameserver in turn; returns the addresses, [] for NXDOMAIN/no data. */
async function queryAll(host: Host, conf: ResolvConf, name: string, types: number[], signal?: AbortSignal): Promise<Addr[] | 'timeout'> {
  for (let attempt = 0; attempt < conf.attempts; attempt++) {
    for (const ns of conf.nameservers) {
      const r = await queryServer(host, ns, name, types, conf.timeoutMs, signal);
      if (r !== 'timeout') return r;
      if (signal?.aborted) return 'timeout';
    }
  }
  return 'timeout';
}

function queryServer(host: Host, ns: Addr, name: string, types: number[], timeoutMs: number, signal?: AbortSignal): Promise<Addr[] | 'timeout'> {
  return new Promise((resolve) => {
    const sock = host.udp.createSocket(isV4(ns) ? 'udp4' : 'udp6');
    const pending = new Map<number, number>();
    const addrs: Addr[] = [];
    let answered = 0;
    let settled = false;
    const ac = new AbortController();
    const finish = (v: Addr[] | 'timeout') => {
      if (settled) return;
      settled = true;
      ac.abort();
      sock.close();
      resolve(v);
    };
    sock.on('error', () => finish('timeout'));
    sock.on('message', (msg: Buffer, rinfo: { address: string; port: number }) => {
      if (rinfo.address !== fmtAddr(ns) || rinfo.port !== 53) return;
      let m: ReturnType<typeof decodeDns>;
      try {
        m = decodeDns(msg);
      } catch {
        return;
      }
      if (!m.qr || !pending.has(m.id)) return;
      pending.delete(m.id);
      answered++;
      if (m.rcode === RCODE.NOERROR) {
        for (const a of m.answers) {
          if (a.data.kind === 'A') addrs.push(a.data.addr);
          else if (a.data.kind === 'AAAA') addrs.push(a.data.addr);
        }
      }
      if (answered === types.length) finish(addrs);
    });
    for (const t of types) {
      const id = host.rng.int(65536);
      pending.set(id, t);
      sock.send(encodeDns(dnsQuery(id, name, t)), 53, fmtAddr(ns));
    }
    const stop = signal ?? new AbortController().signal;
    void sleepFor(host.clock, timeoutMs, AbortSignal.any([stop, ac.signal])).then(() => finish('timeout'));
  });
}
