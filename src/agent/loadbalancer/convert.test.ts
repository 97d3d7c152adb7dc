import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatL3n4 } from '../../datapath/maps/lbaddr.ts';
import type { Service } from '../../k8s/types.ts';
import { defaultLBConfig } from './config.ts';
import { backendsForFrontend, convertEndpointSlices, convertService } from './convert.ts';
import { endpointSlice, service } from './testing.ts';

const cfg = defaultLBConfig({ 'enable-ipv6': 'true' });
const fes = (svc: Service, node = { name: 'n1', labels: {} as Record<string, string> }) =>
  convertService(svc, cfg, node)?.frontends.map((f) => `${f.type} ${formatL3n4(f.address.addr, f.address.port, f.address.proto, f.address.scope)}`);

test('frontends per service type, families and scopes (spec §4.2)', () => {
  const lb = service(
    'default',
    'web',
    {
      type: 'LoadBalancer',
      clusterIP: '10.96.0.5',
      clusterIPs: ['fd00::5', '10.96.0.5'],
      ipFamilies: ['IPv4', 'IPv6'],
      externalTrafficPolicy: 'Local',
      externalIPs: ['203.0.113.7'],
      ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 31000 }],
    },
    { status: { loadBalancer: { ingress: [{ ip: '172.16.1.1' }, { ip: '172.16.1.2', ipMode: 'Proxy' }, { hostname: 'lb.example' }] } } },
  );
  assert.deepEqual(fes(lb), [
    'ClusterIP 10.96.0.5:80/TCP',
    'ClusterIP [fd00::5]:80/TCP',
    'NodePort 0.0.0.0:31000/TCP',
    'NodePort [::]:31000/TCP',
    'NodePort 0.0.0.0:31000/TCP/i',
    'NodePort [::]:31000/TCP/i',
    'LoadBalancer 172.16.1.1:80/TCP',
    'LoadBalancer 172.16.1.1:80/TCP/i',
    'ExternalIPs 203.0.113.7:80/TCP',
  ]);
  // Both policies Local: one scope again.
  const both = service('default', 'web', { type: 'NodePort', clusterIP: '10.96.0.5', externalTrafficPolicy: 'Local', internalTrafficPolicy: 'Local', ports: [{ port: 80, nodePort: 31000 }] });
  assert.deepEqual(fes(both), ['ClusterIP 10.96.0.5:80/TCP', 'NodePort 0.0.0.0:31000/TCP']);
});

test('headless (clusterIP None or the headless label) has no frontends; IPv6 off drops IPv6 ones', () => {
  assert.deepEqual(fes(service('default', 'h', { clusterIP: 'None', ports: [{ port: 80 }] })), []);
  assert.deepEqual(fes(service('default', 'h', { clusterIP: '10.96.0.9', ports: [{ port: 80 }] }, { metadata: { labels: { 'service.kubernetes.io/headless': '' } } })), []);
  const v4only = convertService(service('default', 'd', { clusterIPs: ['10.96.0.9', 'fd00::9'], ports: [{ port: 80 }] }), defaultLBConfig(), undefined)!;
  assert.equal(v4only.frontends.length, 1);
});

test('node exposure annotations: node-selector wins over node; an unparsable selector is reported and ignored', () => {
  const ann = (a: Record<string, string>) => service('default', 's', { clusterIP: '10.96.0.1', ports: [{ port: 80 }] }, { metadata: { annotations: a } });
  const node = { name: 'n1', labels: { 'service.cilium.io/node': 'edge', zone: 'a' } };
  assert.equal(convertService(ann({ 'service.cilium.io/node': 'edge' }), cfg, node)?.frontends.length, 1);
  assert.equal(convertService(ann({ 'service.cilium.io/node': 'core' }), cfg, node), undefined);
  assert.equal(convertService(ann({ 'service.cilium.io/node': 'core', 'service.cilium.io/node-selector': 'zone in (a,b)' }), cfg, node)?.frontends.length, 1);
  const bad = convertService(ann({ 'service.cilium.io/node-selector': 'zone in (a' }), cfg, node)!;
  assert.equal(bad.frontends.length, 1);
  assert.match(bad.problems[0]!, /^Ignoring node service exposure: failed to parse node label annotation/);
});

test('endpoint conditions: ready → active, terminating and serving → terminating, others left out', () => {
  const bes = convertEndpointSlices(
    [
      endpointSlice('default', 's', ['10.0.0.1', { ip: '10.0.0.2', ready: false, serving: true, terminating: true }, { ip: '10.0.0.3', ready: false, serving: false, terminating: true }, { ip: '10.0.0.4', ready: false }], [{ port: 80 }]),
    ],
    cfg,
  );
  assert.deepEqual(
    bes.map((b) => [formatL3n4(b.address.addr, b.address.port, b.address.proto, 0), b.state]),
    [
      ['10.0.0.1:80/TCP', 0],
      ['10.0.0.2:80/TCP', 1],
    ],
  );
});

test('multi-port services pick backends by port name and protocol', () => {
  const svc = service('default', 'dns', {
    clusterIP: '10.96.0.10',
    ports: [
      { name: 'dns', port: 53, protocol: 'UDP' },
      { name: 'dns-tcp', port: 53, protocol: 'TCP' },
      { name: 'metrics', port: 9153, protocol: 'TCP' },
    ],
  });
  const conv = convertService(svc, cfg, undefined)!;
  const bes = convertEndpointSlices(
    [endpointSlice('default', 'dns', ['10.0.0.1'], [{ port: 53, protocol: 'UDP', name: 'dns' }, { port: 53, protocol: 'TCP', name: 'dns-tcp' }, { port: 9153, protocol: 'TCP', name: 'metrics' }])],
    cfg,
  );
  const picked = conv.frontends.map((f) => backendsForFrontend(f, conv.service, bes, 'n1').map((b) => formatL3n4(b.address.addr, b.address.port, b.address.proto, 0)));
  assert.deepEqual(picked, [['10.0.0.1:53/UDP'], ['10.0.0.1:53/TCP'], ['10.0.0.1:9153/TCP']]);
});
