// `show running-config`: the configuration as FRR 8.4 writes it back (its order, not the file's).

import { formatCommunity } from '../wire/attributes.ts';
import type { Afi, FrrConfig, FrrNeighbor } from './config.ts';

const DEFAULT_MAX_PATHS = 64;

function neighborLines(n: FrrNeighbor): string[] {
  const out: string[] = [];
  const id = n.name;
  if (n.isGroup) out.push(` neighbor ${id} peer-group`);
  if (n.remoteAs !== undefined) out.push(` neighbor ${id} remote-as ${n.remoteAs}`);
  if (n.peerGroup) out.push(` neighbor ${id} peer-group ${n.peerGroup}`);
  if (n.description) out.push(` neighbor ${id} description ${n.description}`);
  if (n.shutdown) out.push(` neighbor ${id} shutdown`);
  if (n.port !== undefined) out.push(` neighbor ${id} port ${n.port}`);
  if (n.password) out.push(` neighbor ${id} password ${n.password}`);
  if (n.ebgpMultihop !== undefined) out.push(` neighbor ${id} ebgp-multihop ${n.ebgpMultihop}`);
  if (n.updateSource) out.push(` neighbor ${id} update-source ${n.updateSource}`);
  if (n.passive) out.push(` neighbor ${id} passive`);
  if (n.advertisementInterval !== undefined) out.push(` neighbor ${id} advertisement-interval ${n.advertisementInterval}`);
  if (n.timers) out.push(` neighbor ${id} timers ${n.timers.keepalive} ${n.timers.hold}`);
  if (n.connectRetry !== undefined) out.push(` neighbor ${id} timers connect ${n.connectRetry}`);
  if (n.weight !== undefined) out.push(` neighbor ${id} weight ${n.weight}`);
  return out;
}

function afLines(cfg: FrrConfig, afi: Afi): string[] {
  const bgp = cfg.bgp!;
  const a = bgp.af[afi];
  const out: string[] = [];
  for (const n of a.networks) out.push(`  network ${n.prefix}${n.routeMap ? ` route-map ${n.routeMap}` : ''}`);
  if (a.maxPathsEbgp !== undefined && a.maxPathsEbgp !== DEFAULT_MAX_PATHS) out.push(`  maximum-paths ${a.maxPathsEbgp}`);
  if (a.maxPathsIbgp !== undefined && a.maxPathsIbgp !== DEFAULT_MAX_PATHS) out.push(`  maximum-paths ibgp ${a.maxPathsIbgp}`);
  for (const n of bgp.neighbors.values()) {
    const x = n.af[afi];
    // IPv4 unicast is active by default (bgp default ipv4-unicast); others must be activated
    if (x.activate && (afi === 'ipv6' || !bgp.defaultIpv4Unicast)) out.push(`  neighbor ${n.name} activate`);
    if (x.nextHopSelf) out.push(`  neighbor ${n.name} next-hop-self`);
    if (x.softReconfigInbound) out.push(`  neighbor ${n.name} soft-reconfiguration inbound`);
    if (x.allowasIn !== undefined) out.push(`  neighbor ${n.name} allowas-in${x.allowasIn === 3 ? '' : ` ${x.allowasIn}`}`);
    if (x.routeMapIn) out.push(`  neighbor ${n.name} route-map ${x.routeMapIn} in`);
    if (x.routeMapOut) out.push(`  neighbor ${n.name} route-map ${x.routeMapOut} out`);
    if (x.maxPrefix !== undefined) out.push(`  neighbor ${n.name} maximum-prefix ${x.maxPrefix}`);
  }
  return out;
}

/**
 * The forwarding lines come from the host (zebra prints the kernel's state, `no ipv6 forwarding`
 * on a default Linux box) and `service integrated-vtysh-config` from Debian's vtysh.conf.
 */
