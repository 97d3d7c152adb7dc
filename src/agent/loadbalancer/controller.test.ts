import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BACKEND_TERMINATING, LBMaps, type ServiceEntry } from '../../datapath/maps/lb.ts';
import { formatAddrKey, formatL3n4, parseAddrKey } from '../../datapath/maps/lbaddr.ts';
import { pinLBMaps, unpinLBMaps } from '../../datapath/maps/lbpin.ts';
import { cloneJson } from '../../store/json.ts';
import type { Pod, Service } from '../../k8s/types.ts';
import { healthCheckResponse } from './healthserver.ts';
import { seed002 } from './scenarios.ts';
import { type Fixture, endpointSlice, newFixture, service, settle } from './testing.ts';
import { formatServiceList, serviceFlagsString } from './views.ts';

const A = (s: string) => parseAddrKey(s)!;
const SVC = { group: '', kind: 'Service' };

function entry(f: Fixture, ip: string, port: number, proto = 6, scope = 0): ServiceEntry | undefined {
  return f.maps.lookupService(A(ip), port, proto, scope);
}

function backendsOf(f: Fixture, e: ServiceEntry | undefined): string[] {
  if (!e) return [];
  return e.values.slice(1).map((v) => {
    const be = f.maps.lookupBackend(v.backendId)!;
    return formatL3n4(be.addr, be.port, be.proto, 0);
  });
}

/** Frontend → ID for every entry in the maps. */
function ids(maps: LBMaps): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of [...maps.services4.entries(), ...maps.services6.entries()]) out.set(formatL3n4(e.key.addr, e.key.port, e.key.proto, e.key.scope), e.values[0]!.revNat);
  return out;
}

async function create(f: Fixture, ...objs: Parameters<Fixture['store']['create']>[0][]): Promise<void> {
  for (const o of objs) await f.store.create(o);
  await settle(f);
}

async function update(f: Fixture, ns: string, name: string, change: (s: Service) => void): Promise<void> {
  const svc = cloneJson((await f.store.get<Service>(SVC, ns, name))!);
  change(svc);
  await f.store.update(svc);
  await settle(f);
}

const webpod = (spec: Partial<NonNullable<Service['spec']>> = {}, annotations?: Record<string, string>) =>
  service('default', 'webpod', { clusterIP: '10.96.48.145', ports: [{ port: 80, protocol: 'TCP' }], ...spec }, annotations ? { metadata: { annotations } } : {});

test('IDs survive an agent restart: restored from the maps, new ones continue above', async () => {
  const f = await newFixture({ nodeAddresses: ['10.0.2.15', '192.168.10.101'] });
  await f.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'monitoring' } });
  await seed002(f);
  const before = ids(f.maps);
  const backendsBefore = [...f.maps.backends4].map(([id, b]) => `${id}=${formatAddrKey(b.addr)}:${b.port}`);
  f.controller.stop();

  // While the agent is down, hubble-relay goes away.
  await f.store.delete(SVC, 'kube-system', 'hubble-relay');
  const g = await newFixture({ store: f.store, clock: f.clock, maps: f.maps, nodeAddresses: ['10.0.2.15', '192.168.10.101'] });
  const after = ids(g.maps);
  before.delete('10.96.38.34:80/TCP');
  assert.deepEqual(after, before);
  assert.deepEqual(
    [...g.maps.backends4].map(([id, b]) => `${id}=${formatAddrKey(b.addr)}:${b.port}`),
    backendsBefore.filter((b) => !b.endsWith('=172.20.0.254:4245')),
  );
  assert.equal(g.maps.revNat4.has(15), false, 'pruned');

  await create(g, endpointSlice('default', 'new', ['172.20.1.5'], [{ port: 80 }]), service('default', 'new', { clusterIP: '10.96.1.1', ports: [{ port: 80 }] }));
  assert.equal(entry(g, '10.96.1.1', 80)!.values[0]!.revNat, 30, 'freed IDs are not reused before the range wraps');
  g.controller.stop();
});

