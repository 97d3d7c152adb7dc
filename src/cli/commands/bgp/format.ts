// Cilium's BGP tables, byte for byte: `cilium bgp peers|routes` (cilium-cli/bgp: one table over
// all nodes, node name on a node's first row) and `cilium-dbg bgp peers|routes|route-policies`
// (pkg/bgpv1/api/printers.go: one node). Go text/tabwriter, min width 5, padding 3. Path
// attributes print as GoBGP's String() methods do.

import { goDuration } from '../../format/age.ts';
import { CILIUM_TABS, tabwrite } from '../../../text/tabwriter.ts';
import type { BgpPathAttr, BgpPeer, BgpRoute, BgpRoutePolicy, NodeAnswer, RoutesQuery } from '../../../model/bgp.ts';

/** RFC 1997/7999/8326/8642 well-known communities, as GoBGP names them. */
const WELL_KNOWN = new Map<number, string>([
  [0x00000000, 'internet'],
  [0xffff0000, 'planned-shut'],
  [0xffff0001, 'accept-own'],
  [0xffff0002, 'route-filter-translated-v4'],
  [0xffff0003, 'route-filter-v4'],
  [0xffff0004, 'route-filter-translated-v6'],
  [0xffff0005, 'route-filter-v6'],
  [0xffff0006, 'llgr-stale'],
  [0xffff0007, 'no-llgr'],
  [0xffff029a, 'blackhole'],
  [0xffffff01, 'no-export'],
  [0xffffff02, 'no-advertise'],
  [0xffffff03, 'no-export-subconfed'],
  [0xffffff04, 'no-peer'],
]);

const ORIGIN = ['i', 'e', '?'];

/** GoBGP's AS path text: sequences space separated, sets in braces, confederations in () and []. */
function asPathText(segments: { type: number; asns: number[] }[]): string {
  return segments
    .map((s) => {
      switch (s.type) {
        case 1:
          return `{${s.asns.join(',')}}`;
        case 3:
          return `(${s.asns.join(' ')})`;
        case 4:
          return `[${s.asns.join(',')}]`;
        default:
          return s.asns.join(' ');
      }
    })
    .join(' ');
}

/** One attribute as GoBGP's PathAttribute*.String() prints it. */
export function attrText(a: BgpPathAttr): string {
  switch (a.type) {
    case 'origin':
      return `{Origin: ${ORIGIN[a.value] ?? String(a.value)}}`;
    case 'asPath':
      return `{AsPath: ${asPathText(a.segments)}}`;
    case 'nextHop':
      return `{Nexthop: ${a.value}}`;
    case 'med':
      return `{Med: ${a.value}}`;
    case 'localPref':
      return `{LocalPref: ${a.value}}`;
    case 'communities':
      return `{Communities: ${a.values.map((c) => WELL_KNOWN.get(c) ?? `${Math.floor(c / 0x10000)}:${c % 0x10000}`).join(', ')}}`;
    case 'mpReach':
      return `{MpReach(${a.family}): {Nexthop: ${a.nextHop}, NLRIs: [${a.nlri.join(' ')}]}}`;
    case 'largeCommunities':
      return `{LargeCommunity: [ ${a.values.map((v) => v.join(':')).join(', ')}]}`;
  }
}

/** Go's %s of a []PathAttributeInterface: `[{Origin: i} {Nexthop: 0.0.0.0}]`. */
export function attrsText(attrs: readonly BgpPathAttr[]): string {
  return `[${attrs.map(attrText).join(' ')}]`;
}

/** cilium-cli's `(Defaulting to ...)` notes and the completed arguments (cilium-cli/bgp/routes.go). */
export function defaultRoutesArgs(args: readonly string[]): { args: string[]; note?: string } {
  if (args.length < 1) return { args: ['available', 'ipv4', 'unicast'], note: '(Defaulting to `available ipv4 unicast` routes, please see help for more options)\n\n' };
  if (args.length < 2) return { args: [args[0]!, 'ipv4', 'unicast'], note: '(Defaulting to `ipv4 unicast` AFI & SAFI, please see help for more options)\n\n' };
  if (args.length < 3) return { args: [args[0]!, args[1]!, 'unicast'], note: '(Defaulting to `unicast` SAFI, please see help for more options)\n\n' };
  return { args: [...args] };
}

