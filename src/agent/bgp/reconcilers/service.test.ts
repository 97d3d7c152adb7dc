import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BGPAdvertisement, CiliumBGPAdvertisement, Service } from '../../../k8s/types.ts';
import type { DesiredPeer } from '../desired.ts';
import { selectAdverts } from './adverts.ts';
import { hasLocalEndpoint, serviceOwnerRoutes } from './service.ts';
import { endpointSlice } from '../testkit.ts';

const peer: DesiredPeer = {
  name: 'tor',
  address: '10.0.0.1',
  family: 4,
  asn: 65000,
  port: 179,
  connectRetry: 120,
  holdTime: 90,
  keepalive: 30,
  ebgpMultihop: 1,
  gracefulRestart: { enabled: false, restartTime: 120 },
  families: [
    { afi: 'ipv4', safi: 'unicast', key: 'ipv4-unicast', advertisements: { matchLabels: { advertise: 'bgp' } } },
    { afi: 'ipv6', safi: 'unicast', key: 'ipv6-unicast', advertisements: { matchLabels: { advertise: 'bgp' } } },
  ],
};

const advert = (name: string, a: BGPAdvertisement): CiliumBGPAdvertisement => ({ apiVersion: 'cilium.io/v2', kind: 'CiliumBGPAdvertisement', metadata: { name, labels: { advertise: 'bgp' } }, spec: { advertisements: [a] } });

const svc = (spec: Service['spec'], ingress: string[] = []): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'echo', namespace: 'default', labels: { app: 'echo' } },
  spec,
  status: { loadBalancer: { ingress: ingress.map((ip) => ({ ip })) } },
});

function routes(adverts: CiliumBGPAdvertisement[], s: Service, local = true) {
  return serviceOwnerRoutes(selectAdverts([peer], adverts, () => {}), s, () => local);
}

const everything = { matchExpressions: [{ key: 'somekey', operator: 'NotIn' as const, values: ['never-used-value'] }] };

describe('service advertisements', () => {
  it('advertises LB, cluster and external IPs per family with per-object policies', () => {
    const r = routes(
      [advert('a', { advertisementType: 'Service', service: { addresses: ['LoadBalancerIP', 'ClusterIP', 'ExternalIP'] }, selector: everything })],
      svc({ type: 'LoadBalancer', clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.5', 'fd00:96::5'], externalIPs: ['203.0.113.7'] }, ['172.16.1.1']),
    );
    assert.deepEqual(r.prefixes, ['10.96.0.5/32', '172.16.1.1/32', '203.0.113.7/32', 'fd00:96::5/128']);
    assert.deepEqual(r.policies.map((p) => p.policy.name).sort(), [
      'tor-ipv4-Service-echo-default-ClusterIP',
      'tor-ipv4-Service-echo-default-ExternalIP',
      'tor-ipv4-Service-echo-default-LoadBalancerIP',
      'tor-ipv6-Service-echo-default-ClusterIP',
    ]);
  });

  it('selects nothing with a nil selector, everything with {} or the NotIn trick, and by name labels', () => {
    const s = svc({ type: 'LoadBalancer' }, ['172.16.1.1']);
    const lb = (selector?: BGPAdvertisement['selector']) => routes([advert('a', { advertisementType: 'Service', service: { addresses: ['LoadBalancerIP'] }, ...(selector ? { selector } : {}) })], s).prefixes;
    assert.deepEqual(lb(undefined), []);
    assert.deepEqual(lb({}), ['172.16.1.1/32']);
    assert.deepEqual(lb(everything), ['172.16.1.1/32']);
    assert.deepEqual(lb({ matchLabels: { 'io.kubernetes.service.name': 'echo', 'io.kubernetes.service.namespace': 'default' } }), ['172.16.1.1/32']);
    assert.deepEqual(lb({ matchLabels: { app: 'other' } }), []);
  });

  it('honours loadBalancerClass, eTP=Local for LB/external IPs and iTP=Local for ClusterIPs', () => {
    const all = [advert('a', { advertisementType: 'Service', service: { addresses: ['LoadBalancerIP', 'ClusterIP', 'ExternalIP'] }, selector: {} })];
    assert.deepEqual(routes(all, svc({ type: 'LoadBalancer', loadBalancerClass: 'io.cilium/l2-announcer' }, ['172.16.1.1'])).prefixes, []);
    const etp = svc({ type: 'LoadBalancer', externalTrafficPolicy: 'Local', clusterIP: '10.96.0.5', externalIPs: ['203.0.113.7'] }, ['172.16.1.1']);
    assert.deepEqual(routes(all, etp, false).prefixes, ['10.96.0.5/32']);
    assert.deepEqual(routes(all, etp, true).prefixes, ['10.96.0.5/32', '172.16.1.1/32', '203.0.113.7/32']);
    const itp = svc({ type: 'ClusterIP', internalTrafficPolicy: 'Local', clusterIP: '10.96.0.5' });
    assert.deepEqual(routes(all, itp, false).prefixes, []);
  });

  it('aggregates unless a Local policy applies, and merges attributes of overlapping advertisements', () => {
    const agg = advert('agg', { advertisementType: 'Service', service: { addresses: ['LoadBalancerIP'], aggregationLengthIPv4: 24 }, selector: {}, attributes: { communities: { standard: ['65000:1'] }, localPreference: 100 } });
    const other = advert('host', { advertisementType: 'Service', service: { addresses: ['LoadBalancerIP'] }, selector: {}, attributes: { communities: { wellKnown: ['no-export'] }, localPreference: 200 } });
    const cluster = routes([agg, other], svc({ type: 'LoadBalancer' }, ['172.16.1.77']));
    assert.deepEqual(cluster.prefixes, ['172.16.1.0/24', '172.16.1.77/32']);
    const local = routes([agg, other], svc({ type: 'LoadBalancer', externalTrafficPolicy: 'Local' }, ['172.16.1.77']));
    assert.deepEqual(local.prefixes, ['172.16.1.77/32']);
    const st = local.policies[0]!.policy.statements[0]!;
    assert.deepEqual(st.attrs.communities.map((c) => c.text), ['65000:1', 'no-export']);
    assert.equal(st.attrs.localPreference, 200);
  });

  it('counts only ready or serving, non-terminating endpoints on this node', () => {
    const s = endpointSlice('echo', ['n1', 'n2']);
    assert.equal(hasLocalEndpoint(s, 'n1'), true);
    assert.equal(hasLocalEndpoint(s, 'n3'), false);
    s.endpoints[0]!.conditions = { ready: false, serving: true, terminating: true };
    assert.equal(hasLocalEndpoint(s, 'n1'), false);
    s.endpoints[0]!.conditions = { ready: false, serving: false };
    assert.equal(hasLocalEndpoint(s, 'n1'), false);
  });
});
