// `tcpdump` 4.99: live lines on one interface (EN10MB) or on `any` (LINUX_SLL2, with the
// interface and In/Out columns), a filter expression, -c, -w FILE (pcap), -n/-nn, -e, -A, -t.

import { type DissectOptions, TcpSeqTracker, asciiDump, frameText } from '../dissect.ts';
import { type ExecContext, parseArgs } from '../exec.ts';
import type { Iface } from '../iface.ts';
import type { Skb } from '../packet.ts';
import { LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL2, PcapWriter } from '../pcap.ts';
import { FilterError, compileFilter } from '../pcapfilter.ts';

/** HH:MM:SS.uuuuuu in UTC. */
export function tcpdumpTime(ms: number): string {
  const us = Math.round(ms * 1000);
  const d = new Date(Math.floor(us / 1000));
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${String(us % 1_000_000).padStart(6, '0')}`;
}

export async function tcpdumpCommand(ctx: ExecContext): Promise<number> {
  const parsed = parseArgs(ctx.argv.slice(1), ['-i', '-c', '-w', '-s', '-r', '-W', '-C', '-G', '-B', '-y', '-F', '-E', '-j', '-T', '-Z']);
  if (typeof parsed === 'string') {
    ctx.stderr.write(`tcpdump: ${parsed}\nUsage: tcpdump [-AbdDefhHIJKlLnNOpqStuUvxX#] [ -B size ] [ -c count ] [--count]\n`);
    return 1;
  }
  const f = parsed.flags;
  for (const bad of ['-r', '-W', '-C', '-G', '-F', '-E', '-j', '-T', '-Z']) {
    if (f.has(bad)) {
      ctx.stderr.write(`tcpdump: option ${bad} is not supported in this emulation\n`);
      return 1;
    }
  }
  const host = ctx.host;
  const ifname = f.get('-i')?.[0] ?? host.ifaceList().find((d) => d.kind !== 'loopback' && d.adminUp)?.name ?? 'lo';
  const any = ifname === 'any';
  let dev: Iface | undefined;
  if (!any) {
    dev = host.iface(ifname);
    if (!dev) {
      ctx.stderr.write(`tcpdump: ${ifname}: No such device exists\n(No such device exists)\n`);
      return 1;
    }
    if (!dev.adminUp) {
      ctx.stderr.write(`tcpdump: ${ifname}: That device is not up\n`);
      return 1;
    }
  }
  let filter: ReturnType<typeof compileFilter>;
  try {
    filter = compileFilter(parsed.rest.join(' '));
  } catch (e) {
    if (e instanceof FilterError) {
      ctx.stderr.write(`tcpdump: can't parse filter expression: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  const countLimit = f.has('-c') ? Number(f.get('-c')![0]) : Number.POSITIVE_INFINITY;
  if (!(countLimit > 0)) {
    ctx.stderr.write(`tcpdump: invalid packet count ${f.get('-c')![0]}\n`);
    return 1;
  }
  const file = f.get('-w')?.[0];
  const opts: DissectOptions = {
    numeric: f.get('-n')?.length ?? 0,
    ethernet: f.has('-e'),
    ascii: f.has('-A'),
  };
  const verbose = f.has('-v');
  const noTime = f.has('-t');
  const linkDesc = any ? 'LINUX_SLL2 (Linux cooked v2)' : 'EN10MB (Ethernet)';
  if (any) ctx.stderr.write('tcpdump: data link type LINUX_SLL2\n');
  if (file) ctx.stderr.write(`tcpdump: listening on ${ifname}, link-type ${linkDesc}, snapshot length 262144 bytes\n`);
  else {
    if (!verbose) ctx.stderr.write('tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\n');
    ctx.stderr.write(`listening on ${ifname}, link-type ${linkDesc}, snapshot length 262144 bytes\n`);
  }
  const writer = file ? new PcapWriter(any ? LINKTYPE_LINUX_SLL2 : LINKTYPE_ETHERNET) : undefined;
  if (writer) host.writeFile(file!, writer.header());
  const seqs = new TcpSeqTracker();
  let captured = 0;
  let seen = 0;
  const done = new AbortController();
  const stop = () => done.abort();
  ctx.signal.addEventListener('abort', stop, { once: true });
  const tap = (d: Iface, skb: Skb, dir: 'In' | 'Out') => {
    if (done.signal.aborted || (!any && d !== dev)) return;
    seen++;
    if (!filter(skb.frame)) return;
    captured++;
    // packet-buffered (-U): the file grows as packets come
    if (writer) host.writeFile(file!, writer.add(d, skb, dir, skb.t), true);
    else {
      const padded = dir === 'In' && d.kind === 'ether';
      let line = noTime ? '' : `${tcpdumpTime(skb.t)} `;
      if (any) line += `${d.name.padEnd(5)} ${dir.padEnd(3)} `;
      line += frameText(skb.frame, opts, seqs, padded);
      if (opts.ascii) line += `\n${asciiDump(skb.frame)}`;
      ctx.stdout.write(`${line}\n`);
    }
    if (captured >= countLimit) stop();
  };
  host.taps.add(tap);
  try {
    if (!done.signal.aborted) await new Promise<void>((resolve) => done.signal.addEventListener('abort', () => resolve(), { once: true }));
  } finally {
    host.taps.delete(tap);
    ctx.signal.removeEventListener('abort', stop);
  }
  ctx.stderr.write(`${captured} packet${captured === 1 ? '' : 's'} captured\n${seen} packet${seen === 1 ? '' : 's'} received by filter\n0 packets dropped by kernel\n`);
  return 0;
}