export function showRunning(cfg: FrrConfig, hostname: string, forwarding: { ipv4: boolean; ipv6: boolean }): string {
  const lines = ['Building configuration...', '', 'Current configuration:', '!', 'frr version 8.4.4', 'frr defaults traditional', `hostname ${hostname}`];
  lines.push(...cfg.globals.filter((g) => g.startsWith('log ') || g.startsWith('no log')));
  if (!forwarding.ipv4) lines.push('no ip forwarding');
  if (!forwarding.ipv6) lines.push('no ipv6 forwarding');
  lines.push('service integrated-vtysh-config');
  lines.push('!');
  const bgp = cfg.bgp;
  if (bgp) {
    lines.push(`router bgp ${bgp.asn}`);
    if (bgp.routerId) lines.push(` bgp router-id ${bgp.routerId}`);
    if (bgp.logNeighborChanges) lines.push(' bgp log-neighbor-changes');
    if (!bgp.ebgpRequiresPolicy) lines.push(' no bgp ebgp-requires-policy');
    if (!bgp.defaultIpv4Unicast) lines.push(' no bgp default ipv4-unicast');
    if (bgp.defaultLocalPref !== undefined && bgp.defaultLocalPref !== 100) lines.push(` bgp default local-preference ${bgp.defaultLocalPref}`);
    if (bgp.gracefulRestart) lines.push(' bgp graceful-restart');
    if (bgp.restartTime !== undefined && bgp.restartTime !== 120) lines.push(` bgp graceful-restart restart-time ${bgp.restartTime}`);
    if (bgp.stalepathTime !== undefined && bgp.stalepathTime !== 360) lines.push(` bgp graceful-restart stalepath-time ${bgp.stalepathTime}`);
    if (bgp.preserveFwState) lines.push(' bgp graceful-restart preserve-fw-state');
    if (bgp.allowMartianNexthop) lines.push(' bgp allow-martian-nexthop');
    if (!bgp.networkImportCheck) lines.push(' no bgp network import-check');
    if (bgp.alwaysCompareMed) lines.push(' bgp always-compare-med');
    if (bgp.compareRouterId) lines.push(' bgp bestpath compare-routerid');
    if (bgp.asPathIgnore) lines.push(' bgp bestpath as-path ignore');
    if (bgp.multipathRelax) lines.push(' bgp bestpath as-path multipath-relax');
    if (bgp.medMissingAsWorst) lines.push(' bgp bestpath med missing-as-worst');
    for (const r of bgp.listenRanges) lines.push(` bgp listen range ${r.prefix} peer-group ${r.group}`);
    if (bgp.listenLimit !== undefined) lines.push(` bgp listen limit ${bgp.listenLimit}`);
    if (bgp.timers) lines.push(` timers bgp ${bgp.timers.keepalive} ${bgp.timers.hold}`);
    const neighbors = [...bgp.neighbors.values()];
    for (const n of [...neighbors.filter((x) => x.isGroup), ...neighbors.filter((x) => !x.isGroup)]) lines.push(...neighborLines(n));
    for (const afi of ['ipv4', 'ipv6'] as const) {
      const body = afLines(cfg, afi);
      if (body.length === 0) continue;
      lines.push(' !', ` address-family ${afi} unicast`, ...body, ' exit-address-family');
    }
    lines.push('exit', '!');
  }
  for (const [name, pl] of cfg.prefixLists) {
    for (const e of pl.entries) {
      const range = `${e.ge !== undefined ? ` ge ${e.ge}` : ''}${e.le !== undefined ? ` le ${e.le}` : ''}`;
      lines.push(`${pl.afi === 'ipv4' ? 'ip' : 'ipv6'} prefix-list ${name} seq ${e.seq} ${e.permit ? 'permit' : 'deny'} ${e.prefix}${range}`);
    }
  }
  if (cfg.prefixLists.size > 0) lines.push('!');
  for (const [name, entries] of cfg.routeMaps) {
    for (const e of entries) {
      lines.push(`route-map ${name} ${e.permit ? 'permit' : 'deny'} ${e.seq}`);
      if (e.matchPrefixList) lines.push(` match ${e.matchPrefixList.afi === 'ipv4' ? 'ip' : 'ipv6'} address prefix-list ${e.matchPrefixList.name}`);
      if (e.matchCommunity) lines.push(` match community ${e.matchCommunity}`);
      if (e.setAsPathPrepend) lines.push(` set as-path prepend ${e.setAsPathPrepend.join(' ')}`);
      if (e.setLocalPref !== undefined) lines.push(` set local-preference ${e.setLocalPref}`);
      if (e.setMetric !== undefined) lines.push(` set metric ${e.setMetric}`);
      if (e.setCommunity) {
        const v = e.setCommunity.none ? 'none' : e.setCommunity.values.map(formatCommunity).join(' ');
        lines.push(` set community ${v}${e.setCommunity.additive ? ' additive' : ''}`);
      }
      if (e.setLargeCommunity) {
        const l = e.setLargeCommunity.values;
        const parts: string[] = [];
        for (let i = 0; i + 2 < l.length; i += 3) parts.push(`${l[i]}:${l[i + 1]}:${l[i + 2]}`);
        lines.push(` set large-community ${parts.join(' ')}${e.setLargeCommunity.additive ? ' additive' : ''}`);
      }
      if (e.setNextHop4) lines.push(` set ip next-hop ${e.setNextHop4}`);
      if (e.setNextHop6) lines.push(` set ipv6 next-hop global ${e.setNextHop6}`);
      lines.push('exit', '!');
    }
  }
  lines.push('end');
  return `${lines.join('\n')}\n`;
}
