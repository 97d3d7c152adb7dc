// `cilia describe` in kubectl's layout (pkg/describe): `Label:\tvalue` lines through a tabwriter
// with padding 2, nested levels indented by two spaces; dedicated describers for Service, Pod,
// Node, Deployment, Lease and Ingress, and kubectl's generic describer for everything else.

import { ApiError, type KObject } from '../../api/client.ts';
import { humanDuration } from '../format/age.ts';
import { tabwrite } from '../../text/tabwriter.ts';
import { type CliContext, namespaceFor } from '../context.ts';
import { typeAndNames } from './mutate.ts';

type Any = Record<string, any>; // parsed JSON objects

class Out {
  readonly lines: string[] = [];
  line(level: number, ...cells: string[]): void {
    this.lines.push('  '.repeat(level) + cells.join('\t'));
  }
  toString(): string {
    return `${tabwrite(this.lines, { minWidth: 0, padding: 2 })}\n`;
  }
}

function mapLines(out: Out, label: string, m: Record<string, string> | undefined, level = 0): void {
  const keys = Object.keys(m ?? {}).sort();
  if (keys.length === 0) {
    out.line(level, `${label}:`, '<none>');
    return;
  }
  keys.forEach((k, i) => {
    const v = m![k]!;
    const shown = v.length > 80 && label === 'Annotations' ? `${v.slice(0, 77)}...` : v;
    out.line(level, i === 0 ? `${label}:` : '', `${k}=${shown}`.replace(/\n$/, ''));
  });
}

function selector(sel: Record<string, string> | undefined): string {
  const keys = Object.keys(sel ?? {}).sort();
  return keys.length ? keys.map((k) => `${k}=${sel![k]}`).join(',') : '<none>';
}

function describeService(s: Any, slices: Any[]): string {
  const o = new Out();
  o.line(0, 'Name:', s.metadata.name);
  o.line(0, 'Namespace:', s.metadata.namespace);
  mapLines(o, 'Labels', s.metadata.labels);
  mapLines(o, 'Annotations', s.metadata.annotations);
  o.line(0, 'Selector:', selector(s.spec?.selector));
  o.line(0, 'Type:', s.spec?.type ?? 'ClusterIP');
  if (s.spec?.ipFamilyPolicy) o.line(0, 'IP Family Policy:', s.spec.ipFamilyPolicy);
  if (s.spec?.ipFamilies) o.line(0, 'IP Families:', s.spec.ipFamilies.join(','));
  if (s.spec?.clusterIP) o.line(0, 'IP:', s.spec.clusterIP);
  if (s.spec?.clusterIPs) o.line(0, 'IPs:', s.spec.clusterIPs.join(','));
  if (s.spec?.externalIPs?.length) o.line(0, 'External IPs:', s.spec.externalIPs.join(','));
  if (s.spec?.loadBalancerIP) o.line(0, 'IP:', s.spec.loadBalancerIP);
  const ingress = ((s.status?.loadBalancer?.ingress ?? []) as Any[]).map((i) => `${i.ip ?? i.hostname}${i.ipMode ? ` (${i.ipMode})` : ''}`);
  if (ingress.length) o.line(0, 'LoadBalancer Ingress:', ingress.join(', '));
  for (const p of (s.spec?.ports ?? []) as Any[]) {
    const proto = p.protocol ?? 'TCP';
    o.line(0, 'Port:', p.name || '<unset>', `${p.port}/${proto}`);
    o.line(0, 'TargetPort:', `${p.targetPort ?? p.port}/${proto}`);
    if (p.nodePort) o.line(0, 'NodePort:', p.name || '<unset>', `${p.nodePort}/${proto}`);
    const eps: string[] = [];
    for (const sl of slices) {
      const port = ((sl.ports ?? []) as Any[]).find((q) => (q.name ?? '') === (p.name ?? '') && (q.protocol ?? 'TCP') === proto);
      if (!port) continue;
      for (const e of (sl.endpoints ?? []) as Any[]) if (e.conditions?.ready !== false) for (const a of e.addresses ?? []) eps.push(`${a}:${port.port}`);
    }
    o.line(0, 'Endpoints:', eps.join(','));
  }
  o.line(0, 'Session Affinity:', s.spec?.sessionAffinity ?? 'None');
  if (s.spec?.type === 'NodePort' || s.spec?.type === 'LoadBalancer') o.line(0, 'External Traffic Policy:', s.spec?.externalTrafficPolicy ?? 'Cluster');
  if (s.spec?.internalTrafficPolicy) o.line(0, 'Internal Traffic Policy:', s.spec.internalTrafficPolicy);
  if (s.spec?.healthCheckNodePort) o.line(0, 'HealthCheck NodePort:', String(s.spec.healthCheckNodePort));
  o.line(0, 'Events:', '<none>');
  return o.toString();
}

