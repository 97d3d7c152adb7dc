// `cilia apply|create|delete -f`: manifests from files, directories or stdin. Every document is
// parsed and checked before anything is sent; a multi-document apply is all or nothing.

import { ApiError, type KObject, resolveResourceName } from '../../api/client.ts';
import { loadManifests } from '../../api/manifests.ts';
import { type CliContext, CliError, namespaceFor, typePrefix } from '../context.ts';

async function load(ctx: CliContext, paths: string[], namespace: string | undefined): Promise<KObject[]> {
  const { objects, errors } = await loadManifests(paths, () => ctx.readStdin(), namespace);
  if (errors.length > 0) throw new CliError(errors.join('\nerror: '));
  if (objects.length === 0) throw new CliError('no objects passed to apply');
  return objects;
}

export async function runApply(ctx: CliContext, paths: string[], opts: { namespace?: string; dryRun?: string }): Promise<number> {
  const objects = await load(ctx, paths, opts.namespace);
  const dry = opts.dryRun && opts.dryRun !== 'none' ? opts.dryRun : undefined;
  if (dry && dry !== 'client' && dry !== 'server') throw new CliError(`Invalid dry-run value (${dry}). Must be "none", "server", or "client".`);
  const { results } = await ctx.client().apply(objects, dry !== undefined);
  const suffix = dry === 'client' ? ' (dry run)' : dry === 'server' ? ' (server dry run)' : '';
  for (const r of results) ctx.stdout(`${r.ref} ${r.action}${suffix}\n`);
  return 0;
}

export async function runCreate(ctx: CliContext, paths: string[], opts: { namespace?: string }): Promise<number> {
  const objects = await load(ctx, paths, opts.namespace);
  const client = ctx.client();
  let failed = false;
  for (const obj of objects) {
    const type = resolveResourceName(obj.kind)!;
    try {
      const created = await client.create(type, obj);
      ctx.stdout(`${typePrefix(type)}/${created.metadata.name} created\n`);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      ctx.stderr(`Error from server (${err.reason}): ${err.message}\n`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

export async function runDeleteFiles(ctx: CliContext, paths: string[], opts: { namespace?: string }): Promise<number> {
  const objects = await load(ctx, paths, opts.namespace);
  const client = ctx.client();
  let failed = false;
  for (const obj of objects) {
    const type = resolveResourceName(obj.kind)!;
    try {
      await client.delete(type, namespaceFor(type, obj.metadata.namespace ?? opts.namespace), obj.metadata.name!);
      ctx.stdout(`${typePrefix(type)} "${obj.metadata.name}" deleted\n`);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      ctx.stderr(`Error from server (${err.reason}): ${err.message}\n`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}
