// The endpoints feature and the identity allocator on a store, over a two-node emulated network
// joined by a router: pods get networks, identities, CiliumEndpoints and ipcache entries, and a
// curl across nodes reaches whoami through the VXLAN tunnel (or fails without routes in native mode).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Agent, type AgentContext, ServiceRegistry } from '../../src/agent/agent.ts';
import { NETEMU_SERVICE, endpointsFeature } from '../../src/agent/endpoints/index.ts';
import { withDefaults } from '../../src/config/cilium.ts';
import { VirtualClock } from '../../src/controller/clock.ts';
import { Rng } from '../../src/controller/rng.ts';
import { GK } from '../../src/k8s/kinds.ts';
import type { KObject } from '../../src/k8s/object.ts';
import type { CiliumEndpoint, CiliumIdentity } from '../../src/k8s/types.ts';
import { IPCACHE_FLAG_HAS_TUNNEL, formatIPCacheEntry } from '../../src/datapath/maps/ipcache.ts';
import { parseAddr, parsePrefix } from '../../src/netemu/addr.ts';
import { CiliumDatapath } from '../../src/netemu/cilium/datapath.ts';
import { runTask } from '../../src/netemu/drive.ts';
import { Network } from '../../src/netemu/network.ts';
import { defaultRegistry, exec } from '../../src/netemu/tools/index.ts';
import { IdentityAllocator } from '../../src/operator/identity/controller.ts';
import { MemoryStore } from '../../src/store/memory.ts';

const A = (s: string) => parseAddr(s)!;

async function cluster(mode: 'tunnel' | 'native') {
  const clock = new VirtualClock();
  const rng = new Rng('endpoints-test');
  const store = new MemoryStore({ clock, rng: rng.fork('store'), log: () => {} });
  const net = new Network({ clock, rng: rng.fork('net') });
  const router = net.addHost('router', { kind: 'router' });
  net.attach(router, 'eth1', 'net1', { addrs: ['192.168.10.200/24'] });
  net.attach(router, 'eth2', 'net2', { addrs: ['192.168.20.200/24'] });
  const node = (name: string, seg: string, ip: string, gw: string, other: string) => {
    const h = net.addHost(name, { kind: 'node' });
    const d = net.attach(h, 'eth1', seg, { addrs: [ip] });
    h.addRoute({ table: 254, type: 'unicast', dst: parsePrefix(other)!, protocol: 4, scope: 0, metric: 0, nexthops: [{ gw: A(gw), dev: d, weight: 1 }] });
    return h;
  };
  node('k8s-ctr', 'net1', '192.168.10.100/24', '192.168.10.200', '192.168.20.0/24');
  node('k8s-w0', 'net2', '192.168.20.100/24', '192.168.20.200', '192.168.10.0/24');
  const objects: KObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default', labels: { 'kubernetes.io/metadata.name': 'default' } } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system', labels: { 'kubernetes.io/metadata.name': 'kube-system' } } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'kube-dns', namespace: 'kube-system' }, spec: { clusterIP: '10.96.0.10', ports: [{ port: 53 }] } },
    { apiVersion: 'v1', kind: 'Node', metadata: { name: 'k8s-ctr', labels: { 'node-role.kubernetes.io/control-plane': '' } } },
    { apiVersion: 'v1', kind: 'Node', metadata: { name: 'k8s-w0' } },
    ciliumNode('k8s-ctr', '192.168.10.100', '172.20.0.192', '172.20.0.0/24'),
    ciliumNode('k8s-w0', '192.168.20.100', '172.20.2.160', '172.20.2.0/24'),
    pod('curl-pod', 'k8s-ctr', '172.20.0.102', { app: 'curl' }, 'nicolaka/netshoot', ['tail'], ['-f', '/dev/null']),
    pod('webpod-697b545f57-2nk8p', 'k8s-w0', '172.20.2.77', { app: 'webpod', 'pod-template-hash': '697b545f57' }, 'traefik/whoami'),
  ];
  for (const o of objects) await store.create(o);
  const registry = defaultRegistry();
  const services = new ServiceRegistry();
  const events: string[] = [];
  services.set(NETEMU_SERVICE, {
    net,
    registry,
    nodeHost: (n) => net.host(n),
    event: (p, type, reason, message) => events.push(`${p.name} ${type} ${reason} ${message}`),
  });
  const config = withDefaults({ 'routing-mode': mode, 'ipv4-native-routing-cidr': '172.20.0.0/16' });
  const identities = new IdentityAllocator(store, clock, rng.fork('ids'), { cluster: 'default', clusterId: 0, maxConnectedClusters: 255, gcIntervalMs: 900_000 });
  await identities.start();
  const agents = ['k8s-ctr', 'k8s-w0'].map((nodeName) => {
    const ctx = (): AgentContext => ({ store, clock, rng: rng.fork(`agent/${nodeName}`), nodeName, config, services, log: () => {} });
    return new Agent(nodeName, [endpointsFeature], ctx);
  });
  for (const a of agents) await a.start();
  const settle = async () => {
    for (let i = 0; i < 50; i++) {
      await clock.settle();
      if (identities.isIdle() && agents.every((a) => a.isIdle())) {
        await clock.settle();
        if (identities.isIdle() && agents.every((a) => a.isIdle())) return;
      }
    }
  };
  await settle();
  const run = (hostName: string, cmd: string) =>
    runTask(clock, exec(net, net.host(hostName)!, cmd, { registry }), { progress: () => net.activity });
  const stop = async () => {
    for (const a of agents) a.stop();
    identities.stop();
    await store.close();
  };
  return { clock, store, net, run, settle, events, stop };
}

