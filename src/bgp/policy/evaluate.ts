// Policy evaluation: statements in order; the first accept/reject decides; "none" applies its
// actions and continues (GoBGP semantics, which also express FRR route-map permit/deny).

import { type PathAttrs, cloneAttrs, prependAs } from '../wire/attributes.ts';
import type { FamilyKey } from '../wire/constants.ts';
import type { Actions, Conditions, NeighborMatch, PolicyAssignment, PrefixList, PrefixRange, Statement } from './types.ts';

/** What the policy is asked about. Addresses are bigints (IPv4 below 2^32). */
export interface RouteView {
  family: FamilyKey;
  addr: bigint;
  len: number;
  /** The peer: the sender for import, the receiver for export (undefined for local checks). */
  peerFamily: 4 | 6;
  peerAddr: bigint | undefined;
  attrs: PathAttrs;
}

export interface PolicyResult {
  accept: boolean;
  /** Statements whose actions apply, in order; the same array object for the same outcome. */
  applied: readonly Statement[];
  /** Stable text key of `applied` for caches ('' when nothing applies). */
  key: string;
}

const ACCEPT_NOTHING: PolicyResult = { accept: true, applied: [], key: '' };
const REJECT: PolicyResult = { accept: false, applied: [], key: '' };

function bitsOf(f: 4 | 6): number {
  return f === 4 ? 32 : 128;
}

export function rangeMatches(r: PrefixRange, family: 4 | 6, addr: bigint, len: number): boolean {
  if (r.family !== family || len < r.ge || len > r.le || len < r.len) return false;
  const shift = BigInt(bitsOf(family) - r.len);
  return addr >> shift === r.addr >> shift;
}

export function prefixListPermits(list: PrefixList, family: 4 | 6, addr: bigint, len: number): boolean {
  for (const e of list.entries) if (rangeMatches(e.range, family, addr, len)) return e.permit;
  return false;
}

function neighborMatches(ns: NeighborMatch[], family: 4 | 6, addr: bigint | undefined): boolean {
  if (addr === undefined) return false;
  for (const n of ns) {
    if (n.family !== family) continue;
    const shift = BigInt(bitsOf(family) - n.len);
    if (addr >> shift === n.addr >> shift) return true;
  }
  return false;
}

function conditionsMatch(c: Conditions, r: RouteView): boolean {
  if (c.family && c.family !== r.family) return false;
  const fam = r.family === 'ipv4-unicast' ? 4 : 6;
  if (c.prefixList) {
    const ok = prefixListPermits(c.prefixList, fam, r.addr, r.len);
    if (ok === !!c.prefixInvert) return false;
  }
  if (c.neighbors && !neighborMatches(c.neighbors, r.peerFamily, r.peerAddr)) return false;
  if (c.anyCommunity) {
    const have = r.attrs.communities;
    if (!have || !c.anyCommunity.some((x) => have.includes(x))) return false;
  }
  if (c.communityList) {
    const have = r.attrs.communities ?? [];
    const entry = c.communityList.find((e) => e.values.every((v) => have.includes(v)));
    if (!entry?.permit) return false;
  }
  if (c.anyLargeCommunity) {
    const have = r.attrs.largeCommunities ?? [];
    const want = c.anyLargeCommunity;
    let hit = false;
    for (let i = 0; i + 2 < want.length && !hit; i += 3) {
      for (let j = 0; j + 2 < have.length; j += 3) {
        if (have[j] === want[i] && have[j + 1] === want[i + 1] && have[j + 2] === want[i + 2]) {
          hit = true;
          break;
        }
      }
    }
    if (!hit) return false;
  }
  return true;
}

const statementIds = new WeakMap<Statement, number>();
let nextStatementId = 1;

function statementId(s: Statement): number {
  let id = statementIds.get(s);
  if (id === undefined) {
    id = nextStatementId++;
    statementIds.set(s, id);
  }
  return id;
}

/** Evaluates an assignment; undefined assignment = accept unchanged. */
export function evaluate(assign: PolicyAssignment | undefined, r: RouteView): PolicyResult {
  if (!assign) return ACCEPT_NOTHING;
  let applied: Statement[] | undefined;
  for (const policy of assign.policies) {
    for (const s of policy.statements) {
      if (!conditionsMatch(s.conditions, r)) continue;
      const d = s.actions.disposition;
      if (d === 'reject') return REJECT;
      if (hasPathActions(s.actions)) (applied ??= []).push(s);
      if (d === 'accept') return result(true, applied);
    }
  }
  if (assign.defaultAction === 'reject') return REJECT;
  return result(true, applied);
}

