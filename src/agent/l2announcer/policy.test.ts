import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CiliumL2AnnouncementPolicy, Service } from '../../k8s/types.ts';
import { matches } from '../../k8s/selectors.ts';
import { announceableClass, evaluatePolicy, labelSelectorAsSelector, policyServiceIPs, policyTakesService, serviceIPKinds, svcAndMetaLabels } from './policy.ts';

const policy = (spec: CiliumL2AnnouncementPolicy['spec']): CiliumL2AnnouncementPolicy => ({ apiVersion: 'cilium.io/v2alpha1', kind: 'CiliumL2AnnouncementPolicy', metadata: { name: 'p' }, spec });
const DEVICES = ['eth0', 'eth1', 'eth10', 'veth1a2b', 'ens5'];
const NODE = { 'kubernetes.io/hostname': 'k8s-w1', 'node-role.kubernetes.io/worker': '' };

test('node selector: nil selects every node, {} too, NotIn/DoesNotExist as in the seeds', () => {
  assert.equal(evaluatePolicy(policy({}), NODE, DEVICES).outcome, 'selected');
  assert.equal(evaluatePolicy(policy({ nodeSelector: {} }), NODE, DEVICES).outcome, 'selected');
  const notW0 = { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'NotIn', values: ['k8s-w0'] }] };
  assert.equal(evaluatePolicy(policy({ nodeSelector: notW0 }), NODE, DEVICES).outcome, 'selected');
  assert.equal(evaluatePolicy(policy({ nodeSelector: notW0 }), { 'kubernetes.io/hostname': 'k8s-w0' }, DEVICES).outcome, 'node-not-selected');
  const noCp = { matchExpressions: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'DoesNotExist' }] };
  assert.equal(evaluatePolicy(policy({ nodeSelector: noCp }), NODE, DEVICES).outcome, 'selected');
  assert.equal(evaluatePolicy(policy({ nodeSelector: noCp }), { 'node-role.kubernetes.io/control-plane': '' }, DEVICES).outcome, 'node-not-selected');
});

test('interfaces: unanchored, OR-ed, deduplicated in device order; none given means every device', () => {
  const devices = (interfaces?: string[]) => {
    const ev = evaluatePolicy(policy({ interfaces }), NODE, DEVICES);
    assert.equal(ev.outcome, 'selected');
    return ev.outcome === 'selected' ? ev.devices : [];
  };
  assert.deepEqual(devices(), DEVICES);
  assert.deepEqual(devices([]), DEVICES);
  assert.deepEqual(devices(['eth']), ['eth0', 'eth1', 'eth10', 'veth1a2b']);
  assert.deepEqual(devices(['^eth[1-9]+']), ['eth1', 'eth10']);
  assert.deepEqual(devices(['^ens', 'eth1', '^ens5$']), ['ens5', 'eth1', 'eth10', 'veth1a2b']); // eth1 is in veth1a2b too
  assert.deepEqual(devices(['^wlan']), []);
});

test('checks run in order and stop at the first error; each passing check is recorded (to clear old conditions)', () => {
  const bad = evaluatePolicy(policy({ interfaces: ['eth(', 'x'], serviceSelector: { matchLabels: { 'bad key': 'x' } } }), NODE, DEVICES);
  assert.equal(bad.outcome, 'error');
  assert.deepEqual(
    bad.checks.map((c) => [c.type, c.error]),
    [
      ['io.cilium/bad-node-selector', undefined],
      ['io.cilium/bad-interface-regex', 'error parsing regexp: missing closing ): `eth(`'],
    ],
  );
  const ok = evaluatePolicy(policy({ interfaces: ['eth1'] }), NODE, DEVICES);
  assert.deepEqual(
    ok.checks.map((c) => [c.type, c.error]),
    [
      ['io.cilium/bad-node-selector', undefined],
      ['io.cilium/bad-interface-regex', undefined],
      ['io.cilium/bad-service-selector', undefined],
    ],
  );
  const notHere = evaluatePolicy(policy({ nodeSelector: { matchLabels: { role: 'edge' } }, interfaces: ['eth('] }), NODE, DEVICES);
  assert.equal(notHere.outcome, 'node-not-selected', 'a policy for other nodes is not checked further here');
});

test('selector keys and values are checked as labels.NewRequirement does', () => {
  assert.deepEqual(labelSelectorAsSelector({}), []);
  assert.deepEqual(labelSelectorAsSelector({ matchLabels: { 'app.kubernetes.io/name': 'web' } }), [{ key: 'app.kubernetes.io/name', op: 'Equals', values: ['web'] }]);
  const e1 = labelSelectorAsSelector({ matchLabels: { 'k8s:app': 'web' } });
  assert.ok('error' in e1 && e1.error.startsWith('key: Invalid value: "k8s:app": name part must consist of'));
  const e2 = labelSelectorAsSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: ['ok', 'not ok'] }] });
  assert.ok('error' in e2 && e2.error.startsWith('values[1][a]: Invalid value: "not ok"'));
  const e3 = labelSelectorAsSelector({ matchExpressions: [{ key: '-a', operator: 'In', values: ['-x'] }] });
  assert.ok('error' in e3 && e3.error.startsWith('[key: Invalid value: "-a"') && e3.error.includes(', values[0][-a]: Invalid value: "-x"'));
});

const svc = (over: Partial<Service> & { ips?: string[] } = {}): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace: 'prod', name: 'web', labels: { app: 'web' } },
  spec: { type: 'LoadBalancer', ...(over.spec ?? {}) },
  status: { loadBalancer: { ingress: (over.ips ?? []).map((ip) => ({ ip })) } },
});

test('service selection: meta labels, IP kinds, load balancer class', () => {
  const labels = svcAndMetaLabels(svc());
  assert.deepEqual(labels, { app: 'web', 'io.kubernetes.service.namespace': 'prod', 'io.kubernetes.service.name': 'web' });
  const sel = labelSelectorAsSelector({ matchLabels: { 'io.kubernetes.service.name': 'web' } });
  assert.ok(!('error' in sel) && matches(sel, labels));
  assert.deepEqual(serviceIPKinds(svc()), { external: false, loadBalancer: false });
  assert.deepEqual(serviceIPKinds(svc({ ips: ['1.2.3.4'] })), { external: false, loadBalancer: true });
  assert.deepEqual(serviceIPKinds(svc({ spec: { externalIPs: [] } })), { external: true, loadBalancer: false });
  assert.equal(policyTakesService(policy({ loadBalancerIPs: true }), { external: true, loadBalancer: false }), false);
  assert.equal(policyTakesService(policy({ externalIPs: true }), { external: true, loadBalancer: false }), true);
  assert.equal(announceableClass(svc({ spec: { loadBalancerClass: 'io.cilium/l2-announcer' } })), true);
  assert.equal(announceableClass(svc({ spec: { loadBalancerClass: 'io.cilium/bgp-control-plane' } })), false);
  const s = svc({ ips: ['192.168.10.211', '', 'not-an-ip', '2001:DB8::1'], spec: { externalIPs: ['10.0.0.1'] } });
  const ips = (p: CiliumL2AnnouncementPolicy) => policyServiceIPs(p, s).map((ip) => `${ip.family}:${ip.value}`);
  assert.equal(ips(policy({ loadBalancerIPs: true, externalIPs: true })).length, 3, 'LB IPs then external IPs; empty and unparsable skipped');
  assert.equal(ips(policy({ externalIPs: true })).length, 1);
  assert.equal(ips(policy({})).length, 0);
});
