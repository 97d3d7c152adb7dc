// Label selectors (structured LabelSelector objects and kubectl's string syntax) and field
// selectors, with the semantics of k8s.io/apimachinery/pkg/labels and pkg/fields.

import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { isQualifiedName, isValidLabelValue } from './names.ts';
import type { KObject } from './object.ts';

export type Operator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Equals' | 'NotEquals' | 'GreaterThan' | 'LessThan';

export interface Requirement {
  key: string;
  op: Operator;
  values: string[];
}

/** A parsed selector: all requirements must hold. An empty list matches everything. */
export type Selector = readonly Requirement[];

export type Labels = Readonly<Record<string, string>> | undefined;

export class SelectorError extends Error {}

const INTEGER = /^[+-]?\d+$/;

export function matchesRequirement(r: Requirement, labels: Labels): boolean {
  const has = labels !== undefined && Object.hasOwn(labels, r.key);
  const value = has ? labels![r.key]! : undefined;
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
    case 'GreaterThan':
    case 'LessThan': {
      // labels.Requirement.Matches: both sides must parse as integers.
      if (!has || !INTEGER.test(value!) || r.values.length !== 1 || !INTEGER.test(r.values[0]!)) return false;
      const l = BigInt(value!);
      const v = BigInt(r.values[0]!);
      return r.op === 'GreaterThan' ? l > v : l < v;
    }
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
 * "nil selects all" fields) check for undefined themselves. Keys are not syntax-checked here, since
 * Cilium selectors use source-prefixed keys such as `k8s:app` or `reserved:ingress`.
 */
export function fromLabelSelector(sel: LabelSelector | undefined): Selector | 'nothing' {
  if (sel === undefined || sel === null) return 'nothing';
  const out: Requirement[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) out.push({ key, op: 'Equals', values: [value] });
  for (const e of sel.matchExpressions ?? []) {
    const op = OPERATORS[e.operator];
    if (!op) throw new SelectorError(`"${e.operator}" is not a valid label selector operator`);
    const values = e.values ?? [];
    if ((op === 'In' || op === 'NotIn') && values.length === 0) {
      throw new SelectorError("for 'in', 'notin' operators, values set can't be empty");
    }
    if ((op === 'Exists' || op === 'DoesNotExist') && values.length > 0) {
      throw new SelectorError('values set must be empty for exists and does not exist');
    }
    out.push({ key: e.key, op, values: [...values] });
  }
  return out;
}

/** Whether a LabelSelector selects the labels; `undefined` selects `whenUnset` (true for Cilium's nil-means-all fields). */
export function labelSelectorMatches(sel: LabelSelector | undefined, labels: Labels, whenUnset = false): boolean {
  if (sel === undefined || sel === null) return whenUnset;
  const s = fromLabelSelector(sel);
  return s !== 'nothing' && matches(s, labels);
}

// ---- kubectl string syntax (labels.Parse) ---------------------------------------------------

// The lexer's special symbols; any other non-space character belongs to an identifier.
const SPECIAL = new Set(['=', '!', '(', ')', ',', '<', '>']);
const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';

type Token = { kind: 'id' | 'sym' | 'end'; text: string };

function lex(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (isSpace(c)) {
      i++;
    } else if (SPECIAL.has(c)) {
      const two = text.slice(i, i + 2);
      if (two === '==' || two === '!=') {
        out.push({ kind: 'sym', text: two });
        i += 2;
      } else {
        out.push({ kind: 'sym', text: c });
        i++;
      }
    } else {
      const start = i;
      while (i < text.length && !isSpace(text[i]!) && !SPECIAL.has(text[i]!)) i++;
      out.push({ kind: 'id', text: text.slice(start, i) });
    }
  }
  out.push({ kind: 'end', text: '' });
  return out;
}

function checkKey(key: string): void {
  const errs = isQualifiedName(key);
  if (errs.length) throw new SelectorError(`unable to parse requirement: key: Invalid value: "${key}": ${errs.join('; ')}`);
}

function checkValue(key: string, value: string, i: number): void {
  const errs = isValidLabelValue(value);
  if (errs.length) throw new SelectorError(`unable to parse requirement: values[${i}][${key}]: Invalid value: "${value}": ${errs.join('; ')}`);
}

