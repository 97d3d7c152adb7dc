// Building blocks for the zod schemas of every kind. Two rules keep schemas honest:
// - `obj<T>()` takes a shape with exactly the keys of the TypeScript interface T, each schema's
//   output assignable to T's field, so tsc reports a field that is missing, extra or of the wrong type;
// - problems are reported as zod issues that validate.ts turns into apimachinery field errors:
//   custom checks carry their error type and detail in `params` (see `report`).

import { z } from 'zod';
import { isCIDR } from '../../netaddr/cidr.ts';
import { isIP, isIPv4 } from '../../netaddr/ip.ts';
import type { FieldErrorType } from '../errors.ts';
import { inRange, isQualifiedName, isValidLabelValue } from '../names.ts';

/** Params of a custom issue; validate.ts reads them back. */
export interface IssueParams {
  ft: FieldErrorType;
  detail: string;
  /** The bad value to print; defaults to the input at that path. */
  value?: unknown;
  /** For NotSupported. */
  supported?: readonly string[];
}

// zod's refinement context type is not exported under a stable name; this is the part we use.
export interface IssueSink {
  addIssue(issue: { code: 'custom'; message: string; path?: (string | number)[]; params: IssueParams; input?: unknown }): void;
}

const MAP_KEY_MARK = '\u0000';

/** A map key as a path element of a custom issue, so it prints as `data[key]` (field.Path.Key). */
export function mapKey(key: string): string {
  return MAP_KEY_MARK + key;
}

/** Reads back a path element written by mapKey. */
export function asMapKey(p: string): string | undefined {
  return p.startsWith(MAP_KEY_MARK) ? p.slice(1) : undefined;
}

/** Adds a field error at `path` (relative to the value being refined). */
export function report(ctx: IssueSink, ft: FieldErrorType, detail: string, path: (string | number)[] = [], value?: unknown): void {
  const params: IssueParams = value === undefined ? { ft, detail } : { ft, detail, value };
  ctx.addIssue({ code: 'custom', message: detail, path, params });
}

export function reportNotSupported(ctx: IssueSink, path: (string | number)[], value: unknown, supported: readonly string[]): void {
  ctx.addIssue({ code: 'custom', message: 'unsupported', path, params: { ft: 'NotSupported', detail: '', value, supported } });
}

// ---- typed object shapes ---------------------------------------------------------------------

type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];
type RequiredKeys<T> = Exclude<keyof T, OptionalKeys<T>>;

/** One schema per field of T; optional fields take optional schemas. */
export type Shape<T> = { [K in RequiredKeys<T>]: z.ZodType<T[K]> } & { [K in OptionalKeys<T>]-?: z.ZodType<T[K] | undefined> };

/** A strict (unknown fields rejected) object schema covering every field of T. */
export function obj<T>() {
  return (shape: Shape<T>): z.ZodType<T> => z.strictObject(shape as z.ZodRawShape) as unknown as z.ZodType<T>;
}

/** Top-level kinds: kubernetes-types narrows apiVersion/kind to literals; admission checks those itself. */
export function kind<T extends { apiVersion?: string; kind?: string }>() {
  return (shape: Shape<Omit<T, 'apiVersion' | 'kind'>>): z.ZodType<T> =>
    z.strictObject({ apiVersion: z.string(), kind: z.string(), ...(shape as z.ZodRawShape) }) as unknown as z.ZodType<T>;
}

/**
 * A subtree cilia does not model field by field (rare volume sources and the like); every object is
 * accepted as is. Used deliberately and sparingly; everything the seeds touch is modelled.
 */
export function opaque<T>(): z.ZodType<T> {
  return z.custom<T>((v) => v !== null && typeof v === 'object' && !Array.isArray(v), { params: { ft: 'Invalid', detail: 'must be of type object' } });
}

// ---- scalars -----------------------------------------------------------------------------------

export const str = () => z.string();
export const bool = () => z.boolean();
export const int = () => z.int();
export const strList = () => z.array(z.string());

/** An integer in [min, max] with the apimachinery message (core kinds). */
export function intInRange(min: number, max: number) {
  return z.int().superRefine((v, ctx) => {
    for (const m of inRange(v, min, max)) report(ctx, 'Invalid', m);
  });
}

