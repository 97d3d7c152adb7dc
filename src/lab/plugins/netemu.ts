// The emulated network in the lab: hosts, links and routes from the topology; the agents'
// NETEMU_SERVICE (network, command registry, kube-dns' view of the cluster); `cilia exec` into
// pods, nodes, routers and hosts.

import { NETEMU_SERVICE } from '../../agent/endpoints/index.ts';
import type { ClusterDns, DnsService } from '../../apps/kubedns.ts';
import { Informer } from '../../controller/informer.ts';
import { GK } from '../../k8s/kinds.ts';
import type { EndpointSlice, Pod, Service } from '../../k8s/types.ts';
import { DeadlockError, runTask } from '../../netemu/drive.ts';
import type { CommandRegistry } from '../../netemu/exec.ts';
import { Network } from '../../netemu/network.ts';
import { defaultRegistry, exec } from '../../netemu/tools/index.ts';
import { buildTopology } from '../../netemu/topology.ts';
import type { LabPlugin } from '../plugins.ts';
import { ciliumDbgCommand } from './cilium-dbg.ts';
import type { Lab } from '../runtime.ts';

interface LabNetwork {
  net: Network;
  registry: CommandRegistry;
  services: Informer<Service>;
  slices: Informer<EndpointSlice>;
}

const networks = new WeakMap<Lab, LabNetwork>();

/** The lab's emulated network (after the netemu plugin's setup). */
export function labNetwork(lab: Lab): LabNetwork {
  const n = networks.get(lab);
  if (!n) throw new Error('the lab has no emulated network (netemu plugin not set up)');
  return n;
}

/** kube-dns' view: Services with their ClusterIPs, and for headless ones the ready endpoints. */
function clusterDns(services: Informer<Service>, slices: Informer<EndpointSlice>): ClusterDns {
  return {
    service(namespace, name): DnsService | undefined {
      const svc = services.getByName(namespace, name);
      if (!svc) return undefined;
      const ips = (svc.spec?.clusterIPs ?? (svc.spec?.clusterIP ? [svc.spec.clusterIP] : [])).filter((ip) => ip !== 'None');
      const endpoints = slices.byIndex('service', `${namespace}/${name}`).flatMap((s) =>
        (s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).flatMap((e) => e.addresses.map((ip) => ({ ip, ...(e.hostname ? { hostname: e.hostname } : {}) }))),
      );
      return {
        clusterIPs: ips,
        headless: ips.length === 0,
        endpoints,
        ports: (svc.spec?.ports ?? []).map((p) => ({ name: p.name, port: p.port, protocol: p.protocol ?? 'TCP' })),
      };
    },
    serviceByIP(ip) {
      const svc = services.byIndex('clusterIP', ip)[0];
      return svc ? { namespace: svc.metadata.namespace!, name: svc.metadata.name! } : undefined;
    },
  };
}

/**
 * `kubectl exec` into a hostNetwork pod runs in its node's namespace; in the cilium agent's
 * container `cilium` is cilium-dbg.
 */
async function hostNetworkTarget(lab: Lab, target: string, argv: string[]): Promise<{ target: string; argv: string[] }> {
  if (!target.startsWith('pod/')) return { target, argv };
  const [ns, name] = target.slice(4).split('/');
  const pod = await lab.store.get<Pod>(GK.Pod, ns, name ?? '');
  const node = pod?.spec?.nodeName;
  if (!pod?.spec?.hostNetwork || !node) return { target, argv };
  const agent = pod.metadata.labels?.['k8s-app'] === 'cilium';
  return { target: `host/${node}`, argv: agent && argv[0] === 'cilium' ? ['cilium-dbg', ...argv.slice(1)] : argv };
}

export const netemuPlugin: LabPlugin = {
  name: 'netemu',
  async setup(lab) {
    const net = new Network({ clock: lab.clock, rng: lab.rng.fork('netemu') });
    buildTopology(net, lab.topology);
    const registry = defaultRegistry();
    const services = new Informer<Service>(lab.store, GK.Service, { indexers: { clusterIP: (s) => s.spec?.clusterIPs ?? [] } });
    const slices = new Informer<EndpointSlice>(lab.store, GK.EndpointSlice, {
      indexers: { service: (s) => [`${s.metadata.namespace}/${s.metadata.labels?.['kubernetes.io/service-name'] ?? ''}`] },
    });
    await Promise.all([services.start(), slices.start()]);
    networks.set(lab, { net, registry, services, slices });
    for (const n of lab.topology.nodes) registry.registerFor(n.name, 'cilium-dbg', ciliumDbgCommand(lab, n.name));
    // a powered-off node's host drops off the network
    lab.onNodePower((node, up) => net.host(node)?.setUp(up));
    lab.services.set(NETEMU_SERVICE, {
      net,
      registry,
      nodeHost: (n) => net.host(n),
      dns: clusterDns(services, slices),
      event: (pod, type, reason, message) => lab.log(`event ${pod.namespace}/${pod.name}: ${type} ${reason}: ${message}`),
      log: (pod, c, line) => lab.log(`${pod.namespace}/${pod.name}[${c}]: ${line}`),
    });
    lab.api.exec = async (podOrHost, command, io) => {
      const { target, argv } = await hostNetworkTarget(lab, podOrHost, command);
      // `pod/<ns>/<name>` runs in the pod's host `<ns>/<name>`, `host/<name>` in a node, router or host
      const name = target.startsWith('pod/') ? target.slice(4) : target.slice(target.indexOf('/') + 1);
      const host = net.host(name);
      if (!host) {
        io.write('stderr', target.startsWith('pod/') ? `error: unable to upgrade connection: container not found ("${name}")\n` : `error: no node, router, host or pod named "${name}"\n`);
        return 1;
      }
      const run = exec(net, host, argv, {
        registry,
        signal: io.signal,
        timeoutMs: io.timeoutMs,
        stdin: io.stdin,
        onStdout: (t) => io.write('stdout', t),
        onStderr: (t) => io.write('stderr', t),
      });
      try {
        return (await runTask(lab.clock, run, { progress: () => net.activity })).code;
      } catch (err) {
        if (!(err instanceof DeadlockError)) throw err;
        io.write('stderr', 'cilia: the command would wait forever in virtual time; give it --timeout\n');
        return 124;
      }
    };
  },
  stop(lab) {
    const n = networks.get(lab);
    n?.services.stop();
    n?.slices.stop();
  },
};
