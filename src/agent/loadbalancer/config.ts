// The load-balancing part of cilium-config, validated the way the agent validates its flags.
// A bad value is an error naming the key; the caller keeps running with the previous config
// (like an agent rollout whose new pods crash-loop while the loaded datapath keeps serving).

import type { DsrDispatch, LBAlgorithm, LBDatapathConfig, LBMode } from '../../datapath/maps/lb.ts';
import {
  DEFAULT_MAGLEV_HASH_SEED,
  DEFAULT_MAGLEV_TABLE_SIZE,
  isMaglevTableSize,
  type MaglevSeeds,
  maglevTableSizeError,
  parseMaglevSeed,
} from './maglev.ts';

export interface LBConfig {
  kubeProxyReplacement: boolean;
  algorithm: LBAlgorithm;
  /** bpf-lb-algorithm-annotation: honour service.cilium.io/lb-algorithm. */
  algorithmAnnotation: boolean;
  maglevTableSize: number;
  maglevHashSeed: string;
  seeds: MaglevSeeds;
  mode: LBMode;
  /** bpf-lb-mode-annotation: honour service.cilium.io/forwarding-mode. */
  modeAnnotation: boolean;
  dsrDispatch: DsrDispatch;
  sessionAffinity: boolean;
  protoDiff: boolean;
  externalClusterIP: boolean;
  sourceRangeAllTypes: boolean;
  noBackendResponse: 'reject' | 'drop';
  /** Socket-LB in effect: bpf-lb-sock, forced on by kube-proxy-replacement. */
  socketLB: boolean;
  socketLBHostnsOnly: boolean;
  nodePortMin: number;
  nodePortMax: number;
  enableIPv4: boolean;
  enableIPv6: boolean;
  enableHostPort: boolean;
  enableExternalIPs: boolean;
  tunnelProtocol: 'vxlan' | 'geneve';
  routingMode: 'native' | 'tunnel';
}

export interface ConfigError {
  key: string;
  message: string;
}

const DEFAULTS: Record<string, string> = {
  'kube-proxy-replacement': 'true',
  'bpf-lb-algorithm': 'random',
  'bpf-lb-algorithm-annotation': 'false',
  'bpf-lb-maglev-table-size': String(DEFAULT_MAGLEV_TABLE_SIZE),
  'bpf-lb-maglev-hash-seed': DEFAULT_MAGLEV_HASH_SEED,
  'bpf-lb-mode': 'snat',
  'bpf-lb-mode-annotation': 'false',
  'bpf-lb-dsr-dispatch': 'opt',
  'enable-session-affinity': 'true',
  'bpf-lb-proto-diff': 'true',
  'bpf-lb-external-clusterip': 'false',
  'bpf-lb-source-range-all-types': 'false',
  'service-no-backend-response': 'reject',
  'bpf-lb-sock': 'false',
  'bpf-lb-sock-hostns-only': 'false',
  'node-port-range': '30000,32767',
  'enable-ipv4': 'true',
  'enable-ipv6': 'false',
  'enable-host-port': 'true',
  'enable-external-ips': 'true',
  'tunnel-protocol': 'vxlan',
  'routing-mode': 'tunnel',
};

function oneOf<T extends string>(key: string, value: string, allowed: readonly T[], errors: ConfigError[]): T | undefined {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  errors.push({ key, message: `invalid value for --${key}: "${value}" (must be one of ${allowed.join(', ')})` });
  return undefined;
}

function bool(key: string, value: string, errors: ConfigError[]): boolean {
  // Go strconv.ParseBool
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  errors.push({ key, message: `invalid value for --${key}: "${value}" (not a boolean)` });
  return false;
}

/**
 * Builds the config from cilium-config data (string values, as in the ConfigMap). Unknown keys
 * are ignored: they belong to other subsystems.
 */