test('identical inputs on two nodes give identical Maglev tables (backend for backend)', async () => {
  const cfg = { 'bpf-lb-algorithm': 'maglev' };
  const a = await newFixture({ nodeName: 'n1', nodeAddresses: ['192.168.10.100'], config: cfg });
  // The second node sees the same objects in another order, so its backend IDs differ.
  await create(a, endpointSlice('default', 'other', ['172.20.9.9'], [{ port: 80 }]), service('default', 'other', { clusterIP: '10.96.9.9', ports: [{ port: 80 }] }));
  const b = await newFixture({ nodeName: 'n2', nodeAddresses: ['192.168.10.101'], config: cfg, store: a.store, clock: a.clock });
  const lb = service(
    'default',
    'web',
    { type: 'LoadBalancer', clusterIP: '10.96.0.50', ports: [{ port: 80, nodePort: 31000 }] },
    { status: { loadBalancer: { ingress: [{ ip: '172.16.1.1' }] } } },
  );
  await create(a, endpointSlice('default', 'web', ['172.20.0.1', '172.20.1.1', '172.20.2.1'], [{ port: 80 }]), lb);
  await settle(b);
  const table = (f: Fixture) => {
    const id = entry(f, '172.16.1.1', 80)!.values[0]!.revNat;
    return [...f.maps.maglev4.get(id)!].map((be) => formatAddrKey(f.maps.lookupBackend(be)!.addr));
  };
  assert.equal(table(a).length, 16381);
  assert.deepEqual(table(a), table(b));
  // ClusterIP and the 0.0.0.0 surrogate get no table; node-address NodePorts do.
  assert.equal(a.maps.maglev4.has(entry(a, '10.96.0.50', 80)!.values[0]!.revNat), false);
  assert.equal(a.maps.maglev4.has(entry(a, '0.0.0.0', 31000)!.values[0]!.revNat), false);
  assert.equal(a.maps.maglev4.has(entry(a, '192.168.10.100', 31000)!.values[0]!.revNat), true);
  a.controller.stop();
  b.controller.stop();
});

test('externalTrafficPolicy Local: two scopes, the external one with node-local backends only', async () => {
  const f = await newFixture({ nodeName: 'k8s-w1', nodeAddresses: ['192.168.10.101'] });
  await create(
    f,
    endpointSlice('default', 'webpod', [{ ip: '172.20.0.15', node: 'k8s-ctr' }, { ip: '172.20.1.119', node: 'k8s-w1' }], [{ port: 80 }]),
    webpod({ type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ port: 80, protocol: 'TCP', nodePort: 31940 }] }),
  );
  assert.deepEqual(backendsOf(f, entry(f, '0.0.0.0', 31940)), ['172.20.1.119:80/TCP']);
  assert.deepEqual(backendsOf(f, entry(f, '0.0.0.0', 31940, 6, 1)), ['172.20.0.15:80/TCP', '172.20.1.119:80/TCP']);
  assert.deepEqual(backendsOf(f, entry(f, '10.96.48.145', 80)), ['172.20.0.15:80/TCP', '172.20.1.119:80/TCP']);
  assert.equal(serviceFlagsString(entry(f, '192.168.10.101', 31940)!.values[0]!.flags), 'NodePort, Local, two-scopes');
  assert.match(formatServiceList(f.maps), /0\.0\.0\.0:31940\/TCP\/i {3,}NodePort/);

  // The local pod goes: the external scope keeps no backend (count 0: the datapath drops).
  await f.store.delete({ group: 'discovery.k8s.io', kind: 'EndpointSlice' }, 'default', 'webpod-80');
  await create(f, endpointSlice('default', 'webpod', [{ ip: '172.20.0.15', node: 'k8s-ctr' }], [{ port: 80 }]));
  assert.equal(entry(f, '192.168.10.101', 31940)!.values[0]!.count, 0);
  assert.equal(entry(f, '192.168.10.101', 31940, 6, 1)!.values[0]!.count, 1);
  assert.deepEqual(f.controller.healthChecks(), []);
  f.controller.stop();
});

