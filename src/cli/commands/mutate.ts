// kubectl verbs that change objects by name: delete, patch, label, annotate, scale,
// rollout restart, cordon, uncordon, drain.

import { ApiError, type KObject, type ResourceType } from '../../api/client.ts';
import { type CliContext, CliError, namespaceFor, resolveType, typePrefix } from '../context.ts';

/** `pod/curl-pod` or `pod curl-pod` → type and names. */
export function typeAndNames(args: string[]): { type: ResourceType; names: string[] }[] {
  if (args.length === 0) throw new CliError('you must specify the type of resource');
  if (args[0]!.includes('/')) {
    return args.map((a) => {
      const slash = a.indexOf('/');
      return { type: resolveType(a.slice(0, slash)), names: [a.slice(slash + 1)] };
    });
  }
  return [{ type: resolveType(args[0]!), names: args.slice(1) }];
}

function report(ctx: CliContext, err: unknown): boolean {
  if (err instanceof ApiError) {
    ctx.stderr(`Error from server (${err.reason}): ${err.message}\n`);
    return true;
  }
  throw err;
}

export async function runDelete(ctx: CliContext, args: string[], opts: { namespace?: string; selector?: string; all?: boolean; gracePeriod?: string; force?: boolean }): Promise<number> {
  const client = ctx.client();
  let failed = false;
  const grace = opts.force && opts.gracePeriod === undefined ? 0 : opts.gracePeriod !== undefined ? Number(opts.gracePeriod) : undefined;
  for (const { type, names } of typeAndNames(args)) {
    const ns = namespaceFor(type, opts.namespace);
    let targets = names;
    if (targets.length === 0) {
      if (!opts.selector && !opts.all) throw new CliError('resource(s) were provided, but no name was specified');
      targets = (await client.list(type, { namespace: ns, labelSelector: opts.selector })).map((o) => o.metadata.name!);
      if (targets.length === 0) {
        ctx.stderr(type.namespaced ? `No resources found in ${ns} namespace.\n` : 'No resources found\n');
        continue;
      }
    }
    for (const name of targets) {
      try {
        await client.delete(type, ns, name, grace !== undefined ? { gracePeriodSeconds: grace } : {});
        ctx.stdout(`${typePrefix(type)} "${name}" deleted\n`);
      } catch (err) {
        failed = report(ctx, err);
      }
    }
  }
  return failed ? 1 : 0;
}

export async function runPatch(ctx: CliContext, args: string[], opts: { namespace?: string; patch?: string; type?: string; subresource?: string }): Promise<number> {
  if (!opts.patch) throw new CliError('must specify -p to patch');
  let body: unknown;
  try {
    body = JSON.parse(opts.patch);
  } catch {
    throw new CliError(`unable to parse "${opts.patch}": invalid JSON patch`);
  }
  const kind = (opts.type ?? 'strategic') as 'merge' | 'json' | 'strategic';
  if (!['merge', 'json', 'strategic'].includes(kind)) throw new CliError(`--type must be one of [json merge strategic], not "${opts.type}"`);
  const client = ctx.client();
  let failed = false;
  for (const { type, names } of typeAndNames(args)) {
    for (const name of names) {
      const ns = namespaceFor(type, opts.namespace);
      try {
        const before = await client.get(type, ns, name);
        const after = await client.patch(type, ns, name, kind, body, opts.subresource === 'status' ? 'status' : undefined);
        const same = before.metadata.resourceVersion === after.metadata.resourceVersion;
        ctx.stdout(`${typePrefix(type)}/${name} ${same ? 'patched (no change)' : 'patched'}\n`);
      } catch (err) {
        failed = report(ctx, err);
      }
    }
  }
  return failed ? 1 : 0;
}

/** `key=value`, `key-` (remove) arguments of label/annotate. */
export function parseKeyValues(items: string[], what: 'label' | 'annotation'): { set: Record<string, string>; remove: string[] } {
  const set: Record<string, string> = {};
  const remove: string[] = [];
  for (const item of items) {
    if (item.endsWith('-') && !item.includes('=')) remove.push(item.slice(0, -1));
    else if (item.includes('=')) set[item.slice(0, item.indexOf('='))] = item.slice(item.indexOf('=') + 1);
    else throw new CliError(`invalid ${what} spec: ${item}`);
  }
  return { set, remove };
}

export async function runLabel(ctx: CliContext, field: 'labels' | 'annotations', args: string[], opts: { namespace?: string; overwrite?: boolean; selector?: string; all?: boolean }): Promise<number> {
  const what = field === 'labels' ? 'label' : 'annotation';
  // kubectl: the first argument with `=` (or ending in `-`) starts the label changes
  const split = args.findIndex((a, i) => i > 0 && (a.includes('=') || a.endsWith('-')));
  const objArgs = split < 0 ? args : args.slice(0, split);
  const kv = parseKeyValues(split < 0 ? [] : args.slice(split), what);
  if (Object.keys(kv.set).length === 0 && kv.remove.length === 0) throw new CliError(`at least one ${what} update is required`);
  const client = ctx.client();
  let failed = false;
  for (const { type, names } of typeAndNames(objArgs)) {
    const ns = namespaceFor(type, opts.namespace);
    const targets = names.length ? names : (await client.list(type, { namespace: ns, labelSelector: opts.selector })).map((o) => o.metadata.name!);
    for (const name of targets) {
      try {
        const obj = await client.get(type, ns, name);
        const current = (obj.metadata[field] ?? {}) as Record<string, string>;
        for (const [k, v] of Object.entries(kv.set)) {
          if (k in current && current[k] !== v && !opts.overwrite) {
            throw new CliError(`'${k}' already has a value (${current[k]}), and --overwrite is false`);
          }
        }
        const patch: Record<string, string | null> = { ...kv.set };
        for (const k of kv.remove) patch[k] = null;
        const changed = Object.entries(kv.set).some(([k, v]) => current[k] !== v) || kv.remove.some((k) => k in current);
        if (changed) await client.patch(type, ns, name, 'merge', { metadata: { [field]: patch } });
        ctx.stdout(`${typePrefix(type)}/${name} ${changed ? (field === 'labels' ? 'labeled' : 'annotated') : `not ${field === 'labels' ? 'labeled' : 'annotated'}`}\n`);
      } catch (err) {
        if (err instanceof CliError) throw err;
        failed = report(ctx, err);
      }
    }
  }
  return failed ? 1 : 0;
}