/** An integer >= 0 (ValidateNonnegativeField). */
export const nonNegative = () =>
  z.int().superRefine((v, ctx) => {
    if (v < 0) report(ctx, 'Invalid', 'must be greater than or equal to 0');
  });

/** An integer > 0. */
export const positive = () =>
  z.int().superRefine((v, ctx) => {
    if (v <= 0) report(ctx, 'Invalid', 'must be greater than 0');
  });

/** A CRD integer with openAPI minimum/maximum; messages are kube-openapi's. */
export function crdInt(min?: number, max?: number) {
  let s = z.int();
  if (min !== undefined) s = s.min(min);
  if (max !== undefined) s = s.max(max);
  return s;
}

/** A string enum; a bad value reports `Unsupported value: "x": supported values: ...`. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values);
}

/** Runs string checks returning apimachinery messages (isDNS1123Label and friends). */
export function checked(check: (v: string) => string[]) {
  return z.string().superRefine((v, ctx) => {
    for (const m of check(v)) report(ctx, 'Invalid', m);
  });
}

export const ipString = () =>
  z.string().superRefine((v, ctx) => {
    if (!isIP(v)) report(ctx, 'Invalid', 'must be a valid IP address');
  });

export const ipv4String = () =>
  z.string().superRefine((v, ctx) => {
    if (!isIPv4(v)) report(ctx, 'Invalid', 'must be a valid IPv4 address');
  });

export const cidrString = () =>
  z.string().superRefine((v, ctx) => {
    if (!isCIDR(v)) report(ctx, 'Invalid', 'must be a valid CIDR');
  });

/** Optional IP/CIDR where "" means unset (Go string fields). */
export const ipOrEmpty = () =>
  z.string().superRefine((v, ctx) => {
    if (v !== '' && !isIP(v)) report(ctx, 'Invalid', 'must be a valid IP address');
  });

// RFC 3339 as metav1.Time and MicroTime accept it.
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

export const time = () =>
  z.string().superRefine((v, ctx) => {
    if (!RFC3339.test(v) || Number.isNaN(Date.parse(v))) report(ctx, 'Invalid', 'must be an RFC 3339 date-time');
  });

/** intstr.IntOrString: an integer or a string. */
export const intOrString = () =>
  z.custom<number | string>((v) => typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v)), {
    params: { ft: 'Invalid', detail: 'must be an integer or a string' },
  });

// resource.Quantity accepts JSON numbers and strings of this form (resource.ParseQuantity).
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+|E[+-]?\d+|[numkMGTPE]|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

export const quantity = () =>
  z.custom<string>(
    (v) => (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && QUANTITY.test(v)),
    { params: { ft: 'Invalid', detail: "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'" } },
  );

export const quantityMap = () => z.record(z.string(), quantity());

// ---- maps with key/value rules -----------------------------------------------------------------

/** metadata.labels and label maps of selectors (ValidateLabels: errors name the map, the value is the key or value). */
export const labelMap = () =>
  z.record(z.string(), z.string()).superRefine((m, ctx) => {
    for (const [k, v] of Object.entries(m)) {
      for (const msg of isQualifiedName(k)) report(ctx, 'Invalid', msg, [], k);
      for (const msg of isValidLabelValue(v)) report(ctx, 'Invalid', msg, [], v);
    }
  });

/** A map of strings (annotations are checked in validate.ts, which knows the object's total size). */
export const stringMap = () => z.record(z.string(), z.string());

/** The values a label selector requirement carries for its operator (ValidateLabelSelectorRequirement). */
export function checkRequirementValues(op: string, values: readonly string[] | undefined, ctx: IssueSink): void {
  const n = values?.length ?? 0;
  if ((op === 'In' || op === 'NotIn') && n === 0) {
    report(ctx, 'Required', "must be specified when `operator` is 'In' or 'NotIn'", ['values']);
  }
  if ((op === 'Exists' || op === 'DoesNotExist') && n > 0) {
    report(ctx, 'Forbidden', "may not be specified when `operator` is 'Exists' or 'DoesNotExist'", ['values']);
  }
}
