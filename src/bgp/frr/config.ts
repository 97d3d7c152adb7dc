// The FRR configuration subset a ToR in the seeds (and a standalone speaker) needs: frr.conf
// syntax with FRR's node rules (a line that does not belong to the current node is tried in the
// enclosing ones, as vtysh does when it reads a file). Unknown lines are errors that name the
// line in FRR's words ("No such command on config line N: ...").

import { parseCIDR } from '../../netaddr/cidr.ts';
import { canonicalIP, parseIP, parseIPv4Number } from '../../netaddr/ip.ts';
import type { RemoteAs } from '../fsm/negotiate.ts';

export type Afi = 'ipv4' | 'ipv6';

export interface NeighborAf {
  activate?: boolean;
  routeMapIn?: string;
  routeMapOut?: string;
  nextHopSelf?: boolean;
  maxPrefix?: number;
  allowasIn?: number;
  softReconfigInbound?: boolean;
}

export interface FrrNeighbor {
  /** Address, or the peer-group name. */
  name: string;
  isGroup: boolean;
  line: number;
  remoteAs?: RemoteAs;
  peerGroup?: string;
  description?: string;
  port?: number;
  updateSource?: string;
  passive?: boolean;
  shutdown?: boolean;
  timers?: { keepalive: number; hold: number };
  connectRetry?: number;
  ebgpMultihop?: number;
  password?: string;
  weight?: number;
  advertisementInterval?: number;
  af: Record<Afi, NeighborAf>;
}

export interface FrrNetwork {
  prefix: string;
  routeMap?: string;
  line: number;
}

export interface FrrBgpAf {
  networks: FrrNetwork[];
  maxPathsEbgp?: number;
  maxPathsIbgp?: number;
}

export interface FrrBgp {
  asn: number;
  line: number;
  routerId?: string;
  gracefulRestart: boolean;
  restartTime?: number;
  stalepathTime?: number;
  preserveFwState: boolean;
  ebgpRequiresPolicy: boolean;
  networkImportCheck: boolean;
  allowMartianNexthop: boolean;
  multipathRelax: boolean;
  alwaysCompareMed: boolean;
  medMissingAsWorst: boolean;
  asPathIgnore: boolean;
  compareRouterId: boolean;
  defaultIpv4Unicast: boolean;
  defaultLocalPref?: number;
  logNeighborChanges: boolean;
  timers?: { keepalive: number; hold: number };
  af: Record<Afi, FrrBgpAf>;
  /** Peers and peer-groups in the order they were first named. */
  neighbors: Map<string, FrrNeighbor>;
  listenRanges: { prefix: string; group: string }[];
  listenLimit?: number;
}

export interface PrefixListEntry {
  seq: number;
  permit: boolean;
  prefix: string;
  ge?: number;
  le?: number;
}

export interface RouteMapEntry {
  permit: boolean;
  seq: number;
  line: number;
  matchPrefixList?: { afi: Afi; name: string };
  matchCommunity?: string;
  setLocalPref?: number;
  setMetric?: number;
  setCommunity?: { values: number[]; additive: boolean; none: boolean };
  setLargeCommunity?: { values: number[]; additive: boolean };
  setNextHop4?: string;
  setNextHop6?: string;
  setAsPathPrepend?: number[];
}

export interface FrrConfig {
  hostname?: string;
  /** Global lines kept for `show running` (log, forwarding, service). */
  globals: string[];
  bgp?: FrrBgp;
  routeMaps: Map<string, RouteMapEntry[]>;
  prefixLists: Map<string, { afi: Afi; entries: PrefixListEntry[] }>;
  communityLists: Map<string, { permit: boolean; values: number[] }[]>;
}

export interface ConfigIssue {
  line: number;
  message: string;
}

export class FrrConfigError extends Error {
  override name = 'FrrConfigError';
  constructor(
    readonly issues: ConfigIssue[],
    readonly file = 'frr.conf',
  ) {
    super(issues.map((i) => `${file}:${i.line}: ${i.message}`).join('\n'));
  }
}