function result(accept: boolean, applied: Statement[] | undefined): PolicyResult {
  if (!applied) return accept ? ACCEPT_NOTHING : REJECT;
  return { accept, applied, key: applied.map(statementId).join(',') };
}

function hasPathActions(a: Actions): boolean {
  return (
    a.setLocalPref !== undefined ||
    a.setMed !== undefined ||
    a.setCommunities !== undefined ||
    a.addCommunities !== undefined ||
    a.removeCommunities !== undefined ||
    a.setLargeCommunities !== undefined ||
    a.addLargeCommunities !== undefined ||
    a.removeLargeCommunities !== undefined ||
    a.setNextHop !== undefined ||
    a.prependAs !== undefined
  );
}

export interface ActionContext {
  /** The address "next-hop self" means for this peer. */
  selfNextHop4: number;
  selfNextHop6: Uint8Array | undefined;
}

/** Applies the actions of `applied` to a copy of attrs (attrs itself is never modified). */
export function applyActions(attrs: PathAttrs, applied: readonly Statement[], ctx: ActionContext): PathAttrs {
  if (applied.length === 0) return attrs;
  const out = cloneAttrs(attrs);
  for (const s of applied) {
    const a = s.actions;
    if (a.setLocalPref !== undefined) out.localPref = a.setLocalPref;
    if (a.setMed !== undefined) out.med = a.setMed;
    if (a.setCommunities !== undefined) out.communities = [...a.setCommunities];
    if (a.removeCommunities) out.communities = out.communities?.filter((c) => !a.removeCommunities!.includes(c));
    if (a.addCommunities) {
      const list = out.communities ?? [];
      for (const c of a.addCommunities) if (!list.includes(c)) list.push(c);
      out.communities = list;
    }
    if (a.setLargeCommunities !== undefined) out.largeCommunities = [...a.setLargeCommunities];
    if (a.removeLargeCommunities) out.largeCommunities = removeTriples(out.largeCommunities ?? [], a.removeLargeCommunities);
    if (a.addLargeCommunities) out.largeCommunities = addTriples(out.largeCommunities ?? [], a.addLargeCommunities);
    if (a.prependAs) for (let i = a.prependAs.length - 1; i >= 0; i--) out.asPath = prependAs(out.asPath, a.prependAs[i]!);
    if (a.setNextHop) {
      const nh = a.setNextHop;
      if (nh.kind === 'self') {
        if (out.nextHop >= 0 || !out.nextHop6) out.nextHop = ctx.selfNextHop4;
        if (out.nextHop6 && ctx.selfNextHop6) out.nextHop6 = ctx.selfNextHop6;
      } else if (nh.kind === 'address') {
        if (nh.family === 4) out.nextHop = Number(nh.addr);
        else out.nextHop6 = bigintTo16(nh.addr);
      }
    }
  }
  if (out.communities) {
    // stored sorted and unique so equal sets intern to one id
    out.communities = [...new Set(out.communities)].sort((x, y) => x - y);
    if (out.communities.length === 0) out.communities = undefined;
  }
  if (out.largeCommunities && out.largeCommunities.length === 0) out.largeCommunities = undefined;
  return out;
}

function bigintTo16(v: bigint): Uint8Array {
  const b = new Uint8Array(16);
  for (let i = 15; i >= 0; i--) {
    b[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return b;
}

function tripleKeys(l: number[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 2 < l.length; i += 3) out.push(`${l[i]}:${l[i + 1]}:${l[i + 2]}`);
  return out;
}

function addTriples(have: number[], add: number[]): number[] {
  const keys = new Set(tripleKeys(have));
  const out = [...have];
  for (let i = 0; i + 2 < add.length; i += 3) {
    const k = `${add[i]}:${add[i + 1]}:${add[i + 2]}`;
    if (keys.has(k)) continue;
    keys.add(k);
    out.push(add[i]!, add[i + 1]!, add[i + 2]!);
  }
  return out;
}

function removeTriples(have: number[], rm: number[]): number[] {
  const drop = new Set(tripleKeys(rm));
  const out: number[] = [];
  for (let i = 0; i + 2 < have.length; i += 3) {
    if (!drop.has(`${have[i]}:${have[i + 1]}:${have[i + 2]}`)) out.push(have[i]!, have[i + 1]!, have[i + 2]!);
  }
  return out;
}

/** True when the assignment can never change or reject anything. */
export function isAcceptAll(assign: PolicyAssignment | undefined): boolean {
  return !assign || (assign.policies.length === 0 && assign.defaultAction === 'accept');
}

