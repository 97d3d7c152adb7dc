// The lab topology file (`labs/<name>/topology.yaml`): clusters of nodes, L2 networks, routers
// and external hosts, with the Cilium configuration. Errors name the file, line and field.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { type Cidr, isCIDR, parseCIDR } from '../netaddr/cidr.ts';
import { isIP } from '../netaddr/ip.ts';

const ifaceAddress = z.string().refine((s) => {
  const slash = s.indexOf('/');
  return slash > 0 && isIP(s.slice(0, slash)) && isCIDR(s);
}, 'must be an address with prefix length, like 192.168.10.100/24');

const name = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a lowercase DNS label');

const InterfaceSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,15}$/, 'must be a Linux interface name (at most 15 characters)'),
    network: z.string().optional(),
    type: z.enum(['ethernet', 'dummy']).default('ethernet'),
    addresses: z.array(ifaceAddress).default([]),
    mac: z.string().regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/).optional(),
    mtu: z.number().int().min(68).max(65535).default(1500),
    /** Address obtained by DHCP: shown with `dynamic` and `proto dhcp` routes. */
    dhcp: z.boolean().default(false),
  })
  .strict()
  .refine((i) => i.type === 'dummy' || i.network !== undefined, { message: 'ethernet interfaces need a network', path: ['network'] });

const RouteSchema = z
  .object({
    to: z.string().refine((s) => s === 'default' || isCIDR(s), 'must be a CIDR or "default"'),
    via: z.string().refine(isIP, 'must be an IP address'),
    dev: z.string().optional(),
    metric: z.number().int().min(0).optional(),
  })
  .strict();

const HostBase = {
  name,
  interfaces: z.array(InterfaceSchema).min(1),
  routes: z.array(RouteSchema).default([]),
  sysctl: z.record(z.string(), z.string()).default({}),
};