type Node = 'config' | 'bgp' | 'bgp-af' | 'route-map' | 'interface' | 'vty';

interface State {
  cfg: FrrConfig;
  node: Node;
  af: Afi;
  routeMap: RouteMapEntry | undefined;
  line: number;
}

class NotHere extends Error {}
class Bad extends Error {}

function int(s: string | undefined, min: number, max: number, what: string): number {
  if (s === undefined || !/^\d+$/.test(s)) throw new Bad(`${what}: ${JSON.stringify(s ?? '')} is not a number`);
  const n = Number(s);
  if (n < min || n > max) throw new Bad(`${what} ${n} out of range ${min}..${max}`);
  return n;
}

function asn(s: string | undefined): number {
  return int(s, 1, 4294967295, 'AS number');
}

export function parseCommunity(s: string): number | undefined {
  const named: Record<string, number> = {
    'no-export': 0xffffff01,
    'no-advertise': 0xffffff02,
    'local-AS': 0xffffff03,
    'no-peer': 0xffffff04,
    blackhole: 0xffff029a,
    'graceful-shutdown': 0xffff0000,
    'accept-own': 0xffff0001,
    'llgr-stale': 0xffff0006,
    'no-llgr': 0xffff0007,
    internet: 0,
  };
  if (s in named) return named[s];
  const m = /^(\d+):(\d+)$/.exec(s);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    if (a > 0xffff || b > 0xffff) return undefined;
    return a * 65536 + b;
  }
  if (/^\d+$/.test(s) && Number(s) <= 0xffffffff) return Number(s);
  return undefined;
}

export function parseLargeCommunity(s: string): number[] | undefined {
  const m = /^(\d+):(\d+):(\d+)$/.exec(s);
  if (!m) return undefined;
  const v = [Number(m[1]), Number(m[2]), Number(m[3])];
  return v.every((x) => x <= 0xffffffff) ? v : undefined;
}

function newNeighbor(name: string, isGroup: boolean, line: number): FrrNeighbor {
  return { name, isGroup, line, af: { ipv4: {}, ipv6: {} } };
}

function newBgp(n: number, line: number): FrrBgp {
  return {
    asn: n,
    line,
    gracefulRestart: false,
    preserveFwState: false,
    ebgpRequiresPolicy: true,
    networkImportCheck: true,
    allowMartianNexthop: false,
    multipathRelax: false,
    alwaysCompareMed: false,
    medMissingAsWorst: false,
    asPathIgnore: false,
    compareRouterId: false,
    defaultIpv4Unicast: true,
    logNeighborChanges: false,
    af: { ipv4: { networks: [] }, ipv6: { networks: [] } },
    neighbors: new Map(),
    listenRanges: [],
  };
}

/** Global lines FRR daemons accept that only matter to other daemons or vtysh. */
const GLOBAL_PASS = [
  /^log\s+/,
  /^no\s+log\s+/,
  /^(no\s+)?ip\s+forwarding$/,
  /^(no\s+)?ipv6\s+forwarding$/,
  /^service\s+integrated-vtysh-config$/,
  /^no\s+service\s+integrated-vtysh-config$/,
  /^service\s+password-encryption$/,
  /^password\s+\S+$/,
  /^enable\s+password\s+\S+$/,
  /^agentx$/,
];

