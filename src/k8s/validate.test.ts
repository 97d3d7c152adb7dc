// Validation rules per kind, checked through admit (defaults included), with the exact messages.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { admit } from './admission.ts';
import { AdmissionError } from './errors.ts';
import { RESOURCE_TYPES } from './kinds.ts';
import type { KObject } from './object.ts';
import { kindsWithSchemas, schemaFor } from './schemas/index.ts';

function errorsOf(obj: unknown): string[] {
  try {
    admit('create', obj as KObject);
  } catch (e) {
    assert.ok(e instanceof AdmissionError, String(e));
    return e.errors.length ? e.errors.map(String) : [e.message];
  }
  return [];
}

/** Asserts that admitting obj fails with one error matching `want`. */
function rejectsMatching(obj: unknown, want: RegExp): void {
  const errs = errorsOf(obj);
  assert.equal(errs.length, 1, errs.join('\n'));
  assert.match(errs[0]!, want);
}

/** Asserts that admitting obj fails with exactly these field errors (in any order). */
function rejects(obj: unknown, ...want: string[]): void {
  assert.deepEqual([...errorsOf(obj)].sort(), [...want].sort());
}

const svc = (spec: Record<string, unknown>, name = 'webpod') => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec });
const cilium = (kind: string, spec: unknown, version = 'v2') => ({ apiVersion: `cilium.io/${version}`, kind, metadata: { name: 'x' }, spec });
const deploy = (spec: Record<string, unknown>) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'webpod', namespace: 'default' }, spec });
const template = (labels: Record<string, string>, podSpec: Record<string, unknown> = { containers: [{ name: 'web', image: 'traefik/whoami' }] }) => ({
  metadata: { labels },
  spec: podSpec,
});

test('every served kind and version has a schema, and nothing else does', () => {
  for (const rt of RESOURCE_TYPES) for (const v of rt.versions) assert.ok(schemaFor(rt.group, rt.kind, v), `${rt.group}/${rt.kind}/${v}`);
  assert.deepEqual(kindsWithSchemas().sort(), RESOURCE_TYPES.map((rt) => `${rt.group}/${rt.kind}`).sort());
});

test('Service: ports, names, protocols, node ports, traffic policies', () => {
  rejects(
    svc({ ports: [{ port: 0 }] }),
    'spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
    'spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive',
  );
  rejects(svc({ ports: [{ port: 80 }, { port: 81 }] }), 'spec.ports[0].name: Required value', 'spec.ports[1].name: Required value');
  rejects(svc({ ports: [{ port: 80, name: 'http' }, { port: 81, name: 'http' }] }), 'spec.ports[1].name: Duplicate value: "http"');
  rejects(svc({ ports: [{ port: 80, protocol: 'ICMP' }] }), 'spec.ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"');
  rejects(svc({ ports: [{ port: 80, targetPort: 70000 }] }), 'spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive');
  rejects(svc({ ports: [{ port: 80, targetPort: 'Web' }] }), 'spec.ports[0].targetPort: Invalid value: "Web": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  rejects(
    svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] }),
    'spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767',
  );
  rejects(svc({ ports: [{ port: 80, nodePort: 30080 }] }), "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'");
  rejects(svc({ ports: [{ port: 80 }, { port: 80, name: 'b' }] }), 'spec.ports[0].name: Required value', 'spec.ports[1]: Duplicate value: {"port":80,"protocol":"TCP"}');
  rejects(svc({ type: 'Foo', ports: [{ port: 80 }] }), 'spec.type: Unsupported value: "Foo": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"');
  rejects(svc({ ports: [] }), 'spec.ports: Required value');
  rejects(svc({ externalTrafficPolicy: 'Local', ports: [{ port: 80 }] }), 'spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services');
  rejects(svc({ loadBalancerClass: 'io.cilium/l2-announcer', ports: [{ port: 80 }] }), "spec.loadBalancerClass: Forbidden: may only be used when `type` is 'LoadBalancer'");
  rejects(svc({ clusterIP: '10.96.0.300', ports: [{ port: 80 }] }), 'spec.clusterIP: Invalid value: "10.96.0.300": must be a valid IP address');
  rejects(svc({ type: 'ExternalName', ports: [{ port: 80 }] }), 'spec.externalName: Required value');
  rejects(svc({ ports: [{ port: 80 }] }, 'Web'), `metadata.name: Invalid value: "Web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`);
  rejects(svc({ ipFamilies: ['IPv4', 'IPv6'], ports: [{ port: 80 }] }), 'spec.ipFamilyPolicy: Invalid value: "SingleStack": must be RequireDualStack or PreferDualStack when multiple IP families are specified');
  rejects(svc({ ports: [{ port: 80 }], sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 0 } } }), 'spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0: must be greater than 0 and less than 86400');
  assert.deepEqual(errorsOf(svc({ clusterIP: 'None', selector: { app: 'x' } })), [], 'headless services need no ports');
});

