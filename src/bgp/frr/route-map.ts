// FRR route-maps, prefix-lists and community-lists as policies (src/bgp/policy): each entry is a
// statement ending in accept (permit) or reject (deny); a route no entry matches is denied.

import { parseCIDR } from '../../netaddr/cidr.ts';
import { parseIP } from '../../netaddr/ip.ts';
import type { Actions, Policy, PrefixList, Statement } from '../policy/types.ts';
import type { FamilyKey } from '../wire/constants.ts';
import type { Afi, FrrConfig } from './config.ts';

export function prefixListPolicy(cfg: FrrConfig, name: string): PrefixList | undefined {
  const pl = cfg.prefixLists.get(name);
  if (!pl) return undefined;
  return {
    name,
    entries: pl.entries.map((e) => {
      const c = parseCIDR(e.prefix)!;
      const max = c.family === 4 ? 32 : 128;
      // FRR: exact length unless ge/le; ge alone runs to the maximum, le alone starts at the length
      const ge = e.ge ?? c.prefixLen;
      const le = e.le ?? (e.ge !== undefined ? max : c.prefixLen);
      return { permit: e.permit, range: { family: c.family, addr: c.addr, len: c.prefixLen, ge, le } };
    }),
  };
}

/** The route-map as a policy for one family; an undefined route-map denies everything (as FRR). */
export function routeMapPolicy(cfg: FrrConfig, name: string, family: FamilyKey): Policy {
  const entries = cfg.routeMaps.get(name) ?? [];
  const statements: Statement[] = entries.map((e) => {
    const actions: Actions = { disposition: e.permit ? 'accept' : 'reject' };
    if (e.setLocalPref !== undefined) actions.setLocalPref = e.setLocalPref;
    if (e.setMetric !== undefined) actions.setMed = e.setMetric;
    if (e.setCommunity) {
      if (e.setCommunity.none) actions.setCommunities = [];
      else if (e.setCommunity.additive) actions.addCommunities = e.setCommunity.values;
      else actions.setCommunities = e.setCommunity.values;
    }
    if (e.setLargeCommunity) {
      if (e.setLargeCommunity.additive) actions.addLargeCommunities = e.setLargeCommunity.values;
      else actions.setLargeCommunities = e.setLargeCommunity.values;
    }
    if (e.setNextHop4 && family === 'ipv4-unicast') actions.setNextHop = { kind: 'address', family: 4, addr: parseIP(e.setNextHop4)!.value };
    if (e.setNextHop6 && family === 'ipv6-unicast') actions.setNextHop = { kind: 'address', family: 6, addr: parseIP(e.setNextHop6)!.value };
    if (e.setAsPathPrepend) actions.prependAs = e.setAsPathPrepend;
    const st: Statement = { name: `${name} ${e.permit ? 'permit' : 'deny'} ${e.seq}`, conditions: {}, actions };
    if (e.matchPrefixList) {
      const pl = prefixListPolicy(cfg, e.matchPrefixList.name);
      const wantFamily: Afi = family === 'ipv4-unicast' ? 'ipv4' : 'ipv6';
      // an ip prefix-list never matches IPv6 routes and the other way round
      if (!pl || e.matchPrefixList.afi !== wantFamily) st.conditions.prefixList = { name: 'never', entries: [] };
      else st.conditions.prefixList = pl;
    }
    if (e.matchCommunity) st.conditions.communityList = cfg.communityLists.get(e.matchCommunity) ?? [];
    return st;
  });
  return { name, statements };
}
