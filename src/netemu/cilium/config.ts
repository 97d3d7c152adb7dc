// The datapath-relevant part of Cilium's configuration, read from cilium-config keys.

import { type Prefix, parsePrefix } from '../addr.ts';

export interface CiliumDatapathConfig {
  routingMode: 'native' | 'tunnel';
  tunnelProtocol: 'vxlan' | 'geneve';
  /** UDP port of the tunnel: Cilium's VXLAN 8472, Geneve 6081. */
  tunnelPort: number;
  autoDirectNodeRoutes: boolean;
  nativeRoutingCIDR: Prefix | undefined;
  enableIPv4Masquerade: boolean;
  enableEndpointRoutes: boolean;
  /** The devices bpf_host attaches to; undefined = every Ethernet device with an IPv4 address. */
  devices: string[] | undefined;
  /** MTU of the node's devices; tunnel routes get this minus the encapsulation overhead. */
  mtu: number;
  /** bpf-lb-mode dsr/hybrid with bpf-lb-dsr-dispatch=geneve: the tunnel device exists in native routing too. */
  dsrGeneve?: boolean;
}

const bool = (v: string | undefined, dflt: boolean) => (v === undefined || v === '' ? dflt : v.toLowerCase() === 'true');

/** From cilium-config keys (defaults as Cilium 1.18 applies them). */
export function datapathConfig(cfg: Readonly<Record<string, string>>): CiliumDatapathConfig {
  const proto = cfg['tunnel-protocol'] === 'geneve' ? 'geneve' : 'vxlan';
  const port = Number(cfg['tunnel-port'] ?? '');
  return {
    routingMode: cfg['routing-mode'] === 'native' ? 'native' : 'tunnel',
    tunnelProtocol: proto,
    tunnelPort: Number.isInteger(port) && port > 0 ? port : proto === 'geneve' ? 6081 : 8472,
    autoDirectNodeRoutes: bool(cfg['auto-direct-node-routes'], false),
    nativeRoutingCIDR: cfg['ipv4-native-routing-cidr'] ? parsePrefix(cfg['ipv4-native-routing-cidr']) : undefined,
    enableIPv4Masquerade: bool(cfg['enable-ipv4-masquerade'], true),
    enableEndpointRoutes: bool(cfg['enable-endpoint-routes'], false),
    devices: cfg.devices ? cfg.devices.split(/[ ,]+/).filter(Boolean) : undefined,
    mtu: Number(cfg.mtu) > 0 ? Number(cfg.mtu) : 1500,
    dsrGeneve: (cfg['bpf-lb-mode'] === 'dsr' || cfg['bpf-lb-mode'] === 'hybrid') && cfg['bpf-lb-dsr-dispatch'] === 'geneve',
  };
}

/** Encapsulation overhead over IPv4: outer IP 20 + UDP 8 + VXLAN/Geneve 8 + inner Ethernet 14. */
export const TUNNEL_OVERHEAD = 50;
