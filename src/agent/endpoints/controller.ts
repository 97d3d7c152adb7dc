// The agent's endpoint manager for one node. For each pod scheduled here with an IP and a security
// identity it does the CNI work (pod namespace, lxc veth, routes, endpoint in cilium_lxc), starts
// the pod's containers, writes the CiliumEndpoint and the ipcache entry. For the cluster it keeps
// the node's datapath configured (cilium_host, tunnel device, routes for the other nodes'
// PodCIDRs) and the ipcache filled: world, this node, other nodes, their PodCIDRs and routers,
// and every remote endpoint from its CiliumEndpoint.
//
// Pod networks outlive agent restarts, as veths and pinned BPF maps do on a real node.

import type { AgentContext } from '../agent.ts';
import { startContainer, type Workload } from '../../apps/index.ts';
import type { Runnable } from '../../controller/runnable.ts';
import { Informer } from '../../controller/informer.ts';
import { WorkQueue } from '../../controller/workqueue.ts';
import type { IPCacheEntry } from '../../datapath/maps/ipcache.ts';
import { IPCACHE_FLAG_HAS_TUNNEL } from '../../datapath/maps/ipcache.ts';
import { GK } from '../../k8s/kinds.ts';
import { objectKey } from '../../k8s/object.ts';
import type { CiliumEndpoint, CiliumIdentity, CiliumNode, Namespace, Node, Pod, Service } from '../../k8s/types.ts';
import { type Addr, type Prefix, fmtAddr, parseAddr, parsePrefix } from '../../netemu/addr.ts';
import { type CiliumDatapathConfig, TUNNEL_OVERHEAD, datapathConfig } from '../../netemu/cilium/config.ts';
import { CiliumDatapath, IDENTITY_HOST, IDENTITY_KUBE_APISERVER, IDENTITY_REMOTE_NODE, IDENTITY_WORLD, type RemoteNode } from '../../netemu/cilium/datapath.ts';
import { type PodNetwork, createPodNetwork, deletePodNetwork } from '../../netemu/cilium/pod.ts';
import type { Host } from '../../netemu/host.ts';
import { identityLabels, labelStrings, labelsKey } from '../../operator/identity/labels.ts';
import { StoreError } from '../../store/types.ts';
import type { NetemuService } from './services.ts';

interface LocalPod {
  key: string;
  uid: string;
  net: PodNetwork;
  ips: Addr[];
  endpointId: number;
  identity: number;
  identityLabels: string[];
  workloads: Workload[];
}

const localPods = new WeakMap<Host, Map<string, LocalPod>>();

function podsOf(node: Host): Map<string, LocalPod> {
  let m = localPods.get(node);
  if (!m) localPods.set(node, (m = new Map()));
  return m;
}

export class EndpointsController implements Runnable {
  readonly name: string;
  private readonly pods: Informer<Pod>;
  private readonly ceps: Informer<CiliumEndpoint>;
  private readonly ciliumNodes: Informer<CiliumNode>;
  private readonly nodes: Informer<Node>;
  private readonly identities: Informer<CiliumIdentity>;
  private readonly namespaces: Informer<Namespace>;
  private readonly queue: WorkQueue;
  private readonly cfg: CiliumDatapathConfig;
  private readonly host: Host;
  private readonly dp: CiliumDatapath;
  /** security-labels key → identity ID */
  private readonly idByLabels = new Map<string, number>();
  /** ipcache prefixes this controller wrote for nodes, and for remote endpoints (by CEP key). */
  private nodeEntries = new Map<string, { prefix: { addr: Addr; prefixLen: number }; entry: IPCacheEntry }>();
  private readonly remoteEps = new Map<string, Addr[]>();
  private hostEndpointId = 0;