test('wrong types and unknown fields', () => {
  rejects(svc({ ports: [{ port: '80' }] }), 'spec.ports[0].port: Invalid value: "80": must be of type integer');
  rejects(svc({ ports: [{ port: 80 }], foo: 1 }), 'unknown field "spec.foo"');
  rejects({ ...svc({ ports: [{ port: 80 }] }), status2: {} }, 'unknown field "status2"');
  rejects(cilium('CiliumBGPPeerConfig', { timers: { holdTimeSeconds: 'nine' } }), 'spec.timers.holdTimeSeconds: Invalid value: "string": spec.timers.holdTimeSeconds in body must be of type integer: "string"');
  rejects(cilium('CiliumLoadBalancerIPPool', { blocks: [{ cidr: '10.0.0.0/24', mask: 24 }] }), 'unknown field "spec.blocks[0].mask"');
  rejects({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default', labels: { version: 1 } } }, 'metadata.labels.version: Invalid value: 1: must be of type string');
});

test('metadata: names, namespaces, labels, annotations, finalizers, owners', () => {
  const cm = (metadata: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata });
  rejects(cm({ namespace: 'default' }), 'metadata.name: Required value: name or generateName is required');
  rejects(cm({ name: 'c' }), 'metadata.namespace: Required value');
  assert.deepEqual(errorsOf(cm({ generateName: 'web-', namespace: 'default' })), []);
  rejects(cm({ name: 'c', namespace: 'Default' }), `metadata.namespace: Invalid value: "Default": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`);
  assert.match(errorsOf(cm({ name: 'c', namespace: 'default', labels: { 'bad key': 'v' } }))[0]!, /^metadata\.labels: Invalid value: "bad key": name part must consist of/);
  assert.match(errorsOf(cm({ name: 'c', namespace: 'default', labels: { app: 'bad value' } }))[0]!, /^metadata\.labels: Invalid value: "bad value": a valid label must be/);
  assert.match(errorsOf(cm({ name: 'c', namespace: 'default', annotations: { 'a/b/c': 'x' } }))[0]!, /^metadata\.annotations: Invalid value: "a\/b\/c": a qualified name/);
  assert.equal(errorsOf(cm({ name: 'Bad', namespace: 'default', labels: { app: 'bad value' } })).length, 2, 'name and label problems are both reported');
  rejects(cm({ name: 'c', namespace: 'default', annotations: { big: 'x'.repeat(256 * 1024) } }), 'metadata.annotations: Too long: may not be more than 262144 bytes');
  rejects(cm({ name: 'c', namespace: 'default', finalizers: ['plain'] }), 'metadata.finalizers[0]: Invalid value: "plain": name is neither a standard finalizer name nor is it fully qualified');
  rejects(
    cm({ name: 'c', namespace: 'default', ownerReferences: [{ apiVersion: 'v1', kind: 'A', name: 'a', uid: '1', controller: true }, { apiVersion: 'v1', kind: 'B', name: 'b', uid: '2', controller: true }] }),
    'metadata.ownerReferences: Invalid value: [{"apiVersion":"v1","kind":"A","name":"a","uid":"1","controller":true},{"apiVersion":"v1","kind":"B","name":"b","uid":"2","controller":true}]: Only one reference can have Controller set to true. Found "true" in references for A/a and B/b',
  );
});

test('Pod and templates: containers, ports, volumes, probes, affinity', () => {
  const pod = (spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec });
  rejects(pod({ containers: [] }), 'spec.containers: Required value');
  rejects(pod({ containers: [{ name: 'a' }] }), 'spec.containers[0].image: Required value');
  rejects(pod({ containers: [{ name: 'a', image: 'x' }, { name: 'a', image: 'y' }] }), 'spec.containers[1].name: Duplicate value: "a"');
  rejects(pod({ containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 0 }] }] }), 'spec.containers[0].ports[0].containerPort: Invalid value: 0: must be between 1 and 65535, inclusive');
  rejects(pod({ containers: [{ name: 'a', image: 'x', volumeMounts: [{ name: 'data', mountPath: '/d' }] }] }), 'spec.containers[0].volumeMounts[0].name: Not found: "data"');
  rejects(pod({ containers: [{ name: 'a', image: 'x' }], volumes: [{ name: 'v' }] }), 'spec.volumes[0]: Required value: must specify a volume type');
  rejects(pod({ containers: [{ name: 'a', image: 'x', readinessProbe: {} }] }), 'spec.containers[0].readinessProbe: Required value: must specify a handler type');
  rejects(pod({ containers: [{ name: 'a', image: 'x' }], restartPolicy: 'Sometimes' }), 'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"');
  rejects(pod({ containers: [{ name: 'a', image: 'x' }], terminationGracePeriodSeconds: -1 }), 'spec.terminationGracePeriodSeconds: Invalid value: -1: must be greater than or equal to 0');
  rejects(
    pod({ containers: [{ name: 'a', image: 'x' }], affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: '' }] } } }),
    'spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Required value: can not be empty',
  );
  rejects(pod({ containers: [{ name: 'a', image: 'x' }], tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }] }), "spec.tolerations[0].operator: Invalid value: \"v\": value must be empty when `operator` is 'Exists'");
});

