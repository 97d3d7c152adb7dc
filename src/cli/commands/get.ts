// `cilia get`: kubectl's get with its table layouts, -o wide|yaml|json|name|jsonpath=..., -l,
// --field-selector, -A, -n, --show-labels, several types at once and `type/name` arguments.

import { ApiError, type KObject, RESOURCE_TYPES, type ResourceType, resourcesInCategory } from '../../api/client.ts';
import { asList, toJson, toYaml } from '../format/output.ts';
import { jsonpath } from '../format/jsonpath.ts';
import { KUBECTL_TABS, tabwrite } from '../../text/tabwriter.ts';
import { columnsFor } from '../printers/columns.ts';
import { type CliContext, CliError, namespaceFor, resolveType, typePrefix } from '../context.ts';

export interface GetOptions {
  namespace?: string;
  allNamespaces?: boolean;
  output?: string;
  selector?: string;
  fieldSelector?: string;
  showLabels?: boolean;
  noHeaders?: boolean;
}

interface Request {
  type: ResourceType;
  names: string[];
}

/** Turns `deploy,svc webpod`, `pod/curl-pod svc/webpod` or `all` into per-type requests, in order. */
export function parseGetArgs(args: string[]): { requests: Request[]; explicitTypes: boolean } {
  if (args.length === 0) throw new CliError('You must specify the type of resource to get. Use "cilia api-resources" for a complete list of supported resources.');
  if (args.every((a) => a.includes('/'))) {
    const requests: Request[] = [];
    for (const a of args) {
      const [typeName, name] = [a.slice(0, a.indexOf('/')), a.slice(a.indexOf('/') + 1)];
      const type = resolveType(typeName);
      const existing = requests.find((r) => r.type === type);
      if (existing) existing.names.push(name);
      else requests.push({ type, names: [name] });
    }
    return { requests, explicitTypes: true };
  }
  const [types, ...names] = args;
  const typeList = types!.split(',').flatMap((t) => (t === 'all' ? resourcesInCategory('all') : [resolveType(t)]));
  return { requests: typeList.map((type) => ({ type, names })), explicitTypes: types!.includes(',') || types === 'all' };
}

function labelsString(o: KObject): string {
  const l = o.metadata.labels ?? {};
  const keys = Object.keys(l).sort();
  return keys.length ? keys.map((k) => `${k}=${l[k]}`).join(',') : '<none>';
}

export async function runGet(ctx: CliContext, args: string[], opts: GetOptions): Promise<number> {
  const { requests, explicitTypes } = parseGetArgs(args);
  const client = ctx.client();
  const output = opts.output ?? '';
  const results: { type: ResourceType; items: KObject[] }[] = [];
  let failed = false;
  let namedSingle = false;
  for (const r of requests) {
    const ns = opts.allNamespaces ? undefined : namespaceFor(r.type, opts.namespace);
    if (r.type.kind === 'Endpoints' && !output) ctx.stderr('Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice\n');
    if (r.names.length > 0) {
      const items: KObject[] = [];
      for (const name of r.names) {
        try {
          items.push(await client.get(r.type, ns, name));
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          ctx.stderr(`Error from server (${err.reason}): ${err.message}\n`);
          failed = true;
        }
      }
      namedSingle = requests.length === 1 && r.names.length === 1;
      results.push({ type: r.type, items });
    } else {
      const items = await client.list(r.type, { namespace: ns, labelSelector: opts.selector, fieldSelector: opts.fieldSelector });
      results.push({ type: r.type, items });
    }
  }
  const all = results.flatMap((r) => r.items);

  if (output === 'yaml' || output === 'json') {
    if (all.length === 0 && failed) return 1;
    const body = namedSingle && all.length === 1 ? all[0] : asList(all);
    ctx.stdout(`${output === 'yaml' ? toYaml(body) : toJson(body)}\n`);
    return failed ? 1 : 0;
  }
  if (output === 'name') {
    for (const r of results) for (const o of r.items) ctx.stdout(`${typePrefix(r.type)}/${o.metadata.name}\n`);
    return failed ? 1 : 0;
  }
  if (output.startsWith('jsonpath=') || output.startsWith('jsonpath-as-json=')) {
    const tpl = output.slice(output.indexOf('=') + 1);
    const body = namedSingle && all.length === 1 ? all[0] : asList(all);
    ctx.stdout(jsonpath(tpl, body));
    return failed ? 1 : 0;
  }
  if (output !== '' && output !== 'wide') throw new CliError(`unable to match a printer suitable for the output format "${output}", allowed formats are: json,jsonpath,name,wide,yaml`);

  const nonEmpty = results.filter((r) => r.items.length > 0);
  if (nonEmpty.length === 0) {
    if (!failed) {
      const scoped = requests.some((r) => r.type.namespaced) && !opts.allNamespaces;
      ctx.stderr(scoped ? `No resources found in ${opts.namespace ?? 'default'} namespace.\n` : 'No resources found\n');
    }
    return failed ? 1 : 0;
  }
  const prefixNames = explicitTypes || nonEmpty.length > 1 || args.some((a) => a.includes('/'));
  const tables: string[] = [];
  for (const r of nonEmpty) {
    const cols = columnsFor(r.type.kind, output === 'wide');
    const header = [...(opts.allNamespaces && r.type.namespaced ? ['NAMESPACE'] : []), 'NAME', ...cols.map((c) => c.header), ...(opts.showLabels ? ['LABELS'] : [])];
    const now = ctx.now();
    const sorted = [...r.items].sort((a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name!.localeCompare(b.metadata.name!));
    const rows = sorted.map((o) => [
      ...(opts.allNamespaces && r.type.namespaced ? [o.metadata.namespace ?? ''] : []),
      prefixNames ? `${typePrefix(r.type)}/${o.metadata.name}` : o.metadata.name!,
      ...cols.map((c) => c.value(o, now)),
      ...(opts.showLabels ? [labelsString(o)] : []),
    ]);
    const lines = (opts.noHeaders ? rows : [header, ...rows]).map((cells) => cells.join('\t'));
    tables.push(tabwrite(lines, KUBECTL_TABS));
  }
  ctx.stdout(`${tables.join('\n\n')}\n`);
  return failed ? 1 : 0;
}

/** `kubectl api-resources`: NAME SHORTNAMES APIVERSION NAMESPACED KIND, sorted by group then name. */
export async function runApiResources(ctx: CliContext): Promise<number> {
  const rows = [...RESOURCE_TYPES]
    .sort((a, b) => a.group.localeCompare(b.group) || a.plural.localeCompare(b.plural))
    .map((t) => [t.plural, t.shortNames.join(','), t.group ? `${t.group}/${t.versions[0]}` : t.versions[0]!, String(t.namespaced), t.kind]);
  ctx.stdout(`${tabwrite([['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND'], ...rows].map((r) => r.join('\t')), KUBECTL_TABS)}\n`);
  return 0;
}
