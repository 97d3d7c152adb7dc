// Builds hosts, devices, addresses and routes from a lab topology description (the shape of
// labs/<lab>/topology.yaml, see src/lab/topology.ts): L2 networks with an optional hypervisor NAT
// gateway (one copy per host for VirtualBox-style `perHost` networks), Ethernet and dummy
// interfaces, DHCP-configured interfaces (dynamic address, metric 100, `proto dhcp` routes as
// networkd installs them), static routes (`proto static`, as netplan writes them), sysctls.

import { parseAddr, parseIfAddr, parsePrefix } from './addr.ts';
import type { Host, HostError, HostKind } from './host.ts';
import type { Iface } from './iface.ts';
import { parseMac } from './mac.ts';
import type { Network } from './network.ts';
import { RT_SCOPE_LINK, RT_TABLE_MAIN } from './route.ts';

export interface TopoNetwork {
  name: string;
  cidr: string;
  gateway?: string;
  perHost?: boolean;
}

export interface TopoInterface {
  name: string;
  network?: string;
  type?: 'ethernet' | 'dummy';
  addresses: string[];
  mac?: string;
  mtu?: number;
  dhcp?: boolean;
}

export interface TopoRoute {
  to: string;
  via: string;
  dev?: string;
  metric?: number;
}

export interface TopoHost {
  name: string;
  interfaces: TopoInterface[];
  routes?: TopoRoute[];
  sysctl?: Record<string, string>;
}

export interface Topology {
  networks: TopoNetwork[];
  nodes: TopoHost[];
  routers: TopoHost[];
  hosts: TopoHost[];
}

export interface BuildOptions {
  /** Vendor prefix of generated MACs: VirtualBox `08:00:27` (default) or libvirt `52:54:00`. */
  oui?: string;
  /** DHCP lease length in seconds (networkd shows it counting down). */
  leaseSeconds?: number;
}

/** Predictable interface names (`altname`s): PCI slots of VirtualBox or libvirt NICs. */
function altnames(oui: string, index: number): string[] {
  const slot = oui === '52:54:00' ? 5 + index : ([3, 8, 9, 10][index] ?? 10 + index);
  return [`enp0s${slot}`, `ens${slot}`];
}

export class TopologyBuildError extends Error {}

/** Creates every host of the topology in `net`; returns them by name. */
export function buildTopology(net: Network, topo: Topology, opts: BuildOptions = {}): Map<string, Host> {
  const oui = opts.oui ?? '08:00:27';
  const networks = new Map(topo.networks.map((n) => [n.name, n]));
  const hosts = new Map<string, Host>();
  const groups: [HostKind, TopoHost[]][] = [
    ['node', topo.nodes],
    ['router', topo.routers],
    ['external', topo.hosts],
  ];
  for (const [kind, list] of groups) {
    for (const spec of list) {
      const host = net.addHost(spec.name, { kind });
      hosts.set(spec.name, host);
      let ethIndex = 0;
      for (const ifc of spec.interfaces) {
        if ((ifc.type ?? 'ethernet') === 'dummy') {
          const mac = ifc.mac !== undefined ? parseMac(ifc.mac) : undefined;
          net.addDummy(host, ifc.name, { addrs: ifc.addresses, mac });
          continue;
        }
        const nw = ifc.network !== undefined ? networks.get(ifc.network) : undefined;
        if (!nw) throw new TopologyBuildError(`${spec.name}/${ifc.name}: unknown network ${ifc.network ?? '(none)'}`);
        const segName = nw.perHost ? `${nw.name}@${spec.name}` : nw.name;
        const fresh = !net.segments.has(segName);
        const seg = net.addSegment(segName);
        if (fresh && nw.gateway !== undefined) addGateway(net, segName, nw, oui);
        const dev = net.attach(host, ifc.name, seg, {
          mac: ifc.mac !== undefined ? parseMac(ifc.mac) : undefined,
          oui,
          mtu: ifc.mtu,
          altnames: altnames(oui, ethIndex++),
          addrs: ifc.dhcp ? [] : ifc.addresses,
        });
        if (ifc.dhcp) configureDhcp(host, dev, ifc, nw, opts.leaseSeconds ?? 3600);
      }
      for (const r of spec.routes ?? []) addStaticRoute(host, r);
      for (const [k, v] of Object.entries(spec.sysctl ?? {})) {
        const err = host.sysctl.set(k, v);
        if (err) throw new TopologyBuildError(`${spec.name}: sysctl ${k}=${v}: ${err === 'ENOENT' ? 'unknown key' : 'invalid value'}`);
      }
    }
  }
  return hosts;
}

/** The hypervisor's NAT gateway: answers ARP and pings, forwards nothing. */
function addGateway(net: Network, segName: string, nw: TopoNetwork, oui: string): Host {
  const cidr = parsePrefix(nw.cidr);
  const gw = nw.gateway !== undefined ? parseAddr(nw.gateway) : undefined;
  if (!cidr || gw === undefined) throw new TopologyBuildError(`network ${nw.name}: bad cidr or gateway`);
  const host = net.addHost(`gateway@${segName}`, { kind: 'external', forwarding: false });
  net.attach(host, 'eth0', segName, { oui, addrs: [`${nw.gateway}/${cidr.len}`] });
  return host;
}

function configureDhcp(host: Host, dev: Iface, ifc: TopoInterface, nw: TopoNetwork, lease: number): void {
  const now = host.clock.now();
  for (const text of ifc.addresses) {
    const p = parseIfAddr(text);
    if (!p || typeof p.addr !== 'number') throw new TopologyBuildError(`${host.name}/${ifc.name}: bad address ${text}`);
    host.addAddress(dev, p, { brdAuto: true, metric: 100, lease: { start: now, seconds: lease } });
    if (nw.gateway === undefined) continue;
    const gw = parseAddr(nw.gateway)!;
    // networkd: a host route to the gateway, then the default route through it
    host.addRoute({ table: RT_TABLE_MAIN, type: 'unicast', dst: { addr: gw, len: 32 }, protocol: 16, scope: RT_SCOPE_LINK, metric: 100, prefsrc: p.addr, nexthops: [{ dev, weight: 1 }] });
    host.addRoute({ table: RT_TABLE_MAIN, type: 'unicast', dst: { addr: 0, len: 0 }, protocol: 16, scope: 0, metric: 100, prefsrc: p.addr, nexthops: [{ gw, dev, weight: 1 }] });
  }
}

function addStaticRoute(host: Host, r: TopoRoute): void {
  const dst = parsePrefix(r.to);
  const via = parseAddr(r.via);
  if (!dst || via === undefined) throw new TopologyBuildError(`${host.name}: bad route ${r.to} via ${r.via}`);
  let dev: Iface | undefined;
  if (r.dev !== undefined) dev = host.iface(r.dev);
  else {
    const res = host.stack.lookupRoute(via);
    dev = 'route' in res ? res.nh?.dev : undefined;
  }
  if (!dev) throw new TopologyBuildError(`${host.name}: route ${r.to} via ${r.via}: gateway not on a connected network`);
  try {
    host.addRoute({ table: RT_TABLE_MAIN, type: 'unicast', dst, protocol: 4, scope: 0, metric: r.metric ?? 0, nexthops: [{ gw: via, dev, weight: 1 }] });
  } catch (e) {
    throw new TopologyBuildError(`${host.name}: route ${r.to} via ${r.via}: ${(e as HostError).message}`);
  }
}
