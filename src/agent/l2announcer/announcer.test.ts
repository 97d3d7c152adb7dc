import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GK } from '../../k8s/kinds.ts';
import type { CiliumL2AnnouncementPolicy, Lease } from '../../k8s/types.ts';
import { parseIPv4Number } from '../../netaddr/ip.ts';
import { formatL2AnnounceTable } from './table.ts';
import { L2TestCluster, l2Policy, lbService } from './testing.ts';

const SEED_POLICY = l2Policy('policy1', {
  serviceSelector: { matchLabels: { app: 'webpod' } },
  nodeSelector: { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'NotIn', values: ['k8s-w0'] }] },
  interfaces: ['^eth[1-9]+'],
  externalIPs: true,
  loadBalancerIPs: true,
});

async function seedCluster(seed: string | number = 1): Promise<L2TestCluster> {
  const c = new L2TestCluster({}, seed);
  await c.addNodes([{ name: 'k8s-ctr' }, { name: 'k8s-w1' }, { name: 'k8s-w0' }]);
  await c.apply(lbService('default', 'webpod', '192.168.10.211'));
  await c.apply(SEED_POLICY);
  return c;
}

const holderOf = (l: Lease | undefined) => l?.spec?.holderIdentity;

test('one selected node takes the lease; only it announces, on the matching interface, with one GARP', async () => {
  const c = await seedCluster();
  const lease = await c.lease('default', 'webpod');
  const holder = holderOf(lease)!;
  assert.ok(holder === 'k8s-ctr' || holder === 'k8s-w1', `holder ${holder}`);
  assert.deepEqual(
    { ...lease!.spec, acquireTime: undefined, renewTime: undefined },
    { holderIdentity: holder, leaseDurationSeconds: 15, leaseTransitions: 0, acquireTime: undefined, renewTime: undefined },
  );
  assert.match(lease!.spec!.acquireTime!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.equal(lease!.metadata.namespace, 'kube-system');
  assert.deepEqual(c.announcers('default/webpod'), [holder]);
  const table = c.node(holder).announcer!.table.list();
  assert.equal(formatL2AnnounceTable(table), 'IP               NetworkInterface\n192.168.10.211   eth1\n');
  assert.equal(formatL2AnnounceTable(c.node('k8s-w0').announcer!.table.list()), 'IP   NetworkInterface\n');
  const dp = c.node(holder).dp;
  const eth1 = dp.link('eth1')!;
  assert.deepEqual(dp.responder.entries(), [{ ip: parseIPv4Number('192.168.10.211'), ifindex: eth1.ifindex, mac: eth1.mac }]);
  assert.deepEqual(
    dp.garps.map((g) => [g.ifindex, g.ip]),
    [[eth1.ifindex, parseIPv4Number('192.168.10.211')]],
  );
  assert.deepEqual(c.responders('192.168.10.211'), [holder]);
});

test('the leader renews every retry period and nobody takes over while it does', async () => {
  const c = await seedCluster();
  const first = (await c.lease('default', 'webpod'))!;
  const holder = holderOf(first)!;
  let lastRenew = Date.parse(first.spec!.renewTime!);
  for (let t = 0; t < 300; t += 10) {
    await c.advance(10_000);
    const l = (await c.lease('default', 'webpod'))!;
    assert.equal(holderOf(l), holder);
    assert.equal(l.spec!.leaseTransitions, 0);
    assert.equal(l.spec!.acquireTime, first.spec!.acquireTime);
    const renew = Date.parse(l.spec!.renewTime!);
    assert.ok(renew > lastRenew && c.clock.now() - renew <= 2_100, 'renewed within the last retry period');
    lastRenew = renew;
    assert.deepEqual(c.announcers('default/webpod'), [holder]);
  }
  assert.equal(c.node(holder).dp.garps.length, 1, 'no GARP while nothing changes');
});

test('a leader that goes down is replaced within lease duration plus renew deadline, and the new one GARPs', async () => {
  const c = await seedCluster(3);
  const old = holderOf(await c.lease('default', 'webpod'))!;
  const other = old === 'k8s-ctr' ? 'k8s-w1' : 'k8s-ctr';
  const downAt = c.clock.now();
  c.crash(old);
  await c.clock.advanceUntil(() => c.announcers('default/webpod').includes(other), 30_000, 50);
  const took = c.clock.now() - downAt;
  await c.settle();
  const l = (await c.lease('default', 'webpod'))!;
  assert.equal(holderOf(l), other);
  assert.equal(l.spec!.leaseTransitions, 1);
  // the old leader's last renewal was at most one retry period before it went down
  assert.ok(took >= 15_000 - 2_000, `no takeover before the lease ran out (${took} ms)`);
  assert.ok(took <= 15_000 + 2 * 4_400 + 100, `takeover after ${took} ms`);
  assert.equal(c.node(other).dp.garps.length, 1);
  assert.deepEqual(c.responders('192.168.10.211'), [other]);
  // k8s-w0 is not selected by the policy: it never campaigns
  assert.deepEqual(c.node('k8s-w0').announcer!.campaigns(), []);
  // the old node comes back: it follows, it does not take the lease back
  await c.reboot(old);
  await c.advance(60_000);
  assert.equal(holderOf(await c.lease('default', 'webpod')), other);
  assert.deepEqual(c.announcers('default/webpod'), [other]);
});

test('a graceful stop releases the lease and another candidate takes it at its next poll', async () => {
  const c = await seedCluster(5);
  const old = holderOf(await c.lease('default', 'webpod'))!;
  c.stop(old);
  await c.settle();
  const released = (await c.lease('default', 'webpod'))!;
  assert.equal(holderOf(released), '');
  assert.equal(released.spec!.leaseDurationSeconds, 1);
  await c.advance(4_400 + 100);
  const l = (await c.lease('default', 'webpod'))!;
  assert.notEqual(holderOf(l), old);
  assert.equal(l.spec!.leaseTransitions, 1);
});

test('which services are selected: IP kinds, load balancer class, selectors', async () => {
  const c = new L2TestCluster();
  await c.addNodes([{ name: 'n1' }]);
  await c.apply(l2Policy('lb-only', { loadBalancerIPs: true }));
  await c.apply(lbService('default', 'pending', undefined));
  await c.apply(lbService('default', 'ext-only', undefined, { externalIPs: ['192.168.10.50'] }));
  await c.apply(lbService('default', 'bgp', '192.168.10.51', { loadBalancerClass: 'io.cilium/bgp-control-plane' }));
  await c.apply(lbService('default', 'l2class', '192.168.10.52', { loadBalancerClass: 'io.cilium/l2-announcer' }));
  await c.apply(lbService('other', 'plain', '192.168.10.53'));
  const leases = async () => (await c.store.list<Lease>(GK.Lease, { namespace: 'kube-system' })).items.map((l) => l.metadata.name).sort();
  assert.deepEqual(await leases(), ['cilium-l2announce-default-l2class', 'cilium-l2announce-other-plain']);
  // externalIPs: true adds the external-only service; an empty list is still "set" (Go: non-nil)
  await c.apply(l2Policy('ext', { externalIPs: true, serviceSelector: { matchLabels: { 'io.kubernetes.service.namespace': 'default' } } }));
  await c.apply(lbService('default', 'empty-ext', undefined, { externalIPs: [] }));
  assert.deepEqual(await leases(), [
    'cilium-l2announce-default-empty-ext',
    'cilium-l2announce-default-ext-only',
    'cilium-l2announce-default-l2class',
    'cilium-l2announce-other-plain',
  ]);
  // the service selector sees io.kubernetes.service.name
  const table = () => formatL2AnnounceTable(c.node('n1').announcer!.table.list());
  assert.equal(table(), 'IP              NetworkInterface\n192.168.10.50   eth0\n192.168.10.50   eth1\n192.168.10.52   eth0\n192.168.10.52   eth1\n192.168.10.53   eth0\n192.168.10.53   eth1\n');
});

test('several policies selecting one service combine their interfaces and IP kinds', async () => {
  const c = new L2TestCluster();
  await c.addNodes([{ name: 'n1', devices: [{ name: 'eth0', cidr: '10.0.0.1/24' }, { name: 'eth1', cidr: '192.168.10.1/24' }, { name: 'ens5', cidr: '192.168.20.1/24' }] }]);
  await c.apply(lbService('default', 'web', '192.168.10.211', { externalIPs: ['192.168.20.7'] }));
  await c.apply(l2Policy('a', { interfaces: ['eth1'], loadBalancerIPs: true }));
  await c.apply(l2Policy('b', { interfaces: ['^ens', 'eth1'], externalIPs: true }));
  const rows = c.node('n1').announcer!.table.list().map((e) => `${e.networkInterface} ${e.ip.value} ${e.origins.join(',')}`);
  assert.equal(rows.length, 3); // 211@eth1 (a), 20.7@ens5 and 20.7@eth1 (b)
  assert.equal(formatL2AnnounceTable(c.node('n1').announcer!.table.list()), 'IP               NetworkInterface\n192.168.10.211   eth1\n192.168.20.7     ens5\n192.168.20.7     eth1\n');
  // only one lease for the service, whatever the number of policies
  assert.equal((await c.store.list(GK.Lease)).items.length, 1);
  // deleting one policy: Cilium recalculates only services no policy selects any more, so what
  // policy a added stays until the service next changes
  const before = formatL2AnnounceTable(c.node('n1').announcer!.table.list());
  await c.store.delete(GK.CiliumL2AnnouncementPolicy, undefined, 'a');
  await c.settle();
  assert.equal(formatL2AnnounceTable(c.node('n1').announcer!.table.list()), before);
  await c.apply({ ...lbService('default', 'web', '192.168.10.211', { externalIPs: ['192.168.20.7'] }), metadata: { namespace: 'default', name: 'web', labels: { app: 'web', tier: 'front' } } });
  assert.equal(formatL2AnnounceTable(c.node('n1').announcer!.table.list()), 'IP             NetworkInterface\n192.168.20.7   ens5\n192.168.20.7   eth1\n');
});

test('two services sharing an IP get their own leases; the shared entry has both origins', async () => {
  const c = new L2TestCluster();
  await c.addNodes([{ name: 'n1' }]);
  await c.apply(l2Policy('p', { interfaces: ['eth1'], loadBalancerIPs: true }));
  await c.apply(lbService('default', 'netshoot-web', '192.168.10.215'));
  await c.apply(lbService('default', 'netshoot-web2', '192.168.10.215'));
  assert.ok(await c.lease('default', 'netshoot-web'));
  assert.ok(await c.lease('default', 'netshoot-web2'));
  const [entry] = c.node('n1').announcer!.table.list();
  assert.deepEqual(entry!.origins.sort(), ['default/netshoot-web', 'default/netshoot-web2']);
  assert.equal(c.node('n1').dp.garps.length, 1, 'one map entry, one GARP');
  await c.store.delete(GK.Service, 'default', 'netshoot-web');
  await c.settle();
  assert.deepEqual(c.node('n1').announcer!.table.list()[0]!.origins, ['default/netshoot-web2']);
  assert.equal(c.node('n1').dp.responder.size, 1);
});

test('IPv6 IPs go into the table but never into the ARP responder', async () => {
  const c = new L2TestCluster();
  await c.addNodes([{ name: 'n1' }]);
  await c.apply(l2Policy('p', { interfaces: ['eth1'], loadBalancerIPs: true, externalIPs: true }));
  await c.apply(lbService('default', 'dual', '192.168.10.9', { externalIPs: ['2001:db8::9'] }));
  assert.equal(formatL2AnnounceTable(c.node('n1').announcer!.table.list()), 'IP             NetworkInterface\n192.168.10.9   eth1\n2001:db8::9    eth1\n');
  assert.equal(c.node('n1').dp.responder.size, 1);
  assert.equal(c.node('n1').dp.garps.length, 1);
});

async function policyStatus(c: L2TestCluster, name: string) {
  return (await c.store.get<CiliumL2AnnouncementPolicy>(GK.CiliumL2AnnouncementPolicy, undefined, name))?.status?.conditions ?? [];
}

test('an invalid interface regex sets io.cilium/bad-interface-regex with Go’s error; other policies go on', async () => {
  const c = new L2TestCluster();
  await c.addNodes([{ name: 'n1' }, { name: 'n2' }]);
  await c.apply(lbService('default', 'good', '192.168.10.1'));
  await c.apply(lbService('default', 'bad', '192.168.10.2'));
  await c.apply(l2Policy('good', { serviceSelector: { matchLabels: { app: 'good' } }, interfaces: ['eth1'], loadBalancerIPs: true }));
  await c.apply(l2Policy('bad', { serviceSelector: { matchLabels: { app: 'bad' } }, interfaces: ['eth1', '(?<=eth)0'], loadBalancerIPs: true }));
  await c.advance(10_000);
  const conds = await policyStatus(c, 'bad');
  assert.equal(conds.length, 1);
  assert.deepEqual({ ...conds[0], lastTransitionTime: undefined }, {
    type: 'io.cilium/bad-interface-regex',
    status: 'True',
    observedGeneration: 1,
    lastTransitionTime: undefined,
    reason: 'error',
    message: 'error parsing regexp: invalid named capture: `(?<=eth)0`',
  });
  assert.deepEqual(await policyStatus(c, 'good'), [], 'a valid policy gets no conditions');
  assert.ok(await c.lease('default', 'good'));
  assert.equal(await c.lease('default', 'bad'), undefined);
  assert.ok(c.logs.some((l) => l.includes('Error processing policy event') && l.includes('policy=bad') && l.includes('invalid named capture')));
  // fixed: the condition stays, flipped to False with an empty message
  await c.apply(l2Policy('bad', { serviceSelector: { matchLabels: { app: 'bad' } }, interfaces: ['eth1'], loadBalancerIPs: true }));
  const fixed = await policyStatus(c, 'bad');
  assert.deepEqual(
    fixed.map((x) => [x.type, x.status, x.message, x.observedGeneration]),
    [['io.cilium/bad-interface-regex', 'False', '', 2]],
  );
  assert.ok(await c.lease('default', 'bad'));
});

test('selector keys the agent cannot parse set bad-node-selector / bad-service-selector', async () => {
  const c = new L2TestCluster();
  await c.addNodes([{ name: 'n1' }]);
  await c.apply(l2Policy('nodes', { nodeSelector: { matchLabels: { 'k8s:role': 'x' } }, loadBalancerIPs: true }));
  await c.apply(l2Policy('svcs', { serviceSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['bad value'] }] }, loadBalancerIPs: true }));
  const [n] = await policyStatus(c, 'nodes');
  assert.equal(n!.type, 'io.cilium/bad-node-selector');
  assert.match(n!.message!, /^key: Invalid value: "k8s:role": name part must consist of alphanumeric characters/);
  const [s] = await policyStatus(c, 'svcs');
  assert.equal(s!.type, 'io.cilium/bad-service-selector');
  assert.match(s!.message!, /^values\[0\]\[app\]: Invalid value: "bad value": a valid label must be an empty string/);
});

