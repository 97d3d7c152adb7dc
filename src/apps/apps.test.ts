// The workloads: kube-dns answers (A, SRV, headless, PTR, NXDOMAIN with the SOA) and the search
// path a pod's resolver walks, the echo-basic JSON of seed 003, containers started by image.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualClock } from '../controller/clock.ts';
import { Rng } from '../controller/rng.ts';
import { fmtAddr } from '../netemu/addr.ts';
import { DNS_TYPE, RCODE, decodeDns, dnsQuery, encodeDns } from '../netemu/dns.ts';
import { runTask } from '../netemu/drive.ts';
import type { Host } from '../netemu/host.ts';
import { Network } from '../netemu/network.ts';
import { defaultRegistry, exec } from '../netemu/tools/index.ts';
import { startEcho } from './echo.ts';
import { type ContainerSpec, imageRepo, startContainer } from './index.ts';
import { type ClusterDns, KubeDns, startKubeDns } from './kubedns.ts';
import { startWhoami } from './whoami.ts';

const view: ClusterDns = {
  service: (ns, name) => {
    if (ns === 'default' && name === 'webpod') return { clusterIPs: ['10.96.0.50'], headless: false, endpoints: [], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] };
    if (ns === 'default' && name === 'db') {
      return { clusterIPs: [], headless: true, endpoints: [{ ip: '172.20.1.5', hostname: 'db-0' }, { ip: '172.20.2.6' }], ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] };
    }
    return undefined;
  },
  serviceByIP: (ip) => (ip === '10.96.0.50' ? { namespace: 'default', name: 'webpod' } : undefined),
};

function ask(dns: KubeDns, name: string, type: number) {
  const reply = dns.handle(encodeDns(dnsQuery(7, name, type)));
  assert.ok(reply);
  return decodeDns(reply);
}

test('kube-dns: A, SRV, headless services, PTR and NXDOMAIN', () => {
  const dns = new KubeDns(view);
  const a = ask(dns, 'webpod.default.svc.cluster.local', DNS_TYPE.A!);
  assert.equal(a.rcode, RCODE.NOERROR);
  assert.ok(a.aa);
  assert.deepEqual(
    a.answers.map((r) => [r.name, r.ttl, r.data.kind === 'A' ? fmtAddr(r.data.addr) : '']),
    [['webpod.default.svc.cluster.local.', 30, '10.96.0.50']],
  );
  const srv = ask(dns, '_http._tcp.webpod.default.svc.cluster.local', DNS_TYPE.SRV!);
  assert.deepEqual(srv.answers[0]?.data, { kind: 'SRV', priority: 0, weight: 100, port: 80, target: 'webpod.default.svc.cluster.local.' });
  assert.ok(srv.additional.some((r) => r.data.kind === 'A' && fmtAddr(r.data.addr) === '10.96.0.50'));
  // a headless service answers with its endpoints' addresses
  const headless = ask(dns, 'db.default.svc.cluster.local', DNS_TYPE.A!);
  assert.deepEqual(headless.answers.map((r) => (r.data.kind === 'A' ? fmtAddr(r.data.addr) : '')).sort(), ['172.20.1.5', '172.20.2.6']);
  const ptr = ask(dns, '50.0.96.10.in-addr.arpa', DNS_TYPE.PTR!);
  assert.deepEqual(ptr.answers[0]?.data, { kind: 'name', name: 'webpod.default.svc.cluster.local.' });
  // unknown names in the zone: NXDOMAIN with the zone's SOA in the authority section
  const nx = ask(dns, 'nothere.default.svc.cluster.local', DNS_TYPE.A!);
  assert.equal(nx.rcode, RCODE.NXDOMAIN);
  assert.equal(nx.answers.length, 0);
  assert.deepEqual(nx.authority.map((r) => [r.name, r.data.kind === 'SOA' ? r.data.mname : '']), [['cluster.local.', 'ns.dns.cluster.local.']]);
  // an existing name without records of the type asked: NOERROR, no answers
  const aaaa = ask(dns, 'webpod.default.svc.cluster.local', DNS_TYPE.AAAA!);
  assert.equal(aaaa.rcode, RCODE.NOERROR);
  assert.equal(aaaa.answers.length, 0);
});