function configNode(st: State, w: string[], text: string): void {
  const [a, b, c] = w;
  if (a === 'frr' && (b === 'version' || b === 'defaults')) {
    if (b === 'defaults' && c !== 'traditional' && c !== 'datacenter') throw new Bad(`unknown frr defaults profile ${JSON.stringify(c)}`);
    return; // the version printed is always ours; only the traditional profile is modelled
  }
  if (a === 'hostname' && b) {
    st.cfg.hostname = b;
    return;
  }
  if (GLOBAL_PASS.some((re) => re.test(text))) {
    st.cfg.globals.push(text);
    return;
  }
  if (a === 'router' && b === 'bgp') {
    const n = asn(c);
    if (w.length > 3) throw new Bad('router bgp: VRFs and views are not supported');
    if (st.cfg.bgp && st.cfg.bgp.asn !== n) throw new Bad(`BGP is already running; AS is ${st.cfg.bgp.asn}`);
    st.cfg.bgp ??= newBgp(n, st.line);
    st.node = 'bgp';
    return;
  }
  if (a === 'route-map' && b && (c === 'permit' || c === 'deny')) {
    const seq = int(w[3], 1, 65535, 'route-map sequence');
    const list = st.cfg.routeMaps.get(b) ?? [];
    let e = list.find((x) => x.seq === seq);
    if (!e) {
      e = { permit: c === 'permit', seq, line: st.line };
      list.push(e);
      list.sort((x, y) => x.seq - y.seq);
    }
    st.cfg.routeMaps.set(b, list);
    st.routeMap = e;
    st.node = 'route-map';
    return;
  }
  if ((a === 'ip' || a === 'ipv6') && b === 'prefix-list' && c) {
    prefixList(st, a === 'ip' ? 'ipv4' : 'ipv6', c, w.slice(3));
    return;
  }
  if (a === 'bgp' && b === 'community-list') {
    const rest = w[2] === 'standard' ? w.slice(3) : w.slice(2);
    const [name, action, ...vals] = rest;
    if (!name || (action !== 'permit' && action !== 'deny') || vals.length === 0) throw new Bad('bgp community-list: expected NAME permit|deny COMMUNITY...');
    const values = vals.map((v) => {
      const x = parseCommunity(v);
      if (x === undefined) throw new Bad(`malformed community ${JSON.stringify(v)}`);
      return x;
    });
    const list = st.cfg.communityLists.get(name) ?? [];
    list.push({ permit: action === 'permit', values });
    st.cfg.communityLists.set(name, list);
    return;
  }
  if (a === 'interface' && b) {
    st.node = 'interface';
    return;
  }
  if (a === 'line' && b === 'vty') {
    st.node = 'vty';
    return;
  }
  if (a === 'end') return;
  throw new NotHere();
}

function prefixList(st: State, afi: Afi, name: string, w: string[]): void {
  let i = 0;
  const list = st.cfg.prefixLists.get(name) ?? { afi, entries: [] };
  if (list.afi !== afi) throw new Bad(`prefix-list ${name} is already an ${list.afi} list`);
  let seq = (list.entries.at(-1)?.seq ?? 0) + 5;
  if (w[i] === 'seq') {
    seq = int(w[i + 1], 1, 4294967295, 'sequence number');
    i += 2;
  }
  const action = w[i++];
  if (action !== 'permit' && action !== 'deny') throw new Bad(`prefix-list: expected permit or deny, got ${JSON.stringify(action ?? '')}`);
  const p = w[i++];
  let prefix: string;
  if (p === 'any') prefix = afi === 'ipv4' ? '0.0.0.0/0' : '::/0';
  else {
    const c = p ? parseCIDR(p) : undefined;
    if (!c || (c.family === 4) !== (afi === 'ipv4')) throw new Bad(`malformed ${afi === 'ipv4' ? 'IPv4' : 'IPv6'} prefix ${JSON.stringify(p ?? '')}`);
    prefix = p!;
  }
  const e: PrefixListEntry = { seq, permit: action === 'permit', prefix };
  const max = afi === 'ipv4' ? 32 : 128;
  while (i < w.length) {
    const k = w[i++];
    if (k === 'ge') e.ge = int(w[i++], 0, max, 'ge');
    else if (k === 'le') e.le = int(w[i++], 0, max, 'le');
    else throw new Bad(`prefix-list: unexpected ${JSON.stringify(k)}`);
  }
  const len = Number(prefix.split('/')[1]);
  if ((e.ge !== undefined && e.ge < len) || (e.le !== undefined && e.le < (e.ge ?? len))) {
    throw new Bad('Invalid prefix range for ' + prefix + ', make sure: len < ge <= le');
  }
  list.entries = list.entries.filter((x) => x.seq !== seq);
  list.entries.push(e);
  list.entries.sort((x, y) => x.seq - y.seq);
  st.cfg.prefixLists.set(name, list);
}