export async function runScale(ctx: CliContext, args: string[], opts: { namespace?: string; replicas?: string }): Promise<number> {
  if (opts.replicas === undefined || !/^\d+$/.test(opts.replicas)) throw new CliError('The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0');
  const client = ctx.client();
  for (const { type, names } of typeAndNames(args)) {
    if (!['Deployment', 'ReplicaSet', 'StatefulSet'].includes(type.kind)) throw new CliError(`cannot scale ${type.plural}`);
    for (const name of names) {
      try {
        await client.patch(type, namespaceFor(type, opts.namespace), name, 'merge', { spec: { replicas: Number(opts.replicas) } });
        ctx.stdout(`${typePrefix(type)}/${name} scaled\n`);
      } catch (err) {
        report(ctx, err);
        return 1;
      }
    }
  }
  return 0;
}

export async function runRolloutRestart(ctx: CliContext, args: string[], opts: { namespace?: string }): Promise<number> {
  const client = ctx.client();
  const stamp = new Date(ctx.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  for (const { type, names } of typeAndNames(args)) {
    if (!['Deployment', 'DaemonSet', 'StatefulSet'].includes(type.kind)) throw new CliError(`restarting is not supported for ${type.plural}`);
    for (const name of names) {
      try {
        await client.patch(type, namespaceFor(type, opts.namespace), name, 'merge', {
          spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': stamp } } } },
        });
        ctx.stdout(`${typePrefix(type)}/${name} restarted\n`);
      } catch (err) {
        report(ctx, err);
        return 1;
      }
    }
  }
  return 0;
}

async function setUnschedulable(ctx: CliContext, node: string, value: boolean): Promise<boolean> {
  const client = ctx.client();
  const t = resolveType('node');
  const obj = await client.get(t, undefined, node);
  if (Boolean(obj.spec && (obj.spec as { unschedulable?: boolean }).unschedulable) === value) return false;
  await client.patch(t, undefined, node, 'merge', { spec: { unschedulable: value ? true : null } });
  return true;
}

export async function runCordon(ctx: CliContext, nodes: string[], value: boolean): Promise<number> {
  try {
    for (const n of nodes) {
      const changed = await setUnschedulable(ctx, n, value);
      ctx.stdout(`node/${n} ${changed ? (value ? 'cordoned' : 'uncordoned') : 'already ' + (value ? 'cordoned' : 'uncordoned')}\n`);
    }
    return 0;
  } catch (err) {
    report(ctx, err);
    return 1;
  }
}

export async function runDrain(ctx: CliContext, node: string, opts: { ignoreDaemonsets?: boolean; deleteEmptydirData?: boolean; force?: boolean }): Promise<number> {
  const client = ctx.client();
  try {
    const changed = await setUnschedulable(ctx, node, true);
    ctx.stdout(`node/${node} ${changed ? 'cordoned' : 'already cordoned'}\n`);
    const pods = await client.list(resolveType('pod'), { fieldSelector: `spec.nodeName=${node}` });
    const isDs = (p: KObject) => p.metadata.ownerReferences?.some((r) => r.controller && r.kind === 'DaemonSet') ?? false;
    const unmanaged = pods.filter((p) => !p.metadata.ownerReferences?.some((r) => r.controller));
    const ds = pods.filter(isDs);
    if (ds.length && !opts.ignoreDaemonsets) {
      ctx.stderr(`error: unable to drain node "${node}" due to error: cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): ${ds.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).join(', ')}, continuing command...\n`);
      ctx.stderr(`There are pending nodes to be drained:\n ${node}\ncannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): ${ds.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).join(', ')}\n`);
      return 1;
    }
    if (unmanaged.length && !opts.force) {
      ctx.stderr(`error: unable to drain node "${node}" due to error: cannot delete Pods declare no controller (use --force to override): ${unmanaged.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).join(', ')}, continuing command...\n`);
      ctx.stderr(`There are pending nodes to be drained:\n ${node}\ncannot delete Pods declare no controller (use --force to override): ${unmanaged.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).join(', ')}\n`);
      return 1;
    }
    if (ds.length) ctx.stderr(`Warning: ignoring DaemonSet-managed Pods: ${ds.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).join(', ')}\n`);
    if (unmanaged.length) ctx.stderr(`Warning: deleting Pods that declare no controller: ${unmanaged.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).join(', ')}\n`);
    const evict = pods.filter((p) => !isDs(p));
    for (const p of evict) ctx.stdout(`evicting pod ${p.metadata.namespace}/${p.metadata.name}\n`);
    for (const p of evict) {
      await client.delete(resolveType('pod'), p.metadata.namespace, p.metadata.name!);
      ctx.stdout(`pod/${p.metadata.name} evicted\n`);
    }
    ctx.stdout(`node/${node} drained\n`);
    return 0;
  } catch (err) {
    report(ctx, err);
    return 1;
  }
}