  constructor(
    private readonly ctx: AgentContext,
    private readonly svc: NetemuService,
    host: Host,
  ) {
    this.name = `endpoints/${ctx.nodeName}`;
    this.host = host;
    this.dp = CiliumDatapath.of(host);
    this.cfg = datapathConfig(ctx.config);
    const store = ctx.store;
    this.pods = new Informer<Pod>(store, GK.Pod, { fieldSelector: `spec.nodeName=${ctx.nodeName}` });
    this.ceps = new Informer<CiliumEndpoint>(store, GK.CiliumEndpoint);
    this.ciliumNodes = new Informer<CiliumNode>(store, GK.CiliumNode);
    this.nodes = new Informer<Node>(store, GK.Node);
    this.identities = new Informer<CiliumIdentity>(store, GK.CiliumIdentity);
    this.namespaces = new Informer<Namespace>(store, GK.Namespace);
    this.queue = new WorkQueue(ctx.clock, { baseDelayMs: 100, maxDelayMs: 5000, onError: (k, e) => ctx.log(`endpoints: ${k}: ${(e as Error).message}`) });
  }

  async start(): Promise<void> {
    await Promise.all([this.pods, this.ceps, this.ciliumNodes, this.nodes, this.identities, this.namespaces].map((i) => i.start()));
    for (const i of this.identities.list()) this.idByLabels.set(labelsKey(i['security-labels'] ?? {}), Number(i.metadata.name));
    const node = () => this.queue.add('node');
    const pod = (p: Pod) => this.queue.add(`pod/${objectKey(p.metadata)}`);
    const allPods = () => {
      for (const p of this.pods.list()) pod(p);
      for (const k of podsOf(this.host).keys()) this.queue.add(`pod/${k}`);
    };
    this.ciliumNodes.on({ add: node, update: node, delete: node });
    this.nodes.on({ add: node, update: node, delete: node });
    this.pods.on({ add: pod, update: (_o, p) => pod(p), delete: pod });
    this.identities.on({
      add: (i) => {
        this.idByLabels.set(labelsKey(i['security-labels'] ?? {}), Number(i.metadata.name));
        allPods();
      },
      delete: (i) => {
        const k = labelsKey(i['security-labels'] ?? {});
        if (this.idByLabels.get(k) === Number(i.metadata.name)) this.idByLabels.delete(k);
      },
    });
    this.namespaces.on({ update: allPods });
    const cep = (c: CiliumEndpoint) => this.queue.add(`cep/${objectKey(c.metadata)}`);
    this.ceps.on({ add: cep, update: (_o, c) => cep(c), delete: cep });
    this.queue.add('node');
    allPods();
    this.queue.run((key) => this.sync(key));
  }

  stop(): void {
    this.queue.stop();
    for (const i of [this.pods, this.ceps, this.ciliumNodes, this.nodes, this.identities, this.namespaces]) i.stop();
  }

  isIdle(): boolean {
    return this.queue.isIdle();
  }

  private async sync(key: string): Promise<void> {
    if (key === 'node') return this.syncNode();
    if (key.startsWith('pod/')) return this.syncPod(key.slice(4));
    if (key.startsWith('cep/')) return this.syncRemoteEndpoint(key.slice(4));
  }

  // ---- the node -----------------------------------------------------------------------------

  private nodeIPs(cn: CiliumNode | undefined): Addr[] {
    return (cn?.spec?.addresses ?? []).filter((a) => a.type === 'InternalIP').map((a) => parseAddr(a.ip)).filter((a): a is Addr => a !== undefined);
  }

  private routerOf(cn: CiliumNode | undefined): Addr | undefined {
    const ip = cn?.spec?.addresses?.find((a) => a.type === 'CiliumInternalIP')?.ip;
    return ip !== undefined ? parseAddr(ip) : undefined;
  }

  private cidrsOf(cn: CiliumNode | undefined): Prefix[] {
    return (cn?.spec?.ipam?.podCIDRs ?? []).map((c) => parsePrefix(c)).filter((c): c is Prefix => c !== undefined);
  }

  private isControlPlane(name: string): boolean {
    const labels = this.nodes.getByName(undefined, name)?.metadata.labels ?? {};
    return 'node-role.kubernetes.io/control-plane' in labels;
  }