test('internalTrafficPolicy Local on a ClusterIP keeps only local backends; healthCheckNodePort reports local endpoints', async () => {
  const f = await newFixture({ nodeName: 'k8s-w1' });
  await create(
    f,
    endpointSlice('default', 'webpod', [{ ip: '172.20.0.15', node: 'k8s-ctr' }, { ip: '172.20.1.119', node: 'k8s-w1' }], [{ port: 80 }]),
    webpod({ internalTrafficPolicy: 'Local' }),
    endpointSlice('default', 'lb', [{ ip: '172.20.1.7', node: 'k8s-w1' }], [{ port: 80 }]),
    service('default', 'lb', { type: 'LoadBalancer', clusterIP: '10.96.7.7', externalTrafficPolicy: 'Local', healthCheckNodePort: 32100, ports: [{ port: 80, nodePort: 30777 }] }),
  );
  assert.deepEqual(backendsOf(f, entry(f, '10.96.48.145', 80)), ['172.20.1.119:80/TCP']);
  assert.equal(serviceFlagsString(entry(f, '10.96.48.145', 80)!.values[0]!.flags), 'ClusterIP, InternalLocal, non-routable');
  assert.deepEqual(f.controller.healthChecks(), [{ port: 32100, namespace: 'default', name: 'lb', localEndpoints: 1 }]);
  f.controller.stop();
});

test('terminating backends keep slots but take new connections only when no backend is active', async () => {
  const f = await newFixture();
  await create(
    f,
    endpointSlice('default', 'webpod', ['172.20.0.1', { ip: '172.20.0.2', ready: false, serving: true, terminating: true }, { ip: '172.20.0.3', ready: false }], [{ port: 80 }]),
    webpod(),
  );
  const e = entry(f, '10.96.48.145', 80)!;
  assert.deepEqual([e.values[0]!.count, e.values[0]!.qcount], [1, 1]);
  assert.deepEqual(backendsOf(f, e), ['172.20.0.1:80/TCP', '172.20.0.2:80/TCP']);
  assert.match(formatServiceList(f.maps), /2 => 172\.20\.0\.2:80\/TCP \(terminating\)/);

  await f.store.delete({ group: 'discovery.k8s.io', kind: 'EndpointSlice' }, 'default', 'webpod-80');
  await create(f, endpointSlice('default', 'webpod', [{ ip: '172.20.0.2', ready: false, serving: true, terminating: true }], [{ port: 80 }]));
  const t = entry(f, '10.96.48.145', 80)!;
  assert.deepEqual([t.values[0]!.count, t.values[0]!.qcount], [1, 0]);
  assert.equal(f.maps.lookupBackend(t.values[1]!.backendId)!.state, BACKEND_TERMINATING);
  f.controller.stop();
});

test('session affinity: timeout in the master slot, affinity-match entries for active backends', async () => {
  const f = await newFixture();
  await create(
    f,
    endpointSlice('default', 'webpod', ['172.20.0.1', '172.20.0.2'], [{ port: 80 }]),
    webpod({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }),
    endpointSlice('default', 'sticky', ['172.20.0.9'], [{ port: 80 }]),
    service('default', 'sticky', { clusterIP: '10.96.9.1', sessionAffinity: 'ClientIP', ports: [{ port: 80 }] }),
  );
  const e = entry(f, '10.96.48.145', 80)!;
  assert.equal(e.values[0]!.backendId, 60);
  assert.equal(serviceFlagsString(e.values[0]!.flags), 'ClusterIP, sessionAffinity, non-routable');
  assert.equal(entry(f, '10.96.9.1', 80)!.values[0]!.backendId, 10800, 'default 3 h');
  assert.equal(f.maps.affinityMatch.size, 3);
  f.controller.stop();
});

