// `ping` (iputils) and `arping` (Thomas Habets' arping, as Ubuntu's `arping` package installs).

import { type Addr, fmtAddr, isV4, parseAddr } from '../addr.ts';
import { type ExecContext, parseArgs } from '../exec.ts';
import { sleepFor } from '../../controller/clock.ts';
import type { Iface } from '../iface.ts';
import { BROADCAST_MAC, fmtMac } from '../mac.ts';
import { ARP_REPLY, ARP_REQUEST, ETH_P_ARP, IPPROTO_ICMP, IPPROTO_ICMPV6, makeIp } from '../packet.ts';
import { resolveHost } from '../resolver.ts';
import { ICMP, type PingEvent } from '../stack.ts';

/** iputils' time= precision: 3 decimals under 1 ms, 2 under 10 ms, 1 under 100 ms. */
function fmtRtt(ms: number): string {
  const us = Math.round(ms * 1000);
  if (us >= 100_000 - 50) return `${Math.round(us / 1000)}`;
  if (us >= 10_000 - 5) return (us / 1000).toFixed(1);
  if (us >= 1000) return (us / 1000).toFixed(2);
  return (us / 1000).toFixed(3);
}

function errorText(v4: boolean, type: number, code: number): string {
  if (v4 && type === ICMP.TIME_EXCEEDED) return 'Time to live exceeded';
  if (!v4 && type === ICMP.V6_TIME_EXCEEDED) return 'Time exceeded: Hop limit';
  if (v4 && type === ICMP.DEST_UNREACH) {
    return (
      ['Destination Net Unreachable', 'Destination Host Unreachable', 'Destination Protocol Unreachable', 'Destination Port Unreachable', 'Frag needed and DF set'][
        code
      ] ?? (code === 13 ? 'Packet filtered' : `Dest Unreachable, Bad Code: ${code}`)
    );
  }
  if (!v4 && type === ICMP.V6_DEST_UNREACH) {
    return ['Destination unreachable: No route', 'Destination unreachable: Administratively prohibited', '', 'Destination unreachable: Address unreachable', 'Destination unreachable: Port unreachable'][code] ?? 'Destination unreachable';
  }
  return `Bad ICMP type: ${type}`;
}

function seconds(v: string | undefined): number | string {
  if (v === undefined) return Number.NaN;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) return `ping: invalid argument: '${v}'`;
  return n;
}