  private async syncNode(): Promise<void> {
    const me = this.ciliumNodes.getByName(undefined, this.ctx.nodeName);
    const router = this.routerOf(me);
    const cidrs = this.cidrsOf(me);
    if (router === undefined || cidrs.length === 0) return; // IPAM has not finished; its update brings us back
    this.dp.configure(this.cfg, router, cidrs);
    const remote: RemoteNode[] = [];
    const want = new Map<string, { prefix: { addr: Addr; prefixLen: number }; entry: IPCacheEntry }>();
    const put = (addr: Addr, len: number, identity: number, tunnel: Addr | undefined) => {
      const entry: IPCacheEntry = {
        identity,
        tunnelEndpoint: tunnel ?? (typeof addr === 'number' ? 0 : 0n),
        encryptKey: 0,
        flags: tunnel !== undefined ? IPCACHE_FLAG_HAS_TUNNEL : 0,
      };
      want.set(`${fmtAddr(addr)}/${len}`, { prefix: { addr, prefixLen: len }, entry });
    };
    put(0, 0, IDENTITY_WORLD, undefined);
    const ownIPs = this.host
      .allAddrs()
      .filter((x) => x.dev.kind === 'ether' && x.a.scope === 0 && typeof x.a.addr === 'number')
      .map((x) => x.a.addr);
    for (const ip of [...ownIPs, router]) put(ip, 32, IDENTITY_HOST, undefined);
    for (const cn of this.ciliumNodes.list()) {
      const name = cn.metadata.name!;
      if (name === this.ctx.nodeName) continue;
      const ips = this.nodeIPs(cn);
      const tunnel = ips.find((a) => typeof a === 'number');
      const r = this.routerOf(cn);
      const podCIDRs = this.cidrsOf(cn);
      remote.push({ name, ips, routerIP: r, podCIDRs });
      const nodeId = this.isControlPlane(name) ? IDENTITY_KUBE_APISERVER : IDENTITY_REMOTE_NODE;
      for (const ip of ips) put(ip, typeof ip === 'number' ? 32 : 128, nodeId, undefined);
      if (r !== undefined) put(r, 32, IDENTITY_REMOTE_NODE, tunnel);
      for (const c of podCIDRs) put(c.addr, c.len, IDENTITY_WORLD, tunnel);
    }
    this.dp.setRemoteNodes(remote);
    const ipcache = this.dp.maps.ipcache;
    for (const [k, v] of this.nodeEntries) if (!want.has(k)) ipcache.delete(v.prefix);
    for (const v of want.values()) ipcache.upsert(v.prefix, v.entry);
    this.nodeEntries = want;
    if (this.hostEndpointId === 0) this.hostEndpointId = this.freeEndpointId();
    this.dp.setHostEndpoint([...ownIPs, router], this.hostEndpointId);
    for (const k of podsOf(this.host).keys()) this.queue.add(`pod/${k}`);
  }

  private freeEndpointId(): number {
    const used = new Set<number>([this.hostEndpointId, ...[...podsOf(this.host).values()].map((p) => p.endpointId)]);
    for (;;) {
      const id = 1 + this.ctx.rng.int(4095);
      if (!used.has(id)) return id;
    }
  }

  // ---- local pods ---------------------------------------------------------------------------

  private async syncPod(key: string): Promise<void> {
    const slash = key.indexOf('/');
    const pod = this.pods.getByName(key.slice(0, slash), key.slice(slash + 1));
    const local = podsOf(this.host).get(key);
    const ip = pod?.status?.podIP;
    const phase = pod?.status?.phase;
    const gone = !pod || pod.spec?.hostNetwork || !ip || phase === 'Succeeded' || phase === 'Failed' || (local && local.uid !== pod.metadata.uid);
    if (gone) {
      if (local) await this.teardown(local);
      if (!pod || !ip || pod.spec?.hostNetwork || phase === 'Succeeded' || phase === 'Failed') return;
    }
    if (this.dp.routerIP === undefined) return; // the node sync requeues us
    const labels = identityLabels({
      namespace: pod!.metadata.namespace ?? 'default',
      podLabels: pod!.metadata.labels ?? {},
      namespaceLabels: this.namespaces.getByName(undefined, pod!.metadata.namespace ?? 'default')?.metadata.labels ?? {
        'kubernetes.io/metadata.name': pod!.metadata.namespace ?? 'default',
      },
      serviceAccount: pod!.spec?.serviceAccountName ?? 'default',
      cluster: this.ctx.config['cluster-name'] ?? 'default',
    });
    const identity = this.idByLabels.get(labelsKey(labels));
    if (identity === undefined) return; // the identity's arrival requeues us
    let lp = podsOf(this.host).get(key);
    if (!lp) lp = await this.setup(pod!, key, identity, labelStrings(labels));
    else if (lp.identity !== identity) {
      lp.identity = identity;
      lp.identityLabels = labelStrings(labels);
      for (const a of lp.ips) this.dp.attachEndpoint(a, lp.net.lxc, { id: lp.endpointId, mac: lp.net.eth0.mac, secId: identity });
    }
    for (const a of lp.ips) {
      this.dp.maps.ipcache.upsert({ addr: a, prefixLen: typeof a === 'number' ? 32 : 128 }, {
        identity,
        tunnelEndpoint: typeof a === 'number' ? 0 : 0n,
        encryptKey: 0,
        flags: 0,
      });
    }
    await this.writeEndpoint(pod!, lp);
  }