test('service.cilium.io annotations: type, node-selector, lb-algorithm and forwarding-mode', async () => {
  const f = await newFixture({
    nodeLabels: { zone: 'a' },
    nodeAddresses: ['192.168.10.101'],
    config: { 'bpf-lb-algorithm-annotation': 'true', 'bpf-lb-mode-annotation': 'true', 'routing-mode': 'native' },
  });
  const lbSpec = (clusterIP: string, nodePort: number) => ({ type: 'LoadBalancer', clusterIP, ports: [{ port: 80, protocol: 'TCP', nodePort }] });
  const status = (ip: string) => ({ status: { loadBalancer: { ingress: [{ ip }] } } });
  await create(
    f,
    endpointSlice('default', 'only-lb', ['172.20.0.1'], [{ port: 80 }]),
    service('default', 'only-lb', lbSpec('10.96.1.1', 30001), { metadata: { annotations: { 'service.cilium.io/type': 'LoadBalancer' } }, ...status('172.16.1.1') }),
    endpointSlice('default', 'elsewhere', ['172.20.0.2'], [{ port: 80 }]),
    service('default', 'elsewhere', lbSpec('10.96.1.2', 30002), { metadata: { annotations: { 'service.cilium.io/node-selector': 'zone=b' } } }),
    endpointSlice('default', 'magic', ['172.20.0.3'], [{ port: 80 }]),
    service('default', 'magic', lbSpec('10.96.1.3', 30003), {
      metadata: { annotations: { 'service.cilium.io/lb-algorithm': 'maglev', 'service.cilium.io/forwarding-mode': 'dsr' } },
      ...status('172.16.1.3'),
    }),
    endpointSlice('default', 'typo', ['172.20.0.4'], [{ port: 80 }]),
    service('default', 'typo', lbSpec('10.96.1.4', 30004), {
      metadata: { annotations: { 'service.cilium.io/lb-algorithm': 'round-robin', 'service.cilium.io/type': 'Bogus' } },
    }),
  );
  assert.ok(entry(f, '172.16.1.1', 80));
  assert.equal(entry(f, '10.96.1.1', 80), undefined);
  assert.equal(entry(f, '0.0.0.0', 30001), undefined);
  assert.equal(entry(f, '10.96.1.2', 80), undefined, 'not exposed on this node');
  const magic = entry(f, '172.16.1.3', 80)!;
  assert.equal(magic.values[0]!.backendId >>> 24, 2, 'lb algorithm maglev in the master slot');
  assert.equal(serviceFlagsString(magic.values[0]!.flags), 'LoadBalancer, dsr');
  assert.ok(f.maps.maglev4.has(magic.values[0]!.revNat));
  // Unknown values are reported; the service is installed with defaults.
  assert.ok(entry(f, '10.96.1.4', 80) && entry(f, '0.0.0.0', 30004));
  assert.equal(entry(f, '10.96.1.4', 80)!.values[0]!.backendId >>> 24, 0);
  assert.deepEqual(
    f.controller.problems().map((p) => `${p.service}: ${p.message}`),
    [
      'default/typo: Ignoring annotation: not supported type for "service.cilium.io/type": Bogus',
      'default/typo: Ignoring annotation: value "round-robin" is not supported for "service.cilium.io/lb-algorithm"',
    ],
  );
  f.controller.stop();
});

test('bad input: a NodePort collision is reported and the other services keep working', async () => {
  const f = await newFixture({ nodeAddresses: ['192.168.10.101'] });
  await create(
    f,
    endpointSlice('default', 'first', ['172.20.0.1'], [{ port: 80 }]),
    service('default', 'first', { type: 'NodePort', clusterIP: '10.96.1.1', ports: [{ port: 80, nodePort: 30080 }] }),
    endpointSlice('default', 'second', ['172.20.0.2'], [{ port: 80 }]),
    service('default', 'second', { type: 'NodePort', clusterIP: '10.96.1.2', ports: [{ port: 80, nodePort: 30080 }] }),
    endpointSlice('default', 'third', ['172.20.0.3'], [{ port: 80 }]),
    service('default', 'third', { clusterIP: '10.96.1.3', ports: [{ port: 80 }] }),
  );
  assert.deepEqual(backendsOf(f, entry(f, '0.0.0.0', 30080)), ['172.20.0.1:80/TCP']);
  assert.equal(entry(f, '10.96.1.2', 80), undefined, 'the conflicting service is rejected as a whole');
  assert.ok(entry(f, '10.96.1.3', 80));
  assert.deepEqual(f.controller.problems(), [
    { service: 'default/second', message: 'frontend already owned by another service: 0.0.0.0:30080/TCP is owned by default/first' },
  ]);
  // Once the owner is gone the second service gets its frontends.
  await f.store.delete(SVC, 'default', 'first');
  await settle(f);
  assert.deepEqual(backendsOf(f, entry(f, '0.0.0.0', 30080)), ['172.20.0.2:80/TCP']);
  assert.deepEqual(f.controller.problems(), []);
  f.controller.stop();
});