const NodeSchema = z
  .object({
    ...HostBase,
    role: z.enum(['control-plane', 'worker']).default('worker'),
    labels: z.record(z.string(), z.string()).default({}),
    taints: z.array(z.object({ key: z.string(), value: z.string().optional(), effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']) }).strict()).default([]),
  })
  .strict();

const RouterSchema = z
  .object({
    ...HostBase,
    /** FRR configuration file (relative to the lab directory) run by the router personality. */
    frr: z.string().optional(),
  })
  .strict();

const NetworkSchema = z
  .object({
    name,
    cidr: z.string().refine(isCIDR, 'must be a CIDR'),
    /** A gateway the emulation provides (the hypervisor's NAT), answering ARP and pings. */
    gateway: z.string().refine(isIP, 'must be an IP address').optional(),
    /** Like VirtualBox NAT: every attached host gets its own copy of this network. */
    perHost: z.boolean().default(false),
  })
  .strict();

export const TopologySchema = z
  .object({
    name,
    description: z.string().default(''),
    seed: z.union([z.number(), z.string()]).default(1),
    kubernetes: z
      .object({
        version: z.string().default('v1.33.2'),
        /** One CIDR, or an IPv4 and an IPv6 one separated by a comma for dual stack (`--service-cluster-ip-range`). */
        serviceCIDR: z
          .string()
          .refine((s) => s.split(',').every((c) => isCIDR(c.trim())) && s.split(',').length <= 2, 'must be a CIDR, or an IPv4 and an IPv6 CIDR separated by a comma')
          .default('10.96.0.0/12'),
        osImage: z.string().default('Ubuntu 24.04.2 LTS'),
        kernelVersion: z.string().default('6.8.0-64-generic'),
        containerRuntime: z.string().default('containerd://1.7.27'),
      })
      .strict()
      .default({ version: 'v1.33.2', serviceCIDR: '10.96.0.0/12', osImage: 'Ubuntu 24.04.2 LTS', kernelVersion: '6.8.0-64-generic', containerRuntime: 'containerd://1.7.27' }),
    cilium: z
      .object({
        version: z.string().default('1.18.0'),
        config: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
      })
      .strict()
      .default({ version: '1.18.0', config: {} }),
    networks: z.array(NetworkSchema).default([]),
    nodes: z.array(NodeSchema).min(1),
    routers: z.array(RouterSchema).default([]),
    hosts: z.array(z.object(HostBase).strict()).default([]),
    /** Files or directories (relative to the lab) applied in order once the cluster is up. */
    manifests: z.array(z.string()).default([]),
  })
  .strict();

export type Topology = z.infer<typeof TopologySchema>;
export type TopologyNode = Topology['nodes'][number];
export type TopologyRouter = Topology['routers'][number];
export type TopologyHost = Topology['hosts'][number];
export type TopologyInterface = TopologyNode['interfaces'][number];

export interface LoadedTopology {
  topology: Topology;
  /** Directory the topology file lives in; relative paths resolve against it. */
  dir: string;
  file: string;
}

export class TopologyError extends Error {}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

/** Parses and checks a topology; cross-references (networks, unique names, addresses in networks) included. */
export function parseTopology(text: string, file: string): Topology {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new TopologyError(`${file}:${e.linePos?.[0].line ?? 1}: ${e.message.split('\n')[0]}`);
  }
  const lineOf = (path: readonly PropertyKey[]): number => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as (string | number)[], true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return lc.linePos(node.range[0]).line;
    }
    return 1;
  };
  const parsed = TopologySchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TopologyError(`${file}:${lineOf(issue.path)}: ${formatPath(issue.path)}: ${issue.message}`);
  }
  const topo = parsed.data;
  const fail = (path: (string | number)[], msg: string): never => {
    throw new TopologyError(`${file}:${lineOf(path)}: ${formatPath(path)}: ${msg}`);
  };
  const networks = new Map(topo.networks.map((n) => [n.name, parseCIDR(n.cidr)!]));
  const names = new Set<string>();
  const groups = [
    ['nodes', topo.nodes],
    ['routers', topo.routers],
    ['hosts', topo.hosts],
  ] as const;
  for (const [group, hosts] of groups) {
    hosts.forEach((h, i) => {
      if (names.has(h.name)) fail([group, i, 'name'], `duplicate host name "${h.name}"`);
      names.add(h.name);
      h.interfaces.forEach((iface, j) => {
        if (iface.network === undefined) return;
        const net = networks.get(iface.network);
        if (!net) fail([group, i, 'interfaces', j, 'network'], `unknown network "${iface.network}"`);
        for (const a of iface.addresses) {
          const c = parseCIDR(a)!;
          if (net && c.family === net.family && (c.prefixLen !== net.prefixLen || c.addr !== net.addr)) {
            fail([group, i, 'interfaces', j, 'addresses'], `${a} is not inside network ${iface.network} (${topo.networks.find((n) => n.name === iface.network)!.cidr})`);
          }
        }
      });
    });
  }
  if (!topo.nodes.some((n) => n.role === 'control-plane')) fail(['nodes'], 'one node must have role control-plane');
  const svcFamilies = serviceCIDRs(topo).map((c) => c.family);
  if (new Set(svcFamilies).size !== svcFamilies.length) fail(['kubernetes', 'serviceCIDR'], 'a dual-stack service range needs one IPv4 and one IPv6 CIDR');
  return topo;
}

export function loadTopology(dirOrFile: string): LoadedTopology {
  const file = dirOrFile.endsWith('.yaml') || dirOrFile.endsWith('.yml') ? dirOrFile : resolve(dirOrFile, 'topology.yaml');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new TopologyError(`${file}: cannot read the lab topology (is this a lab directory?)`);
  }
  return { topology: parseTopology(text, file), dir: dirname(resolve(file)), file };
}

/** The node's Kubernetes InternalIP: the first address of its first statically addressed interface (kubelet --node-ip). */
export function nodeInternalIP(n: TopologyNode): string {
  const iface = n.interfaces.find((i) => !i.dhcp && i.addresses.length > 0) ?? n.interfaces.find((i) => i.addresses.length > 0);
  const addr = iface?.addresses[0];
  if (!addr) throw new Error(`node ${n.name} has no address`);
  return addr.slice(0, addr.indexOf('/'));
}

/** The service ranges, primary family first (`--service-cluster-ip-range`). */
export function serviceCIDRs(topo: Topology): Cidr[] {
  return topo.kubernetes.serviceCIDR.split(',').map((c) => parseCIDR(c.trim())!);
}
