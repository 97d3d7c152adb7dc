// The three patch types kubectl sends: JSON merge patch (RFC 7386), JSON patch (RFC 6902, with
// RFC 6901 pointers) and a strategic merge patch covering what kubectl users hit: lists of known
// types merged by key, `$patch: replace|delete`, `$deleteFromPrimitiveList`, `$setElementOrder`,
// `$retainKeys`. Patches are pure: inputs are never modified.

import { type PatchType, StoreError } from '../store/types.ts';
import { deepClone, deepEqual } from './meta.ts';
import type { KObject } from './object.ts';
import { groupOf } from './object.ts';

export class PatchError extends StoreError {
  constructor(message: string) {
    super('BadRequest', message);
    this.name = 'PatchError';
  }
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// ---- RFC 7386 JSON merge patch ---------------------------------------------------------------

/** Applies a merge patch: objects merge recursively, null deletes, anything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return deepClone(patch);
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

/** The merge patch that turns `from` into `to` (`{}` when they are equal objects). */
export function createMergePatch(from: unknown, to: unknown): unknown {
  if (!isObj(from) || !isObj(to)) return deepClone(to);
  const patch: Obj = {};
  for (const k of Object.keys(from)) if (!(k in to) || to[k] === undefined) patch[k] = null;
  for (const [k, v] of Object.entries(to)) {
    if (v === undefined || deepEqual(from[k], v)) continue;
    patch[k] = isObj(v) && isObj(from[k]) ? createMergePatch(from[k], v) : deepClone(v);
  }
  return patch;
}

// ---- RFC 6901 pointers and RFC 6902 JSON patch ----------------------------------------------

/** Splits a JSON pointer into unescaped tokens (`/a~1b/c~0d` → `['a/b', 'c~d']`). */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`JSON pointer must be empty or start with a "/": "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => {
      if (/~[^01]|~$/.test(t)) throw new PatchError(`invalid JSON pointer escape in "${pointer}"`);
      return t.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}

export function formatPointer(tokens: readonly string[]): string {
  return tokens.map((t) => `/${t.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

export interface JSONPatchOp {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}

const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;

/** The container of the last token, or undefined when the path does not exist. */
function parentOf(doc: unknown, tokens: readonly string[]): unknown {
  let cur = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) {
      if (!ARRAY_INDEX.test(t) || Number(t) >= cur.length) return undefined;
      cur = cur[Number(t)];
    } else if (isObj(cur)) {
      if (!Object.hasOwn(cur, t)) return undefined;
      cur = cur[t];
    } else {
      return undefined;
    }
  }
  return cur;
}

function has(container: unknown, token: string): boolean {
  if (Array.isArray(container)) return ARRAY_INDEX.test(token) && Number(token) < container.length;
  return isObj(container) && Object.hasOwn(container, token);
}

function get(container: unknown, token: string): unknown {
  return Array.isArray(container) ? container[Number(token)] : (container as Obj)[token];
}

function missing(op: string, what: string, pointer: string): PatchError {
  return new PatchError(`${op} operation does not apply: doc is missing ${what}: "${pointer}": missing value`);
}

/** Works on a private copy of the document; each function returns the (possibly new) root. */
function opAdd(doc: unknown, pointer: string, value: unknown, op = 'add'): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const parent = parentOf(doc, tokens);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    if (last === '-') parent.push(value);
    else if (ARRAY_INDEX.test(last) && Number(last) <= parent.length) parent.splice(Number(last), 0, value);
    else throw new PatchError(`${op} operation does not apply: unable to access invalid index: ${last}: invalid index referenced`);
  } else if (isObj(parent)) {
    parent[last] = value;
  } else {
    throw missing(op, 'path', pointer);
  }
  return doc;
}

function opRemove(doc: unknown, pointer: string, op = 'remove'): { doc: unknown; removed: unknown } {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return { doc: null, removed: doc };
  const parent = parentOf(doc, tokens);
  const last = tokens[tokens.length - 1]!;
  if (!has(parent, last)) throw missing(op, 'path', pointer);
  const removed = get(parent, last);
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else delete (parent as Obj)[last];
  return { doc, removed };
}

function opGet(doc: unknown, pointer: string, op: string, what: string): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return doc;
  const parent = parentOf(doc, tokens);
  const last = tokens[tokens.length - 1]!;
  if (!has(parent, last)) throw missing(op, what, pointer);
  return get(parent, last);
}