function neighborOf(bgp: FrrBgp, name: string, st: State, create: boolean): FrrNeighbor {
  let n = bgp.neighbors.get(name);
  if (!n && create) {
    n = newNeighbor(name, false, st.line);
    bgp.neighbors.set(name, n);
  }
  if (!n) throw new Bad(`Specify remote-as or peer-group commands first`);
  return n;
}

function isAddress(s: string): boolean {
  return parseIP(s) !== undefined;
}

/** `neighbor X ...` commands valid under router bgp (af = the ipv4 default) or an address family. */
function neighborCmd(st: State, w: string[], inAf: boolean): void {
  const bgp = st.cfg.bgp!;
  const rawName = w[1];
  const cmd = w[2];
  if (!rawName || !cmd) throw new Bad('neighbor: incomplete command');
  const name = isAddress(rawName) ? canonicalIP(rawName)! : rawName;
  const af = st.node === 'bgp-af' ? st.af : 'ipv4';
  const afCmds = ['activate', 'route-map', 'next-hop-self', 'maximum-prefix', 'allowas-in', 'soft-reconfiguration'];
  if (inAf && !afCmds.includes(cmd)) throw new NotHere();
  switch (cmd) {
    case 'peer-group': {
      if (w[3] === undefined) {
        if (isAddress(rawName)) throw new Bad(`${rawName} is not a valid peer-group name`);
        if (!bgp.neighbors.has(name)) bgp.neighbors.set(name, newNeighbor(name, true, st.line));
        return;
      }
      if (!isAddress(rawName)) throw new Bad(`Malformed address: ${rawName}`);
      const g = bgp.neighbors.get(w[3]);
      if (!g || !g.isGroup) throw new Bad(`Configure the peer-group first`);
      neighborOf(bgp, name, st, true).peerGroup = w[3];
      return;
    }
    case 'remote-as': {
      const v = w[3];
      const remoteAs: RemoteAs = v === 'external' || v === 'internal' ? v : asn(v);
      if (!isAddress(rawName) && !bgp.neighbors.get(name)?.isGroup) throw new Bad(`Create the peer-group or interface first`);
      neighborOf(bgp, name, st, true).remoteAs = remoteAs;
      return;
    }
    default:
      break;
  }
  const known = ['description', 'port', 'update-source', 'passive', 'shutdown', 'timers', 'ebgp-multihop', 'password', 'weight', 'advertisement-interval', ...afCmds];
  if (!known.includes(cmd)) throw new NotHere();
  const n = neighborOf(bgp, name, st, false);
  const a = n.af[af];
  switch (cmd) {
    case 'description':
      n.description = w.slice(3).join(' ');
      return;
    case 'port':
      n.port = int(w[3], 0, 65535, 'port');
      return;
    case 'update-source':
      if (!w[3]) throw new Bad('update-source: missing address or interface');
      n.updateSource = w[3];
      return;
    case 'passive':
      n.passive = true;
      return;
    case 'shutdown':
      n.shutdown = true;
      return;
    case 'timers':
      if (w[3] === 'connect') n.connectRetry = int(w[4], 1, 65535, 'connect timer');
      else {
        const keepalive = int(w[3], 0, 65535, 'keepalive');
        const hold = int(w[4], 0, 65535, 'holdtime');
        if (hold > 0 && hold < 3) throw new Bad('Hold time must be 0 or between 3 and 65535');
        n.timers = { keepalive, hold };
      }
      return;
    case 'ebgp-multihop':
      n.ebgpMultihop = w[3] === undefined ? 255 : int(w[3], 1, 255, 'ebgp-multihop');
      return;
    case 'password':
      if (!w[3]) throw new Bad('password: missing');
      n.password = w[3];
      return;
    case 'weight':
      n.weight = int(w[3], 0, 65535, 'weight');
      return;
    case 'advertisement-interval':
      n.advertisementInterval = int(w[3], 0, 600, 'advertisement-interval');
      return;
    case 'activate':
      a.activate = true;
      return;
    case 'route-map':
      if (!w[3] || (w[4] !== 'in' && w[4] !== 'out')) throw new Bad('route-map: expected NAME in|out');
      if (w[4] === 'in') a.routeMapIn = w[3];
      else a.routeMapOut = w[3];
      return;
    case 'next-hop-self':
      a.nextHopSelf = true;
      return;
    case 'maximum-prefix':
      a.maxPrefix = int(w[3], 1, 4294967295, 'maximum-prefix');
      return;
    case 'allowas-in':
      a.allowasIn = w[3] === undefined ? 3 : int(w[3], 1, 10, 'allowas-in');
      return;
    case 'soft-reconfiguration':
      if (w[3] !== 'inbound') throw new Bad('soft-reconfiguration: expected inbound');
      a.softReconfigInbound = true;
      return;
    default:
      throw new NotHere();
  }
}

