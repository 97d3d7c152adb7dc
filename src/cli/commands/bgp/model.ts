// The JSON the BGP debug views answer with (the agent's `bgp peers|routes|route-policies` API,
// modelled on cilium api/v1 models BgpPeer, BgpRoute, BgpRoutePolicy). The CLI reads only this.

export interface BgpFamily {
  afi: string;
  safi: string;
}

export interface BgpPeer {
  localAsn: number;
  peerAsn: number;
  peerAddress: string;
  peerPort: number;
  sessionState: string;
  uptimeMs: number;
  families: (BgpFamily & { received: number; advertised: number })[];
}

export type BgpPathAttr =
  | { type: 'origin'; value: number }
  | { type: 'asPath'; segments: { type: number; asns: number[] }[] }
  | { type: 'nextHop'; value: string }
  | { type: 'med'; value: number }
  | { type: 'localPref'; value: number }
  | { type: 'communities'; values: number[] }
  | { type: 'mpReach'; family: string; nextHop: string; nlri: string[] }
  | { type: 'largeCommunities'; values: [number, number, number][] };

export interface BgpPath {
  prefix: string;
  nextHop: string;
  ageMs: number;
  attrs: BgpPathAttr[];
}

export interface BgpRoute {
  routerAsn: number;
  neighbor?: string;
  prefix: string;
  paths: BgpPath[];
}

export interface BgpRoutePolicyStatement {
  neighbors: string[];
  families: BgpFamily[];
  prefixes: { cidr: string; min: number; max: number }[];
  action: string;
  localPreference?: number;
  communities: string[];
  largeCommunities: string[];
}

export interface BgpRoutePolicy {
  routerAsn: number;
  name: string;
  type: string;
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