function describePod(p: Any, now: number): string {
  const o = new Out();
  o.line(0, 'Name:', p.metadata.name);
  o.line(0, 'Namespace:', p.metadata.namespace);
  o.line(0, 'Priority:', String(p.spec?.priority ?? 0));
  o.line(0, 'Service Account:', p.spec?.serviceAccountName ?? 'default');
  o.line(0, 'Node:', p.spec?.nodeName ? `${p.spec.nodeName}/${p.status?.hostIP ?? ''}` : '<none>');
  if (p.status?.startTime) o.line(0, 'Start Time:', new Date(p.status.startTime).toUTCString().replace('GMT', '+0000'));
  mapLines(o, 'Labels', p.metadata.labels);
  mapLines(o, 'Annotations', p.metadata.annotations);
  if (p.metadata.deletionTimestamp) {
    o.line(0, 'Status:', `Terminating (lasts ${humanDuration(now - Date.parse(p.metadata.deletionTimestamp))})`);
    o.line(0, 'Termination Grace Period:', `${p.metadata.deletionGracePeriodSeconds ?? 30}s`);
  } else o.line(0, 'Status:', p.status?.phase ?? 'Pending');
  o.line(0, 'IP:', p.status?.podIP ?? '');
  o.line(0, 'IPs:', p.status?.podIPs?.length ? '' : '<none>');
  for (const ip of (p.status?.podIPs ?? []) as Any[]) o.line(1, 'IP:', ip.ip);
  const owner = ((p.metadata.ownerReferences ?? []) as Any[]).find((r) => r.controller);
  o.line(0, 'Controlled By:', owner ? `${owner.kind}/${owner.name}` : '<none>');
  o.line(0, 'Containers:');
  for (const c of (p.spec?.containers ?? []) as Any[]) {
    const st = ((p.status?.containerStatuses ?? []) as Any[]).find((x) => x.name === c.name);
    o.line(1, `${c.name}:`);
    o.line(2, 'Container ID:', st?.containerID ?? '');
    o.line(2, 'Image:', c.image);
    o.line(2, 'Image ID:', st?.imageID ?? '');
    const ports = ((c.ports ?? []) as Any[]).map((q) => `${q.containerPort}/${q.protocol ?? 'TCP'}`);
    o.line(2, 'Port:', ports.length ? ports.join(', ') : '<none>');
    o.line(2, 'Host Port:', ports.length ? ((c.ports ?? []) as Any[]).map((q) => `${q.hostPort ?? 0}/${q.protocol ?? 'TCP'}`).join(', ') : '<none>');
    if (c.command) {
      o.line(2, 'Command:');
      for (const a of c.command) o.line(3, a);
    }
    if (c.args) {
      o.line(2, 'Args:');
      for (const a of c.args) o.line(3, a);
    }
    o.line(2, 'State:', st?.state?.running ? 'Running' : st?.state?.terminated ? 'Terminated' : 'Waiting');
    if (st?.state?.running) o.line(3, 'Started:', new Date(st.state.running.startedAt).toUTCString().replace('GMT', '+0000'));
    o.line(2, 'Ready:', st?.ready ? 'True' : 'False');
    o.line(2, 'Restart Count:', String(st?.restartCount ?? 0));
    o.line(2, 'Environment:', '<none>');
  }
  o.line(0, 'Conditions:');
  o.line(1, 'Type', 'Status');
  for (const c of (p.status?.conditions ?? []) as Any[]) o.line(1, c.type, c.status);
  o.line(0, 'QoS Class:', p.status?.qosClass ?? 'BestEffort');
  o.line(0, 'Node-Selectors:', Object.keys(p.spec?.nodeSelector ?? {}).length ? selector(p.spec.nodeSelector) : '<none>');
  o.line(0, 'Tolerations:', ((p.spec?.tolerations ?? []) as Any[]).length ? '' : '<none>');
  o.line(0, 'Events:', '<none>');
  return o.toString();
}