test('Deployment: selector, template labels, restart policy, strategy', () => {
  rejects(deploy({ template: template({ app: 'x' }) }), 'spec.selector: Required value');
  rejects(deploy({ selector: { matchLabels: { app: 'y' } }, template: template({ app: 'x' }) }), 'spec.template.metadata.labels: Invalid value: {"app":"x"}: `selector` does not match template `labels`');
  rejects(deploy({ selector: {}, template: template({ app: 'x' }) }), 'spec.selector: Invalid value: {}: empty selector is invalid for deployment');
  rejects(
    deploy({ selector: { matchLabels: { app: 'x' } }, template: template({ app: 'x' }, { restartPolicy: 'Never', containers: [{ name: 'a', image: 'b' }] }) }),
    'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
  );
  rejects(deploy({ replicas: -1, selector: { matchLabels: { app: 'x' } }, template: template({ app: 'x' }) }), 'spec.replicas: Invalid value: -1: must be greater than or equal to 0');
  rejects(
    deploy({ selector: { matchLabels: { app: 'x' } }, template: template({ app: 'x' }), strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } }),
    'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0',
  );
  rejects(
    deploy({ selector: { matchExpressions: [{ key: 'app', operator: 'In' }] }, template: template({ app: 'x' }) }),
    "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
  );
});

test('Ingress, EndpointSlice, Lease, Secret, Node', () => {
  const ing = (spec: unknown) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'default' }, spec });
  const backend = { service: { name: 'webpod', port: { number: 80 } } };
  rejects(ing({}), 'spec: Invalid value: {}: either `defaultBackend` or `rules` must be specified');
  rejects(ing({ rules: [{ http: { paths: [{ path: '/', backend }] } }] }), 'spec.rules[0].http.paths[0].pathType: Required value');
  rejects(ing({ rules: [{ http: { paths: [{ path: 'x', pathType: 'Prefix', backend }] } }] }), 'spec.rules[0].http.paths[0].path: Invalid value: "x": must be an absolute path');
  rejects(ing({ rules: [{ host: '192.168.10.211', http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }] }), 'spec.rules[0].host: Invalid value: "192.168.10.211": must be a DNS name, not an IP address');
  rejects(
    ing({ rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'webpod', port: { number: 80, name: 'http' } } } }] } }] }),
    'spec.rules[0].http.paths[0].backend.service.port: Invalid value: {"name":"http","number":80}: cannot set both port name & port number',
  );
  const slice = (addressType: string, addresses: string[]) => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'webpod-abc', namespace: 'default' },
    addressType,
    endpoints: [{ addresses }],
  });
  rejects(slice('IPv4', ['fd00::1']), 'endpoints[0].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address');
  rejects(slice('IPv4', []), 'endpoints[0].addresses: Required value: must contain at least 1 address');
  rejects(slice('IPv5', ['1.2.3.4']), 'addressType: Unsupported value: "IPv5": supported values: "IPv4", "IPv6", "FQDN"');
  rejects({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l', namespace: 'kube-system' }, spec: { leaseDurationSeconds: 0 } }, 'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0');
  rejects({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, data: { key: 'not base64!' } }, 'data[key]: Invalid value: "not base64!": illegal base64 data');
  rejects({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'k8s-ctr' }, spec: { podCIDR: '172.20.0.0/33' } }, 'spec.podCIDR: Invalid value: "172.20.0.0/33": must be a valid CIDR');
});