  private async setup(pod: Pod, key: string, identity: number, labels: string[]): Promise<LocalPod> {
    const ns = pod.metadata.namespace ?? 'default';
    const ips = (pod.status?.podIPs?.map((p) => p.ip) ?? [pod.status!.podIP!]).map((s) => parseAddr(s ?? '')).filter((a): a is Addr => a !== undefined);
    const dnsService = await this.ctx.store.get<Service>(GK.Service, 'kube-system', 'kube-dns');
    const nameservers = dnsService?.spec?.clusterIP ? [dnsService.spec.clusterIP] : [];
    const endpointId = this.freeEndpointId();
    const net = createPodNetwork(this.dp, {
      hostName: key,
      podName: pod.metadata.name!,
      namespace: ns,
      ips,
      endpointId,
      identity,
      routeMtu: this.cfg.routingMode === 'tunnel' ? this.cfg.mtu - TUNNEL_OVERHEAD : this.cfg.mtu,
      dns: { nameservers, searches: [`${ns}.svc.cluster.local`, 'svc.cluster.local', 'cluster.local'], ndots: 5 },
    });
    const lp: LocalPod = { key, uid: pod.metadata.uid ?? '', net, ips, endpointId, identity, identityLabels: labels, workloads: [] };
    podsOf(this.host).set(key, lp);
    const ref = { namespace: ns, name: pod.metadata.name!, uid: pod.metadata.uid };
    for (const c of pod.spec?.containers ?? []) {
      const env = containerEnv(pod, c.env ?? []);
      net.pod.env = { ...net.pod.env, ...env };
      const w = await startContainer(
        {
          host: net.pod,
          registry: this.svc.registry,
          pod: { name: ref.name, namespace: ns },
          dns: this.svc.dns,
          event: (type, reason, message) => this.svc.event?.(ref, type, reason, message),
          log: (container, line) => this.svc.log?.(ref, container, line),
        },
        {
          name: c.name,
          image: c.image ?? '',
          command: c.command,
          args: c.args,
          env,
          ports: (c.ports ?? []).map((p) => ({ containerPort: p.containerPort, protocol: p.protocol })),
        },
      );
      lp.workloads.push(w);
    }
    return lp;
  }

  private async teardown(lp: LocalPod): Promise<void> {
    for (const w of lp.workloads) w.stop();
    for (const a of lp.ips) this.dp.maps.ipcache.delete({ addr: a, prefixLen: typeof a === 'number' ? 32 : 128 });
    deletePodNetwork(this.dp, lp.net.pod, lp.ips);
    podsOf(this.host).delete(lp.key);
    const slash = lp.key.indexOf('/');
    try {
      await this.ctx.store.delete(GK.CiliumEndpoint, lp.key.slice(0, slash), lp.key.slice(slash + 1));
    } catch (e) {
      if (!(e instanceof StoreError && e.code === 'NotFound')) throw e;
    }
  }

