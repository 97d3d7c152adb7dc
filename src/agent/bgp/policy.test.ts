import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate } from '../../bgp/policy/evaluate.ts';
import { parseCIDR } from '../../netaddr/cidr.ts';
import { advertisementAttributes, mergeAttributes, NO_ATTRIBUTES, parseStandardCommunity } from './attributes.ts';
import { compileExport, exportPolicy, policyName } from './policy.ts';

const bad: string[] = [];

describe('advertisement attributes', () => {
  it('merges standard and well-known communities by value, keeps the first spelling', () => {
    const a = advertisementAttributes(
      { advertisementType: 'PodCIDR', attributes: { communities: { standard: ['65535:65281', '65000:99', '65000:99'], wellKnown: ['no-export'], large: ['1:2:3', '1:2:3'] }, localPreference: 150 } },
      (w) => bad.push(w),
    );
    assert.deepEqual(a.communities.map((c) => c.text), ['65535:65281', '65000:99']);
    assert.deepEqual(a.largeCommunities.map((c) => c.text), ['1:2:3']);
    assert.equal(a.localPreference, 150);
    assert.equal(parseStandardCommunity('4294967295'), 0xffffffff);
    assert.equal(parseStandardCommunity('65536:1'), undefined);
  });

  it('unions communities and keeps the highest local preference across advertisements (1.18)', () => {
    const m = mergeAttributes([
      { communities: [{ text: '65000:2', value: 65000 * 65536 + 2 }], largeCommunities: [], localPreference: 100 },
      { communities: [{ text: '65000:1', value: 65000 * 65536 + 1 }], largeCommunities: [], localPreference: 200 },
    ]);
    assert.deepEqual(m.communities.map((c) => c.text), ['65000:1', '65000:2']);
    assert.equal(m.localPreference, 200);
  });
});

describe('route policies', () => {
  it('are named after peer, family and object', () => {
    assert.equal(policyName('tor-switch', 'ipv4', { kind: 'PodCIDR' }), 'tor-switch-ipv4-PodCIDR');
    assert.equal(policyName('tor-switch', 'ipv4', { kind: 'Service', name: 'webpod', namespace: 'default', address: 'LoadBalancerIP' }), 'tor-switch-ipv4-Service-webpod-default-LoadBalancerIP');
    assert.equal(policyName('p', 'ipv6', { kind: 'CiliumPodIPPool', pool: 'blue' }), 'p-ipv6-CiliumPodIPPool-blue');
  });

  const route = (prefix: string, peer: string) => {
    const c = parseCIDR(prefix)!;
    const p = parseCIDR(`${peer}/32`)!;
    return { family: c.family === 4 ? ('ipv4-unicast' as const) : ('ipv6-unicast' as const), addr: c.addr, len: c.prefixLen, peerFamily: 4 as const, peerAddr: p.addr, attrs: { origin: 0, asPath: [], nextHop: 0, med: -1, localPref: -1, atomicAggregate: false, originatorId: -1 } };
  };

  it('compile to the same decisions as the policies under default reject', () => {
    const originated = { 4: new Set(['172.20.0.0/24', '172.16.1.1/32', '172.16.1.2/32']), 6: new Set<string>() };
    const comm = { communities: [{ text: '65000:99', value: 65000 * 65536 + 99 }], largeCommunities: [] };
    const policies = [exportPolicy('tor-ipv4-PodCIDR', '10.0.0.1', ['172.20.0.0/24'], NO_ATTRIBUTES)!, exportPolicy('tor-ipv4-Service-a-default-LoadBalancerIP', '10.0.0.1', ['172.16.1.1/32'], comm)!];
    const c = compileExport('10.0.0.1', policies, originated);
    assert.deepEqual(c.advertised, { 4: 2, 6: 0 });
    const r1 = evaluate(c.assignment, route('172.20.0.0/24', '10.0.0.1'));
    assert.equal(r1.accept, true);
    assert.equal(r1.applied.length, 0);
    const r2 = evaluate(c.assignment, route('172.16.1.1/32', '10.0.0.1'));
    assert.equal(r2.accept, true);
    assert.deepEqual(r2.applied[0]!.actions.addCommunities, [65000 * 65536 + 99]);
    // originated for another peer only: rejected for this one
    assert.equal(evaluate(c.assignment, route('172.16.1.2/32', '10.0.0.1')).accept, false);
    // a peer no statement names gets nothing
    assert.equal(compileExport('10.0.0.9', policies, originated).assignment.policies.length, 0);
  });

  it('keeps its signature when a prefix joins the catch-all group, so no soft reset is needed', () => {
    const p = (prefixes: string[]) => [exportPolicy('x', '10.0.0.1', prefixes, NO_ATTRIBUTES)!];
    const a = compileExport('10.0.0.1', p(['10.1.0.0/24']), { 4: new Set(['10.1.0.0/24']), 6: new Set() });
    const b = compileExport('10.0.0.1', p(['10.1.0.0/24', '10.2.0.0/24']), { 4: new Set(['10.1.0.0/24', '10.2.0.0/24']), 6: new Set() });
    assert.equal(a.signature, b.signature);
    assert.equal(evaluate(b.assignment, route('10.2.0.0/24', '10.0.0.1')).accept, true);
  });
});