/** Validates `<available|advertised> <afi> <safi> [vrouter <asn>] [peer|neighbor <address>]`; returns the query or the error text. */
export function parseRoutesArgs(args: readonly string[]): RoutesQuery | string {
  const [table, afi, safi] = args;
  if (table !== 'available' && table !== 'advertised') return `invalid argument: \`${table}\`, expected \`available\` / \`advertised\``;
  if (afi !== 'ipv4' && afi !== 'ipv6' && afi !== 'l2vpn' && afi !== 'ls' && afi !== 'opaque') return `unknown AFI \`${afi}\``;
  if (!['unicast', 'multicast', 'mpls_label', 'encapsulation', 'vpls', 'evpn', 'ls', 'sr_policy', 'mup', 'mpls_vpn', 'mpls_vpn_multicast', 'route_target_constraints', 'flowspec_unicast', 'flowspec_vpn', 'key_value'].includes(safi!)) return `unknown SAFI \`${safi}\``;
  const q: RoutesQuery = { table, afi, safi: safi! };
  let rest = args.slice(3);
  if (rest.length > 0 && rest[0] !== 'vrouter' && rest[0] !== 'peer' && rest[0] !== 'neighbor') return `invalid argument: \`${rest[0]}\`, expected \`vrouter\` / \`peer\``;
  if (rest[0] === 'vrouter') {
    if (rest.length < 2) return 'missing vrouter ASN value';
    if (!/^-?\d+$/.test(rest[1]!)) return `invalid vrouter ASN: strconv.ParseInt: parsing "${rest[1]}": invalid syntax`;
    q.vrouter = rest[1]!;
    rest = rest.slice(2);
  }
  if (table === 'advertised' && rest.length > 0) {
    if (rest[0] !== 'peer' && rest[0] !== 'neighbor') return 'missing `peer` argument';
    if (rest.length < 2) return 'missing peer IP address';
    if (!/^[0-9a-fA-F.:]+$/.test(rest[1]!)) return `invalid peer IP address: ParseAddr("${rest[1]}"): unable to parse IP`;
    q.peer = rest[1]!;
  }
  return q;
}

const byAsnThenAddress = (a: BgpPeer, b: BgpPeer) => a.localAsn - b.localAsn || (a.peerAddress < b.peerAddress ? -1 : a.peerAddress > b.peerAddress ? 1 : 0);

function routeOrder(a: BgpRoute, b: BgpRoute): number {
  if (a.routerAsn !== b.routerAsn) return a.routerAsn - b.routerAsn;
  const na = a.neighbor ?? '';
  const nb = b.neighbor ?? '';
  if (na !== nb) return na < nb ? -1 : 1;
  return a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0;
}

const byNode = <T>(answers: readonly NodeAnswer<T>[]) => [...answers].sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));

function flush(lines: string[]): string {
  return lines.length ? `${tabwrite(lines, CILIUM_TABS)}\n` : '';
}

/** `cilium bgp peers` over every node. */
export function clusterPeersTable(answers: readonly NodeAnswer<BgpPeer>[]): string {
  const lines = ['Node\tLocal AS\tPeer AS\tPeer Address\tSession State\tUptime\tFamily\tReceived\tAdvertised'];
  for (const { node, items } of byNode(answers)) {
    [...items].sort(byAsnThenAddress).forEach((p, i) => {
      const head = `${i === 0 ? node : ''}\t${p.localAsn}\t${p.peerAsn}\t${p.peerAddress}\t${p.sessionState}\t${goDuration(p.uptimeMs)}\t`;
      if (p.families.length === 0) lines.push(head);
      p.families.forEach((f, j) => {
        lines.push(`${j === 0 ? head : '\t'.repeat(6)}${f.afi}/${f.safi}\t${f.received}\t${f.advertised}\t`);
      });
    });
  }
  return flush(lines);
}

/** `cilium-dbg bgp peers` on one node. */
export function agentPeersTable(peers: readonly BgpPeer[]): string {
  const lines = ['Local AS\tPeer AS\tPeer Address\tSession\tUptime\tFamily\tReceived\tAdvertised'];
  for (const p of [...peers].sort(byAsnThenAddress)) {
    const head = `${p.localAsn}\t${p.peerAsn}\t${p.peerAddress}:${p.peerPort}\t${p.sessionState}\t${goDuration(p.uptimeMs)}\t`;
    p.families.forEach((f, j) => {
      lines.push(`${j === 0 ? head : '\t'.repeat(5)}${f.afi}/${f.safi}\t${f.received}\t${f.advertised}`);
    });
  }
  return flush(lines);
}