function network(st: State, w: string[], af: Afi): void {
  const p = w[1];
  const c = p ? parseCIDR(p) : undefined;
  if (!c) throw new Bad(`Malformed prefix ${JSON.stringify(p ?? '')}`);
  if ((c.family === 4) !== (af === 'ipv4')) throw new NotHere();
  const n: FrrNetwork = { prefix: p!, line: st.line };
  if (w[2] === 'route-map') {
    if (!w[3]) throw new Bad('network: route-map name missing');
    n.routeMap = w[3];
  } else if (w.length > 2) {
    throw new Bad(`network: unexpected ${JSON.stringify(w[2])}`);
  }
  const list = st.cfg.bgp!.af[af].networks;
  if (!list.some((x) => x.prefix === n.prefix)) list.push(n);
}

function maximumPaths(st: State, w: string[], af: Afi): void {
  const a = st.cfg.bgp!.af[af];
  if (w[1] === 'ibgp') a.maxPathsIbgp = int(w[2], 1, 64, 'maximum-paths');
  else a.maxPathsEbgp = int(w[1], 1, 64, 'maximum-paths');
}

function bgpNode(st: State, w: string[]): void {
  const bgp = st.cfg.bgp!;
  const neg = w[0] === 'no';
  const v = neg ? w.slice(1) : w;
  const t = v.join(' ');
  switch (true) {
    case t.startsWith('bgp router-id ') && !neg: {
      const id = v[2]!;
      if (parseIPv4Number(id) < 0) throw new Bad(`Malformed bgp router identifier ${id}`);
      bgp.routerId = id;
      return;
    }
    case t === 'bgp graceful-restart':
      bgp.gracefulRestart = !neg;
      return;
    case t.startsWith('bgp graceful-restart restart-time '):
      bgp.restartTime = int(v[3], 0, 4095, 'restart-time');
      return;
    case t.startsWith('bgp graceful-restart stalepath-time '):
      bgp.stalepathTime = int(v[3], 1, 4095, 'stalepath-time');
      return;
    case t === 'bgp graceful-restart preserve-fw-state':
      bgp.preserveFwState = !neg;
      return;
    case t === 'bgp ebgp-requires-policy':
      bgp.ebgpRequiresPolicy = !neg;
      return;
    case t === 'bgp network import-check':
      bgp.networkImportCheck = !neg;
      return;
    case t === 'bgp allow-martian-nexthop':
      bgp.allowMartianNexthop = !neg;
      return;
    case t === 'bgp bestpath as-path multipath-relax':
      bgp.multipathRelax = !neg;
      return;
    case t === 'bgp bestpath as-path ignore':
      bgp.asPathIgnore = !neg;
      return;
    case t === 'bgp bestpath compare-routerid':
      bgp.compareRouterId = !neg;
      return;
    case t === 'bgp always-compare-med':
      bgp.alwaysCompareMed = !neg;
      return;
    case t === 'bgp bestpath med missing-as-worst':
      bgp.medMissingAsWorst = !neg;
      return;
    case t === 'bgp default ipv4-unicast':
      bgp.defaultIpv4Unicast = !neg;
      return;
    case t === 'bgp log-neighbor-changes':
      bgp.logNeighborChanges = !neg;
      return;
    case t.startsWith('bgp default local-preference ') && !neg:
      bgp.defaultLocalPref = int(v[3], 0, 4294967295, 'local-preference');
      return;
    case t.startsWith('bgp listen range ') && !neg: {
      const c = parseCIDR(v[3] ?? '');
      if (!c || v[4] !== 'peer-group' || !v[5]) throw new Bad('bgp listen range: expected PREFIX peer-group NAME');
      const g = bgp.neighbors.get(v[5]);
      if (!g?.isGroup) throw new Bad(`Configure the peer-group first`);
      bgp.listenRanges.push({ prefix: v[3]!, group: v[5] });
      return;
    }
    case t.startsWith('bgp listen limit ') && !neg:
      bgp.listenLimit = int(v[3], 1, 65535, 'listen limit');
      return;
    case t.startsWith('timers bgp ') && !neg: {
      const keepalive = int(v[2], 0, 65535, 'keepalive');
      const hold = int(v[3], 0, 65535, 'holdtime');
      if (hold > 0 && hold < 3) throw new Bad('Hold time must be 0 or between 3 and 65535');
      bgp.timers = { keepalive, hold };
      return;
    }
    default:
      break;
  }
  if (neg) {
    noCommand(st, v, 'ipv4');
    return;
  }
  switch (w[0]) {
    case 'neighbor':
      neighborCmd(st, w, false);
      return;
    case 'network':
      network(st, w, 'ipv4');
      return;
    case 'maximum-paths':
      maximumPaths(st, w, 'ipv4');
      return;
    case 'address-family': {
      if ((w[1] !== 'ipv4' && w[1] !== 'ipv6') || (w[2] !== undefined && w[2] !== 'unicast')) {
        throw new Bad(`address-family ${w.slice(1).join(' ')} is not supported (ipv4 unicast and ipv6 unicast are)`);
      }
      st.af = w[1];
      st.node = 'bgp-af';
      return;
    }
    case 'exit':
      st.node = 'config';
      return;
    default:
      throw new NotHere();
  }
}