export async function pingCommand(ctx: ExecContext): Promise<number> {
  const parsed = parseArgs(ctx.argv.slice(1), ['-c', '-i', '-w', '-W', '-s', '-t', '-I', '-p']);
  if (typeof parsed === 'string') {
    ctx.stderr.write(`ping: ${parsed}\n`);
    return 2;
  }
  const f = parsed.flags;
  const target = parsed.rest[0];
  if (!target) {
    ctx.stderr.write('ping: usage error: Destination address required\n');
    return 1;
  }
  const count = f.has('-c') ? Number(f.get('-c')![0]) : Number.POSITIVE_INFINITY;
  const intervalS = f.has('-i') ? seconds(f.get('-i')![0]) : 1;
  const deadlineS = f.has('-w') ? seconds(f.get('-w')![0]) : Number.NaN;
  const waitS = f.has('-W') ? seconds(f.get('-W')![0]) : 10;
  const size = f.has('-s') ? Number(f.get('-s')![0]) : 56;
  const ttl = f.has('-t') ? Number(f.get('-t')![0]) : 64;
  for (const v of [intervalS, deadlineS, waitS]) {
    if (typeof v === 'string') {
      ctx.stderr.write(`${v}\n`);
      return 1;
    }
  }
  if (!(count > 0) || !Number.isInteger(size) || size < 0 || size > 65507 || !(ttl >= 1 && ttl <= 255)) {
    ctx.stderr.write('ping: invalid argument\n');
    return 1;
  }
  const quiet = f.has('-q');
  const host = ctx.host;
  const dst = await resolveHost(host, target, f.has('-6') ? 6 : 4, ctx.signal);
  if (dst === undefined) {
    ctx.stderr.write(`ping: ${target}: Name or service not known\n`);
    return 2;
  }
  let oif: Iface | undefined;
  let src: Addr = isV4(dst) ? 0 : 0n;
  const iArg = f.get('-I')?.[0];
  if (iArg !== undefined) {
    const a = parseAddr(iArg);
    if (a !== undefined) src = a;
    else {
      oif = host.iface(iArg);
      if (!oif) {
        ctx.stderr.write(`ping: SO_BINDTODEVICE ${iArg}: No such device\n`);
        return 2;
      }
    }
  }
  const v4 = isV4(dst);
  let id = 1 + host.rng.int(65535);
  while (host.stack.pingHandlers.has(id)) id = (id % 65535) + 1;
  const dstText = fmtAddr(dst);
  ctx.stdout.write(v4 ? `PING ${target} (${dstText}) ${size}(${size + 28}) bytes of data.\n` : `PING ${target} (${dstText}) ${size} data bytes\n`);
  const sent = new Map<number, number>();
  const rtts: number[] = [];
  let transmitted = 0;
  let received = 0;
  let errors = 0;
  let firstSend = 0;
  let lastSend = 0;
  const done = new AbortController();
  const finish = () => done.abort();
  ctx.signal.addEventListener('abort', finish, { once: true });
  const stopWhenComplete = () => {
    if (transmitted >= count && received + errors >= transmitted) finish();
  };
  host.stack.pingHandlers.set(id, (ev: PingEvent) => {
    if (done.signal.aborted) return;
    if (ev.kind === 'reply') {
      const at = sent.get(ev.icmp.seq);
      if (at === undefined) return;
      const rtt = ev.t - at;
      rtts.push(rtt);
      received++;
      if (!quiet) {
        ctx.stdout.write(
          `${ev.icmp.data.length + 8} bytes from ${fmtAddr(ev.ip.src)}: icmp_seq=${ev.icmp.seq} ttl=${ev.ip.ttl} time=${fmtRtt(rtt)} ms\n`,
        );
      }
    } else {
      errors++;
      if (!quiet) ctx.stdout.write(`From ${fmtAddr(ev.from)} icmp_seq=${ev.seq} ${errorText(v4, ev.type, ev.code)}\n`);
    }
    stopWhenComplete();
  });
  if (!Number.isNaN(deadlineS)) {
    const t = ctx.clock.setTimeout(finish, (deadlineS as number) * 1000);
    done.signal.addEventListener('abort', () => t.cancel(), { once: true });
  }
  let status = 0;
  try {
    for (let seq = 1; seq <= count && !done.signal.aborted; seq++) {
      const data = new Uint8Array(size);
      const icmp = { kind: 'icmp' as const, type: v4 ? ICMP.ECHO_REQUEST : ICMP.V6_ECHO_REQUEST, code: 0, id, seq, data };
      const ip = makeIp(src, dst, v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6, icmp, { ttl, id: host.stack.nextIpId() });
      const now = host.net.now();
      if (transmitted === 0) firstSend = now;
      lastSend = now;
      sent.set(seq, now);
      transmitted++;
      const err = host.stack.output(ip, { oif });
      if (err) {
        ctx.stderr.write(`ping: connect: ${err === 'ENETUNREACH' ? 'Network is unreachable' : err === 'EHOSTUNREACH' ? 'No route to host' : 'Invalid argument'}\n`);
        status = 2;
        return status;
      }
      if (seq < count) await sleepFor(ctx.clock, (intervalS as number) * 1000, done.signal);
    }
    if (!done.signal.aborted) {
      // after the last request: linger for -W (or until the deadline) waiting for replies
      stopWhenComplete();
      await sleepFor(ctx.clock, Number.isNaN(deadlineS) ? (waitS as number) * 1000 : Number.POSITIVE_INFINITY, done.signal);
    }
  } finally {
    host.stack.pingHandlers.delete(id);
    ctx.signal.removeEventListener('abort', finish);
  }
  const loss = transmitted === 0 ? 0 : Math.round(((transmitted - received) * 100) / transmitted);
  const time = Math.max(0, Math.round(lastSend - firstSend));
  ctx.stdout.write(`\n--- ${target} ping statistics ---\n`);
  ctx.stdout.write(
    `${transmitted} packets transmitted, ${received} received, ${errors > 0 ? `+${errors} errors, ` : ''}${loss}% packet loss, time ${time}ms\n`,
  );
  if (received > 0) {
    const min = Math.min(...rtts);
    const max = Math.max(...rtts);
    const avg = rtts.reduce((a, b) => a + b, 0) / rtts.length;
    const mdev = Math.sqrt(rtts.reduce((a, b) => a + b * b, 0) / rtts.length - avg * avg);
    ctx.stdout.write(`rtt min/avg/max/mdev = ${min.toFixed(3)}/${avg.toFixed(3)}/${max.toFixed(3)}/${mdev.toFixed(3)} ms\n`);
  }
  return received > 0 ? 0 : 1;
}

