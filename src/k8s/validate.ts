// Validation of one object against its kind's schema, plus the ObjectMeta rules every kind shares
// (apimachinery ValidateObjectMeta). Zod issues become apimachinery field errors; for cilium.io
// kinds the messages follow the CRD validator (kube-openapi), for built-in kinds the apiserver's.

import type { z } from 'zod';
import { FieldError, type FieldPath, fieldErrors, formatFieldPath } from './errors.ts';
import type { ResourceType } from './kinds.ts';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName } from './names.ts';
import type { KObject, OwnerReference } from './object.ts';
import { asMapKey, type IssueParams } from './schemas/dsl.ts';
import { schemaFor } from './schemas/index.ts';

/** ValidateObjectMeta's name rule per kind (the registry's NameFn); everything else is a DNS-1123 subdomain. */
const NAME_RULES: Record<string, (v: string) => string[]> = {
  '/Namespace': isDNS1123Label,
  '/Service': isDNS1035Label,
};

const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

function toPath(path: readonly PropertyKey[]): FieldPath {
  return path.map((p) => {
    if (typeof p === 'number') return p;
    const s = String(p);
    const key = asMapKey(s);
    return key === undefined ? s : { key };
  });
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

const EXPECTED: Record<string, string> = { int: 'integer', number: 'integer', record: 'object' };

function trimRegex(pattern: string): string {
  return pattern.startsWith('/') && pattern.lastIndexOf('/') > 0 ? pattern.slice(1, pattern.lastIndexOf('/')) : pattern;
}

/** Turns zod issues into field errors. `crd` selects kube-openapi wording for schema-level checks. */
export function issuesToFieldErrors(issues: readonly z.core.$ZodIssue[], crd: boolean): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of issues) {
    const path = toPath(issue.path);
    const field = formatFieldPath(path);
    const input = issue.input;
    switch (issue.code) {
      case 'custom': {
        const p = issue.params as IssueParams | undefined;
        if (!p) out.push(fieldErrors.invalid(path, input, issue.message));
        else if (p.ft === 'NotSupported') out.push(fieldErrors.notSupported(path, p.value ?? input, p.supported ?? []));
        else out.push(new FieldError(p.ft, path, p.value !== undefined ? p.value : input, p.detail));
        break;
      }
      case 'invalid_type': {
        if (input === undefined) {
          out.push(fieldErrors.required(path));
          break;
        }
        const expected = EXPECTED[issue.expected] ?? issue.expected;
        const actual = jsonType(input);
        out.push(
          crd
            ? fieldErrors.invalid(path, actual, `${field} in body must be of type ${expected}: "${actual}"`)
            : fieldErrors.invalid(path, input, `must be of type ${expected}`),
        );
        break;
      }
      case 'invalid_value':
        out.push(fieldErrors.notSupported(path, input, issue.values.map(String)));
        break;
      case 'unrecognized_keys':
        for (const k of issue.keys) out.push(fieldErrors.unknownField([...path, k]));
        break;
      case 'too_small':
      case 'too_big': {
        const small = issue.code === 'too_small';
        const bound = Number(small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum);
        if (issue.origin === 'array') {
          const n = Array.isArray(input) ? input.length : 0;
          out.push(small ? fieldErrors.invalid(path, n, `${field} in body should have at least ${bound} items`) : fieldErrors.tooMany(path, n, bound));
        } else if (issue.origin === 'string') {
          out.push(
            small
              ? fieldErrors.invalid(path, input, `${field} in body should be at least ${bound} chars long`)
              : new FieldError('TooLong', path, undefined, `may not be longer than ${bound}`),
          );
        } else {
          out.push(fieldErrors.invalid(path, input, `${field} in body should be ${small ? 'greater' : 'less'} than or equal to ${bound}`));
        }
        break;
      }
      case 'invalid_format': {
        const pattern = 'pattern' in issue && typeof issue.pattern === 'string' ? trimRegex(issue.pattern) : issue.format;
        out.push(fieldErrors.invalid(path, input, `${field} in body should match '${pattern}'`));
        break;
      }
      default:
        out.push(fieldErrors.invalid(path, input, issue.message));
    }
  }
  return out;
}

/**
 * ValidateObjectMeta: name (or generateName), namespace, annotations, owner references, finalizers.
 * Fields of the wrong type are skipped here: the schema reports them.
 */