/** `no network P`, `no neighbor X`, `no neighbor X shutdown|passive|route-map M in|out`. */
function noCommand(st: State, v: string[], af: Afi): void {
  const bgp = st.cfg.bgp!;
  if (v[0] === 'network' && v[1]) {
    const list = bgp.af[af].networks;
    const i = list.findIndex((n) => n.prefix === v[1]);
    if (i < 0) throw new Bad(`Can't find static route specified`);
    list.splice(i, 1);
    return;
  }
  if (v[0] === 'neighbor' && v[1]) {
    const name = isAddress(v[1]) ? canonicalIP(v[1])! : v[1];
    const n = bgp.neighbors.get(name);
    if (!n) throw new Bad(`Specify remote-as or peer-group commands first`);
    if (v.length === 2 || (v[2] === 'remote-as' && v.length <= 4)) {
      bgp.neighbors.delete(name);
      return;
    }
    const a = n.af[af];
    switch (v[2]) {
      case 'shutdown':
        n.shutdown = false;
        return;
      case 'passive':
        n.passive = false;
        return;
      case 'route-map':
        if (v[4] === 'in') a.routeMapIn = undefined;
        else if (v[4] === 'out') a.routeMapOut = undefined;
        else throw new Bad('route-map: expected NAME in|out');
        return;
      default:
        break;
    }
  }
  throw new NotHere();
}

