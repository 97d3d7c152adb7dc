// Lab scenario scripts (`labs/<lab>/lab.txt`): commands as a user types them, each followed by
// the output expected, compared line by line after trimming trailing spaces.
//
//   # a comment
//   $ cilia get nodes
//   NAME      STATUS   ROLES           AGE   VERSION
//   k8s-ctr   Ready    control-plane   {{age}}   v1.33.2
//   ...
//
// `...` on a line of its own matches any number of lines. `{{regex}}` inside a line is a regular
// expression; `{{age}}`, `{{ip}}`, `{{name}}`, `{{hex}}`, `{{num}}`, `{{any}}` are shorthands.
// `$ sleep 15` advances the lab's virtual clock. A command may end with `| grep X`, `| grep -v X`,
// `| grep -E 're'`, `| sort`, `| uniq -c`, `| wc -l`, `| head -n N`, `| tail -n N`.
// `[exit N]` as the last expected line checks the exit code (default: not checked).
// Lines starting with `# ` are comments anywhere; expected output that itself starts with `# `
// is written `{{#}} ...`.

export interface ScenarioStep {
  line: number;
  command: string;
  expected: string[];
  exitCode?: number;
}

const SHORTHANDS: Record<string, string> = {
  age: '(?:\\d+[smhdy])+|<invalid>|<unknown>',
  ip: '[0-9a-fA-F.:]+',
  name: '[a-z0-9]([-a-z0-9.]*[a-z0-9])?',
  hex: '[0-9a-f]+',
  num: '\\d+',
  any: '.*',
};

export function parseScenario(text: string): ScenarioStep[] {
  const steps: ScenarioStep[] = [];
  let current: ScenarioStep | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.startsWith('$ ')) {
      current = { line: i + 1, command: line.slice(2).trim(), expected: [] };
      steps.push(current);
      return;
    }
    if (!current) return; // preamble before the first command
    if (/^#( |$)/.test(line)) return; // a comment, wherever it stands
    const exit = /^\[exit (\d+)\]$/.exec(line.trim());
    if (exit) {
      current.exitCode = Number(exit[1]);
      return;
    }
    current.expected.push(line);
  });
  for (const s of steps) while (s.expected.length && s.expected.at(-1)!.trim() === '') s.expected.pop();
  return steps;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Compiles one expected line into a matcher. */
export function linePattern(expected: string): RegExp {
  let re = '';
  let i = 0;
  while (i < expected.length) {
    const open = expected.indexOf('{{', i);
    if (open < 0) {
      re += escapeRegex(expected.slice(i));
      break;
    }
    const close = expected.indexOf('}}', open + 2);
    if (close < 0) {
      re += escapeRegex(expected.slice(i));
      break;
    }
    // a regex may itself end in `}` (`[a-z]{5}}}`): extend over further braces
    let end = close;
    while (expected[end + 2] === '}') end++;
    re += escapeRegex(expected.slice(i, open));
    const body = expected.slice(open + 2, end);
    re += `(?:${SHORTHANDS[body] ?? body})`;
    i = end + 2;
  }
  return new RegExp(`^${re}$`);
}

/** Matches output lines against expected lines with `...` wildcards; returns the first mismatch or undefined. */
export function matchOutput(expected: string[], actual: string[]): { expectedIndex: number; actualIndex: number } | undefined {
  const exp = expected.map((l) => l.trimEnd());
  const act = actual.map((l) => l.trimEnd());
  while (act.length && act.at(-1) === '') act.pop();
  const patterns = exp.map((l) => (l === '...' ? undefined : linePattern(l)));
  let best = { expectedIndex: 0, actualIndex: 0 };
  const memo = new Set<string>();
  const go = (e: number, a: number): boolean => {
    const key = `${e},${a}`;
    if (memo.has(key)) return false;
    memo.add(key);
    if (e > best.expectedIndex || (e === best.expectedIndex && a > best.actualIndex)) best = { expectedIndex: e, actualIndex: a };
    if (e === patterns.length) return a === act.length;
    const p = patterns[e];
    if (p === undefined) {
      for (let k = a; k <= act.length; k++) if (go(e + 1, k)) return true;
      return false;
    }
    return a < act.length && p.test(act[a]!) && go(e + 1, a + 1);
  };
  return go(0, 0) ? undefined : best;
}

/** Applies the host-side pipe filters a scenario command may end with. */
export function applyFilters(output: string, filters: string[]): string {
  let lines = output.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const f of filters) {
    const argv = splitWords(f);
    const [cmd, ...args] = argv;
    if (cmd === 'grep' || cmd === 'egrep') {
      const invert = args.includes('-v');
      const ignoreCase = args.includes('-i');
      const pattern = args.filter((a) => !a.startsWith('-')).at(-1) ?? '';
      const re = new RegExp(cmd === 'egrep' || args.includes('-E') ? pattern : basicToExtended(pattern), ignoreCase ? 'i' : '');
      lines = lines.filter((l) => re.test(l) !== invert);
    } else if (cmd === 'sort') {
      lines = [...lines].sort();
      if (args.includes('-nr') || args.includes('-rn')) lines.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
      else if (args.includes('-r')) lines.reverse();
    } else if (cmd === 'uniq') {
      const out: string[] = [];
      for (let i = 0; i < lines.length; ) {
        let j = i;
        while (j < lines.length && lines[j] === lines[i]) j++;
        out.push(args.includes('-c') ? `${String(j - i).padStart(7)} ${lines[i]}` : lines[i]!);
        i = j;
      }
      lines = out;
    } else if (cmd === 'wc' && args.includes('-l')) {
      lines = [String(lines.length)];
    } else if (cmd === 'head' || cmd === 'tail') {
      const n = Number(args.find((a) => /^\d+$/.test(a)) ?? args.find((a) => /^-\d+$/.test(a))?.slice(1) ?? 10);
      lines = cmd === 'head' ? lines.slice(0, n) : lines.slice(-n);
    } else {
      throw new Error(`unsupported filter in scenario: ${f}`);
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** POSIX basic regular expressions (plain grep): `( ) { } + ? |` are literal unless escaped, where they are operators. */
export function basicToExtended(bre: string): string {
  let out = '';
  for (let i = 0; i < bre.length; i++) {
    const c = bre[i]!;
    if (c === '\\' && i + 1 < bre.length) {
      const n = bre[++i]!;
      out += '(){}+?|'.includes(n) ? n : `\\${n}`;
    } else out += '(){}+?|'.includes(c) ? `\\${c}` : c;
  }
  return out;
}

/** Shell-style word splitting with single and double quotes. */
export function splitWords(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let has = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && (text[i + 1] === '"' || text[i + 1] === '\\')) cur += text[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      has = true;
    } else if (c === ' ' || c === '\t') {
      if (cur || has) out.push(cur);
      cur = '';
      has = false;
    } else cur += c;
  }
  if (quote) throw new Error(`unterminated quote in: ${text}`);
  if (cur || has) out.push(cur);
  return out;
}

/** Splits `cmd | filter | filter` at pipes outside quotes. */
export function splitPipeline(command: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quote: string | undefined;
  for (const c of command) {
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '|') {
      parts.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  parts.push(cur.trim());
  return parts;
}