test('bad input: a service without endpoints is installed with no backend; headless services have no frontend', async () => {
  const f = await newFixture();
  await create(
    f,
    service('default', 'empty', { clusterIP: '10.96.2.2', ports: [{ port: 80 }] }),
    service('default', 'headless', { clusterIP: 'None', ports: [{ port: 80 }] }),
  );
  const e = entry(f, '10.96.2.2', 80)!;
  assert.deepEqual([e.values.length, e.values[0]!.count], [1, 0]);
  assert.match(formatServiceList(f.maps), /^\d+ +10\.96\.2\.2:80\/TCP +ClusterIP +\n/m);
  assert.equal(f.maps.services4.size, 1);
  f.controller.stop();
});

test('bad input: an invalid Maglev table size is refused and the running config stays', async () => {
  const f = await newFixture({ config: { 'bpf-lb-algorithm': 'maglev' }, nodeAddresses: ['192.168.10.101'] });
  await create(
    f,
    endpointSlice('default', 'webpod', ['172.20.0.1'], [{ port: 80 }]),
    webpod({ type: 'NodePort', ports: [{ port: 80, protocol: 'TCP', nodePort: 30001 }] }),
  );
  const errors = f.controller.applyConfig({ 'bpf-lb-algorithm': 'maglev', 'bpf-lb-maglev-table-size': '16383' });
  assert.deepEqual(errors, [
    {
      key: 'bpf-lb-maglev-table-size',
      message: 'Invalid value for --bpf-lb-maglev-table-size: 16383, supported values are: [251 509 1021 2039 4093 8191 16381 32749 65521 131071]',
    },
  ]);
  assert.equal(f.controller.config.maglevTableSize, 16381);
  assert.equal([...f.maps.maglev4.values()][0]!.length, 16381);
  // A valid change is applied to every service.
  assert.deepEqual(f.controller.applyConfig({ 'bpf-lb-algorithm': 'maglev', 'bpf-lb-maglev-table-size': '1021' }), []);
  await settle(f);
  assert.equal([...f.maps.maglev4.values()][0]!.length, 1021);
  f.controller.stop();
});

test('forwarding modes: dsr flags every frontend, hybrid only TCP ones', async () => {
  const f = await newFixture({ nodeAddresses: ['192.168.10.101'], config: { 'bpf-lb-mode': 'hybrid', 'routing-mode': 'native' } });
  await create(
    f,
    endpointSlice('kube-system', 'kube-dns', ['172.20.0.5'], [{ port: 53, protocol: 'UDP', name: 'dns' }, { port: 53, protocol: 'TCP', name: 'dns-tcp' }]),
    service('kube-system', 'kube-dns', {
      type: 'NodePort',
      clusterIP: '10.96.0.10',
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', nodePort: 30053 },
      ],
    }),
  );
  assert.equal(serviceFlagsString(entry(f, '192.168.10.101', 30053, 6)!.values[0]!.flags), 'NodePort, dsr');
  assert.equal(serviceFlagsString(entry(f, '192.168.10.101', 30053, 17)!.values[0]!.flags), 'NodePort');
  assert.deepEqual(backendsOf(f, entry(f, '10.96.0.10', 53, 17)), ['172.20.0.5:53/UDP']);
  f.controller.applyConfig({ 'bpf-lb-mode': 'dsr', 'routing-mode': 'native' });
  await settle(f);
  assert.equal(serviceFlagsString(entry(f, '192.168.10.101', 30053, 17)!.values[0]!.flags), 'NodePort, dsr');
  f.controller.stop();
});

