// `cilia exec TARGET -- CMD...`: runs a command inside a pod (kubectl exec) or, as a cilia
// extension, inside a node, router or external host of the lab.

import { ApiError, type KObject } from '../../api/client.ts';
import { type CliContext, CliError, resolveType } from '../context.ts';

/** Finds the pod kubectl would exec into for `ds/cilium`, `deploy/x`, `pod/x` or a bare pod name; else a host. */
export async function resolveExecTarget(ctx: CliContext, ref: string, namespace: string | undefined): Promise<string> {
  const client = ctx.client();
  const ns = namespace ?? 'default';
  if (ref.includes('/')) {
    const [typeName, name] = [ref.slice(0, ref.indexOf('/')), ref.slice(ref.indexOf('/') + 1)];
    const type = resolveType(typeName);
    if (type.kind === 'Pod') return `pod/${ns}/${name}`;
    if (type.kind === 'Node') return `host/${name}`;
    const owner = await client.get(type, ns, name);
    const sel = (owner.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector?.matchLabels;
    if (!sel) throw new CliError(`cannot exec into ${ref}: it selects no pods`);
    const pods = await client.list(resolveType('pod'), { namespace: ns, labelSelector: Object.entries(sel).map(([k, v]) => `${k}=${v}`).join(',') });
    const running = pods.filter((p: KObject) => (p.status as { phase?: string } | undefined)?.phase === 'Running').sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
    if (running.length === 0) throw new CliError(`cannot exec into ${ref}: no running pod`);
    return `pod/${ns}/${running[0]!.metadata.name}`;
  }
  try {
    await client.get(resolveType('pod'), ns, ref);
    return `pod/${ns}/${ref}`;
  } catch (err) {
    if (!(err instanceof ApiError) || err.reason !== 'NotFound') throw err;
    if (namespace !== undefined) throw new CliError(`pods "${ref}" not found`);
    return `host/${ref}`;
  }
}

export async function runExec(ctx: CliContext, ref: string, command: string[], opts: { namespace?: string; timeout?: string; stdin?: boolean }): Promise<number> {
  const argv = command[0] === '--' ? command.slice(1) : command; // kubectl's separator
  if (argv.length === 0) throw new CliError('you must specify at least one command for the container');
  const target = await resolveExecTarget(ctx, ref, opts.namespace);
  const timeoutMs = opts.timeout ? parseTimeout(opts.timeout) : undefined;
  const stdin = opts.stdin ? await ctx.readStdin() : undefined;
  return ctx.client().exec(target, argv, {
    stdout: (t) => ctx.stdout(t),
    stderr: (t) => ctx.stderr(t),
    signal: ctx.signal,
    stdin,
    timeoutMs,
  });
}

function parseTimeout(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text);
  if (!m) throw new CliError(`invalid --timeout "${text}": use a duration like 10s`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
}