function bgpAfNode(st: State, w: string[]): void {
  if (w[0] === 'no') {
    noCommand(st, w.slice(1), st.af);
    return;
  }
  switch (w[0]) {
    case 'exit-address-family':
    case 'exit':
      st.node = 'bgp';
      return;
    case 'network':
      network(st, w, st.af);
      return;
    case 'maximum-paths':
      maximumPaths(st, w, st.af);
      return;
    case 'neighbor':
      neighborCmd(st, w, true);
      return;
    default:
      throw new NotHere();
  }
}

function routeMapNode(st: State, w: string[]): void {
  const e = st.routeMap!;
  const t = w.join(' ');
  if (t === 'exit') {
    st.node = 'config';
    return;
  }
  if (w[0] === 'match') {
    if ((w[1] === 'ip' || w[1] === 'ipv6') && w[2] === 'address' && w[3] === 'prefix-list' && w[4]) {
      e.matchPrefixList = { afi: w[1] === 'ip' ? 'ipv4' : 'ipv6', name: w[4] };
      return;
    }
    if (w[1] === 'community' && w[2]) {
      e.matchCommunity = w[2];
      return;
    }
    throw new Bad(`match ${w.slice(1).join(' ')} is not supported`);
  }
  if (w[0] === 'set') {
    switch (w[1]) {
      case 'local-preference':
        e.setLocalPref = int(w[2], 0, 4294967295, 'local-preference');
        return;
      case 'metric':
        e.setMetric = int(w[2], 0, 4294967295, 'metric');
        return;
      case 'community': {
        const rest = w.slice(2);
        if (rest[0] === 'none') {
          e.setCommunity = { values: [], additive: false, none: true };
          return;
        }
        const additive = rest.at(-1) === 'additive';
        const vals = additive ? rest.slice(0, -1) : rest;
        if (vals.length === 0) throw new Bad('set community: missing value');
        const values = vals.map((v) => {
          const x = parseCommunity(v);
          if (x === undefined) throw new Bad(`Malformed communities attribute '${v}'`);
          return x;
        });
        e.setCommunity = { values, additive, none: false };
        return;
      }
      case 'large-community': {
        const rest = w.slice(2);
        const additive = rest.at(-1) === 'additive';
        const vals = additive ? rest.slice(0, -1) : rest;
        if (vals.length === 0) throw new Bad('set large-community: missing value');
        const values = vals.flatMap((v) => {
          const x = parseLargeCommunity(v);
          if (!x) throw new Bad(`Malformed large-community attribute '${v}'`);
          return x;
        });
        e.setLargeCommunity = { values, additive };
        return;
      }
      case 'ip':
        if (w[2] === 'next-hop' && w[3] && parseIPv4Number(w[3]) >= 0) {
          e.setNextHop4 = w[3];
          return;
        }
        break;
      case 'ipv6':
        if (w[2] === 'next-hop' && w[3] === 'global' && w[4] && parseIP(w[4])?.family === 6) {
          e.setNextHop6 = canonicalIP(w[4])!;
          return;
        }
        break;
      case 'as-path':
        if (w[2] === 'prepend' && w.length > 3) {
          e.setAsPathPrepend = w.slice(3).map((x) => asn(x));
          return;
        }
        break;
      default:
        break;
    }
    throw new Bad(`set ${w.slice(1).join(' ')} is not supported`);
  }
  throw new NotHere();
}

/** Lines inside `interface X` / `line vty` belong to zebra / vtysh; only their shape is checked. */
function passNode(st: State, w: string[]): void {
  if (w[0] === 'exit') {
    st.node = 'config';
    return;
  }
  if (st.node === 'interface' && ['ip', 'ipv6', 'description', 'shutdown', 'no', 'link-detect', 'mtu'].includes(w[0]!)) return;
  if (st.node === 'vty' && ['exec-timeout', 'access-class', 'no', 'login'].includes(w[0]!)) return;
  throw new NotHere();
}

