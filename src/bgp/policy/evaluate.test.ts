import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyAttrs } from '../wire/attributes.ts';
import { type RouteView, applyActions, evaluate, isAcceptAll, prefixListPermits } from './evaluate.ts';
import type { Policy, PolicyAssignment, PrefixList } from './types.ts';

const v4 = (s: string) => BigInt(s.split('.').reduce((v, o) => v * 256 + Number(o), 0));
const range = (p: string, ge?: number, le?: number) => {
  const [a, l] = p.split('/');
  const len = Number(l);
  return { family: 4 as const, addr: v4(a!), len, ge: ge ?? len, le: le ?? len };
};

function route(prefix: string, peer = '192.168.10.200', attrs = { ...emptyAttrs(), origin: 0 }): RouteView {
  const [a, l] = prefix.split('/');
  return { family: 'ipv4-unicast', addr: v4(a!), len: Number(l), peerFamily: 4, peerAddr: v4(peer), attrs };
}

// What Cilium generates for peer tor-switch (spec/cilium-1.18.md §2.3).
const podCidr: Policy = {
  name: 'tor-switch-ipv4-PodCIDR',
  statements: [
    {
      name: 'tor-switch-ipv4-PodCIDR-0',
      conditions: {
        neighbors: [{ family: 4, addr: v4('192.168.10.200'), len: 32 }],
        prefixList: { name: 'pod', entries: [{ permit: true, range: range('172.20.1.0/24') }] },
      },
      actions: { disposition: 'accept', setLocalPref: 150, addCommunities: [65000 * 65536 + 99], addLargeCommunities: [65000, 1, 2] },
    },
  ],
};
const exportAssign: PolicyAssignment = { policies: [podCidr], defaultAction: 'reject' };

describe('policy evaluation', () => {
  it('accepts the matching prefix for the matching neighbour and applies actions', () => {
    const r = evaluate(exportAssign, route('172.20.1.0/24'));
    assert.equal(r.accept, true);
    const out = applyActions(route('172.20.1.0/24').attrs, r.applied, { selfNextHop4: 1, selfNextHop6: undefined });
    assert.equal(out.localPref, 150);
    assert.deepEqual(out.communities, [65000 * 65536 + 99]);
    assert.deepEqual(out.largeCommunities, [65000, 1, 2]);
  });

  it('rejects other prefixes, other lengths and other neighbours (default reject)', () => {
    assert.equal(evaluate(exportAssign, route('172.20.2.0/24')).accept, false);
    assert.equal(evaluate(exportAssign, route('172.20.1.0/25')).accept, false);
    assert.equal(evaluate(exportAssign, route('172.20.1.0/24', '192.168.10.201')).accept, false);
  });

  it('a "none" statement applies actions and evaluation continues', () => {
    const assign: PolicyAssignment = {
      policies: [
        { name: 'tag', statements: [{ name: 's', conditions: {}, actions: { disposition: 'none', addCommunities: [7] } }] },
        { name: 'lp', statements: [{ name: 's', conditions: {}, actions: { disposition: 'accept', setLocalPref: 50 } }] },
      ],
      defaultAction: 'reject',
    };
    const r = evaluate(assign, route('10.0.0.0/8'));
    assert.equal(r.applied.length, 2);
    assert.equal(r.key, evaluate(assign, route('10.1.0.0/16')).key);
  });

  it('prefix lists: first match wins, ge/le ranges, implicit deny', () => {
    const list: PrefixList = {
      name: 'x',
      entries: [
        { permit: false, range: range('10.0.0.0/8', 24, 24) },
        { permit: true, range: range('10.0.0.0/8', 8, 32) },
      ],
    };
    assert.equal(prefixListPermits(list, 4, v4('10.1.2.0'), 24), false);
    assert.equal(prefixListPermits(list, 4, v4('10.1.0.0'), 16), true);
    assert.equal(prefixListPermits(list, 4, v4('11.0.0.0'), 8), false);
  });

  it('community matches and removal', () => {
    const attrs = { ...emptyAttrs(), origin: 0, communities: [1, 2, 3] };
    const assign: PolicyAssignment = {
      policies: [{ name: 'p', statements: [{ name: 's', conditions: { anyCommunity: [2] }, actions: { disposition: 'accept', removeCommunities: [2] } }] }],
      defaultAction: 'reject',
    };
    const r = evaluate(assign, route('10.0.0.0/8', undefined, attrs));
    assert.deepEqual(applyActions(attrs, r.applied, { selfNextHop4: 1, selfNextHop6: undefined }).communities, [1, 3]);
    assert.equal(evaluate(assign, route('10.0.0.0/8')).accept, false);
  });

  it('no assignment or an empty accept assignment accepts unchanged', () => {
    assert.equal(isAcceptAll(undefined), true);
    assert.equal(isAcceptAll({ policies: [], defaultAction: 'accept' }), true);
    assert.equal(evaluate(undefined, route('1.0.0.0/8')).accept, true);
  });
});
