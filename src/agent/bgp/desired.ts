// The desired BGP instances of one node: the node's CiliumBGPNodeConfig resolved against the peer
// configs, the auth secrets and the node itself (router ID, listen port), with Cilium's defaults
// (pkg/bgpv1/manager/reconcilerv2/neighbor.go, instance.go). Problems are values, scoped to the
// instance or the peer they concern, so everything else goes on.

import type { FamilyKey } from '../../bgp/wire/constants.ts';
import type { LabelSelector } from '../../k8s/types.ts';
import type { CiliumBGPNodeConfig, CiliumBGPPeerConfig, CiliumNode } from '../../k8s/types.ts';
import { canonicalIP, parseIP } from '../../netaddr/ip.ts';
import type { Afi } from './policy.ts';

export interface PeerFamily {
  afi: Afi;
  safi: 'unicast';
  key: FamilyKey;
  /** Selects CiliumBGPAdvertisements by label; undefined selects none. */
  advertisements: LabelSelector | undefined;
}

export interface DesiredPeer {
  name: string;
  address: string;
  family: 4 | 6;
  /** 0 accepts whatever AS the peer announces. */
  asn: number;
  port: number;
  /** From the node config (override); empty means the system picks it. */
  localAddress?: string;
  connectRetry: number;
  holdTime: number;
  keepalive: number;
  ebgpMultihop: number;
  gracefulRestart: { enabled: boolean; restartTime: number };
  families: PeerFamily[];
  password?: string;
  /** The CiliumBGPPeerConfig it uses (none: defaults and no advertisements). */
  peerConfig?: string;
}

export interface DesiredInstance {
  name: string;
  asn: number;
  routerId: string;
  /** 0: the instance does not listen (Cilium's default since 1.18). */
  listenPort: number;
  peers: DesiredPeer[];
}

export interface Problem {
  instance: string;
  /** The peer concerned, when the problem is a peer's. */
  peer?: string;
  message: string;
  /** Shown in the node config's BGPReconcileError condition (else only logged). */
  condition: boolean;
}

export interface DesiredInput {
  nodeConfig: CiliumBGPNodeConfig | undefined;
  ciliumNode: CiliumNode | undefined;
  peerConfigs: ReadonlyMap<string, CiliumBGPPeerConfig>;
  /** The `password` of a Secret in the BGP secrets namespace: string, 'no-key' (Secret without it), undefined (no Secret). */
  secretPassword(name: string): string | 'no-key' | undefined;
  /** `bgp-router-id-allocation-mode`. */
  routerIdMode: 'default' | 'ip-pool';
  /** The node's default gateway of a family (autoDiscovery mode DefaultGateway), when known. */
  defaultGateway?: (family: 4 | 6) => string | undefined;
}

// CiliumBGPPeerConfig defaults (pkg/k8s/apis/cilium.io/v2 bgp_peer_types.go), applied by the agent
const DEFAULT_PEER_PORT = 179;
const DEFAULT_CONNECT_RETRY = 120;
const DEFAULT_HOLD_TIME = 90;
const DEFAULT_KEEPALIVE = 30;
const DEFAULT_RESTART_TIME = 120;
const DEFAULT_FAMILIES: { afi: Afi; safi: 'unicast' }[] = [
  { afi: 'ipv6', safi: 'unicast' },
  { afi: 'ipv4', safi: 'unicast' },
];

/** Zero counts as unset for ports and timers (the agent's defaulting). */
const orDefault = (v: number | undefined, d: number) => (v === undefined || v === 0 ? d : v);

/** The `cilium.io/bgp-virtual-router.<asn>` annotation of BGPv1 (`router-id=...,local-port=...`), still honoured. */
function legacyAnnotation(node: CiliumNode | undefined, asn: number): { routerId?: string; localPort?: number } {
  const text = node?.metadata.annotations?.[`cilium.io/bgp-virtual-router.${asn}`];
  if (!text) return {};
  const out: { routerId?: string; localPort?: number } = {};
  for (const kv of text.split(',')) {
    const [k, v] = kv.split('=').map((s) => s.trim());
    if (k === 'router-id' && v) out.routerId = v;
    if (k === 'local-port' && v && /^\d+$/.test(v)) out.localPort = Number(v);
  }
  return out;
}