test('CiliumLoadBalancerIPPool blocks: cidr or start[/stop], same family, in order', () => {
  const pool = (blocks: unknown[]) => cilium('CiliumLoadBalancerIPPool', { blocks });
  rejects(pool([{ cidr: '172.16.1.0/33' }]), 'spec.blocks[0].cidr: Invalid value: "172.16.1.0/33": must be a valid CIDR');
  rejects(pool([{}]), 'spec.blocks[0].start: Required value: either cidr or start must be set');
  rejects(pool([{ start: '192.168.10.215', stop: '192.168.10.211' }]), 'spec.blocks[0].stop: Invalid value: "192.168.10.211": must not be before start');
  rejects(pool([{ start: '192.168.10.1', stop: '2001:db8::1' }]), 'spec.blocks[0].stop: Invalid value: "2001:db8::1": must be of the same IP family as start');
  rejects(pool([{ start: '192.168.10.x' }]), 'spec.blocks[0].start: Invalid value: "192.168.10.x": must be a valid IP address');
  rejects(pool([{ cidr: '10.0.10.0/24', start: '10.0.10.1' }]), 'spec.blocks[0].start: Forbidden: may not be specified together with cidr');
  assert.deepEqual(errorsOf(pool([{ cidr: '10.0.10.0/24' }, { start: '20.0.20.100' }, { cidr: '2004::0/112' }])), [], 'stop may be omitted');
  rejects(cilium('CiliumLoadBalancerIPPool', { blocks: [], allowFirstLastIPs: false }), 'spec.allowFirstLastIPs: Unsupported value: false: supported values: "Yes", "No"');
  rejects(cilium('CiliumLoadBalancerIPPool', {}), 'spec.blocks: Required value');
});

test('BGP kinds: ranges, CEL rules, list-map keys', () => {
  rejects(cilium('CiliumBGPPeerConfig', { timers: { holdTimeSeconds: 2, keepAliveTimeSeconds: 1 } }), 'spec.timers.holdTimeSeconds: Invalid value: 2: spec.timers.holdTimeSeconds in body should be greater than or equal to 3');
  rejects(cilium('CiliumBGPPeerConfig', { timers: { holdTimeSeconds: 9, keepAliveTimeSeconds: 10 } }), 'spec.timers: Invalid value: "object": keepAliveTimeSeconds can not be larger than holdTimeSeconds');
  rejects(cilium('CiliumBGPPeerConfig', { timers: { holdTimeSeconds: 20 } }), 'spec.timers: Invalid value: "object": keepAliveTimeSeconds can not be larger than holdTimeSeconds');
  rejects(cilium('CiliumBGPPeerConfig', { ebgpMultihop: 256 }), 'spec.ebgpMultihop: Invalid value: 256: spec.ebgpMultihop in body should be less than or equal to 255');
  rejects(cilium('CiliumBGPPeerConfig', { gracefulRestart: {} }), 'spec.gracefulRestart.enabled: Required value');
  rejects(cilium('CiliumBGPPeerConfig', { families: [{ afi: 'ipv5', safi: 'unicast' }] }), 'spec.families[0].afi: Unsupported value: "ipv5": supported values: "ipv4", "ipv6", "l2vpn", "ls", "opaque"');
  rejects(cilium('CiliumBGPPeerConfig', { transport: { localPort: 1790 } }), 'unknown field "spec.transport.localPort"');
  assert.deepEqual(errorsOf(cilium('CiliumBGPPeerConfig', { transport: { localPort: 1790 } }, 'v2alpha1')), [], 'v2alpha1 still has transport.localPort');
  const cluster = (peer: Record<string, unknown>, localASN: unknown = 65001) => cilium('CiliumBGPClusterConfig', { bgpInstances: [{ name: 'i', localASN, peers: [{ name: 'tor', ...peer }] }] });
  rejects(cluster({ peerASN: 4294967296, peerAddress: '192.168.10.200' }), 'spec.bgpInstances[0].peers[0].peerASN: Invalid value: 4294967296: spec.bgpInstances[0].peers[0].peerASN in body should be less than or equal to 4294967295');
  rejects(cluster({ peerAddress: '192.168.10.2000' }), 'spec.bgpInstances[0].peers[0].peerAddress: Invalid value: "192.168.10.2000": must be a valid IP address');
  rejects(cluster({ peerAddress: '10.0.0.1' }, 0), 'spec.bgpInstances[0].localASN: Invalid value: 0: spec.bgpInstances[0].localASN in body should be greater than or equal to 1');
  rejects(cluster({ autoDiscovery: { mode: 'DefaultGateway' } }), 'spec.bgpInstances[0].peers[0].autoDiscovery: Invalid value: "object": defaultGateway must be set when mode is DefaultGateway');
  rejects(cilium('CiliumBGPClusterConfig', { bgpInstances: [] }), 'spec.bgpInstances: Invalid value: 0: spec.bgpInstances in body should have at least 1 items');
  rejects(
    cilium('CiliumBGPClusterConfig', { bgpInstances: [{ name: 'i', peers: [{ name: 'a' }, { name: 'a' }] }] }),
    'spec.bgpInstances[0].peers[1]: Duplicate value: {"name":"a"}',
  );
  const adv = (a: Record<string, unknown>) => cilium('CiliumBGPAdvertisement', { advertisements: [a] });
  rejects(adv({ advertisementType: 'Service' }), "spec.advertisements[0]: Invalid value: \"object\": service field is required for the 'Service' advertisementType");
  rejects(adv({ advertisementType: 'PodCIDR', selector: {} }), "spec.advertisements[0]: Invalid value: \"object\": selector field is not allowed for the 'PodCIDR' advertisementType");
  rejects(adv({ advertisementType: 'Service', service: { addresses: ['PodIP'] } }), 'spec.advertisements[0].service.addresses[0]: Unsupported value: "PodIP": supported values: "LoadBalancerIP", "ClusterIP", "ExternalIP"');
  rejectsMatching(
    adv({ advertisementType: 'PodCIDR', attributes: { communities: { standard: ['65536:1'] } } }),
    /^spec\.advertisements\[0\]\.attributes\.communities\.standard\[0\]: Invalid value: "65536:1": spec\.advertisements\[0\]\.attributes\.communities\.standard\[0\] in body should match '/,
  );
  assert.deepEqual(errorsOf(adv({ advertisementType: 'PodCIDR', attributes: { communities: { standard: ['65000:99', '4294967295'], wellKnown: ['no-export'], large: ['1:2:3'] }, localPreference: 200 } })), []);
  rejects(cilium('CiliumBGPNodeConfigOverride', { bgpInstances: [{ name: 'i', routerID: '2001::1' }] }), 'spec.bgpInstances[0].routerID: Invalid value: "2001::1": must be a valid IPv4 address');
});