function describeNode(n: Any, pods: Any[], now: number): string {
  const o = new Out();
  const roles = Object.keys(n.metadata.labels ?? {}).filter((k) => k.startsWith('node-role.kubernetes.io/')).map((k) => k.split('/')[1]);
  o.line(0, 'Name:', n.metadata.name);
  o.line(0, 'Roles:', roles.length ? roles.join(',') : '<none>');
  mapLines(o, 'Labels', n.metadata.labels);
  mapLines(o, 'Annotations', n.metadata.annotations);
  o.line(0, 'CreationTimestamp:', new Date(n.metadata.creationTimestamp).toUTCString().replace('GMT', '+0000'));
  const taints = ((n.spec?.taints ?? []) as Any[]).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`);
  o.line(0, 'Taints:', taints.length ? taints.join(', ') : '<none>');
  o.line(0, 'Unschedulable:', n.spec?.unschedulable ? 'true' : 'false');
  o.line(0, 'Conditions:');
  o.line(1, 'Type', 'Status', 'LastHeartbeatTime', 'LastTransitionTime', 'Reason', 'Message');
  o.line(1, '----', '------', '-----------------', '------------------', '------', '-------');
  for (const c of (n.status?.conditions ?? []) as Any[]) {
    const t = (s: string) => new Date(s).toUTCString().replace('GMT', '+0000');
    o.line(1, c.type, c.status, t(c.lastHeartbeatTime), t(c.lastTransitionTime), c.reason ?? '', c.message ?? '');
  }
  o.line(0, 'Addresses:');
  for (const a of (n.status?.addresses ?? []) as Any[]) o.line(1, `${a.type}:`, a.address);
  o.line(0, 'Capacity:');
  for (const [k, v] of Object.entries(n.status?.capacity ?? {})) o.line(1, `${k}:`, String(v));
  o.line(0, 'System Info:');
  const info = n.status?.nodeInfo ?? {};
  for (const [label, key] of [
    ['Machine ID', 'machineID'],
    ['System UUID', 'systemUUID'],
    ['Boot ID', 'bootID'],
    ['Kernel Version', 'kernelVersion'],
    ['OS Image', 'osImage'],
    ['Operating System', 'operatingSystem'],
    ['Architecture', 'architecture'],
    ['Container Runtime Version', 'containerRuntimeVersion'],
    ['Kubelet Version', 'kubeletVersion'],
  ] as const) o.line(1, `${label}:`, info[key] ?? '');
  const running = pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
  o.line(0, 'Non-terminated Pods:', `(${running.length} in total)`);
  o.line(1, 'Namespace', 'Name', 'CPU Requests', 'CPU Limits', 'Memory Requests', 'Memory Limits', 'Age');
  o.line(1, '---------', '----', '------------', '----------', '---------------', '-------------', '---');
  for (const p of running) o.line(1, p.metadata.namespace, p.metadata.name, '0 (0%)', '0 (0%)', '0 (0%)', '0 (0%)', humanDuration(now - Date.parse(p.metadata.creationTimestamp)));
  o.line(0, 'Events:', '<none>');
  return o.toString();
}

function describeLease(l: Any): string {
  const o = new Out();
  o.line(0, 'Name:', l.metadata.name);
  o.line(0, 'Namespace:', l.metadata.namespace);
  mapLines(o, 'Labels', l.metadata.labels);
  mapLines(o, 'Annotations', l.metadata.annotations);
  o.line(0, 'API Version:', l.apiVersion);
  o.line(0, 'Kind:', l.kind);
  o.line(0, 'Metadata:');
  o.line(1, 'Creation Timestamp:', l.metadata.creationTimestamp);
  o.line(1, 'Resource Version:', l.metadata.resourceVersion);
  o.line(1, 'UID:', l.metadata.uid);
  o.line(0, 'Spec:');
  for (const [label, key] of [
    ['Acquire Time', 'acquireTime'],
    ['Holder Identity', 'holderIdentity'],
    ['Lease Duration Seconds', 'leaseDurationSeconds'],
    ['Lease Transitions', 'leaseTransitions'],
    ['Renew Time', 'renewTime'],
  ] as const) if (l.spec?.[key] !== undefined) o.line(1, `${label}:`, String(l.spec[key]));
  o.line(0, 'Events:', '<none>');
  return o.toString();
}

function describeIngress(i: Any, defaultBackend: string): string {
  const o = new Out();
  o.line(0, 'Name:', i.metadata.name);
  mapLines(o, 'Labels', i.metadata.labels);
  o.line(0, 'Namespace:', i.metadata.namespace);
  o.line(0, 'Address:', ((i.status?.loadBalancer?.ingress ?? []) as Any[]).map((x) => x.ip ?? x.hostname).join(','));
  o.line(0, 'Ingress Class:', i.spec?.ingressClassName ?? '<none>');
  o.line(0, 'Default backend:', defaultBackend);
  if (i.spec?.tls?.length) {
    o.line(0, 'TLS:');
    for (const t of i.spec.tls as Any[]) o.line(1, `${t.secretName} terminates ${(t.hosts ?? []).join(',')}`);
  }
  o.line(0, 'Rules:');
  o.line(1, 'Host', 'Path', 'Backends');
  o.line(1, '----', '----', '--------');
  for (const r of (i.spec?.rules ?? []) as Any[]) {
    o.line(1, r.host ?? '*');
    for (const p of (r.http?.paths ?? []) as Any[]) {
      const svc = p.backend?.service;
      o.line(2, '', p.path ?? '/', svc ? `${svc.name}:${svc.port?.number ?? svc.port?.name}` : '<none>');
    }
  }
  mapLines(o, 'Annotations', i.metadata.annotations);
  o.line(0, 'Events:', '<none>');
  return o.toString();
}

/** `localASN` → `Local ASN`, `bgpInstances` → `Bgp Instances` (kubectl's camel-case splitting). */
function title(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[ _-]+/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}

/** kubectl's generic describer: the object as nested `Key:  value` lines, keys sorted, list items at their parent's depth. */
function describeGeneric(obj: Any): string {
  const o = new Out();
  const walk = (v: unknown, level: number): void => {
    if (Array.isArray(v)) {
      for (const item of v) {
        if (item !== null && typeof item === 'object') walk(item, level);
        else o.line(level, String(item));
      }
      return;
    }
    const entries = Object.entries(v as Any).sort(([a], [b]) => a.localeCompare(b));
    for (const [k, x] of entries) {
      if (x !== null && typeof x === 'object') {
        o.line(level, `${title(k)}:`);
        walk(x, level + 1);
      } else o.line(level, `${title(k)}:`, String(x));
    }
  };
  o.line(0, 'Name:', obj.metadata.name);
  o.line(0, 'Namespace:', obj.metadata.namespace ?? '');
  mapLines(o, 'Labels', obj.metadata.labels);
  mapLines(o, 'Annotations', obj.metadata.annotations);
  o.line(0, 'API Version:', obj.apiVersion);
  o.line(0, 'Kind:', obj.kind);
  const { labels: _l, annotations: _a, name: _n, namespace: _ns, ...meta } = obj.metadata as Any;
  o.line(0, 'Metadata:');
  walk(meta, 1);
  const rest: Any = {};
  for (const [k, v] of Object.entries(obj)) if (!['apiVersion', 'kind', 'metadata'].includes(k)) rest[k] = v;
  walk(rest, 0);
  o.line(0, 'Events:', '<none>');
  return o.toString();
}

export async function runDescribe(ctx: CliContext, args: string[], opts: { namespace?: string }): Promise<number> {
  const client = ctx.client();
  const outs: string[] = [];
  let failed = false;
  for (const { type, names } of typeAndNames(args)) {
    const ns = namespaceFor(type, opts.namespace);
    const objs: KObject[] = [];
    if (names.length === 0) objs.push(...(await client.list(type, { namespace: ns })));
    for (const name of names) {
      try {
        objs.push(await client.get(type, ns, name));
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        ctx.stderr(`Error from server (${err.reason}): ${err.message}\n`);
        failed = true;
      }
    }
    for (const obj of objs as Any[]) {
      switch (type.kind) {
        case 'Service': {
          const slices = await client.list(ctx.client().resourceTypes().find((t) => t.kind === 'EndpointSlice')!, { namespace: obj.metadata.namespace, labelSelector: `kubernetes.io/service-name=${obj.metadata.name}` });
          outs.push(describeService(obj, slices));
          break;
        }
        case 'Pod':
          outs.push(describePod(obj, ctx.now()));
          break;
        case 'Node': {
          const pods = await client.list(ctx.client().resourceTypes().find((t) => t.kind === 'Pod')!, { fieldSelector: `spec.nodeName=${obj.metadata.name}` });
          outs.push(describeNode(obj, pods, ctx.now()));
          break;
        }
        case 'Lease':
          outs.push(describeLease(obj));
          break;
        case 'Ingress':
          outs.push(describeIngress(obj, '<default>'));
          break;
        default:
          outs.push(describeGeneric(obj));
      }
    }
  }
  ctx.stdout(outs.join('\n\n'));
  return failed ? 1 : 0;
}
