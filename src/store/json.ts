// Plain-JSON helpers for stored objects: a strict deep copy (rejects what JSON cannot carry, so a
// value reads back identically from the write-ahead log), deep freezing, and structural equality.

export class NotJsonError extends Error {
  constructor(readonly path: string) {
    super(`${path || '<root>'}: not a JSON value`);
  }
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function copy(v: unknown): unknown {
  if (v === null) return null;
  switch (typeof v) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return v;
    case 'number':
      if (!Number.isFinite(v)) throw new NotJsonError('');
      return v === 0 ? 0 : v; // JSON has no -0
    case 'object': {
      if (Array.isArray(v)) {
        const out = new Array(v.length);
        // JSON.stringify writes holes and undefined array elements as null.
        for (let i = 0; i < v.length; i++) out[i] = v[i] === undefined ? null : copy(v[i]);
        return out;
      }
      if (!isPlainObject(v)) throw new NotJsonError('');
      const src = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      // for-in, not Object.keys: no key array per object (plain objects inherit nothing enumerable)
      for (const k in src) {
        const x = src[k];
        if (x === undefined) continue;
        if (k === '__proto__') Object.defineProperty(out, k, { value: copy(x), enumerable: true, writable: true, configurable: true });
        else out[k] = copy(x);
      }
      return out;
    }
    default:
      throw new NotJsonError('');
  }
}

/** Finds the path of the first value `copy` rejects (only run after it failed, to keep the copy fast). */
function badPath(v: unknown, path: string): string | undefined {
  if (v === null || v === undefined || typeof v === 'string' || typeof v === 'boolean') return undefined;
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : path;
  if (typeof v !== 'object') return path;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      if (v[i] === undefined) continue;
      const p = badPath(v[i], `${path}[${i}]`);
      if (p !== undefined) return p;
    }
    return undefined;
  }
  if (!isPlainObject(v)) return path;
  for (const [k, x] of Object.entries(v)) {
    if (x === undefined) continue;
    const p = badPath(x, path ? `${path}.${k}` : k);
    if (p !== undefined) return p;
  }
  return undefined;
}

/**
 * A deep, mutable copy of a JSON value (objects, arrays, strings, finite numbers, booleans, null;
 * `undefined` copies as itself). Properties that are `undefined` are dropped, as JSON would. Throws NotJsonError naming the path
 * of anything else (functions, Dates, Maps, bigints, NaN).
 */
export function cloneJson<T>(value: T): T {
  try {
    return copy(value) as T;
  } catch (e) {
    if (e instanceof NotJsonError) throw new NotJsonError(badPath(value, '') ?? '');
    throw e;
  }
}

/** A mutable deep copy of an object the store handed out (those are frozen). */
export const thaw: <T>(obj: T) => T = cloneJson;

/** Freezes a JSON value and everything in it. Already frozen subtrees are assumed frozen all the way down. */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  if (Array.isArray(value)) {
    for (const x of value) deepFreeze(x);
  } else {
    const obj = value as Record<string, unknown>;
    for (const k in obj) deepFreeze(obj[k]);
  }
  return Object.freeze(value);
}

/** Structural equality of two JSON values (key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra);
  if (ka.length !== Object.keys(rb).length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(rb, k) || !jsonEqual(ra[k], rb[k])) return false;
  }
  return true;
}