function ciliumNode(name: string, ip: string, router: string, cidr: string): KObject {
  return {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumNode',
    metadata: { name },
    spec: {
      addresses: [
        { type: 'InternalIP', ip },
        { type: 'CiliumInternalIP', ip: router },
      ],
      ipam: { podCIDRs: [cidr] },
    },
  };
}

function pod(name: string, node: string, ip: string, labels: Record<string, string>, image: string, command?: string[], args?: string[]): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels },
    spec: { nodeName: node, containers: [{ name: 'c', image, command, args }] },
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] },
  };
}

test('tunnel mode: endpoints, identities, ipcache and a curl across nodes through VXLAN', async () => {
  const c = await cluster('tunnel');
  try {
    const ids = (await c.store.list<CiliumIdentity>(GK.CiliumIdentity)).items;
    assert.equal(ids.length, 2);
    const web = ids.find((i) => i['security-labels']['k8s:app'] === 'webpod')!;
    assert.deepEqual(Object.keys(web['security-labels']), [
      'k8s:app',
      'k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name',
      'k8s:io.cilium.k8s.policy.cluster',
      'k8s:io.cilium.k8s.policy.serviceaccount',
      'k8s:io.kubernetes.pod.namespace',
    ]);
    const id = Number(web.metadata.name);
    assert.ok(id >= 256 && id <= 65535);

    const ceps = (await c.store.list<CiliumEndpoint>(GK.CiliumEndpoint)).items;
    const cep = ceps.find((e) => e.metadata.name === 'webpod-697b545f57-2nk8p')!;
    assert.equal(cep.status?.state, 'ready');
    assert.equal(cep.status?.identity?.id, id);
    assert.deepEqual(cep.status?.networking, { addressing: [{ ipv4: '172.20.2.77' }], node: '192.168.20.100' });

    const ctr = CiliumDatapath.of(c.net.host('k8s-ctr')!);
    const e = ctr.maps.ipcache.get({ addr: A('172.20.2.77'), prefixLen: 32 })!;
    assert.equal(formatIPCacheEntry(e), `identity=${id} encryptkey=0 tunnelendpoint=192.168.20.100 flags=hastunnel`);
    assert.equal(ctr.maps.ipcache.get({ addr: A('192.168.20.100'), prefixLen: 32 })?.identity, 6);
    assert.equal(CiliumDatapath.of(c.net.host('k8s-w0')!).maps.ipcache.get({ addr: A('192.168.10.100'), prefixLen: 32 })?.identity, 7);
    assert.ok((ctr.maps.ipcache.get({ addr: A('172.20.2.0'), prefixLen: 24 })!.flags & IPCACHE_FLAG_HAS_TUNNEL) !== 0);

    const r = await c.run('default/curl-pod', 'curl -s 172.20.2.77 | grep -E "Hostname|RemoteAddr"');
    assert.match(r.stdout, /^Hostname: webpod-697b545f57-2nk8p\nRemoteAddr: 172\.20\.0\.102:\d+\n$/);
    const routes = await c.run('k8s-ctr', 'ip route | grep cilium_host');
    assert.deepEqual(routes.stdout.split('\n').filter(Boolean), [
      '172.20.0.0/24 via 172.20.0.192 dev cilium_host proto kernel src 172.20.0.192 ',
      '172.20.0.192 dev cilium_host proto kernel scope link ',
      '172.20.2.0/24 via 172.20.0.192 dev cilium_host proto kernel src 172.20.0.192 mtu 1450 ',
    ]);
    // the netshoot container runs `tail -f /dev/null` and serves nothing; no event for it
    assert.deepEqual(c.events, []);
    assert.deepEqual(c.net.internalErrors, []);
  } finally {
    await c.stop();
  }
});

test('native mode without routes: the other node is unreachable', async () => {
  const c = await cluster('native');
  try {
    const r = await c.run('default/curl-pod', 'curl -s --connect-timeout 1 172.20.2.77; echo "rc=$?"');
    assert.equal(r.stdout, 'rc=7\n');
    const get = await c.run('k8s-ctr', 'ip route get 172.20.2.77');
    assert.equal(get.stderr, 'RTNETLINK answers: Network is unreachable\n');
  } finally {
    await c.stop();
  }
});

test('deleting a pod tears its network down and removes its CiliumEndpoint', async () => {
  const c = await cluster('tunnel');
  try {
    // as the kubelet does once the containers are gone: a second delete with no grace period
    await c.store.delete(GK.Pod, 'default', 'webpod-697b545f57-2nk8p');
    await c.store.delete(GK.Pod, 'default', 'webpod-697b545f57-2nk8p', { gracePeriodSeconds: 0 });
    await c.settle();
    assert.equal(c.net.host('default/webpod-697b545f57-2nk8p'), undefined);
    const ceps = (await c.store.list<CiliumEndpoint>(GK.CiliumEndpoint)).items.map((e) => e.metadata.name);
    assert.deepEqual(ceps, ['curl-pod']);
    assert.equal(CiliumDatapath.of(c.net.host('k8s-ctr')!).maps.ipcache.get({ addr: A('172.20.2.77'), prefixLen: 32 }), undefined);
  } finally {
    await c.stop();
  }
});