test('a policy selecting no node is logged with its name and reason', async () => {
  const c = new L2TestCluster();
  await c.addNodes([{ name: 'n1' }, { name: 'n2' }]);
  await c.apply(lbService('default', 'web', '192.168.10.5'));
  await c.apply(l2Policy('nowhere', { nodeSelector: { matchLabels: { role: 'edge' } }, loadBalancerIPs: true }));
  assert.equal(await c.lease('default', 'web'), undefined);
  const lines = c.logs.filter((l) => l.includes('selects no node'));
  assert.equal(lines.length, 2, 'once per agent');
  assert.match(lines[0]!, /policy=nowhere reason="spec.nodeSelector matches no CiliumNode"/);
});

test('a service IP outside every network of the announcing interfaces is logged; others are announced', async () => {
  const c = new L2TestCluster();
  await c.addNodes([{ name: 'n1' }]);
  await c.apply(l2Policy('p', { interfaces: ['eth1'], loadBalancerIPs: true }));
  await c.apply(lbService('default', 'far', '172.16.1.1'));
  await c.apply(lbService('default', 'near', '192.168.10.77'));
  const lines = c.logs.filter((l) => l.includes('outside every network'));
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /policy=p service=default\/far ip=172.16.1.1 interfaces=\[eth1\]/);
  assert.equal(c.node('n1').dp.responder.size, 2, 'announced anyway, as Cilium does');
});