function checkOp(raw: unknown, i: number): JSONPatchOp {
  if (!isObj(raw)) throw new PatchError(`operation ${i} is not an object`);
  const op = raw.op;
  if (typeof op !== 'string' || !['add', 'remove', 'replace', 'move', 'copy', 'test'].includes(op)) {
    throw new PatchError(`Unexpected kind: ${typeof op === 'string' ? op : JSON.stringify(op)}`);
  }
  if (typeof raw.path !== 'string') throw new PatchError(`operation ${i} (${op}) is missing "path"`);
  if ((op === 'move' || op === 'copy') && typeof raw.from !== 'string') throw new PatchError(`operation ${i} (${op}) is missing "from"`);
  if ((op === 'add' || op === 'replace' || op === 'test') && !('value' in raw)) throw new PatchError(`operation ${i} (${op}) is missing "value"`);
  return raw as unknown as JSONPatchOp;
}

/** Applies an RFC 6902 patch (an array of operations); the first failing operation aborts the patch. */
export function applyJSONPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new PatchError('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = deepClone(target);
  ops.forEach((raw, i) => {
    const o = checkOp(raw, i);
    switch (o.op) {
      case 'add':
        doc = opAdd(doc, o.path, deepClone(o.value));
        break;
      case 'remove':
        doc = opRemove(doc, o.path).doc;
        break;
      case 'replace': {
        opGet(doc, o.path, 'replace', 'key');
        const tokens = parsePointer(o.path);
        if (tokens.length === 0) doc = deepClone(o.value);
        else {
          const parent = parentOf(doc, tokens)!;
          const last = tokens[tokens.length - 1]!;
          if (Array.isArray(parent)) parent[Number(last)] = deepClone(o.value);
          else (parent as Obj)[last] = deepClone(o.value);
        }
        break;
      }
      case 'move': {
        const from = o.from!;
        if (o.path !== from && o.path.startsWith(`${from}/`)) {
          throw new PatchError(`move operation does not apply: "from" location "${from}" cannot be moved into one of its children`);
        }
        const { doc: rest, removed } = opRemove(doc, from, 'move');
        doc = opAdd(rest, o.path, removed, 'move');
        break;
      }
      case 'copy':
        doc = opAdd(doc, o.path, deepClone(opGet(doc, o.from!, 'copy', 'from path')), 'copy');
        break;
      case 'test':
        if (!deepEqual(opGet(doc, o.path, 'test', 'path'), o.value)) throw new PatchError(`testing value ${o.path} failed: test failed`);
        break;
    }
  });
  return doc;
}

// ---- strategic merge patch -------------------------------------------------------------------

/** How a list merges: by a key field, as a set of primitives, or (undefined) replaced whole. */
type ListStrategy = { key: string } | 'set' | undefined;

// patchMergeKey tags of k8s.io/api types, by the field path below a PodSpec or a container.
const POD_SPEC_LISTS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
  schedulingGates: 'name',
};
const CONTAINER_LISTS: Record<string, string> = {
  ports: 'containerPort',
  env: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  resizePolicy: 'resourceName',
};
const CONTAINER_FIELDS = new Set(['containers', 'initContainers', 'ephemeralContainers']);
const WORKLOADS = new Set(['Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet', 'Job', 'PodTemplate']);
const STATUS_LISTS: Record<string, string> = { conditions: 'type', addresses: 'type', podIPs: 'ip', hostIPs: 'ip' };

function sameStart(path: readonly string[], prefix: readonly string[]): boolean {
  return prefix.every((p, i) => path[i] === p);
}

/** The merge strategy of the list at `path` (field names only) in an object of `kind`. */
export function listStrategy(kind: string, path: readonly string[]): ListStrategy {
  const last = path[path.length - 1]!;
  if (path.length === 2 && path[0] === 'metadata') {
    if (last === 'ownerReferences') return { key: 'uid' };
    if (last === 'finalizers') return 'set';
  }
  if (path.length === 2 && path[0] === 'status' && STATUS_LISTS[last]) return { key: STATUS_LISTS[last]! };
  if (kind === 'Service' && path.length === 2 && path[0] === 'spec' && last === 'ports') return { key: 'port' };
  if (kind === 'Node' && path.length === 2 && path[0] === 'spec' && last === 'podCIDRs') return 'set';
  const podSpec = kind === 'Pod' ? ['spec'] : WORKLOADS.has(kind) ? ['spec', 'template', 'spec'] : undefined;
  if (!podSpec || !sameStart(path, podSpec)) return undefined;
  const rest = path.slice(podSpec.length);
  if (rest.length === 1 && POD_SPEC_LISTS[last]) return { key: POD_SPEC_LISTS[last]! };
  if (rest.length === 2 && CONTAINER_FIELDS.has(rest[0]!) && CONTAINER_LISTS[last]) return { key: CONTAINER_LISTS[last]! };
  return undefined;
}

const SET_ORDER = '$setElementOrder/';
const DELETE_FROM = '$deleteFromPrimitiveList/';