/** Parses `a=b,c!=d,e in (x,y),f notin (z),g,!h,n>3` like labels.Parse, checking key and value syntax. */
export function parseSelector(text: string): Selector {
  const toks = lex(text);
  let p = 0;
  const peek = () => toks[p]!;
  const next = () => toks[p++]!;
  const shown = (t: Token) => (t.kind === 'end' ? '' : t.text);
  const out: Requirement[] = [];
  if (peek().kind === 'end') return out;
  for (;;) {
    let t = next();
    if (t.kind === 'sym' && t.text === '!') {
      const k = next();
      if (k.kind !== 'id') throw new SelectorError(`found '${shown(k)}', expected: identifier after '!'`);
      checkKey(k.text);
      out.push({ key: k.text, op: 'DoesNotExist', values: [] });
    } else if (t.kind === 'id') {
      const key = t.text;
      checkKey(key);
      const opTok = peek();
      if (opTok.kind === 'end' || (opTok.kind === 'sym' && opTok.text === ',')) {
        out.push({ key, op: 'Exists', values: [] });
      } else if (opTok.kind === 'sym' && ['=', '==', '!=', '<', '>'].includes(opTok.text)) {
        next();
        const v = peek();
        let value = '';
        if (v.kind === 'id') value = next().text;
        else if (!(v.kind === 'end' || (v.kind === 'sym' && v.text === ','))) throw new SelectorError(`found '${shown(v)}', expected: identifier`);
        const op: Operator = opTok.text === '!=' ? 'NotEquals' : opTok.text === '<' ? 'LessThan' : opTok.text === '>' ? 'GreaterThan' : 'Equals';
        if ((op === 'LessThan' || op === 'GreaterThan') && !INTEGER.test(value)) {
          throw new SelectorError(`unable to parse requirement: values[0]: Invalid value: "${value}": for 'Gt', 'Lt' operators, the value must be an integer`);
        }
        if (op !== 'LessThan' && op !== 'GreaterThan') checkValue(key, value, 0);
        out.push({ key, op, values: [value] });
      } else if (opTok.kind === 'id' && (opTok.text === 'in' || opTok.text === 'notin')) {
        next();
        const open = next();
        if (!(open.kind === 'sym' && open.text === '(')) throw new SelectorError(`found '${shown(open)}', expected: '('`);
        const values: string[] = [];
        let expectValue = true;
        for (;;) {
          const v = next();
          if (v.kind === 'sym' && v.text === ')') {
            if (expectValue) values.push(''); // `()` and `(a,)` hold the empty value
            break;
          }
          if (v.kind === 'sym' && v.text === ',') {
            if (expectValue) values.push('');
            expectValue = true;
            continue;
          }
          if (v.kind !== 'id' || !expectValue) throw new SelectorError(`found '${shown(v)}', expected: ',' or ')'`);
          values.push(v.text);
          expectValue = false;
        }
        values.forEach((v, i) => {
          checkValue(key, v, i);
        });
        out.push({ key, op: opTok.text === 'in' ? 'In' : 'NotIn', values });
      } else {
        throw new SelectorError(`found '${shown(opTok)}', expected: in, notin, =, ==, !=, gt, lt`);
      }
    } else {
      throw new SelectorError(`found '${shown(t)}', expected: !, identifier, or 'end of string'`);
    }
    t = next();
    if (t.kind === 'end') return out;
    if (!(t.kind === 'sym' && t.text === ',')) throw new SelectorError(`found '${shown(t)}', expected: ',' or 'end of string'`);
  }
}

/** Requirement.String(): `k=v`, `k!=v`, `k in (a,b)` (values sorted), `k`, `!k`, `k>3`. */
function formatRequirement(r: Requirement): string {
  switch (r.op) {
    case 'Exists':
      return r.key;
    case 'DoesNotExist':
      return `!${r.key}`;
    case 'Equals':
      return `${r.key}=${r.values[0] ?? ''}`;
    case 'NotEquals':
      return `${r.key}!=${r.values[0] ?? ''}`;
    case 'GreaterThan':
      return `${r.key}>${r.values[0] ?? ''}`;
    case 'LessThan':
      return `${r.key}<${r.values[0] ?? ''}`;
    case 'In':
    case 'NotIn':
      return `${r.key} ${r.op === 'In' ? 'in' : 'notin'} (${[...new Set(r.values)].sort().join(',')})`;
  }
}