test('a node whose interfaces match nothing can still win the lease and announces nothing', async () => {
  const c = new L2TestCluster();
  await c.addNodes([{ name: 'n1' }]);
  await c.apply(l2Policy('p', { interfaces: ['^wlan'], loadBalancerIPs: true }));
  await c.apply(lbService('default', 'web', '192.168.10.5'));
  assert.equal(holderOf(await c.lease('default', 'web')), 'n1');
  assert.equal(c.node('n1').announcer!.table.size, 0);
});

test('leases nobody holds are garbage-collected within a minute', async () => {
  const c = new L2TestCluster();
  await c.addNodes([{ name: 'n1' }]);
  await c.apply(l2Policy('p', { loadBalancerIPs: true }));
  await c.apply(lbService('default', 'web', '192.168.10.5'));
  await c.store.delete(GK.Service, 'default', 'web');
  await c.settle();
  assert.equal(holderOf(await c.lease('default', 'web')), '', 'released when the service went');
  assert.equal(c.node('n1').dp.responder.size, 0);
  await c.advance(60_000);
  assert.equal(await c.lease('default', 'web'), undefined);
});

test('with enable-l2-announcements off nothing is announced and leftover leases go once', async () => {
  const c = new L2TestCluster({ 'enable-l2-announcements': 'false' });
  await c.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } });
  await c.store.create<Lease>({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { namespace: 'kube-system', name: 'cilium-l2announce-default-old' }, spec: { holderIdentity: '' } });
  await c.store.create<Lease>({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { namespace: 'kube-system', name: 'cilium-l2announce-default-held' }, spec: { holderIdentity: 'n9' } });
  await c.addNodes([{ name: 'n1' }]);
  await c.apply(l2Policy('p', { loadBalancerIPs: true }));
  await c.apply(lbService('default', 'web', '192.168.10.5'));
  const names = (await c.store.list<Lease>(GK.Lease)).items.map((l) => l.metadata.name);
  assert.deepEqual(names, ['cilium-l2announce-default-held']);
  assert.equal(c.node('n1').announcer!.enabled, false);
});

