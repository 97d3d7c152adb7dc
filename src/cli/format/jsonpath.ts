// kubectl's JSONPath templates (k8s.io/client-go/util/jsonpath): text with `{...}` actions —
// field paths (`.status.loadBalancer.ingress[0].ip`), wildcards `[*]`, slices, filters
// `[?(@.type=="InternalIP")]`, `range`/`end`, and quoted literals (`{"\n"}`).

export class JsonPathError extends Error {}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'path'; steps: Step[] }
  | { kind: 'range'; steps: Step[]; body: Node[] };

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'wildcard' }
  | { kind: 'recursive'; name: string }
  | { kind: 'index'; start?: number; end?: number; single: boolean }
  | { kind: 'filter'; path: Step[]; op?: string; value?: string | number };

function parseSteps(expr: string): Step[] {
  const steps: Step[] = [];
  let i = 0;
  const s = expr.trim();
  if (s === '@' || s === '$') return steps;
  if (s[0] === '$' || s[0] === '@') i = 1;
  while (i < s.length) {
    if (s.startsWith('..', i)) {
      i += 2;
      const m = /^[A-Za-z0-9_-]+/.exec(s.slice(i));
      if (!m) throw new JsonPathError(`unrecognized identifier in ${expr}`);
      steps.push({ kind: 'recursive', name: m[0] });
      i += m[0].length;
    } else if (s[i] === '.') {
      i++;
      if (s[i] === '*') {
        steps.push({ kind: 'wildcard' });
        i++;
        continue;
      }
      let name = '';
      while (i < s.length && s[i] !== '.' && s[i] !== '[') {
        if (s[i] === '\\' && s[i + 1] === '.') i++;
        name += s[i++];
      }
      if (name) steps.push({ kind: 'field', name });
    } else if (s[i] === '[') {
      const close = findClose(s, i);
      const inner = s.slice(i + 1, close).trim();
      i = close + 1;
      if (inner === '*') steps.push({ kind: 'wildcard' });
      else if (inner.startsWith('?(')) steps.push(parseFilter(inner.slice(2, -1)));
      else if (/^'.*'$|^".*"$/.test(inner)) steps.push({ kind: 'field', name: inner.slice(1, -1) });
      else if (/^-?\d*(:-?\d*)?$/.test(inner)) {
        const [a, b] = inner.split(':');
        if (b === undefined) steps.push({ kind: 'index', start: Number(a), single: true });
        else steps.push({ kind: 'index', start: a ? Number(a) : undefined, end: b ? Number(b) : undefined, single: false });
      } else throw new JsonPathError(`invalid array index ${inner}`);
    } else {
      const m = /^[A-Za-z0-9_-]+/.exec(s.slice(i));
      if (!m) throw new JsonPathError(`unrecognized character in action: ${s.slice(i)}`);
      steps.push({ kind: 'field', name: m[0] });
      i += m[0].length;
    }
  }
  return steps;
}

function findClose(s: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let j = open; j < s.length; j++) {
    const c = s[j];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return j;
  }
  throw new JsonPathError('unterminated array');
}

function parseFilter(text: string): Step {
  const m = /^\s*(@[^=!<>\s]*)\s*(==|!=|<=|>=|<|>)?\s*(.*?)\s*$/.exec(text);
  if (!m) throw new JsonPathError(`unrecognized filter ${text}`);
  const path = parseSteps(m[1]!);
  if (!m[2]) return { kind: 'filter', path };
  const raw = m[3]!;
  const value = /^'.*'$|^".*"$/.test(raw) ? raw.slice(1, -1) : Number(raw);
  return { kind: 'filter', path, op: m[2], value };
}