  private async writeEndpoint(pod: Pod, lp: LocalPod): Promise<void> {
    const nodeIP = this.nodeIPs(this.ciliumNodes.getByName(undefined, this.ctx.nodeName))[0];
    const status: NonNullable<CiliumEndpoint['status']> = {
      id: lp.endpointId,
      identity: { id: lp.identity, labels: lp.identityLabels },
      networking: {
        addressing: [addressing(lp.ips)],
        node: nodeIP !== undefined ? fmtAddr(nodeIP) : undefined,
      },
      state: 'ready',
      encryption: {},
      'named-ports': (pod.spec?.containers ?? []).flatMap((c) =>
        (c.ports ?? []).filter((p) => p.name).map((p) => ({ name: p.name!, port: p.containerPort, protocol: p.protocol ?? 'TCP' })),
      ),
    };
    if (status['named-ports']!.length === 0) delete status['named-ports'];
    const ns = pod.metadata.namespace ?? 'default';
    const name = pod.metadata.name!;
    const existing = this.ceps.getByName(ns, name) ?? (await this.ctx.store.get<CiliumEndpoint>(GK.CiliumEndpoint, ns, name));
    if (existing && JSON.stringify(existing.status) === JSON.stringify(status)) return;
    const obj: CiliumEndpoint = {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumEndpoint',
      metadata: {
        ...(existing?.metadata ?? {}),
        name,
        namespace: ns,
        ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name, uid: pod.metadata.uid ?? '', controller: false, blockOwnerDeletion: true }],
      },
      status,
    };
    if (existing) await this.ctx.store.update(obj, { fieldManager: 'cilium-agent' });
    else await this.ctx.store.create(obj, { fieldManager: 'cilium-agent' });
  }

  // ---- remote endpoints ---------------------------------------------------------------------

  private async syncRemoteEndpoint(key: string): Promise<void> {
    const slash = key.indexOf('/');
    const cep = this.ceps.getByName(key.slice(0, slash), key.slice(slash + 1));
    const mine = this.nodeIPs(this.ciliumNodes.getByName(undefined, this.ctx.nodeName)).map(fmtAddr);
    const nodeText = cep?.status?.networking?.node;
    const old = this.remoteEps.get(key) ?? [];
    const ipcache = this.dp.maps.ipcache;
    const identity = cep?.status?.identity?.id;
    const node = nodeText !== undefined ? parseAddr(nodeText) : undefined;
    if (!cep || identity === undefined || node === undefined || mine.includes(nodeText!)) {
      for (const a of old) if (!this.isLocalPodIP(a)) ipcache.delete({ addr: a, prefixLen: typeof a === 'number' ? 32 : 128 });
      this.remoteEps.delete(key);
      return;
    }
    const ips: Addr[] = [];
    for (const addr of cep.status?.networking?.addressing ?? []) {
      for (const t of [addr.ipv4, addr.ipv6]) {
        const a = t !== undefined ? parseAddr(t) : undefined;
        if (a !== undefined) ips.push(a);
      }
    }
    for (const a of old) if (!ips.includes(a)) ipcache.delete({ addr: a, prefixLen: typeof a === 'number' ? 32 : 128 });
    for (const a of ips) {
      ipcache.upsert({ addr: a, prefixLen: typeof a === 'number' ? 32 : 128 }, { identity, tunnelEndpoint: node, encryptKey: 0, flags: IPCACHE_FLAG_HAS_TUNNEL });
    }
    this.remoteEps.set(key, ips);
  }

  private isLocalPodIP(a: Addr): boolean {
    for (const p of podsOf(this.host).values()) if (p.ips.includes(a)) return true;
    return false;
  }
}

function addressing(ips: Addr[]): { ipv4?: string; ipv6?: string } {
  const out: { ipv4?: string; ipv6?: string } = {};
  for (const a of ips) out[typeof a === 'number' ? 'ipv4' : 'ipv6'] = fmtAddr(a);
  return out;
}

/** A container's environment with the downward-API fields the kubelet fills in. */
export function containerEnv(pod: Pod, env: NonNullable<NonNullable<Pod['spec']>['containers'][number]['env']>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env) {
    if (e.value !== undefined) out[e.name] = e.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, v: string) => out[v] ?? m);
    const path = e.valueFrom?.fieldRef?.fieldPath;
    if (path === undefined) continue;
    const label = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
    if (label) {
      out[e.name] = (label[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[label[2]!] ?? '';
      continue;
    }
    const fields: Record<string, string | undefined> = {
      'metadata.name': pod.metadata.name,
      'metadata.namespace': pod.metadata.namespace,
      'metadata.uid': pod.metadata.uid,
      'spec.nodeName': pod.spec?.nodeName,
      'spec.serviceAccountName': pod.spec?.serviceAccountName ?? 'default',
      'status.podIP': pod.status?.podIP,
      'status.hostIP': pod.status?.hostIP,
    };
    out[e.name] = fields[path] ?? '';
  }
  return out;
}