test('without kube-proxy replacement there are no NodePort frontends', async () => {
  const f = await newFixture({ nodeAddresses: ['192.168.10.101'], config: { 'kube-proxy-replacement': 'false', 'routing-mode': 'native' } });
  await create(f, endpointSlice('default', 'webpod', ['172.20.0.1'], [{ port: 80 }]), webpod({ type: 'NodePort', ports: [{ port: 80, protocol: 'TCP', nodePort: 30001 }] }));
  assert.ok(entry(f, '10.96.48.145', 80));
  assert.equal(entry(f, '0.0.0.0', 30001), undefined);
  f.controller.stop();
});

test('loadBalancerSourceRanges: checked on LoadBalancer frontends, allow or deny', async () => {
  const f = await newFixture();
  await create(
    f,
    endpointSlice('default', 'webpod', ['172.20.0.1'], [{ port: 80 }]),
    webpod(
      { type: 'LoadBalancer', loadBalancerSourceRanges: ['192.168.10.0/24', 'not-a-cidr'], ports: [{ port: 80, protocol: 'TCP', nodePort: 30001 }] },
      { 'service.cilium.io/src-ranges-policy': 'deny' },
    ),
  );
  await f.store.updateStatus({ ...cloneJson((await f.store.get<Service>(SVC, 'default', 'webpod'))!), status: { loadBalancer: { ingress: [{ ip: '172.16.1.1' }] } } });
  await settle(f);
  const lb = entry(f, '172.16.1.1', 80)!;
  assert.equal(serviceFlagsString(lb.values[0]!.flags), 'LoadBalancer, check source-range, deny');
  assert.deepEqual(f.maps.sourceRanges4.get(lb.values[0]!.revNat), [{ addr: A('192.168.10.0'), prefixLen: 24 }]);
  assert.equal(serviceFlagsString(entry(f, '10.96.48.145', 80)!.values[0]!.flags), 'ClusterIP, non-routable');
  assert.match(f.controller.problems()[0]!.message, /not-a-cidr/);
  f.controller.stop();
});

test('hostPort pods get HostPort frontends on 0.0.0.0 and the node addresses', async () => {
  const f = await newFixture({ nodeName: 'k8s-w1', nodeAddresses: ['192.168.10.101'] });
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default' },
    spec: { nodeName: 'k8s-w1', containers: [{ name: 'c', image: 'traefik/whoami', ports: [{ containerPort: 80, hostPort: 8080 }] }] },
    status: { phase: 'Running', podIP: '172.20.1.50', podIPs: [{ ip: '172.20.1.50' }] },
  };
  await create(f, pod);
  assert.deepEqual(backendsOf(f, entry(f, '0.0.0.0', 8080)), ['172.20.1.50:80/TCP']);
  assert.deepEqual(backendsOf(f, entry(f, '192.168.10.101', 8080)), ['172.20.1.50:80/TCP']);
  assert.match(formatServiceList(f.maps), /0\.0\.0\.0:8080\/TCP +HostPort +1 => 172\.20\.1\.50:80\/TCP \(active\)/);
  assert.doesNotMatch(formatServiceList(f.maps), /192\.168\.10\.101:8080/);
  await f.store.delete({ group: '', kind: 'Pod' }, 'default', 'web');
  await settle(f);
  assert.equal(f.maps.services4.size, 0);
  assert.equal(f.maps.backends4.size, 0);
  f.controller.stop();
});

test('NodePort entries follow the node addresses', async () => {
  const f = await newFixture({ nodeAddresses: ['192.168.10.101'] });
  await create(f, endpointSlice('default', 'webpod', ['172.20.0.1'], [{ port: 80 }]), webpod({ type: 'NodePort', ports: [{ port: 80, protocol: 'TCP', nodePort: 30001 }] }));
  f.controller.setNodeAddresses([A('10.0.2.15'), A('192.168.10.101')]);
  assert.ok(entry(f, '10.0.2.15', 30001));
  f.controller.setNodeAddresses([A('10.0.2.15')]);
  assert.equal(entry(f, '192.168.10.101', 30001), undefined);
  assert.equal(f.maps.revNat4.size, 3);
  f.controller.stop();
});

