// 1,000 sequential `curl` requests from a pod to a ClusterIP whose backends live on other nodes,
// in VXLAN mode, through the emulated datapath's service load balancing: socket-LB (the default
// with kube-proxy replacement) and per-packet DNAT (socket-LB off), side by side with the same
// requests pod → pod (netemu-curl's figure). The LB maps are the agent controller's.
// Target: 1,000 requests to the ClusterIP under 1 s. Usage: npm run bench -- lb-curl [N]

import { endpointSlice, newFixture, service, settle } from '../src/agent/loadbalancer/testing.ts';
import { startWhoami } from '../src/apps/whoami.ts';
import { Rng } from '../src/controller/rng.ts';
import { CiliumDatapath } from '../src/netemu/cilium/datapath.ts';
import { ServiceLoadBalancer } from '../src/netemu/cilium/lb.ts';
import { runTask } from '../src/netemu/drive.ts';
import { testCluster } from '../src/netemu/testing.ts';
import { defaultRegistry, exec } from '../src/netemu/tools/index.ts';

const N = Number(process.argv[2] ?? 1000);
const registry = defaultRegistry();

async function scenario(config: Record<string, string>) {
  const c = testCluster({ nodes: 3, mode: 'tunnel' });
  const client = c.addPod(c.nodes[0]!, 'curl-pod', '172.20.0.102', 2163);
  const pods = [c.addPod(c.nodes[1]!, 'webpod-1', '172.20.1.77', 2219), c.addPod(c.nodes[2]!, 'webpod-2', '172.20.2.77', 2219)];
  for (const p of pods) await startWhoami(p.pod, { port: 80 });
  const f = await newFixture({ nodeName: 'k8s-ctr', nodeAddresses: ['192.168.10.100'], config: { 'routing-mode': 'tunnel', ...config } });
  await f.store.create(endpointSlice('default', 'webpod', [{ ip: '172.20.1.77', node: 'k8s-w1' }, { ip: '172.20.2.77', node: 'k8s-w2' }], [{ port: 80 }]));
  await f.store.create(service('default', 'webpod', { type: 'ClusterIP', clusterIP: '10.96.48.145', ports: [{ port: 80, protocol: 'TCP' }] }));
  await settle(f);
  f.controller.stop();
  new ServiceLoadBalancer(CiliumDatapath.of(c.nodes[0]!.host), f.maps, new Rng('bench'));
  return { c, client };
}

type Run = { label: string; once: () => Promise<{ stdout: string }>; c: ReturnType<typeof testCluster> };

function curl(label: string, c: ReturnType<typeof testCluster>, host: Parameters<typeof exec>[1], url: string): Run {
  const argv = ['curl', '-s', url];
  return { label, c, once: () => runTask(c.clock, exec(c.net, host, argv, { registry }), { progress: () => c.net.activity }) };
}

async function measure(r: Run): Promise<number> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let ok = 0;
  for (let i = 0; i < N; i++) if ((await r.once()).stdout.startsWith('Hostname: webpod-')) ok++;
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  console.log(`  ${r.label.padEnd(36)} ${ms.toFixed(0).padStart(6)} ms wall  ${((cpu.user + cpu.system) / 1000).toFixed(0).padStart(6)} ms CPU  ${(ms / N).toFixed(3)} ms/request  ${ok}/${N} ok`);
  if (r.c.net.internalErrors.length > 0) console.log('    internal errors:', r.c.net.internalErrors.slice(0, 3));
  return ms;
}

console.log(`lb-curl: ${N} sequential curls from a pod on k8s-ctr, VXLAN, backends on k8s-w1/k8s-w2`);
const base = await scenario({});
const perPacket = await scenario({ 'kube-proxy-replacement': 'false', 'bpf-lb-sock': 'false' });
const runs = [
  curl('pod → pod (netemu-curl)', base.c, base.client.pod, 'http://172.20.1.77/'),
  curl('pod → ClusterIP, socket-LB', base.c, base.client.pod, 'http://10.96.48.145/'),
  curl('pod → ClusterIP, per-packet DNAT', perPacket.c, perPacket.client.pod, 'http://10.96.48.145/'),
];
// warm-up of every path (ARP, JIT) before any measurement
for (const r of runs) for (let i = 0; i < 300; i++) await r.once();
const [podToPod, sockLB, dnat] = [await measure(runs[0]!), await measure(runs[1]!), await measure(runs[2]!)];
const per1000 = (ms: number) => ms * (1000 / N);
console.log(`  ratio to pod → pod: socket-LB ${(sockLB / podToPod).toFixed(2)}×, per-packet ${(dnat / podToPod).toFixed(2)}×`);
console.log(`  target: 1000 requests to the ClusterIP under 1000 ms → ${per1000(sockLB) < 1000 ? 'met' : 'NOT met'} (${per1000(sockLB).toFixed(0)} ms per 1000, socket-LB)`);