function parseTemplate(tpl: string): Node[] {
  const root: Node[] = [];
  const stack: Node[][] = [root];
  let i = 0;
  while (i < tpl.length) {
    const open = tpl.indexOf('{', i);
    if (open < 0) {
      stack.at(-1)!.push({ kind: 'text', text: tpl.slice(i) });
      break;
    }
    if (open > i) stack.at(-1)!.push({ kind: 'text', text: tpl.slice(i, open) });
    let close = open + 1;
    let quote: string | undefined;
    for (; close < tpl.length; close++) {
      const c = tpl[close];
      if (quote) {
        if (c === '\\') close++;
        else if (c === quote) quote = undefined;
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '}') break;
    }
    if (close >= tpl.length) throw new JsonPathError(`unclosed action`);
    const action = tpl.slice(open + 1, close).trim();
    i = close + 1;
    if (/^".*"$|^'.*'$/s.test(action)) {
      stack.at(-1)!.push({ kind: 'text', text: unescapeLiteral(action.slice(1, -1)) });
    } else if (action.startsWith('range ')) {
      const node: Node = { kind: 'range', steps: parseSteps(action.slice(6)), body: [] };
      stack.at(-1)!.push(node);
      stack.push(node.body);
    } else if (action === 'end') {
      if (stack.length === 1) throw new JsonPathError('not in range, nothing to end');
      stack.pop();
    } else {
      stack.at(-1)!.push({ kind: 'path', steps: parseSteps(action) });
    }
  }
  return root;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'" };

function unescapeLiteral(s: string): string {
  return s.replace(/\\(.)/g, (m, c: string) => ESCAPES[c] ?? m);
}

function evalSteps(values: unknown[], steps: Step[]): unknown[] {
  let cur = values;
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      switch (step.kind) {
        case 'field':
          if (v && typeof v === 'object' && !Array.isArray(v) && step.name in (v as object)) next.push((v as Record<string, unknown>)[step.name]);
          break;
        case 'wildcard':
          if (Array.isArray(v)) next.push(...v);
          else if (v && typeof v === 'object') next.push(...Object.values(v));
          break;
        case 'recursive': {
          const walk = (x: unknown) => {
            if (Array.isArray(x)) x.forEach(walk);
            else if (x && typeof x === 'object') {
              for (const [k, y] of Object.entries(x)) {
                if (k === step.name) next.push(y);
                walk(y);
              }
            }
          };
          walk(v);
          break;
        }
        case 'index': {
          if (!Array.isArray(v)) break;
          const norm = (n: number) => (n < 0 ? v.length + n : n);
          if (step.single) {
            const idx = norm(step.start!);
            if (idx < 0 || idx >= v.length) throw new JsonPathError(`array index out of bounds: index ${step.start}, length ${v.length}`);
            next.push(v[idx]);
          } else next.push(...v.slice(step.start === undefined ? 0 : norm(step.start), step.end === undefined ? v.length : norm(step.end)));
          break;
        }
        case 'filter': {
          if (!Array.isArray(v)) break;
          for (const item of v) {
            const got = evalSteps([item], step.path);
            if (!step.op) {
              if (got.length > 0) next.push(item);
              continue;
            }
            const lhs = got[0];
            const rhs = step.value;
            const ok =
              step.op === '==' ? lhs === rhs || String(lhs) === String(rhs)
              : step.op === '!=' ? String(lhs) !== String(rhs)
              : typeof lhs === 'number' && typeof rhs === 'number'
                ? step.op === '<' ? lhs < rhs : step.op === '>' ? lhs > rhs : step.op === '<=' ? lhs <= rhs : lhs >= rhs
                : false;
            if (got.length > 0 && ok) next.push(item);
          }
          break;
        }
      }
    }
    cur = next;
  }
  return cur;
}

/** Maps print with sorted keys, as Go's encoding/json does for map[string]interface{}. */
function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${sortedJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

function print(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return sortedJson(v);
  return String(v);
}

/** Renders a kubectl `-o jsonpath=` template against an object (or List). */
export function jsonpath(template: string, data: unknown): string {
  const run = (nodes: Node[], ctx: unknown): string => {
    let out = '';
    for (const n of nodes) {
      if (n.kind === 'text') out += n.text;
      else if (n.kind === 'path') out += evalSteps([ctx], n.steps).map(print).join(' ');
      else for (const item of evalSteps([ctx], n.steps).flatMap((x) => (Array.isArray(x) ? x : [x]))) out += run(n.body, item);
    }
    return out;
  };
  return run(parseTemplate(template), data);
}
