import assert from 'node:assert/strict';
import { test } from 'node:test';
import { admit } from './admission.ts';
import { defaultPullPolicy } from './defaults.ts';
import type { KObject } from './object.ts';

const spec = (o: KObject) => o.spec as Record<string, unknown>;

test('Service defaults', () => {
  const lb = admit('create', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'netshoot-web', namespace: 'default' },
    spec: { type: 'LoadBalancer', selector: { app: 'netshoot-web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'dns', port: 53, protocol: 'UDP' }] },
  });
  assert.deepEqual(spec(lb), {
    type: 'LoadBalancer',
    selector: { app: 'netshoot-web' },
    ports: [
      { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
      { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
    ],
    sessionAffinity: 'None',
    internalTrafficPolicy: 'Cluster',
    ipFamilyPolicy: 'SingleStack',
    externalTrafficPolicy: 'Cluster',
    allocateLoadBalancerNodePorts: true,
  });
  const affinity = admit('create', { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec: { sessionAffinity: 'ClientIP', ports: [{ port: 80 }] } });
  assert.deepEqual(spec(affinity).sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
  const external = admit('create', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'e', namespace: 'default' }, spec: { type: 'ExternalName', externalName: 'example.com' } });
  assert.equal(spec(external).internalTrafficPolicy, undefined);
  assert.equal(spec(external).ipFamilyPolicy, undefined);
});

test('Pod defaults, and the admission plugins that only run on create', () => {
  const pod = admit('create', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'curl-pod', namespace: 'default' },
    spec: {
      containers: [
        { name: 'curl', image: 'nicolaka/netshoot', ports: [{ containerPort: 80 }], readinessProbe: { httpGet: { port: 80 } }, env: [{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] },
      ],
      volumes: [{ name: 'cfg', configMap: { name: 'c' } }],
    },
  });
  const s = spec(pod);
  assert.equal(s.restartPolicy, 'Always');
  assert.equal(s.dnsPolicy, 'ClusterFirst');
  assert.equal(s.terminationGracePeriodSeconds, 30);
  assert.equal(s.schedulerName, 'default-scheduler');
  assert.equal(s.serviceAccountName, 'default');
  assert.equal(s.priority, 0);
  assert.deepEqual(s.securityContext, {});
  assert.deepEqual((s.tolerations as { key: string }[]).map((t) => t.key), ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']);
  const c = (s.containers as Record<string, unknown>[])[0]!;
  assert.equal(c.imagePullPolicy, 'Always');
  assert.equal(c.terminationMessagePath, '/dev/termination-log');
  assert.deepEqual(c.ports, [{ containerPort: 80, protocol: 'TCP' }]);
  assert.deepEqual(c.readinessProbe, { httpGet: { port: 80, scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
  assert.deepEqual((c.env as unknown[])[0], { name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name', apiVersion: 'v1' } } });
  assert.deepEqual((s.volumes as unknown[])[0], { name: 'cfg', configMap: { name: 'c', defaultMode: 420 } });
  const kept = admit('create', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }], terminationGracePeriodSeconds: 0 } });
  assert.equal(spec(kept).terminationGracePeriodSeconds, 0, 'an explicit 0 is kept');
  const updated = admit('update', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }] } });
  assert.equal(spec(updated).serviceAccountName, undefined, 'plugins only run on create');
});

test('imagePullPolicy depends on the tag', () => {
  assert.equal(defaultPullPolicy('traefik/whoami'), 'Always');
  assert.equal(defaultPullPolicy('nginx:latest'), 'Always');
  assert.equal(defaultPullPolicy('nginx:1.27'), 'IfNotPresent');
  assert.equal(defaultPullPolicy('localhost:5000/app'), 'Always');
  assert.equal(defaultPullPolicy('localhost:5000/app:v2'), 'IfNotPresent');
  assert.equal(defaultPullPolicy('nginx@sha256:abc'), 'IfNotPresent');
});

test('workload defaults reach the pod template, without the Pod-only plugins', () => {
  const dep = admit('create', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'webpod', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'webpod' } }, template: { metadata: { labels: { app: 'webpod' } }, spec: { containers: [{ name: 'webpod', image: 'traefik/whoami' }] } } },
  });
  const s = spec(dep);
  assert.equal(s.replicas, 1);
  assert.deepEqual(s.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  assert.equal(s.revisionHistoryLimit, 10);
  assert.equal(s.progressDeadlineSeconds, 600);
  const podSpec = (s.template as { spec: Record<string, unknown> }).spec;
  assert.equal(podSpec.restartPolicy, 'Always');
  assert.equal(podSpec.serviceAccountName, undefined);
  const ds = admit('create', {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'cilium', namespace: 'kube-system' },
    spec: { selector: { matchLabels: { 'k8s-app': 'cilium' } }, template: { metadata: { labels: { 'k8s-app': 'cilium' } }, spec: { containers: [{ name: 'agent', image: 'cilium:v1.18.0' }] } } },
  });
  assert.deepEqual(spec(ds).updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  const recreate = admit('create', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'r', namespace: 'default' },
    spec: { strategy: { type: 'Recreate' }, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
  });
  assert.deepEqual(spec(recreate).strategy, { type: 'Recreate' });
});

test('Namespace, Secret, EndpointSlice defaults', () => {
  const ns = admit('create', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } });
  assert.deepEqual(ns.metadata.labels, { 'kubernetes.io/metadata.name': 'demo' });
  assert.deepEqual(ns.spec, { finalizers: ['kubernetes'] });
  assert.equal(admit('create', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' } }).type, 'Opaque');
  const slice = admit('create', {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'e', namespace: 'default' },
    addressType: 'IPv4',
    endpoints: [],
    ports: [{ port: 80 }],
  });
  assert.deepEqual(slice.ports, [{ port: 80, protocol: 'TCP', name: '' }]);
});

test('Cilium CRD defaults apply inside objects that are present; agent defaults are not applied', () => {
  const bare = admit('create', { apiVersion: 'cilium.io/v2', kind: 'CiliumBGPPeerConfig', metadata: { name: 'p' }, spec: {} });
  assert.deepEqual(bare.spec, { ebgpMultihop: 1 }, 'no timers, transport, families or graceful restart appear');
  const seed = admit('create', {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumBGPPeerConfig',
    metadata: { name: 'cilium-peer' },
    spec: { timers: { holdTimeSeconds: 9, keepAliveTimeSeconds: 3 }, ebgpMultihop: 2, gracefulRestart: { enabled: true, restartTimeSeconds: 15 }, transport: {} },
  });
  assert.deepEqual(seed.spec, {
    timers: { holdTimeSeconds: 9, keepAliveTimeSeconds: 3, connectRetryTimeSeconds: 120 },
    ebgpMultihop: 2,
    gracefulRestart: { enabled: true, restartTimeSeconds: 15 },
    transport: { peerPort: 179 },
  });
  const pool = admit('create', { apiVersion: 'cilium.io/v2', kind: 'CiliumLoadBalancerIPPool', metadata: { name: 'p' }, spec: { blocks: [{ cidr: '172.16.1.0/24' }] } });
  assert.equal((pool.spec as { disabled: boolean }).disabled, false);
  const ccnp = admit('create', {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumClusterwideNetworkPolicy',
    metadata: { name: 'icmp' },
    spec: { endpointSelector: {}, ingress: [{ icmps: [{ fields: [{ type: 8 }] }] }] },
  });
  assert.deepEqual((ccnp.spec as { ingress: { icmps: unknown[] }[] }).ingress[0]!.icmps, [{ fields: [{ type: 8, family: 'IPv4' }] }]);
});