/** The node's IPv4 for the router ID: InternalIP first, then ExternalIP, then any but the CiliumInternalIP. */
function nodeIPv4(node: CiliumNode | undefined): string | undefined {
  const addrs = node?.spec?.addresses ?? [];
  for (const type of ['InternalIP', 'ExternalIP', undefined]) {
    for (const a of addrs) {
      if (type ? a.type !== type : a.type === 'CiliumInternalIP') continue;
      if (parseIP(a.ip)?.family === 4) return a.ip;
    }
  }
  return undefined;
}

function nodeHasFamily(node: CiliumNode | undefined, family: 4 | 6): boolean {
  return (node?.spec?.addresses ?? []).some((a) => a.type !== 'CiliumInternalIP' && parseIP(a.ip)?.family === family);
}

export function desiredInstances(input: DesiredInput): { instances: DesiredInstance[]; problems: Problem[] } {
  const instances: DesiredInstance[] = [];
  const problems: Problem[] = [];
  const usedAsn = new Map<number, string>();
  for (const inst of input.nodeConfig?.spec?.bgpInstances ?? []) {
    const fail = (message: string) => problems.push({ instance: inst.name, message, condition: true });
    const asn = inst.localASN;
    if (asn === undefined) {
      fail('missing ASN in desired config');
      continue;
    }
    if (!Number.isInteger(asn) || asn < 1 || asn > 0xffffffff) {
      fail(`invalid local ASN ${asn}: must be in 1..4294967295`);
      continue;
    }
    const other = usedAsn.get(asn);
    if (other !== undefined) {
      fail(`local ASN ${asn} is already used by instance ${other} on this node`);
      continue;
    }
    const legacy = legacyAnnotation(input.ciliumNode, asn);
    let routerId = inst.routerID ?? legacy.routerId;
    if (routerId === undefined && input.routerIdMode === 'default') routerId = nodeIPv4(input.ciliumNode);
    if (routerId === undefined || parseIP(routerId)?.family !== 4 || routerId === '0.0.0.0') {
      fail(routerId === undefined ? 'router ID is not set and the node has no IPv4 address to use' : `invalid router ID ${JSON.stringify(routerId)}`);
      continue;
    }
    usedAsn.set(asn, inst.name);
    const listenPort = inst.localPort ?? legacy.localPort ?? 0;
    const peers: DesiredPeer[] = [];
    const names = new Set<string>();
    for (const p of inst.peers ?? []) {
      const peerFail = (message: string, condition = true) => problems.push({ instance: inst.name, peer: p.name, message: `peer ${p.name}: ${message}`, condition });
      if (names.has(p.name)) {
        peerFail('duplicate peer name');
        continue;
      }
      names.add(p.name);
      let peerAddress = p.peerAddress;
      if (peerAddress === undefined && p.autoDiscovery?.mode === 'DefaultGateway') {
        // reconcilerv2/default_gateway.go: the gateway of the node's default route of that family
        const fam = p.autoDiscovery.defaultGateway?.addressFamily === 'ipv6' ? 6 : 4;
        peerAddress = input.defaultGateway?.(fam);
        // no usable default route: the peer is left out until there is one
        if (peerAddress === undefined) peerFail(`auto-discovery found no IPv${fam} default gateway, peer not configured`, false);
      }
      if (peerAddress === undefined) continue;
      const address = canonicalIP(peerAddress.replace(/%.+$/, ''));
      const ip = address ? parseIP(address) : undefined;
      if (!address || !ip) {
        peerFail(`invalid peer address ${JSON.stringify(peerAddress)}`);
        continue;
      }
      const peerAsn = p.peerASN ?? 0;
      if (!Number.isInteger(peerAsn) || peerAsn < 0 || peerAsn > 0xffffffff) {
        peerFail(`invalid peer ASN ${peerAsn}: must be in 0..4294967295`);
        continue;
      }
      if (p.localAddress !== undefined) {
        const la = parseIP(p.localAddress);
        if (!la) {
          peerFail(`invalid local address ${JSON.stringify(p.localAddress)}`);
          continue;
        }
        if (la.family !== ip.family) {
          peerFail(`peer address ${address} is IPv${ip.family} but local address ${p.localAddress} is IPv${la.family}`);
          continue;
        }
      } else if (input.ciliumNode && !nodeHasFamily(input.ciliumNode, ip.family)) {
        peerFail(`peer address ${address} is IPv${ip.family} but the node has no IPv${ip.family} address`);
        continue;
      }
      let pc: CiliumBGPPeerConfig | undefined;
      if (p.peerConfigRef) {
        pc = input.peerConfigs.get(p.peerConfigRef.name);
        if (!pc) {
          // Cilium leaves such a peer out entirely; the operator reports it on the cluster config
          peerFail(`CiliumBGPPeerConfig ${JSON.stringify(p.peerConfigRef.name)} not found, peer not configured`, false);
          continue;
        }
      }
      const spec = pc?.spec ?? {};
      const hold = orDefault(spec.timers?.holdTimeSeconds, DEFAULT_HOLD_TIME);
      const keepalive = orDefault(spec.timers?.keepAliveTimeSeconds, DEFAULT_KEEPALIVE);
      if (keepalive > hold) {
        peerFail(`keepalive time ${keepalive}s exceeds hold time ${hold}s`);
        continue;
      }
      const families: PeerFamily[] = [];
      for (const f of spec.families ?? DEFAULT_FAMILIES) {
        if ((f.afi !== 'ipv4' && f.afi !== 'ipv6') || f.safi !== 'unicast') {
          peerFail(`address family ${f.afi}/${f.safi} is not supported, skipped`, false);
          continue;
        }
        families.push({ afi: f.afi, safi: 'unicast', key: f.afi === 'ipv4' ? 'ipv4-unicast' : 'ipv6-unicast', advertisements: 'advertisements' in f ? f.advertisements : undefined });
      }
      if (families.length === 0) {
        peerFail('no supported address family');
        continue;
      }
      const peer: DesiredPeer = {
        name: p.name,
        address,
        family: ip.family,
        asn: peerAsn,
        port: orDefault(spec.transport?.peerPort, DEFAULT_PEER_PORT),
        connectRetry: orDefault(spec.timers?.connectRetryTimeSeconds, DEFAULT_CONNECT_RETRY),
        holdTime: hold,
        keepalive,
        // ebgpMultihop ≤ 1 means directly connected
        ebgpMultihop: Math.max(1, spec.ebgpMultihop ?? 1),
        gracefulRestart: { enabled: spec.gracefulRestart?.enabled ?? false, restartTime: orDefault(spec.gracefulRestart?.restartTimeSeconds, DEFAULT_RESTART_TIME) },
        families,
      };
      if (p.localAddress !== undefined) peer.localAddress = canonicalIP(p.localAddress)!;
      if (pc) peer.peerConfig = pc.metadata.name!;
      if (spec.authSecretRef) {
        const pw = input.secretPassword(spec.authSecretRef);
        if (pw === 'no-key') {
          peerFail(`Secret ${JSON.stringify(spec.authSecretRef)} has no "password" key`);
          continue;
        }
        // a missing Secret configures the peer without a password (not an error, but worth a log line)
        if (pw !== undefined) peer.password = pw;
        else peerFail(`auth Secret ${JSON.stringify(spec.authSecretRef)} not found, peering without a password`, false);
      }
      peers.push(peer);
    }
    instances.push({ name: inst.name, asn, routerId, listenPort, peers });
  }
  return { instances, problems };
}
