// Server-side metadata (uid, timestamps, generated names) and the apiserver's error messages.

import type { Rng } from '../controller/rng.ts';
import type { ResourceType } from '../k8s/kinds.ts';
import type { KObject } from '../k8s/object.ts';
import { StoreError } from './types.ts';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A version-4 style UUID drawn from the injected Rng, so seeded labs reproduce uids (RFC 9562 §5.4). */
export function uuidV4(rng: Rng): string {
  const a = rng.uint32();
  const b = (rng.uint32() & 0xffff0fff) | 0x00004000; // version 4
  const c = (rng.uint32() & 0x3fffffff) | 0x80000000; // variant 10
  const d = rng.uint32();
  const h = (w: number, shift: number) => HEX[(w >>> shift) & 0xff]!;
  // join, not +: one flat string rather than a chain of 19 (uids live as long as their objects)
  return [
    h(a, 24), h(a, 16), h(a, 8), h(a, 0), '-', h(b, 24), h(b, 16), '-', h(b, 8), h(b, 0), '-',
    h(c, 24), h(c, 16), '-', h(c, 8), h(c, 0), h(d, 24), h(d, 16), h(d, 8), h(d, 0),
  ].join('');
}

let lastSecond = Number.NaN;
let lastStamp = '';

/** RFC 3339 with seconds precision, as metav1.Time serialises. */
export function rfc3339(ms: number): string {
  const sec = Math.floor(ms / 1000);
  if (sec !== lastSecond) {
    lastSecond = sec;
    lastStamp = new Date(sec * 1000).toISOString().replace('.000Z', 'Z');
  }
  return lastStamp;
}

// apiserver names.SimpleNameGenerator: the prefix is cut to 63-5 characters, then 5 random ones appended.
const MAX_GENERATED_PREFIX = 58;
export const GENERATED_SUFFIX_LENGTH = 5;

export function generateName(prefix: string, rng: Rng): string {
  return prefix.slice(0, MAX_GENERATED_PREFIX) + rng.string(GENERATED_SUFFIX_LENGTH);
}

/** `services`, `deployments.apps`, `ciliumloadbalancerippools.cilium.io`: how the apiserver names a resource in messages. */
export function resourceName(t: ResourceType): string {
  return t.group ? `${t.plural}.${t.group}` : t.plural;
}

export const errors = {
  notFound: (t: ResourceType, name: string) => new StoreError('NotFound', `${resourceName(t)} "${name}" not found`),
  namespaceNotFound: (ns: string) => new StoreError('NotFound', `namespaces "${ns}" not found`),
  alreadyExists: (t: ResourceType, name: string) => new StoreError('AlreadyExists', `${resourceName(t)} "${name}" already exists`),
  conflict: (t: ResourceType, name: string) =>
    new StoreError(
      'Conflict',
      `Operation cannot be fulfilled on ${resourceName(t)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    ),
  // apiserver storage preconditions (Preconditions.Check and the delete precondition).
  uidPrecondition: (t: ResourceType, name: string, given: string, stored: string) =>
    new StoreError(
      'Conflict',
      `Operation cannot be fulfilled on ${resourceName(t)} "${name}": Precondition failed: UID in precondition: ${given}, UID in object meta: ${stored}`,
    ),
  rvPrecondition: (t: ResourceType, name: string, given: string, stored: string) =>
    new StoreError(
      'Conflict',
      `Operation cannot be fulfilled on ${resourceName(t)} "${name}": the ResourceVersion in the precondition (${given}) does not match the ResourceVersion in record (${stored}). The object might have been modified`,
    ),
  unknownResource: () => new StoreError('NotFound', 'the server could not find the requested resource'),
  invalid: (t: ResourceType, name: string, field: string, detail: string) =>
    new StoreError('Invalid', `${t.kind} "${name}" is invalid: ${field}: ${detail}`, [{ field, message: detail }]),
  terminating: (t: ResourceType, name: string, ns: string) =>
    new StoreError(
      'Forbidden',
      `${resourceName(t)} "${name}" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`,
    ),
  namespaceRequired: (t: ResourceType) => new StoreError('BadRequest', `${resourceName(t)}: a namespace is required for a namespaced resource`),
};

/** apiserver path.IsValidPathSegmentName: a name becomes a URL path segment. */
export function pathSegmentProblem(name: string): string | undefined {
  if (name === '.' || name === '..') return `may not be '${name}'`;
  if (name.includes('/')) return `may not contain '/'`;
  if (name.includes('%')) return `may not contain '%'`;
  return undefined;
}

/** A frozen shallow copy of a frozen object with another resourceVersion (nested parts are shared). */
export function withResourceVersion(obj: KObject, rev: number): KObject {
  return Object.freeze({ ...obj, metadata: Object.freeze({ ...obj.metadata, resourceVersion: String(rev) }) });
}

function isStringMap(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');
}

/**
 * The metadata shape the store itself relies on (keys, selectors, finalizers, garbage collection):
 * the first problem as [field, detail], or undefined. Everything else is admission's business.
 */
export function metadataProblem(meta: Record<string, unknown>): [string, string] | undefined {
  for (const f of ['name', 'generateName', 'namespace', 'resourceVersion', 'uid', 'deletionTimestamp', 'creationTimestamp']) {
    if (meta[f] !== undefined && typeof meta[f] !== 'string') return [`metadata.${f}`, 'Invalid value: must be a string'];
  }
  for (const f of ['labels', 'annotations']) {
    if (meta[f] !== undefined && !isStringMap(meta[f])) return [`metadata.${f}`, 'Invalid value: must be a map of strings'];
  }
  const fin = meta.finalizers;
  if (fin !== undefined && !(Array.isArray(fin) && fin.every((x) => typeof x === 'string'))) {
    return ['metadata.finalizers', 'Invalid value: must be a list of strings'];
  }
  const refs = meta.ownerReferences;
  if (refs !== undefined) {
    if (!Array.isArray(refs)) return ['metadata.ownerReferences', 'Invalid value: must be a list'];
    for (let i = 0; i < refs.length; i++) {
      const r = refs[i] as Record<string, unknown> | null;
      // apimachinery ValidateOwnerReferences: apiVersion, kind, name and uid must be set.
      for (const f of ['apiVersion', 'kind', 'name', 'uid']) {
        if (r === null || typeof r !== 'object' || typeof r[f] !== 'string' || r[f] === '') {
          return [`metadata.ownerReferences[${i}].${f}`, 'Required value'];
        }
      }
    }
  }
  return undefined;
}