const PARENT: Record<Node, Node | undefined> = {
  config: undefined,
  bgp: 'config',
  'bgp-af': 'bgp',
  'route-map': 'config',
  interface: 'config',
  vty: 'config',
};

function dispatch(st: State, w: string[], text: string): void {
  if (st.node === 'config') configNode(st, w, text);
  else if (st.node === 'bgp') bgpNode(st, w);
  else if (st.node === 'bgp-af') bgpAfNode(st, w);
  else if (st.node === 'route-map') routeMapNode(st, w);
  else passNode(st, w);
}

/** Parses frr.conf text; throws FrrConfigError listing every bad line (nothing is half-applied). */
export function parseFrrConfig(text: string, file = 'frr.conf'): FrrConfig {
  const cfg: FrrConfig = { globals: [], routeMaps: new Map(), prefixLists: new Map(), communityLists: new Map() };
  const st: State = { cfg, node: 'config', af: 'ipv4', routeMap: undefined, line: 0 };
  const issues: ConfigIssue[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    st.line = i + 1;
    const raw = lines[i]!.trim();
    if (raw === '' || raw.startsWith('!') || raw.startsWith('#')) continue;
    const w = raw.split(/\s+/);
    const saved = st.node;
    let done = false;
    // vtysh's rule: a command the current node does not know is tried in the enclosing nodes
    for (let node: Node | undefined = st.node; node !== undefined && !done; node = PARENT[node]) {
      st.node = node;
      try {
        dispatch(st, w, raw);
        done = true;
      } catch (e) {
        if (e instanceof Bad) {
          issues.push({ line: st.line, message: `${e.message} (${raw})` });
          st.node = saved;
          done = true;
        } else if (!(e instanceof NotHere)) {
          throw e;
        }
      }
    }
    if (!done) {
      st.node = saved;
      issues.push({ line: st.line, message: `No such command on config line ${st.line}: ${raw}` });
    }
  }
  if (cfg.bgp) validate(cfg, issues);
  if (issues.length > 0) throw new FrrConfigError(issues, file);
  return cfg;
}

function validate(cfg: FrrConfig, issues: ConfigIssue[]): void {
  const bgp = cfg.bgp!;
  for (const n of bgp.neighbors.values()) {
    if (n.isGroup) continue;
    const group = n.peerGroup ? bgp.neighbors.get(n.peerGroup) : undefined;
    if (n.remoteAs === undefined && group?.remoteAs === undefined) {
      issues.push({ line: n.line, message: `neighbor ${n.name}: Specify remote-as or peer-group commands first` });
    }
  }
  // a route-map referenced but never defined is not an error: FRR then denies everything
  for (const [name, rm] of cfg.routeMaps) {
    for (const e of rm) {
      if (e.matchPrefixList && !cfg.prefixLists.has(e.matchPrefixList.name)) {
        issues.push({ line: e.line, message: `route-map ${name}: prefix-list ${e.matchPrefixList.name} is not defined` });
      }
      if (e.matchCommunity && !cfg.communityLists.has(e.matchCommunity)) {
        issues.push({ line: e.line, message: `route-map ${name}: community-list ${e.matchCommunity} is not defined` });
      }
    }
  }
}

/** A neighbor's settings with its peer-group's filled in (FRR's inheritance). */
export function effectiveNeighbor(bgp: FrrBgp, n: FrrNeighbor): FrrNeighbor {
  const g = n.peerGroup ? bgp.neighbors.get(n.peerGroup) : undefined;
  if (!g) return n;
  const af = (x: Afi): NeighborAf => ({ ...g.af[x], ...n.af[x] });
  return { ...g, ...stripUndefined(n), isGroup: false, name: n.name, af: { ipv4: af('ipv4'), ipv6: af('ipv6') } };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