/** `cilium bgp routes ...` over every node. */
export function clusterRoutesTable(answers: readonly NodeAnswer<BgpRoute>[], printPeer: boolean): string {
  const lines = [printPeer ? 'Node\tVRouter\tPeer\tPrefix\tNextHop\tAge\tAttrs' : 'Node\tVRouter\tPrefix\tNextHop\tAge\tAttrs'];
  for (const { node, items } of byNode(answers)) {
    [...items].sort(routeOrder).forEach((r, i) => {
      const first = i === 0 ? node : '';
      if (r.paths.length === 0) lines.push(`${first}\t`);
      r.paths.forEach((p, j) => {
        const peer = printPeer ? `${r.neighbor ?? ''}\t` : '';
        // as cilium-cli writes it: the node cell only precedes a route's first path
        lines.push(`${j === 0 ? `${first}\t` : ''}${r.routerAsn}\t${peer}${p.prefix}\t${p.nextHop}\t${goDuration(p.ageMs)}\t${attrsText(p.attrs)}\t`);
      });
    });
  }
  return flush(lines);
}

/** `cilium-dbg bgp routes ...` on one node. */
export function agentRoutesTable(routes: readonly BgpRoute[], printPeer: boolean): string {
  const lines = [`VRouter\t${printPeer ? 'Peer\t' : ''}Prefix\tNextHop\tAge\tAttrs`];
  for (const r of [...routes].sort(routeOrder)) {
    for (const p of r.paths) lines.push(`${r.routerAsn}\t${printPeer ? `${r.neighbor ?? ''}\t` : ''}${p.prefix}\t${p.nextHop}\t${goDuration(p.ageMs)}\t${attrsText(p.attrs)}`);
  }
  return flush(lines);
}

/** Go's formatStringArray: one element bare, several as `{a} {b}`. */
function list(items: readonly string[]): string {
  return items.length === 1 ? items[0]! : items.map((s) => `{${s}}`).join(' ');
}

function policyRows(policies: readonly BgpRoutePolicy[]): string[][] {
  const rows: string[][] = [];
  const sorted = [...policies].sort((a, b) => a.routerAsn - b.routerAsn || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const p of sorted) {
    if (p.statements.length === 0) rows.push([String(p.routerAsn), p.name, p.type]);
    p.statements.forEach((s, i) => {
      const actions: string[] = [];
      if (s.localPreference !== undefined) actions.push(`SetLocalPreference: ${s.localPreference}`);
      if (s.communities.length > 0) actions.push(`AddCommunities: [${s.communities.join(' ')}]`);
      if (s.largeCommunities.length > 0) actions.push(`AddLargeCommunities: [${s.largeCommunities.join(' ')}]`);
      rows.push([
        ...(i === 0 ? [String(p.routerAsn), p.name, p.type] : ['', '', '']),
        list(s.neighbors),
        list(s.families.map((f) => `${f.afi}/${f.safi}`)),
        list(s.prefixes.map((x) => `${x.cidr} (${x.min}..${x.max})`)),
        s.action,
        list(actions),
      ]);
    });
  }
  return rows;
}

const POLICY_HEADER = 'VRouter\tPolicy Name\tType\tMatch Peers\tMatch Families\tMatch Prefixes (Min..Max Len)\tRIB Action\tPath Actions';

/** `cilium-dbg bgp route-policies` on one node. */
export function agentRoutePoliciesTable(policies: readonly BgpRoutePolicy[]): string {
  return flush([POLICY_HEADER, ...policyRows(policies).map((r) => r.join('\t'))]);
}

/** `cilia bgp route-policies`: the agent's table for every node, with the node first. */
export function clusterRoutePoliciesTable(answers: readonly NodeAnswer<BgpRoutePolicy>[]): string {
  const lines = [`Node\t${POLICY_HEADER}`];
  for (const { node, items } of byNode(answers)) {
    policyRows(items).forEach((r, i) => {
      lines.push(`${i === 0 ? node : ''}\t${r.join('\t')}`);
    });
  }
  return flush(lines);
}

/** Per-node errors, as cilium-cli prints them (to stderr) before the table: `<prefix>: <errors>`. */
export function errorsText(answers: readonly NodeAnswer<unknown>[], prefix: string): string {
  const errs = answers.filter((a) => a.error !== undefined).map((a) => a.error);
  return errs.length ? `${prefix}: ${errs.join('\n')}\n\n` : '';
}