export function validateObjectMeta(obj: KObject, rt: ResourceType): FieldError[] {
  const errs: FieldError[] = [];
  const meta = obj.metadata as Record<string, unknown>;
  const nameRule = NAME_RULES[`${rt.group}/${rt.kind}`] ?? isDNS1123Subdomain;
  const { name, generateName, namespace } = meta;
  if (typeof name === 'string' && name !== '') {
    for (const m of nameRule(name)) errs.push(fieldErrors.invalid(['metadata', 'name'], name, m));
  } else if (typeof generateName === 'string' && generateName !== '') {
    // A generated name adds a suffix, so a trailing dash is allowed (maskTrailingDash).
    for (const m of nameRule(generateName.replace(/-$/, 'a'))) errs.push(fieldErrors.invalid(['metadata', 'generateName'], generateName, m));
  } else if (!name && !generateName) {
    errs.push(fieldErrors.required(['metadata', 'name'], 'name or generateName is required'));
  }
  if (rt.namespaced) {
    if (namespace === undefined || namespace === '') errs.push(fieldErrors.required(['metadata', 'namespace']));
    else if (typeof namespace === 'string') for (const m of isDNS1123Label(namespace)) errs.push(fieldErrors.invalid(['metadata', 'namespace'], namespace, m));
  } else if (namespace) {
    errs.push(fieldErrors.forbidden(['metadata', 'namespace'], 'not allowed on this type'));
  }
  let size = 0;
  const annotations = meta.annotations !== null && typeof meta.annotations === 'object' ? (meta.annotations as Record<string, unknown>) : {};
  for (const [k, v] of Object.entries(annotations)) {
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(fieldErrors.invalid(['metadata', 'annotations'], k, m));
    size += k.length + (typeof v === 'string' ? v.length : 0);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) {
    errs.push(fieldErrors.tooLong(['metadata', 'annotations'], TOTAL_ANNOTATION_SIZE_LIMIT));
  }
  const refs = (Array.isArray(meta.ownerReferences) ? meta.ownerReferences : []).filter(
    (r): r is OwnerReference => r !== null && typeof r === 'object',
  );
  refs.forEach((r, i) => {
    if (!r.uid) errs.push(fieldErrors.invalid(['metadata', 'ownerReferences', i, 'uid'], r.uid ?? '', 'uid must not be empty'));
    if (!r.name) errs.push(fieldErrors.invalid(['metadata', 'ownerReferences', i, 'name'], r.name ?? '', 'name must not be empty'));
  });
  const controllers = refs.filter((r) => r.controller === true);
  if (controllers.length > 1) {
    errs.push(
      fieldErrors.invalid(
        ['metadata', 'ownerReferences'],
        refs,
        `Only one reference can have Controller set to true. Found "true" in references for ${controllers.map((r) => `${r.kind}/${r.name}`).join(' and ')}`,
      ),
    );
  }
  (Array.isArray(meta.finalizers) ? meta.finalizers : []).forEach((f: unknown, i) => {
    if (typeof f !== 'string' || f === 'kubernetes') return;
    if (!f.includes('/') || isQualifiedName(f).length > 0) {
      errs.push(fieldErrors.invalid(['metadata', 'finalizers', i], f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  });
  return errs;
}

/**
 * All field errors for an object of a served type at `version`: the schema (types, enums, ranges,
 * unknown fields, cross-field rules) and ObjectMeta. Metadata rules run only when the object's
 * structure is sound, as the apiserver validates only what it could decode.
 */
export function validateObject(obj: KObject, rt: ResourceType, version: string): FieldError[] {
  const schema = schemaFor(rt.group, rt.kind, version);
  if (!schema) return [fieldErrors.invalid(['apiVersion'], obj.apiVersion, 'no schema for this kind')];
  // Valid objects take zod's compiled fast path; only a failure is parsed again to report inputs.
  let res = schema.safeParse(obj);
  if (!res.success) res = schema.safeParse(obj, { reportInput: true });
  const errs = res.success ? [] : issuesToFieldErrors(res.error.issues, rt.group === 'cilium.io');
  const meta = obj.metadata as unknown;
  if (errs.some((e) => e.type === 'UnknownField') || meta === null || typeof meta !== 'object' || Array.isArray(meta)) return errs;
  return [...validateObjectMeta(obj, rt), ...errs];
}
