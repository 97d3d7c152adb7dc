// `cilia status` (cilium-cli's `cilium status` summary box) and `cilia config view|set`
// (`cilium config view|set`).

import { createHash } from 'node:crypto';
import { configKeyFor } from '../../api/client.ts';
import { type CliContext, CliError, resolveType } from '../context.ts';

type Any = Record<string, any>; // parsed JSON objects

const LOGO = ['    /¯¯\\', ' /¯¯\\__/¯¯\\', ' \\__/¯¯\\__/', ' /¯¯\\__/¯¯\\', ' \\__/¯¯\\__/', '    \\__/'];

function digest(image: string): string {
  return createHash('sha256').update(image).digest('hex');
}

export async function runCiliumStatus(ctx: CliContext, opts: { verbose?: boolean; node?: string } = {}): Promise<number> {
  const c = ctx.client();
  const get = async (type: string, name: string) => (await c.list(resolveType(type), { namespace: 'kube-system', fieldSelector: `metadata.name=${name}` }))[0] as Any | undefined;
  const agent = await get('daemonset', 'cilium');
  const envoy = await get('daemonset', 'cilium-envoy');
  const operator = await get('deployment', 'cilium-operator');
  const cm = (await get('configmap', 'cilium-config'))?.data ?? {};
  const allPods = (await c.list(resolveType('pod'))) as Any[];
  const endpoints = await c.list(resolveType('ciliumendpoint'));
  const dsOk = (d: Any | undefined) => d && d.status?.numberReady === d.status?.desiredNumberScheduled;
  const state = (ok: boolean | undefined, present: boolean) => (!present ? 'disabled' : ok ? 'OK' : '1 errors');
  const summary = [
    ['Cilium:', state(dsOk(agent), !!agent)],
    ['Operator:', state(operator && (operator.status?.availableReplicas ?? 0) >= (operator.spec?.replicas ?? 1), !!operator)],
    ['Envoy DaemonSet:', state(dsOk(envoy), !!envoy)],
    ['Hubble Relay:', 'disabled'],
    ['ClusterMesh:', cm['cluster-id'] && cm['cluster-id'] !== '0' ? 'OK' : 'disabled'],
  ];
  const lines = LOGO.map((l, i) => (summary[i] ? `${l.padEnd(15)}${summary[i]![0]!.padEnd(20)}${summary[i]![1]}` : l));
  ctx.stdout(`${lines.join('\n')}\n\n`);

  const rows: string[][] = [];
  const ds = (d: Any | undefined, name: string) => {
    if (!d) return;
    const s = d.status ?? {};
    rows.push(['DaemonSet', name, `Desired: ${s.desiredNumberScheduled ?? 0}, Ready: ${s.numberReady ?? 0}/${s.desiredNumberScheduled ?? 0}, Available: ${s.numberAvailable ?? 0}/${s.desiredNumberScheduled ?? 0}`]);
  };
  ds(agent, 'cilium');
  ds(envoy, 'cilium-envoy');
  if (operator) {
    const s = operator.status ?? {};
    const want = operator.spec?.replicas ?? 1;
    rows.push(['Deployment', 'cilium-operator', `Desired: ${want}, Ready: ${s.readyReplicas ?? 0}/${want}, Available: ${s.availableReplicas ?? 0}/${want}`]);
  }
  const running = (app: string) => allPods.filter((p) => p.metadata.namespace === 'kube-system' && (p.metadata.labels?.['k8s-app'] === app || p.metadata.labels?.name === app) && p.status?.phase === 'Running').length;
  rows.push(['Containers:', 'cilium', `Running: ${running('cilium')}`]);
  rows.push(['', 'cilium-envoy', `Running: ${running('cilium-envoy')}`]);
  rows.push(['', 'cilium-operator', `Running: ${running('cilium-operator')}`]);
  rows.push(['', 'clustermesh-apiserver', '']);
  rows.push(['', 'hubble-relay', '']);
  const managed = allPods.filter((p) => !p.spec?.hostNetwork && p.status?.phase === 'Running');
  rows.push(['Cluster Pods:', `${Math.min(endpoints.length, managed.length)}/${managed.length} managed by Cilium`]);
  const image = (d: Any | undefined) => d?.spec?.template?.spec?.containers?.[0]?.image as string | undefined;
  const version = image(agent)?.split(':v')[1] ?? '';
  rows.push(['Helm chart version:', version]);
  const images: [string, string | undefined, number][] = [
    ['cilium', image(agent), running('cilium')],
    ['cilium-envoy', image(envoy), running('cilium-envoy')],
    ['cilium-operator', image(operator), running('cilium-operator')],
  ];
  const shown = images.filter(([, img]) => img);
  // cilium-cli pads the label column to 23 characters and the name column to 25 (19 for images)
  const head = rows.map(([a, b, c]) => (c === undefined ? `${a!.padEnd(23)}${b}` : `${a!.padEnd(23)}${b!.padEnd(25)}${c}`));
  const imageLines = shown.map(([name, img, n], i) => `${(i === 0 ? 'Image versions' : '').padEnd(23)}${name.padEnd(19)}${img}@sha256:${digest(img!)}: ${n}`);
  ctx.stdout(`${[...head, ...imageLines].join('\n')}\n`);
  if (opts.verbose) ctx.stdout(`\n${await c.debug<string>('lb/kpr-details', opts.node ? { node: opts.node } : {})}`);
  return 0;
}

export async function runConfigView(ctx: CliContext): Promise<number> {
  const cm = (await ctx.client().get(resolveType('configmap'), 'kube-system', 'cilium-config')) as Any;
  const data: Record<string, string> = cm.data ?? {};
  ctx.stdout(
    `${Object.keys(data)
      .sort()
      .map((k) => `${k.padEnd(50)}${data[k]}`)
      .join('\n')}\n`,
  );
  return 0;
}

export async function runConfigSet(ctx: CliContext, pairs: string[], opts: { restart?: boolean }): Promise<number> {
  if (pairs.length === 0) throw new CliError('usage: cilia config set KEY=VALUE [KEY=VALUE...]');
  const data: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new CliError(`invalid setting "${p}": use KEY=VALUE`);
    const key = configKeyFor(p.slice(0, eq));
    if (!key) throw new CliError(`unknown configuration key "${p.slice(0, eq)}"`);
    data[key] = p.slice(eq + 1);
  }
  const c = ctx.client();
  ctx.stdout(`✨ Patching ConfigMap cilium-config with ${Object.entries(data).map(([k, v]) => `${k}=${v}`).join(',')}...\n`);
  await c.patch(resolveType('configmap'), 'kube-system', 'cilium-config', 'merge', { data });
  if (opts.restart !== false) {
    const stamp = new Date(ctx.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const patch = { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': stamp } } } } };
    await c.patch(resolveType('daemonset'), 'kube-system', 'cilium', 'merge', patch);
    ctx.stdout('♻️  Restarted Cilium pods\n');
  }
  return 0;
}
