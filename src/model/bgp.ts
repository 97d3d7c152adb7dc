// The JSON the BGP debug views answer with (the agent's `bgp peers|routes|route-policies` API,
// modelled on cilium api/v1 models BgpPeer, BgpRoute, BgpRoutePolicy). Written by the agents,
// read by the CLI through the API: types only, importable from any layer.

export interface BgpFamily {
  afi: 'ipv4' | 'ipv6';
  safi: 'unicast';
}

export interface BgpPeerFamily extends BgpFamily {
  received: number;
  accepted: number;
  advertised: number;
}

export interface BgpPeer {
  localAsn: number;
  peerAsn: number;
  peerAddress: string;
  peerPort: number;
  /** Cilium's session state names: idle, connect, active, open_sent, open_confirm, established. */
  sessionState: string;
  uptimeMs: number;
  appliedHoldTimeSeconds: number;
  appliedKeepAliveTimeSeconds: number;
  families: BgpPeerFamily[];
}

export type BgpPathAttr =
  | { type: 'origin'; value: number }
  | { type: 'asPath'; segments: { type: number; asns: number[] }[] }
  | { type: 'nextHop'; value: string }
  | { type: 'med'; value: number }
  | { type: 'localPref'; value: number }
  | { type: 'communities'; values: number[] }
  /** family: `ipv4-unicast` / `ipv6-unicast` */
  | { type: 'mpReach'; family: string; nextHop: string; nlri: string[] }
  | { type: 'largeCommunities'; values: [number, number, number][] };

export interface BgpPath {
  family: BgpFamily;
  prefix: string;
  nextHop: string;
  ageMs: number;
  best: boolean;
  attrs: BgpPathAttr[];
}

export interface BgpRoute {
  routerAsn: number;
  /** The peer, for advertised routes. */
  neighbor?: string;
  prefix: string;
  paths: BgpPath[];
}

export interface BgpRoutePolicyStatement {
  neighbors: string[];
  families: BgpFamily[];
  prefixes: { cidr: string; min: number; max: number }[];
  action: 'accept' | 'reject' | 'none';
  localPreference?: number;
  communities: string[];
  largeCommunities: string[];
}

export interface BgpRoutePolicy {
  routerAsn: number;
  name: string;
  type: 'export' | 'import';
  statements: BgpRoutePolicyStatement[];
}

/** One node's answer; `error` when that node's agent could not answer. */
export interface NodeAnswer<T> {
  node: string;
  items: T[];
  error?: string;
}

/** What `bgp/routes` is asked: the table, the family and the optional filters. */
export interface RoutesQuery {
  table: 'available' | 'advertised';
  afi: string;
  safi: string;
  vrouter?: string;
  peer?: string;
}