export async function arpingCommand(ctx: ExecContext): Promise<number> {
  const parsed = parseArgs(ctx.argv.slice(1), ['-i', '-c', '-w', '-W', '-I', '-S']);
  if (typeof parsed === 'string') {
    ctx.stderr.write(`arping: ${parsed}\n`);
    return 1;
  }
  const f = parsed.flags;
  const target = parsed.rest[0];
  const host = ctx.host;
  const tpa = target !== undefined ? parseAddr(target) : undefined;
  if (target === undefined || tpa === undefined || !isV4(tpa)) {
    ctx.stderr.write(target === undefined ? 'arping: No target specified\n' : `arping: Unable to resolve "${target}"\n`);
    return 1;
  }
  const ifname = f.get('-i')?.[0] ?? f.get('-I')?.[0];
  let dev: Iface | undefined;
  if (ifname !== undefined) dev = host.iface(ifname);
  else {
    const r = host.stack.lookupRoute(tpa);
    dev = 'route' in r ? r.nh?.dev : undefined;
  }
  if (!dev || dev.kind === 'loopback') {
    ctx.stderr.write(`arping: Unable to find interface${ifname !== undefined ? ` "${ifname}"` : ''}: No such device\n`);
    return 1;
  }
  const count = f.has('-c') ? Number(f.get('-c')![0]) : Number.POSITIVE_INFINITY;
  const intervalMs = f.has('-W') ? Number(f.get('-W')![0]) * 1000 : 1000;
  const deadlineMs = f.has('-w') ? Number(f.get('-w')![0]) * 1000 : Number.NaN;
  const spa = (f.has('-S') ? parseAddr(f.get('-S')![0]!) : undefined) ?? (dev.v4Addrs()[0]?.addr as number | undefined) ?? 0;
  ctx.stdout.write(`ARPING ${fmtAddr(tpa)}\n`);
  const done = new AbortController();
  const stop = () => done.abort();
  ctx.signal.addEventListener('abort', stop, { once: true });
  if (!Number.isNaN(deadlineMs)) ctx.clock.setTimeout(stop, deadlineMs);
  let sent = 0;
  let received = 0;
  let extra = 0;
  let answered = true;
  let lastTimedOut = false;
  let sentAt = 0;
  const rtts: number[] = [];
  const tap = (d: Iface, skb: { frame: { type: number; payload: unknown; src: number }; t: number }, dir: 'In' | 'Out') => {
    if (d !== dev || dir !== 'In' || skb.frame.type !== ETH_P_ARP) return;
    const arp = skb.frame.payload as { op: number; spa: number; sha: number };
    if (arp.op !== ARP_REPLY || arp.spa !== tpa) return;
    if (answered) {
      extra++;
      return;
    }
    answered = true;
    const us = (skb.t - sentAt) * 1000;
    rtts.push(us / 1000);
    // Habets arping: the reply frame padded to 60 bytes, time in usec/msec
    const time = us < 1000 ? `${us.toFixed(3)} usec` : us < 1_000_000 ? `${(us / 1000).toFixed(3)} msec` : `${(us / 1e6).toFixed(3)} sec`;
    ctx.stdout.write(`60 bytes from ${fmtMac(arp.sha)} (${fmtAddr(tpa)}): index=${received} time=${time}\n`);
    received++;
  };
  host.taps.add(tap);
  try {
    while (sent < count && !done.signal.aborted) {
      answered = false;
      sentAt = host.net.now();
      sent++;
      dev.xmit({
        frame: {
          dst: BROADCAST_MAC,
          src: dev.mac,
          type: ETH_P_ARP,
          payload: { kind: 'arp', op: ARP_REQUEST, sha: dev.mac, spa: spa as number, tha: BROADCAST_MAC, tpa },
        },
        t: sentAt,
        mark: 0,
        hops: 0,
      });
      const completed = await sleepFor(ctx.clock, intervalMs, done.signal);
      lastTimedOut = !answered && completed;
      if (lastTimedOut) ctx.stdout.write('Timeout\n');
      if (!completed) break;
    }
  } finally {
    host.taps.delete(tap);
    ctx.signal.removeEventListener('abort', stop);
  }
  const unanswered = sent === 0 ? 0 : ((sent - received) * 100) / sent;
  // as in the seed (arping 2.x): no blank line between a final `Timeout` and the statistics
  ctx.stdout.write(`${lastTimedOut ? '' : '\n'}--- ${fmtAddr(tpa)} statistics ---\n`);
  ctx.stdout.write(`${sent} packets transmitted, ${received} packets received, ${unanswered.toFixed(0).padStart(3)}% unanswered (${extra} extra)\n`);
  if (received > 0) {
    const min = Math.min(...rtts);
    const max = Math.max(...rtts);
    const avg = rtts.reduce((a, b) => a + b, 0) / rtts.length;
    const sd = Math.sqrt(rtts.reduce((a, b) => a + (b - avg) ** 2, 0) / rtts.length);
    ctx.stdout.write(`rtt min/avg/max/std-dev = ${min.toFixed(3)}/${avg.toFixed(3)}/${max.toFixed(3)}/${sd.toFixed(3)} ms\n`);
  }
  return received > 0 ? 0 : 1;
}