function orderBy(list: unknown[], order: unknown[], key: string | undefined): unknown[] {
  const id = (v: unknown) => (key && isObj(v) ? v[key] : v);
  const wanted = order.map(id);
  const ranked = list.filter((v) => wanted.some((w) => deepEqual(w, id(v))));
  ranked.sort((a, b) => wanted.findIndex((w) => deepEqual(w, id(a))) - wanted.findIndex((w) => deepEqual(w, id(b))));
  return [...ranked, ...list.filter((v) => !wanted.some((w) => deepEqual(w, id(v))))];
}

function mergeList(kind: string, path: string[], target: unknown, patch: unknown[], strategy: ListStrategy): unknown[] {
  if (strategy === undefined || patch.some((e) => isObj(e) && e.$patch === 'replace')) {
    return patch.filter((e) => !(isObj(e) && e.$patch === 'replace')).map((e) => stripDirectives(e));
  }
  const out = Array.isArray(target) ? [...target] : [];
  if (strategy === 'set') {
    for (const v of patch) if (!out.some((x) => deepEqual(x, v))) out.push(deepClone(v));
    return out;
  }
  const { key } = strategy;
  for (const el of patch) {
    if (!isObj(el) || el[key] === undefined) {
      throw new PatchError(`map: ${JSON.stringify(el)} does not contain declared merge key: ${key}`);
    }
    const i = out.findIndex((x) => isObj(x) && deepEqual(x[key], el[key]));
    if (el.$patch === 'delete') {
      if (i >= 0) out.splice(i, 1);
    } else if (i >= 0) {
      out[i] = mergeObject(kind, path, out[i], el);
    } else {
      out.push(stripDirectives(el));
    }
  }
  return out;
}

/** A patch value without `$` directives, for places where it is taken as is. */
function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('$') && x !== null) out[k] = stripDirectives(x);
  return out;
}

function mergeObject(kind: string, path: string[], target: unknown, patch: Obj): unknown {
  if (patch.$patch === 'replace') return stripDirectives(patch);
  const out: Obj = isObj(target) ? { ...target } : {};
  const orders: [string, unknown[]][] = [];
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys') continue;
    if (k.startsWith(SET_ORDER)) {
      if (Array.isArray(v)) orders.push([k.slice(SET_ORDER.length), v]);
      continue;
    }
    if (k.startsWith(DELETE_FROM)) {
      const field = k.slice(DELETE_FROM.length);
      const drop = Array.isArray(v) ? v : [];
      if (Array.isArray(out[field])) out[field] = (out[field] as unknown[]).filter((x) => !drop.some((d) => deepEqual(d, x)));
      continue;
    }
    const childPath = [...path, k];
    if (v === null) {
      delete out[k];
    } else if (isObj(v)) {
      if (v.$patch === 'delete') delete out[k];
      else out[k] = mergeObject(kind, childPath, out[k], v);
    } else if (Array.isArray(v)) {
      out[k] = mergeList(kind, childPath, out[k], v, listStrategy(kind, childPath));
    } else {
      out[k] = v;
    }
  }
  for (const [field, order] of orders) {
    const strategy = listStrategy(kind, [...path, field]);
    if (Array.isArray(out[field])) out[field] = orderBy(out[field] as unknown[], order, typeof strategy === 'object' ? strategy.key : undefined);
  }
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys.map(String));
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }
  return out;
}

/** Applies a strategic merge patch to an object of `kind` (its lists merge per listStrategy). */
export function applyStrategicMergePatch(target: unknown, patch: unknown, kind: string): unknown {
  if (!isObj(patch)) throw new PatchError('strategic merge patch must be a JSON object');
  return mergeObject(kind, [], target, patch);
}

// ---- dispatch --------------------------------------------------------------------------------

// The built-in API groups; custom resources (cilium.io) have no strategic merge patch.
const BUILTIN_GROUPS = new Set(['', 'apps', 'batch', 'discovery.k8s.io', 'coordination.k8s.io', 'networking.k8s.io', 'policy', 'rbac.authorization.k8s.io']);

/** Applies a patch of any type to an object; the result still needs admission. */
export function applyPatch(obj: KObject, type: PatchType, patch: unknown): KObject {
  let out: unknown;
  if (type === 'merge') out = applyMergePatch(obj, patch);
  else if (type === 'json') out = applyJSONPatch(obj, patch);
  else {
    const group = groupOf(obj.apiVersion);
    if (!BUILTIN_GROUPS.has(group)) {
      const version = obj.apiVersion.slice(group.length + 1);
      throw new PatchError(
        `application/strategic-merge-patch+json is not supported by ${group}/${version}, Kind=${obj.kind}: the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
      );
    }
    out = applyStrategicMergePatch(obj, patch, obj.kind);
  }
  if (!isObj(out)) throw new PatchError('the patch did not produce an object');
  return out as KObject;
}