test('policies: entities, oneOf selectors, ports, FQDN patterns', () => {
  const ccnp = (spec: unknown) => cilium('CiliumClusterwideNetworkPolicy', spec);
  rejects(ccnp({ ingress: [{ fromEntities: ['cluster'] }] }), 'spec: Invalid value: "object": must validate one and only one schema (oneOf) of endpointSelector, nodeSelector. Found none valid');
  rejectsMatching(
    ccnp({ endpointSelector: {}, ingress: [{ fromEntities: ['galaxy'] }] }),
    /^spec\.ingress\[0\]\.fromEntities\[0\]: Unsupported value: "galaxy": supported values: "all", "world"/,
  );
  rejects(ccnp({ endpointSelector: {}, ingress: [{ toPorts: [{ ports: [{ port: 80 }] }] }] }), 'spec.ingress[0].toPorts[0].ports[0].port: Invalid value: "integer": spec.ingress[0].toPorts[0].ports[0].port in body must be of type string: "integer"');
  rejects(ccnp({ endpointSelector: {}, ingress: [{ fromCIDRSet: [{ cidr: '10.0.0.0/33' }] }] }), 'spec.ingress[0].fromCIDRSet[0].cidr: Invalid value: "10.0.0.0/33": must be a valid CIDR');
  rejects(ccnp({ endpointSelector: {}, egress: [{ toFQDNs: [{}] }] }), 'spec.egress[0].toFQDNs[0]: Invalid value: "object": must validate one and only one schema (oneOf) of matchName, matchPattern. Found none valid');
  rejects(cilium('CiliumEgressGatewayPolicy', { selectors: [{}], destinationCIDRs: ['10.0.4.0/24'], egressGateway: {} }), 'spec.egressGateway.nodeSelector: Required value');
});

test('after many uses the schema is compiled; results and messages stay the same', () => {
  const good = svc({ ports: [{ port: 80 }] }, 'compiled');
  const bad = svc({ ports: [{ port: 0, targetPort: 80 }] }, 'compiled');
  const first = errorsOf(bad);
  for (let i = 0; i < 100; i++) {
    assert.deepEqual(errorsOf(good), []);
    assert.deepEqual(errorsOf(bad), first);
  }
  assert.deepEqual(first, ['spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive']);
});
