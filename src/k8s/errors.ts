// User-input errors as values: apimachinery-style field errors (k8s.io/apimachinery/pkg/util/validation/field),
// the located form the CLI prints (`file:line: Kind/name: field.path: message`), and the typed error that
// admission throws (a StoreError, so the store passes it through unchanged).

import { StoreError, type StoreErrorCode } from '../store/types.ts';
import type { KObject } from './object.ts';

/** A map entry in a path, printed `[key]` like field.Path.Key (`data[tls.crt]`). */
export interface MapKey {
  readonly key: string;
}

/** A path into an object as fields, list indices and map keys: `['spec', 'ports', 0, 'port']`. */
export type FieldPath = readonly (string | number | MapKey)[];

/** apimachinery field.ErrorType, plus `UnknownField` for strict decoding. */
export type FieldErrorType =
  | 'Invalid'
  | 'Required'
  | 'NotSupported'
  | 'Forbidden'
  | 'Duplicate'
  | 'NotFound'
  | 'TooLong'
  | 'TooMany'
  | 'UnknownField';

const TYPE_TEXT: Record<FieldErrorType, string> = {
  Invalid: 'Invalid value',
  Required: 'Required value',
  NotSupported: 'Unsupported value',
  Forbidden: 'Forbidden',
  Duplicate: 'Duplicate value',
  NotFound: 'Not found',
  TooLong: 'Too long',
  TooMany: 'Too many',
  UnknownField: 'unknown field',
};

/** `spec.ports[0].port`, `metadata.labels[app]` (field.Path.String()). */
export function formatFieldPath(path: FieldPath): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (typeof p === 'object') out += `[${p.key}]`;
    else if (out === '') out = p;
    else out += `.${p}`;
  }
  return out;
}

/** The keys and indices of a path, map keys unwrapped (for looking a field up in a document). */
export function plainPath(path: FieldPath): (string | number)[] {
  return path.map((p) => (typeof p === 'object' ? p.key : p));
}

/** Renders a bad value like field.Error does: strings quoted, numbers and booleans bare, else JSON. */
export function formatBadValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

export class FieldError {
  constructor(
    readonly type: FieldErrorType,
    readonly path: FieldPath,
    /** The offending value; omitted for Required/Forbidden/TooLong like apimachinery. */
    readonly value: unknown,
    readonly detail: string,
  ) {}

  get field(): string {
    return formatFieldPath(this.path);
  }

  /** The part after `field: ` (field.Error.ErrorBody). */
  body(): string {
    if (this.type === 'UnknownField') return `unknown field "${this.field}"`;
    let s = TYPE_TEXT[this.type];
    if (this.type !== 'Required' && this.type !== 'Forbidden' && this.type !== 'TooLong') {
      s += `: ${formatBadValue(this.value)}`;
    }
    if (this.detail) s += `: ${this.detail}`;
    return s;
  }

  toString(): string {
    return this.type === 'UnknownField' ? this.body() : `${this.field}: ${this.body()}`;
  }
}

export const fieldErrors = {
  invalid: (path: FieldPath, value: unknown, detail: string) => new FieldError('Invalid', path, value, detail),
  required: (path: FieldPath, detail = '') => new FieldError('Required', path, undefined, detail),
  notSupported: (path: FieldPath, value: unknown, supported: readonly string[]) =>
    new FieldError('NotSupported', path, value, supported.length ? `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}` : ''),
  forbidden: (path: FieldPath, detail: string) => new FieldError('Forbidden', path, undefined, detail),
  duplicate: (path: FieldPath, value: unknown) => new FieldError('Duplicate', path, value, ''),
  notFound: (path: FieldPath, value: unknown) => new FieldError('NotFound', path, value, ''),
  tooLong: (path: FieldPath, max: number) => new FieldError('TooLong', path, undefined, `may not be more than ${max} bytes`),
  tooMany: (path: FieldPath, actual: number, max: number) =>
    new FieldError('TooMany', path, actual, `must have at most ${max} items`),
  unknownField: (path: FieldPath) => new FieldError('UnknownField', path, undefined, ''),
};

/** `Service`, `Deployment.apps`, `CiliumBGPPeerConfig.cilium.io`: the qualified kind apiserver messages use. */
export function qualifiedKind(obj: Pick<KObject, 'apiVersion' | 'kind'>): string {
  const slash = typeof obj.apiVersion === 'string' ? obj.apiVersion.indexOf('/') : -1;
  return slash < 0 ? obj.kind : `${obj.kind}.${obj.apiVersion.slice(0, slash)}`;
}

/**
 * What admission throws: a StoreError whose message is the apiserver's, with the field errors kept
 * (paths as arrays, so a caller holding the manifest can point at lines).
 */
export class AdmissionError extends StoreError {
  constructor(
    code: StoreErrorCode,
    message: string,
    readonly kind: string,
    readonly objectName: string,
    readonly errors: readonly FieldError[],
  ) {
    super(
      code,
      message,
      errors.map((e) => ({ field: e.field, message: e.body() })),
    );
    this.name = 'AdmissionError';
  }
}

/** `Service "webpod" is invalid: a` or `... is invalid: [a, b]` (errors.NewInvalid). */
export function invalidError(obj: KObject, errors: readonly FieldError[]): AdmissionError {
  const name = typeof obj.metadata?.name === 'string' ? obj.metadata.name : '';
  const list = errors.map(String);
  const text = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
  return new AdmissionError('Invalid', `${qualifiedKind(obj)} "${name}" is invalid: ${text}`, obj.kind, name, errors);
}

/** Strict decoding failure (unknown fields): `Service in version "v1" cannot be handled as a Service: strict decoding error: ...`. */
export function strictDecodingError(obj: KObject, version: string, errors: readonly FieldError[]): AdmissionError {
  const name = typeof obj.metadata?.name === 'string' ? obj.metadata.name : '';
  const text = errors.map(String).join(', ');
  return new AdmissionError(
    'BadRequest',
    `${obj.kind} in version "${version}" cannot be handled as a ${obj.kind}: strict decoding error: ${text}`,
    obj.kind,
    name,
    errors,
  );
}

/** A problem in user input, located: `file:line: Kind/name: field.path: message`. */
export interface InputError {
  source?: string;
  line?: number;
  kind?: string;
  name?: string;
  /** Formatted field path, when the problem is about one field. */
  field?: string;
  message: string;
}

export function formatInputError(e: InputError): string {
  const parts: string[] = [];
  if (e.source !== undefined) parts.push(e.line !== undefined ? `${e.source}:${e.line}` : e.source);
  if (e.kind) parts.push(e.name ? `${e.kind}/${e.name}` : e.kind);
  if (e.field) parts.push(e.field);
  parts.push(e.message);
  return parts.join(': ');
}
