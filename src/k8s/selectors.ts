// Label selectors (structured LabelSelector objects and kubectl's string syntax) and field
// selectors, with the semantics of k8s.io/apimachinery/pkg/labels and pkg/fields.

import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { KObject } from './object.ts';

export type Operator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Equals' | 'NotEquals';

export interface Requirement {
  key: string;
  op: Operator;
  values: string[];
}

/** A parsed selector: all requirements must hold. An empty list matches everything. */
export type Selector = readonly Requirement[];

export type Labels = Readonly<Record<string, string>> | undefined;

export class SelectorError extends Error {}

export function matchesRequirement(r: Requirement, labels: Labels): boolean {
  const has = labels !== undefined && Object.hasOwn(labels, r.key);
  const value = has ? labels![r.key] : undefined;
  switch (r.op) {
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'In':
    case 'Equals':
      return has && r.values.includes(value!);
    case 'NotIn':
    case 'NotEquals':
      return !has || !r.values.includes(value!);
  }
}

export function matches(selector: Selector, labels: Labels): boolean {
  for (const r of selector) if (!matchesRequirement(r, labels)) return false;
  return true;
}

const OPERATORS: Record<string, Operator> = { In: 'In', NotIn: 'NotIn', Exists: 'Exists', DoesNotExist: 'DoesNotExist' };

/**
 * Converts a LabelSelector (matchLabels + matchExpressions). Following metav1.LabelSelectorAsSelector,
 * `undefined` selects nothing and `{}` selects everything; callers with other conventions (Cilium's
 * "nil selects all" fields) check for undefined themselves.
 */
export function fromLabelSelector(sel: LabelSelector | undefined): Selector | 'nothing' {
  if (sel === undefined || sel === null) return 'nothing';
  const out: Requirement[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) out.push({ key, op: 'In', values: [value] });
  for (const e of sel.matchExpressions ?? []) {
    const op = OPERATORS[e.operator];
    if (!op) throw new SelectorError(`"${e.operator}" is not a valid label selector operator`);
    const values = e.values ?? [];
    if ((op === 'In' || op === 'NotIn') && values.length === 0) {
      throw new SelectorError(`values: Required value: must be specified when \`operator\` is 'In' or 'NotIn'`);
    }
    if ((op === 'Exists' || op === 'DoesNotExist') && values.length > 0) {
      throw new SelectorError(`values: Forbidden: may not be specified when \`operator\` is 'Exists' or 'DoesNotExist'`);
    }
    out.push({ key: e.key, op, values });
  }
  return out;
}

/** Whether a LabelSelector selects the labels; `undefined` selects `whenUnset` (true for Cilium's nil-means-all fields). */
export function labelSelectorMatches(sel: LabelSelector | undefined, labels: Labels, whenUnset = false): boolean {
  if (sel === undefined || sel === null) return whenUnset;
  const s = fromLabelSelector(sel);
  return s !== 'nothing' && matches(s, labels);
}

// ---- kubectl string syntax ---------------------------------------------------------------

const KEY_CHARS = /[A-Za-z0-9._/-]/;

/** Parses `a=b,c!=d,e in (x,y),f notin (z),g,!h`. */
export function parseSelector(text: string): Selector {
  const out: Requirement[] = [];
  let i = 0;
  const s = text.trim();
  const skipSpace = () => {
    while (i < s.length && s[i] === ' ') i++;
  };
  const readWord = (): string => {
    const start = i;
    while (i < s.length && KEY_CHARS.test(s[i]!)) i++;
    return s.slice(start, i);
  };
  const fail = (msg: string): never => {
    throw new SelectorError(`unable to parse requirement: ${msg}`);
  };
  while (i < s.length) {
    skipSpace();
    let negate = false;
    if (s[i] === '!') {
      negate = true;
      i++;
      skipSpace();
    }
    const key = readWord();
    if (!key) fail(`found '${s[i] ?? ''}', expected: identifier`);
    skipSpace();
    if (negate) {
      out.push({ key, op: 'DoesNotExist', values: [] });
    } else if (i >= s.length || s[i] === ',') {
      out.push({ key, op: 'Exists', values: [] });
    } else if (s.startsWith('!=', i)) {
      i += 2;
      skipSpace();
      out.push({ key, op: 'NotEquals', values: [readWord()] });
    } else if (s.startsWith('==', i) || s[i] === '=') {
      i += s.startsWith('==', i) ? 2 : 1;
      skipSpace();
      out.push({ key, op: 'Equals', values: [readWord()] });
    } else {
      const word = readWord();
      const op = word === 'in' ? 'In' : word === 'notin' ? 'NotIn' : undefined;
      if (!op) fail(`found '${word}', expected: in, notin, =, ==, !=`);
      skipSpace();
      if (s[i] !== '(') fail(`found '${s[i] ?? ''}', expected: '('`);
      i++;
      const values: string[] = [];
      for (;;) {
        skipSpace();
        values.push(readWord());
        skipSpace();
        if (s[i] === ',') {
          i++;
          continue;
        }
        if (s[i] === ')') {
          i++;
          break;
        }
        fail(`found '${s[i] ?? ''}', expected: ',' or ')'`);
      }
      out.push({ key, op: op!, values });
    }
    skipSpace();
    if (i < s.length) {
      if (s[i] !== ',') fail(`found '${s[i]}', expected: ','`);
      i++;
    }
  }
  return out;
}

export function formatSelector(sel: LabelSelector | undefined): string {
  if (!sel) return '<none>';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) parts.push(`${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    const vals = [...(e.values ?? [])].sort().join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${vals})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${vals})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else parts.push(`!${e.key}`);
  }
  return parts.length ? parts.join(',') : '<none>';
}

// ---- field selectors -----------------------------------------------------------------------

export interface FieldRequirement {
  field: string;
  value: string;
  negate: boolean;
}

/** Fields kubectl accepts for every kind, plus the per-kind ones the seeds use. */
const SUPPORTED_FIELDS: Record<string, string[]> = {
  '*': ['metadata.name', 'metadata.namespace'],
  Pod: ['spec.nodeName', 'status.phase', 'status.podIP', 'spec.serviceAccountName', 'spec.restartPolicy', 'spec.schedulerName'],
  Node: ['spec.unschedulable'],
  Secret: ['type'],
  Event: ['involvedObject.name', 'involvedObject.kind', 'reason', 'type'],
};

export function parseFieldSelector(text: string, kind: string): FieldRequirement[] {
  const out: FieldRequirement[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([A-Za-z0-9._-]+)\s*(!=|==|=)\s*(.*)$/.exec(part);
    if (!m) throw new SelectorError(`invalid selector: '${text}'; can't understand '${part}'`);
    const field = m[1]!;
    const allowed = [...SUPPORTED_FIELDS['*']!, ...(SUPPORTED_FIELDS[kind] ?? [])];
    if (!allowed.includes(field)) {
      throw new SelectorError(`field label not supported: ${field}`);
    }
    out.push({ field, value: m[3]!, negate: m[2] === '!=' });
  }
  return out;
}

function fieldValue(obj: KObject, path: string): string {
  let cur: unknown = obj;
  for (const p of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[p];
  }
  if (cur === undefined || cur === null) return path === 'spec.unschedulable' ? 'false' : '';
  return String(cur);
}

export function matchesFields(reqs: readonly FieldRequirement[], obj: KObject): boolean {
  for (const r of reqs) {
    const equal = fieldValue(obj, r.field) === r.value;
    if (equal === r.negate) return false;
  }
  return true;
}