test('timing keys are sanitised with a warning when a service is selected', async () => {
  const c = new L2TestCluster({ 'l2-announcements-lease-duration': '4s', 'l2-announcements-renew-deadline': '5s' });
  await c.addNodes([{ name: 'n1' }]);
  await c.apply(l2Policy('p', { loadBalancerIPs: true }));
  await c.apply(lbService('default', 'web', '192.168.10.5'));
  assert.equal((await c.lease('default', 'web'))!.spec!.leaseDurationSeconds, 4);
  assert.ok(c.logs.some((l) => l.includes('must be greater than --l2-announcements-renew-deadline, defaulting to a 2/1 ratio') && l.includes('leaseDuration=4s')));
});

test('node labels changing moves the node in and out of a policy', async () => {
  const c = new L2TestCluster();
  await c.addNodes([{ name: 'n1', labels: { role: 'edge' } }]);
  await c.apply(l2Policy('p', { nodeSelector: { matchLabels: { role: 'edge' } }, loadBalancerIPs: true }));
  await c.apply(lbService('default', 'web', '192.168.10.5'));
  assert.equal(holderOf(await c.lease('default', 'web')), 'n1');
  const node = (await c.store.get(GK.CiliumNode, undefined, 'n1'))!;
  await c.store.update({ ...node, metadata: { ...node.metadata, labels: { 'kubernetes.io/hostname': 'n1', role: 'core' } } });
  await c.settle();
  assert.equal(holderOf(await c.lease('default', 'web')), '', 'released once no policy selects the node');
  assert.equal(c.node('n1').announcer!.table.size, 0);
});