function lan() {
  const clock = new VirtualClock();
  const net = new Network({ clock, rng: new Rng('apps') });
  const host = (name: string, ip: string) => {
    const h = net.addHost(name, { kind: 'external' });
    net.attach(h, 'eth0', 'lan', { addrs: [`${ip}/24`] });
    return h;
  };
  const client = host('client', '10.96.0.2');
  client.writeFile('/etc/resolv.conf', 'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
  const registry = defaultRegistry();
  const run = (h: Host, cmd: string) => runTask(clock, exec(net, h, cmd, { registry }), { progress: () => net.activity });
  return { clock, net, client, host, run, registry };
}

test('a pod resolves service names through the search path, over UDP to kube-dns', async () => {
  const { host, client, run } = lan();
  startKubeDns(host('coredns', '10.96.0.10'), view);
  await startWhoami(host('webpod', '10.96.0.50'), { port: 80 });
  for (const name of ['webpod', 'webpod.default', 'webpod.default.svc.cluster.local']) {
    const r = await run(client, `curl -s http://${name}/`);
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    assert.match(r.stdout, /^Hostname: webpod$/m);
    assert.match(r.stdout, new RegExp(`^Host: ${name.replace(/\./g, '\\.')}$`, 'm'));
  }
  const nx = await run(client, 'curl -sS http://nothere/');
  assert.equal(nx.code, 6);
  assert.equal(nx.stderr, 'curl: (6) Could not resolve host: nothere\n');
});

test('echo-basic: the request as JSON indented by one space, headers sorted and canonical', async () => {
  const { host, client, run } = lan();
  await startEcho(host('prefixpath', '10.96.0.60'), 3000, { namespace: 'default', ingress: '', service: '', pod: 'prefixpath-5d6b989d4-jfn4b' });
  const r = await run(client, 'curl -s -H "Host: pathtypes.example.com" -H "x-request-id: abc" http://10.96.0.60:3000/');
  assert.equal(
    r.stdout,
    [
      '{',
      ' "path": "/",',
      ' "host": "pathtypes.example.com",',
      ' "method": "GET",',
      ' "proto": "HTTP/1.1",',
      ' "headers": {',
      '  "Accept": [',
      '   "*/*"',
      '  ],',
      '  "User-Agent": [',
      '   "curl/8.5.0"',
      '  ],',
      '  "X-Request-Id": [',
      '   "abc"',
      '  ]',
      ' },',
      ' "namespace": "default",',
      ' "ingress": "",',
      ' "service": "",',
      ' "pod": "prefixpath-5d6b989d4-jfn4b"',
      '}',
    ].join('\n'),
  );
});

test('containers by image: whoami and netshoot command loops run, unknown images post one event', async () => {
  const { host, client, run, registry } = lan();
  const pod = host('webpod-1', '10.96.0.70');
  const events: string[] = [];
  const ctx = { host: pod, registry, pod: { name: 'webpod-1', namespace: 'default' }, event: (type: string, reason: string, message: string) => events.push(`${type} ${reason} ${message}`) };
  const start = (c: Omit<ContainerSpec, 'env' | 'ports'>) => startContainer(ctx, { env: { POD_NAME: 'webpod-1' }, ports: [], ...c });
  assert.equal(imageRepo('docker.io/traefik/whoami:v1.10'), 'traefik/whoami');
  await start({ name: 'whoami', image: 'traefik/whoami' });
  await start({ name: 'nc', image: 'nicolaka/netshoot', command: ['sh', '-c', 'while true; do echo "OK from $POD_NAME" | nc -l -p 8080 -q 1; done'] });
  await start({ name: 'mystery', image: 'example.com/unknown:1.0' });
  assert.match((await run(client, 'curl -s 10.96.0.70')).stdout, /^Hostname: webpod-1$/m);
  const nc = await run(client, 'sh -c "sleep 1; nc 10.96.0.70 8080 < /dev/null"');
  assert.equal(nc.stdout, 'OK from webpod-1\n');
  assert.equal(events.length, 1);
  assert.match(events[0]!, /^Normal NotEmulated .*example\.com\/unknown:1\.0/);
});
