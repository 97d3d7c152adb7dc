import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatIP } from '../../netaddr/ip.ts';
import {
  DEFAULT_OPTIONS,
  isResponsible,
  type LBIPAMOptions,
  lbipamOptionsFromConfig,
  requestedFamilies,
  requestedIPs,
  selectorLabels,
  sharingIncompatibility,
  sharingInfo,
} from './service.ts';
import { mkSvc } from './testkit.ts';

const v4: LBIPAMOptions = DEFAULT_OPTIONS;
const v6only: LBIPAMOptions = { ...DEFAULT_OPTIONS, ipv4Enabled: false, ipv6Enabled: true };
const dual: LBIPAMOptions = { ...DEFAULT_OPTIONS, ipv6Enabled: true };

describe('LB-IPAM service reading', () => {
  it('follows the family policy table of spec §1.7', () => {
    const fam = (o: LBIPAMOptions, policy?: string, families?: string[]) => {
      const r = requestedFamilies(mkSvc('s', { policy, families }), o);
      return `${r.v4 ? '4' : ''}${r.v6 ? '6' : ''}`;
    };
    assert.equal(fam(v4), '4');
    assert.equal(fam(v6only), '6');
    assert.equal(fam(v4, 'SingleStack', ['IPv6', 'IPv4']), '6', 'ipFamilies[0] even when disabled');
    assert.equal(fam(v4, undefined, ['IPv6']), '6');
    assert.equal(fam(dual, 'PreferDualStack'), '46');
    assert.equal(fam(dual, 'PreferDualStack', ['IPv6']), '6');
    assert.equal(fam(v6only, 'PreferDualStack', ['IPv4']), '', 'asks for nothing');
    assert.equal(fam(v4, 'RequireDualStack', ['IPv6']), '4', 'ipFamilies ignored');
    assert.equal(fam(dual, 'RequireDualStack'), '46');
  });

  it('reads requested IPs from loadBalancerIP and both annotation keys', () => {
    const ips = (o: Parameters<typeof mkSvc>[1]) => {
      const r = requestedIPs(mkSvc('s', o));
      return [r.ips.map(formatIP), r.unparsable];
    };
    assert.deepEqual(ips({ lbIP: '10.0.0.1', annotations: { 'lbipam.cilium.io/ips': ' 10.0.0.1 ,10.0.0.2,nope, 10.0.0.2 ,10.0.0.1' } }), [
      ['10.0.0.1', '10.0.0.2', '10.0.0.1'],
      ['nope'],
    ]);
    assert.deepEqual(ips({ annotations: { 'io.cilium/lb-ipam-ips': 'FF::1' } }), [['ff::1'], []]);
    assert.deepEqual(ips({ annotations: { 'lbipam.cilium.io/ips': '', 'io.cilium/lb-ipam-ips': '10.0.0.3' } }), [[], []]);
  });

  it('decides responsibility by type and class', () => {
    const bgp = { ...v4, bgpControlPlaneEnabled: true };
    assert.equal(isResponsible(mkSvc('s'), v4), true);
    assert.equal(isResponsible(mkSvc('s', { type: 'NodePort' }), v4), false);
    assert.equal(isResponsible(mkSvc('s'), { ...v4, defaultLBServiceIPAM: 'none' }), false);
    assert.equal(isResponsible(mkSvc('s', { lbClass: 'io.cilium/bgp-control-plane' }), bgp), true);
    assert.equal(isResponsible(mkSvc('s', { lbClass: 'io.cilium/bgp-control-plane' }), v4), false);
    assert.equal(isResponsible(mkSvc('s', { lbClass: 'io.cilium/l2-announcer' }), bgp), false);
  });

  it('adds the special selector keys, overriding user labels of the same name', () => {
    assert.deepEqual(selectorLabels(mkSvc('web', { ns: 'shop', labels: { app: 'x', 'io.kubernetes.service.name': 'forged' } })), {
      app: 'x',
      'io.kubernetes.service.name': 'web',
      'io.kubernetes.service.namespace': 'shop',
    });
  });

  it('gives the first reason two services may not share, in cilium order', () => {
    const info = (o: Parameters<typeof mkSvc>[1]) => sharingInfo(mkSvc('s', o));
    const k = (extra: Record<string, string> = {}) => ({ 'lbipam.cilium.io/sharing-key': 'k', ...extra });
    const why = (a: Parameters<typeof mkSvc>[1], b: Parameters<typeof mkSvc>[1], diff = false) => sharingIncompatibility(info(a), info(b), diff);
    assert.equal(why({ annotations: k() }, { annotations: k(), ports: [80] }), 'same port');
    assert.equal(why({ annotations: k(), ports: ['53/UDP'] }, { annotations: k(), ports: ['53/TCP'] }, true), undefined);
    assert.equal(why({ annotations: k() }, { annotations: { 'io.cilium/lb-ipam-sharing-key': 'other' }, ports: [81] }), 'different sharing key');
    assert.equal(why({ annotations: k(), ns: 'a' }, { annotations: k(), ns: 'b', ports: [81] }), 'different and not permitted namespace');
    const cross = { 'io.cilium/lb-ipam-sharing-cross-namespace': '*' };
    assert.equal(why({ annotations: k(cross), ns: 'a' }, { annotations: k(cross), ns: 'b', ports: [81] }), undefined);
    assert.equal(why({ annotations: k(), etp: 'Local', selector: {} }, { annotations: k(), etp: 'Local', selector: {}, ports: [81] }), 'compatible ExternalTrafficPolicy local but selecting different set of pods');
    assert.equal(why({ annotations: k(), etp: 'Cluster' }, { annotations: k(), ports: [81] }), undefined, 'unset eTP is Cluster');
  });

  it('maps cilium-config keys to options, only a present bpf-lb-proto-diff turns differentiation on', () => {
    assert.deepEqual(lbipamOptionsFromConfig({}), DEFAULT_OPTIONS);
    const o = lbipamOptionsFromConfig({ 'enable-ipv6': 'true', 'enable-l2-announcements': 'true', 'bpf-lb-proto-diff': 'true', 'default-lb-service-ipam': 'nodeipam' });
    assert.deepEqual(o, { ...DEFAULT_OPTIONS, ipv6Enabled: true, l2AnnouncementsEnabled: true, protocolDifferentiation: true, defaultLBServiceIPAM: 'nodeipam' });
  });

});