test('lease names: cilium-l2announce-<namespace>-<name>, as for the ingress services of seeds 000 and 003', async () => {
  const c = new L2TestCluster();
  await c.addNodes([{ name: 'n1' }]);
  await c.apply(l2Policy('policy1', { interfaces: ['eth1'], externalIPs: true, loadBalancerIPs: true }));
  await c.apply(lbService('kube-system', 'cilium-ingress', '192.168.10.211'));
  await c.apply(lbService('default', 'cilium-ingress-webpod-ingress', '192.168.10.212'));
  const names = (await c.store.list<Lease>(GK.Lease, { namespace: 'kube-system' })).items.map((l) => l.metadata.name).sort();
  assert.deepEqual(names, ['cilium-l2announce-default-cilium-ingress-webpod-ingress', 'cilium-l2announce-kube-system-cilium-ingress']);
});

test('a policy edited into an invalid one keeps its last valid version in effect', async () => {
  const c = new L2TestCluster();
  await c.addNodes([{ name: 'n1' }]);
  await c.apply(lbService('default', 'web', '192.168.10.5'));
  await c.apply(l2Policy('p', { interfaces: ['eth1'], loadBalancerIPs: true }));
  await c.apply(l2Policy('p', { interfaces: ['eth1', '[bad'], loadBalancerIPs: true }));
  assert.equal((await policyStatus(c, 'p'))[0]!.message, 'error parsing regexp: missing closing ]: `[bad`');
  // the service keeps its lease and its entries; a service change re-applies the old version
  await c.apply(lbService('default', 'web', '192.168.10.5', { labels: { app: 'web', tier: 'front' } }));
  assert.equal(holderOf(await c.lease('default', 'web')), 'n1');
  assert.equal(formatL2AnnounceTable(c.node('n1').announcer!.table.list()), 'IP             NetworkInterface\n192.168.10.5   eth1\n');
  await c.store.delete(GK.CiliumL2AnnouncementPolicy, undefined, 'p');
  await c.settle();
  assert.equal(c.node('n1').announcer!.table.size, 0);
});