/** selector.String(): requirements sorted by key (stable), joined by commas. */
export function formatRequirements(sel: Selector): string {
  return [...sel]
    .map((r, i) => ({ r, i }))
    .sort((a, b) => (a.r.key < b.r.key ? -1 : a.r.key > b.r.key ? 1 : a.i - b.i))
    .map(({ r }) => formatRequirement(r))
    .join(',');
}

/** metav1.FormatLabelSelector: kubectl describe's `Selector:` text, `<none>` when empty or nil. */
export function formatSelector(sel: LabelSelector | undefined): string {
  let s: Selector | 'nothing';
  try {
    s = fromLabelSelector(sel);
  } catch {
    return '<error>';
  }
  const text = s === 'nothing' ? '' : formatRequirements(s);
  return text === '' ? '<none>' : text;
}

/** labels.FormatLabels: `a=b,c=d` sorted by key, `<none>` when empty (SELECTOR and LABELS columns). */
export function formatLabels(labels: Labels): string {
  const keys = Object.keys(labels ?? {}).sort();
  return keys.length === 0 ? '<none>' : keys.map((k) => `${k}=${labels![k]}`).join(',');
}

// ---- field selectors (fields.ParseSelector) ---------------------------------------------------

export interface FieldRequirement {
  field: string;
  value: string;
  negate: boolean;
}

/** Fields the apiserver accepts for every kind, plus the per-kind ones (XxxToSelectableFields). */
const SUPPORTED_FIELDS: Record<string, string[]> = {
  '*': ['metadata.name', 'metadata.namespace'],
  Pod: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  Node: ['spec.unschedulable'],
  Namespace: ['status.phase'],
  Secret: ['type'],
  ReplicaSet: ['status.replicas'],
  Event: ['involvedObject.name', 'involvedObject.kind', 'involvedObject.namespace', 'involvedObject.uid', 'reason', 'type', 'source'],
};

/** Splits on commas not escaped with a backslash (fields.splitTerms). */
function splitTerms(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      cur += c + text[i + 1];
      i++;
    } else if (c === ',') {
      out.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  out.push(cur);
  return out;
}

/** fields.UnescapeValue: `\\`, `\,` and `\=` are the only escapes. */
function unescapeValue(v: string, selector: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (c !== '\\') {
      if (c === ',' || c === '=') throw new SelectorError(`invalid selector: '${selector}'; unescaped '${c}' in value`);
      out += c;
      continue;
    }
    const n = v[i + 1];
    if (n !== '\\' && n !== ',' && n !== '=') throw new SelectorError(`invalid selector: '${selector}'; invalid escape sequence in value`);
    out += n;
    i++;
  }
  return out;
}

export function parseFieldSelector(text: string, kind: string): FieldRequirement[] {
  const out: FieldRequirement[] = [];
  const allowed = [...SUPPORTED_FIELDS['*']!, ...(SUPPORTED_FIELDS[kind] ?? [])];
  for (const raw of splitTerms(text)) {
    const part = raw.trim();
    if (part === '') continue;
    const m = /^([^=!]+?)\s*(!=|==|=)\s*(.*)$/s.exec(part);
    if (!m) throw new SelectorError(`invalid selector: '${text}'; can't understand '${part}'`);
    const field = m[1]!;
    if (!allowed.includes(field)) throw new SelectorError(`field label not supported: ${field}`);
    out.push({ field, value: unescapeValue(m[3]!, text), negate: m[2] === '!=' });
  }
  return out;
}

/** Fields that read as a Go bool (`false` when unset). */
const BOOL_FIELDS = new Set(['spec.unschedulable', 'spec.hostNetwork']);

function fieldValue(obj: KObject, path: string): string {
  let cur: unknown = obj;
  for (const p of path.split('.')) {
    cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
  }
  if (cur === undefined || cur === null) return BOOL_FIELDS.has(path) ? 'false' : '';
  return String(cur);
}

export function matchesFields(reqs: readonly FieldRequirement[], obj: KObject): boolean {
  for (const r of reqs) {
    const equal = fieldValue(obj, r.field) === r.value;
    if (equal === r.negate) return false;
  }
  return true;
}
