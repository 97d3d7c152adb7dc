import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiClient, InProcessTransport } from '../../src/api/client.ts';
import { ApiServer } from '../../src/api/server.ts';
import { GK } from '../../src/k8s/kinds.ts';
import type { CiliumNode, Pod } from '../../src/k8s/types.ts';
import { parseCIDR, cidrContains } from '../../src/netaddr/cidr.ts';
import { parseIP } from '../../src/netaddr/ip.ts';
import { type LabCli, labCli } from '../../src/lab/cli-session.ts';
import { Lab } from '../../src/lab/runtime.ts';
import { loadTopology } from '../../src/lab/topology.ts';

let lab: Lab;
let client: ApiClient;
let run: LabCli;

async function cli(args: string[]): Promise<{ out: string; code: number }> {
  const { output, code } = await run(args);
  return { out: output, code };
}

before(async () => {
  lab = new Lab(loadTopology('labs/week5-bgp'), { clock: 'virtual' });
  await lab.start();
  run = labCli(lab);
  client = new ApiClient(new InProcessTransport(new ApiServer(lab.store, lab.api.extensions())));
});

after(async () => {
  await lab.stop();
});

test('three webpods land on three nodes, inside their node PodCIDR', async () => {
  const pods = (await lab.store.list<Pod>(GK.Pod, { namespace: 'default', labelSelector: 'app=webpod' })).items;
  assert.equal(pods.length, 3);
  assert.equal(new Set(pods.map((p) => p.spec?.nodeName)).size, 3);
  for (const p of pods) {
    assert.match(p.metadata.name!, /^webpod-[bcdfghjklmnpqrstvwxz2456789]{8,10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.equal(p.status?.phase, 'Running');
    const cn = await lab.store.get<CiliumNode>(GK.CiliumNode, undefined, p.spec!.nodeName!);
    const cidr = parseCIDR(cn!.spec.ipam!.podCIDRs![0]!)!;
    assert.ok(cidrContains(cidr, parseIP(p.status!.podIP!)!), `${p.status!.podIP} in ${cn!.spec.ipam!.podCIDRs}`);
  }
  const ctr = await lab.store.get<CiliumNode>(GK.CiliumNode, undefined, 'k8s-ctr');
  assert.deepEqual(ctr!.spec.ipam!.podCIDRs, ['172.20.0.0/24']);
});

test('get pods -o wide, get svc, get nodes print kubectl layouts', async () => {
  const pods = await cli(['get', 'pods', '-o', 'wide']);
  assert.equal(pods.code, 0, pods.out);
  const lines = pods.out.trimEnd().split('\n');
  assert.match(lines[0]!, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/);
  assert.match(pods.out, /^curl-pod\s+1\/1\s+Running\s+0\s+\d+s\s+172\.20\.0\.\d+\s+k8s-ctr\s+<none>\s+<none>$/m);
  assert.equal(lines.length, 5);

  const svc = await cli(['get', 'svc']);
  assert.match(svc.out, /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/m);
  assert.match(svc.out, /^kubernetes\s+ClusterIP\s+10\.96\.0\.1\s+<none>\s+443\/TCP\s+\d+s$/m);
  assert.match(svc.out, /^webpod\s+ClusterIP\s+10\.(9[6-9]|1[01]\d)\.\d+\.\d+\s+<none>\s+80\/TCP\s+\d+s$/m);

  const nodes = await cli(['get', 'nodes', '-o', 'wide']);
  assert.match(nodes.out, /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+INTERNAL-IP\s+EXTERNAL-IP\s+OS-IMAGE\s+KERNEL-VERSION\s+CONTAINER-RUNTIME$/m);
  assert.match(nodes.out, /^k8s-ctr\s+Ready\s+control-plane\s+\S+\s+v1\.33\.2\s+192\.168\.10\.100\s+<none>\s+Ubuntu 24\.04\.2 LTS\s+6\.8\.0-64-generic\s+containerd:\/\/1\.7\.27$/m);
  assert.match(nodes.out, /^k8s-w0\s+Ready\s+<none>\s+\S+\s+v1\.33\.2\s+192\.168\.20\.100\s/m);
});

test('kubectl verbs: label, scale, cordon/drain, rollout restart', async () => {
  assert.equal((await cli(['label', 'nodes', 'k8s-ctr', 'k8s-w0', 'k8s-w1', 'enable-bgp=true'])).out, 'node/k8s-ctr labeled\nnode/k8s-w0 labeled\nnode/k8s-w1 labeled\n');
  const sel = await cli(['get', 'node', '-l', 'enable-bgp=true']);
  assert.equal(sel.out.trimEnd().split('\n').length, 4);
  const again = await cli(['label', 'nodes', 'k8s-w0', 'enable-bgp=false']);
  assert.equal(again.code, 1);
  assert.match(again.out, /already has a value \(true\), and --overwrite is false/);

  await cli(['scale', 'deployment', 'webpod', '--replicas', '0']);
  assert.equal((await client.list(client.resourceTypes().find((t) => t.kind === 'Pod')!, { labelSelector: 'app=webpod' })).filter((p) => !p.metadata.deletionTimestamp).length, 0);
  await cli(['scale', 'deployment', 'webpod', '--replicas', '3']);
  const drain = await cli(['drain', 'k8s-w0', '--ignore-daemonsets']);
  assert.equal(drain.code, 0, drain.out);
  assert.match(drain.out, /node\/k8s-w0 cordoned/);
  assert.match(drain.out, /node\/k8s-w0 drained/);
  await lab.advance(5000);
  const nodes = await cli(['get', 'node', 'k8s-w0']);
  assert.match(nodes.out, /k8s-w0\s+Ready,SchedulingDisabled/);
  const onW0 = (await lab.store.list<Pod>(GK.Pod, { fieldSelector: 'spec.nodeName=k8s-w0', namespace: 'default' })).items;
  assert.equal(onW0.length, 0);
  await cli(['uncordon', 'k8s-w0']);
});

test('cilium-dbg service list shows the ClusterIP services with numbered backends', async () => {
  const { out, code } = await cli(['service', 'list']);
  assert.equal(code, 0, out);
  const lines = out.split('\n');
  assert.match(lines[0]!, /^ID\s+Frontend\s+Service Type\s+Backend\s*$/);
  assert.match(out, /^\d+\s+10\.96\.0\.1:443\/TCP\s+ClusterIP\s+1 => 192\.168\.10\.100:6443\/TCP \(active\)\s*$/m);
  assert.match(out, /^\d+\s+10\.96\.0\.10:53\/UDP\s+ClusterIP\s+1 => 172\.20\.\d+\.\d+:53\/UDP \(active\)\s*$/m);
  const kpr = await cli(['status', '--verbose']);
  assert.equal(kpr.code, 0);
});
