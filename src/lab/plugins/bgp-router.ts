// The lab's routers with an `frr:` configuration: FRR's bgpd and zebra as a personality on the
// router's host in the emulated network — sessions over its sockets, selected routes installed in
// its kernel table (`proto bgp metric 20`, ECMP next hops), and `vtysh -c '...'` on that host.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { NETEMU_SERVICE } from '../../agent/endpoints/services.ts';
import { FrrRouter, type HostView } from '../../bgp/frr/router.ts';
import type { RouteInstallEvent } from '../../bgp/frr/zebra.ts';
import { fmtAddr, maskAddr, parseAddr, parsePrefix, prefixContains } from '../../netemu/addr.ts';
import type { Command } from '../../netemu/exec.ts';
import type { Host } from '../../netemu/host.ts';
import { RT_TABLE_MAIN, type Route } from '../../netemu/route.ts';
import type { Lab } from '../runtime.ts';
import { netemuTransport } from './bgp-transport.ts';

const RTPROT_BGP = 186;
const routers = new WeakMap<Lab, Map<string, FrrRouter>>();

/** zebra's view of the host: connected networks, the main table, interface indexes, forwarding. */
function hostView(host: Host): HostView {
  const main = () => host.table(RT_TABLE_MAIN);
  return {
    interfaceFor(addr) {
      const a = parseAddr(addr);
      if (a === undefined) return undefined;
      for (const { dev, a: ia } of host.allAddrs()) if (dev.name !== 'lo' && prefixContains({ addr: maskAddr(ia.addr, ia.len), len: ia.len }, a)) return dev.name;
      return undefined;
    },
    hasRoute(prefix) {
      const p = parsePrefix(prefix, prefix.includes(':') ? 6 : 4);
      return p !== undefined && main().exact(p).length > 0;
    },
    ifindex: (dev) => host.iface(dev)?.index ?? 0,
    routerId() {
      // zebra's router-id: the highest IPv4 address of an interface that is up
      let best: number | undefined;
      for (const { dev, a } of host.allAddrs()) if (dev.name !== 'lo' && typeof a.addr === 'number' && (best === undefined || a.addr > best)) best = a.addr;
      return best === undefined ? undefined : fmtAddr(best);
    },
    forwarding: () => ({ ipv4: host.sysctl.get('net.ipv4.ip_forward') === '1', ipv6: host.sysctl.get('net.ipv6.conf.all.forwarding') === '1' }),
  };
}

/** What zebra does in the kernel: replace the prefix's BGP route, or remove it. */
function installRoute(host: Host, e: RouteInstallEvent): void {
  const dst = parsePrefix(e.prefix, e.family === 'ipv4' ? 4 : 6);
  if (!dst) return;
  const table = host.table(RT_TABLE_MAIN);
  for (const r of table.exact(dst)) if (r.protocol === RTPROT_BGP) table.remove(r);
  if (e.nexthops.length === 0) return;
  const nexthops = e.nexthops.flatMap((n) => {
    const dev = host.iface(n.dev);
    const gw = parseAddr(n.via);
    return dev && gw !== undefined ? [{ gw, dev, weight: 1 }] : [];
  });
  if (nexthops.length === 0) return;
  const route: Route = { table: RT_TABLE_MAIN, type: 'unicast', dst, protocol: RTPROT_BGP, scope: 0, metric: e.metric, nexthops, nhid: e.nhgId };
  host.addRoute(route, 'replace');
}

/** `vtysh -c CMD [-c CMD...]`: each command's output in turn. */
function vtysh(router: FrrRouter): Command {
  return async (ctx) => {
    const cmds: string[] = [];
    for (let i = 1; i < ctx.argv.length; i++) {
      const a = ctx.argv[i]!;
      if (a === '-c' || a === '--command') cmds.push(ctx.argv[++i] ?? '');
      else if (a.startsWith('-c')) cmds.push(a.slice(2));
    }
    if (cmds.length === 0) {
      ctx.stderr.write('vtysh: the interactive shell is not emulated; use vtysh -c "<command>"\n');
      return 1;
    }
    for (const c of cmds) ctx.stdout.write(router.vtysh(c));
    return 0;
  };
}

/** Starts the FRR personality on every router with an `frr:` file (needs the emulated network). */
export async function setupRouters(lab: Lab): Promise<void> {
  const netemu = lab.services.get(NETEMU_SERVICE);
  if (!netemu) return;
  const byName = new Map<string, FrrRouter>();
  routers.set(lab, byName);
  for (const r of lab.topology.routers) {
    const host = r.frr ? netemu.net.host(r.name) : undefined;
    if (!r.frr || !host) continue;
    const file = resolve(lab.loaded.dir, r.frr);
    const router = new FrrRouter({ config: readFileSync(file, 'utf8'), file, clock: lab.clock, transport: netemuTransport(host), host: hostView(host), hostname: r.name });
    router.onInstall((e) => installRoute(host, e));
    router.onJournal((l) => lab.log(`[${r.name}] bgpd: ${l.message}`));
    netemu.registry.registerFor(r.name, 'vtysh', vtysh(router));
    byName.set(r.name, router);
    await router.start();
  }
}

export function stopRouters(lab: Lab): void {
  for (const r of routers.get(lab)?.values() ?? []) r.stop();
}