test('a quarantined backend keeps its slot after the active ones and is not counted', async () => {
  const f = await newFixture();
  await create(f, endpointSlice('default', 'webpod', ['172.20.0.1', '172.20.0.2'], [{ port: 80 }]), webpod());
  f.controller.setBackendHealth('default/webpod', { addr: A('172.20.0.1'), port: 80, proto: 6, scope: 0 }, false);
  await settle(f);
  const e = entry(f, '10.96.48.145', 80)!;
  assert.deepEqual([e.values[0]!.count, e.values[0]!.qcount], [1, 1]);
  assert.deepEqual(backendsOf(f, e), ['172.20.0.2:80/TCP', '172.20.0.1:80/TCP']);
  assert.match(formatServiceList(f.maps), /2 => 172\.20\.0\.1:80\/TCP \(quarantined\)/);
  f.controller.stop();
});

test('IDs survive a whole-process restart through pinned maps', async () => {
  const f = await newFixture({ nodeAddresses: ['10.0.2.15', '192.168.10.101'] });
  await f.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'monitoring' } });
  await seed002(f);
  const before = formatServiceList(f.maps);
  f.controller.stop();
  const pinned = JSON.parse(JSON.stringify(pinLBMaps(f.maps)));
  const maps = unpinLBMaps(pinned);
  assert.ok(maps instanceof LBMaps);
  const g = await newFixture({ store: f.store, clock: f.clock, maps, nodeAddresses: ['10.0.2.15', '192.168.10.101'] });
  assert.equal(formatServiceList(g.maps), before);
  assert.deepEqual(ids(g.maps), ids(f.maps));
  g.controller.stop();
  assert.deepEqual(unpinLBMaps({ version: 1, services: [{ addr: 'x' }], backends: [], revNat: [] }), { error: 'pinned LB maps: services[0]: malformed entry' });
  assert.deepEqual(unpinLBMaps('garbage'), { error: 'pinned LB maps: unsupported version undefined' });
});

test('healthCheckNodePort answers 200 with local endpoints and 503 without', () => {
  const ok = healthCheckResponse({ port: 32100, namespace: 'default', name: 'lb', localEndpoints: 2 });
  assert.deepEqual(ok, {
    status: 200,
    headers: { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff', 'X-Load-Balancing-Endpoint-Weight': '2' },
    body: '{"service":{"namespace":"default","name":"lb"},"localEndpoints":2}\n',
  });
  assert.equal(healthCheckResponse({ port: 32100, namespace: 'default', name: 'lb', localEndpoints: 0 }).status, 503);
});

test('a service turned back into a ClusterIP loses its NodePort and LoadBalancer entries', async () => {
  const f = await newFixture({ nodeAddresses: ['192.168.10.101'] });
  await create(
    f,
    endpointSlice('default', 'webpod', ['172.20.0.1'], [{ port: 80 }]),
    webpod({ type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP', nodePort: 30001 }] }, undefined),
  );
  await f.store.updateStatus({ ...cloneJson((await f.store.get<Service>(SVC, 'default', 'webpod'))!), status: { loadBalancer: { ingress: [{ ip: '172.16.1.1' }] } } });
  await settle(f);
  assert.equal(f.maps.revNat4.size, 4);
  await update(f, 'default', 'webpod', (s) => {
    s.spec = { ...s.spec, type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP' }] };
  });
  assert.deepEqual([...ids(f.maps).keys()], ['10.96.48.145:80/TCP']);
  // IDs went 0.0.0.0:30001 (1), 192.168.10.101:30001 (2), the ClusterIP (3), the LB IP (4): key order.
  assert.deepEqual([...f.maps.revNat4.keys()], [3]);
  assert.equal(f.maps.backends4.size, 1);
  f.controller.stop();
});