test('services sharing an IP are elected separately: two leaders both answer ARP for it', async () => {
  const c = new L2TestCluster();
  await c.addNodes([{ name: 'n1' }, { name: 'n2' }]);
  await c.apply(l2Policy('p', { interfaces: ['eth1'], loadBalancerIPs: true }));
  c.node('n2').reachable = false;
  await c.apply(lbService('default', 'a', '192.168.10.215'));
  c.node('n2').reachable = true;
  c.node('n1').reachable = false;
  await c.apply(lbService('default', 'b', '192.168.10.215'));
  await c.advance(5_000);
  c.node('n1').reachable = true;
  await c.advance(5_000);
  assert.equal(holderOf(await c.lease('default', 'a')), 'n1');
  assert.equal(holderOf(await c.lease('default', 'b')), 'n2');
  assert.deepEqual(c.responders('192.168.10.215').sort(), ['n1', 'n2']);
});

test('a new LoadBalancer IP moves the entries; the responder map follows and GARPs for the new IP', async () => {
  const c = new L2TestCluster();
  await c.addNodes([{ name: 'n1' }]);
  await c.apply(l2Policy('p', { interfaces: ['eth1'], loadBalancerIPs: true }));
  await c.apply(lbService('default', 'web', '192.168.10.212'));
  await c.apply(lbService('default', 'web', '192.168.10.215'));
  const dp = c.node('n1').dp;
  assert.equal(formatL2AnnounceTable(c.node('n1').announcer!.table.list()), 'IP               NetworkInterface\n192.168.10.215   eth1\n');
  assert.deepEqual(dp.responder.entries().map((e) => e.ip), [parseIPv4Number('192.168.10.215')]);
  assert.deepEqual(dp.garps.map((g) => g.ip), [parseIPv4Number('192.168.10.212'), parseIPv4Number('192.168.10.215')]);
  // losing the IP altogether ends the election (and releases the lease)
  await c.apply(lbService('default', 'web', undefined));
  assert.equal(holderOf(await c.lease('default', 'web')), '');
  assert.equal(dp.responder.size, 0);
});

test('externalTrafficPolicy: Local is not considered: any candidate may win, local endpoints or not', async () => {
  const c = new L2TestCluster();
  await c.addNodes([{ name: 'n1' }]);
  await c.apply(l2Policy('p', { interfaces: ['eth1'], loadBalancerIPs: true }));
  const svc = lbService('default', 'local', '192.168.10.9');
  await c.apply({ ...svc, spec: { ...svc.spec, externalTrafficPolicy: 'Local' } });
  assert.equal(holderOf(await c.lease('default', 'local')), 'n1');
  assert.deepEqual(c.responders('192.168.10.9'), ['n1']);
});