export function parseLBConfig(data: Readonly<Record<string, string>> = {}): { config: LBConfig } | { errors: ConfigError[] } {
  const v = (k: string) => data[k] ?? DEFAULTS[k]!;
  const errors: ConfigError[] = [];

  const kpr = v('kube-proxy-replacement');
  // 1.18 accepts true/false (the old strict/partial/disabled values were removed in 1.16).
  const kubeProxyReplacement = bool('kube-proxy-replacement', kpr, errors);

  const algorithm = oneOf<LBAlgorithm>('bpf-lb-algorithm', v('bpf-lb-algorithm'), ['random', 'maglev'], errors);
  const sizeText = v('bpf-lb-maglev-table-size');
  const size = /^[0-9]+$/.test(sizeText) ? Number(sizeText) : Number.NaN;
  if (!isMaglevTableSize(size)) errors.push({ key: 'bpf-lb-maglev-table-size', message: maglevTableSizeError(sizeText) });
  const seedText = v('bpf-lb-maglev-hash-seed');
  const seeds = parseMaglevSeed(seedText);
  if ('error' in seeds) errors.push({ key: 'bpf-lb-maglev-hash-seed', message: seeds.error });

  const mode = oneOf<LBMode>('bpf-lb-mode', v('bpf-lb-mode'), ['snat', 'dsr', 'hybrid'], errors);
  const dsrDispatch = oneOf<DsrDispatch>('bpf-lb-dsr-dispatch', v('bpf-lb-dsr-dispatch'), ['opt', 'ipip', 'geneve'], errors);
  const noBackend = oneOf<'reject' | 'drop'>('service-no-backend-response', v('service-no-backend-response'), ['reject', 'drop'], errors);
  const tunnelProtocol = oneOf<'vxlan' | 'geneve'>('tunnel-protocol', v('tunnel-protocol'), ['vxlan', 'geneve'], errors);
  const routingMode = oneOf<'native' | 'tunnel'>('routing-mode', v('routing-mode'), ['native', 'tunnel'], errors);

  const range = /^([0-9]+)[,-]([0-9]+)$/.exec(v('node-port-range'));
  let nodePortMin = 30000;
  let nodePortMax = 32767;
  if (!range || Number(range[1]) > Number(range[2]) || Number(range[2]) > 65535 || Number(range[1]) < 1) {
    errors.push({ key: 'node-port-range', message: `Unable to parse min/max port value for --node-port-range: "${v('node-port-range')}"` });
  } else {
    nodePortMin = Number(range[1]);
    nodePortMax = Number(range[2]);
  }

  // cilium option.Config validation: DSR with Geneve dispatch needs the Geneve tunnel protocol.
  if ((mode === 'dsr' || mode === 'hybrid') && dsrDispatch === 'geneve' && tunnelProtocol !== 'geneve') {
    errors.push({ key: 'bpf-lb-dsr-dispatch', message: 'DSR dispatch mode geneve only supported with tunnel-protocol=geneve' });
  }
  if ((mode === 'dsr' || mode === 'hybrid') && dsrDispatch === 'opt' && routingMode === 'tunnel') {
    errors.push({ key: 'bpf-lb-mode', message: 'DSR dispatch mode opt requires routing-mode=native' });
  }

  const config = {
    kubeProxyReplacement,
    algorithm: algorithm ?? 'random',
    algorithmAnnotation: bool('bpf-lb-algorithm-annotation', v('bpf-lb-algorithm-annotation'), errors),
    maglevTableSize: size,
    maglevHashSeed: seedText,
    seeds: 'error' in seeds ? { murmur: 0, jhash4: 0, jhash6: 0 } : seeds,
    mode: mode ?? 'snat',
    modeAnnotation: bool('bpf-lb-mode-annotation', v('bpf-lb-mode-annotation'), errors),
    dsrDispatch: dsrDispatch ?? 'opt',
    sessionAffinity: bool('enable-session-affinity', v('enable-session-affinity'), errors),
    protoDiff: bool('bpf-lb-proto-diff', v('bpf-lb-proto-diff'), errors),
    externalClusterIP: bool('bpf-lb-external-clusterip', v('bpf-lb-external-clusterip'), errors),
    sourceRangeAllTypes: bool('bpf-lb-source-range-all-types', v('bpf-lb-source-range-all-types'), errors),
    noBackendResponse: noBackend ?? 'reject',
    // cilium initKubeProxyReplacementOptions: kube-proxy replacement turns socket-LB on.
    socketLB: bool('bpf-lb-sock', v('bpf-lb-sock'), errors) || kubeProxyReplacement,
    socketLBHostnsOnly: bool('bpf-lb-sock-hostns-only', v('bpf-lb-sock-hostns-only'), errors),
    nodePortMin,
    nodePortMax,
    enableIPv4: bool('enable-ipv4', v('enable-ipv4'), errors),
    enableIPv6: bool('enable-ipv6', v('enable-ipv6'), errors),
    enableHostPort: bool('enable-host-port', v('enable-host-port'), errors),
    enableExternalIPs: bool('enable-external-ips', v('enable-external-ips'), errors),
    tunnelProtocol: tunnelProtocol ?? 'vxlan',
    routingMode: routingMode ?? 'tunnel',
  } satisfies LBConfig;
  return errors.length > 0 ? { errors } : { config };
}

/** The defaults, for tests and for callers without a ConfigMap. */
export function defaultLBConfig(overrides: Readonly<Record<string, string>> = {}): LBConfig {
  const r = parseLBConfig(overrides);
  if ('errors' in r) throw new Error(r.errors.map((e) => e.message).join('; '));
  return r.config;
}

/** The subset the BPF programs see (node_config.h). */
export function datapathConfig(c: LBConfig): LBDatapathConfig {
  return {
    algorithm: c.algorithm,
    hashSeed4: c.seeds.jhash4,
    hashSeed6: c.seeds.jhash6,
    dsrDispatch: c.dsrDispatch,
    sessionAffinity: c.sessionAffinity,
    socketLB: c.socketLB,
    socketLBHostnsOnly: c.socketLBHostnsOnly,
    noBackendResponse: c.noBackendResponse,
    nodePortMin: c.nodePortMin,
    nodePortMax: c.nodePortMax,
  };
}
