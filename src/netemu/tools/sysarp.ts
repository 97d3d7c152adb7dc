// `sysctl` (procps-ng) and `arp` (net-tools).

import { fmtAddr, parseAddr } from '../addr.ts';
import type { ExecContext } from '../exec.ts';
import { fmtMac, parseMac } from '../mac.ts';
import { Sysctl } from '../sysctl.ts';
import { formatArpA } from './ipfmt.ts';

export async function sysctlCommand(ctx: ExecContext): Promise<number> {
  const sys = ctx.host.sysctl;
  let valuesOnly = false;
  let write = false;
  let load: string | undefined;
  const items: string[] = [];
  const args = ctx.argv.slice(1);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-n' || a === '--values') valuesOnly = true;
    else if (a === '-w' || a === '--write') write = true;
    else if (a === '-q' || a === '--quiet') continue;
    else if (a === '-a' || a === '-A' || a === '--all') items.push(...sys.entries().map(([k]) => k));
    else if (a === '-p' || a === '--load' || a.startsWith('-p')) load = a.length > 2 && a.startsWith('-p') ? a.slice(2) : (args[i + 1] && !args[i + 1]!.startsWith('-') ? args[++i]! : '/etc/sysctl.conf');
    else if (a.startsWith('-')) {
      ctx.stderr.write(`sysctl: unknown option '${a}'\nUsage:\n sysctl [options] [variable[=value] ...]\n`);
      return 1;
    } else items.push(a);
  }
  if (load !== undefined) {
    const data = ctx.host.readFile(load);
    if (!data) {
      ctx.stderr.write(`sysctl: cannot open "${load}": No such file or directory\n`);
      return 255;
    }
    for (const raw of new TextDecoder().decode(data).split('\n')) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
      items.push(line.replace(/\s*=\s*/, '='));
    }
    write = true;
  }
  let status = 0;
  for (const item of items) {
    const eq = item.indexOf('=');
    const key = Sysctl.normalise(eq < 0 ? item : item.slice(0, eq));
    if (eq >= 0 || write) {
      if (eq < 0) {
        ctx.stderr.write(`sysctl: "${item}" must be of the form name=value\n`);
        status = 255;
        continue;
      }
      const value = item.slice(eq + 1);
      const err = sys.set(key, value);
      if (err === 'ENOENT') {
        ctx.stderr.write(`sysctl: cannot stat /proc/sys/${key.replaceAll('.', '/')}: No such file or directory\n`);
        status = 255;
        continue;
      }
      if (err === 'EINVAL') {
        ctx.stderr.write(`sysctl: setting key "${key}": Invalid argument\n`);
        status = 255;
        continue;
      }
    }
    const v = sys.get(key);
    if (v === undefined) {
      ctx.stderr.write(`sysctl: cannot stat /proc/sys/${key.replaceAll('.', '/')}: No such file or directory\n`);
      status = 255;
      continue;
    }
    ctx.stdout.write(valuesOnly ? `${v}\n` : `${key} = ${v}\n`);
  }
  return status;
}

export async function arpCommand(ctx: ExecContext): Promise<number> {
  const host = ctx.host;
  const args = ctx.argv.slice(1);
  let all = false;
  let target: string | undefined;
  let iface: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-i') iface = args[++i];
    else if (a === '-d' || a === '-s') {
      const ip = parseAddr(args[i + 1] ?? '');
      if (ip === undefined || typeof ip !== 'number') {
        ctx.stderr.write(`${args[i + 1] ?? ''}: Unknown host\n`);
        return 255;
      }
      const dev = host.ifaceList().find((d) => (iface ? d.name === iface : d.v4Addrs().some((x) => ((x.addr as number) ^ ip) >>> (32 - x.len) === 0)));
      if (!dev) {
        ctx.stderr.write('SIOCDARP(dontpub): Network is unreachable\n');
        return 255;
      }
      if (a === '-d') {
        if (!host.neigh.delete(dev, ip)) {
          ctx.stderr.write(`No ARP entry for ${args[i + 1]}\n`);
          return 255;
        }
        return 0;
      }
      const mac = parseMac(args[i + 2] ?? '');
      if (mac === undefined) {
        ctx.stderr.write(`arp: invalid hardware address\n`);
        return 255;
      }
      host.neigh.set(dev, ip, mac, 'PERMANENT');
      return 0;
    } else if (/^-[anev]+$/.test(a)) all = all || a.includes('a');
    else if (a.startsWith('-')) {
      ctx.stderr.write(`arp: invalid option -- '${a.slice(1)}'\n`);
      return 255;
    } else target = a;
  }
  let filterIp: number | undefined;
  if (target !== undefined) {
    const ip = parseAddr(target);
    if (ip === undefined || typeof ip !== 'number') {
      ctx.stderr.write(`${target}: Unknown host\n`);
      return 255;
    }
    filterIp = ip;
  }
  const entries = host.neigh.list().filter((e) => !iface || e.dev.name === iface);
  if (all) {
    const lines = formatArpA(entries, filterIp);
    if (lines.length === 0 && target !== undefined) ctx.stdout.write(`arp: in ${entries.length} entries no match found.\n`);
    for (const l of lines) ctx.stdout.write(`${l}\n`);
    return 0;
  }
  const v4 = entries.filter((e) => typeof e.ip === 'number' && (filterIp === undefined || e.ip === filterIp));
  if (v4.length === 0) {
    if (target !== undefined) ctx.stdout.write(`arp: in ${entries.length} entries no match found.\n`);
    return 0;
  }
  ctx.stdout.write('Address                  HWtype  HWaddress           Flags Mask            Iface\n');
  for (const e of v4) {
    const resolved = e.mac !== undefined && e.state !== 'INCOMPLETE' && e.state !== 'FAILED';
    const addr = fmtAddr(e.ip).padEnd(25);
    if (!resolved) ctx.stdout.write(`${addr}        (incomplete)                              ${e.dev.name}\n`);
    else {
      const flags = e.state === 'PERMANENT' ? 'CM' : 'C';
      ctx.stdout.write(`${addr}ether   ${fmtMac(e.mac!)}   ${flags.padEnd(6)}                ${e.dev.name}\n`);
    }
  }
  return 0;
}
