// Text filters used in the seed one-liners: cat, grep/egrep, sort, uniq, head, tail, wc, cut,
// tr, seq, hostname, env. Each streams its stdin line by line where the real tool does.

import { fmtAddr } from '../addr.ts';
import { type ExecContext, parseArgs } from '../exec.ts';
import { sleepFor } from '../../controller/clock.ts';

const dec = new TextDecoder();

/** Input lines: the named files (from the host's files) or stdin. */
async function* inputLines(ctx: ExecContext, files: string[], tool: string): AsyncGenerator<string> {
  if (files.length === 0 || (files.length === 1 && files[0] === '-')) {
    yield* ctx.stdin.lines(ctx.signal);
    return;
  }
  for (const f of files) {
    const data = ctx.host.readFile(f);
    if (!data) {
      ctx.stderr.write(`${tool}: ${f}: No such file or directory\n`);
      continue;
    }
    const text = dec.decode(data);
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    yield* lines;
  }
}

export async function cat(ctx: ExecContext): Promise<number> {
  const files = ctx.argv.slice(1).filter((a) => a !== '-' || ctx.argv.length === 2);
  if (files.length === 0) {
    for (;;) {
      const c = await ctx.stdin.read(ctx.signal);
      if (c === undefined) return 0;
      ctx.stdout.write(c);
    }
  }
  let st = 0;
  for (const f of files) {
    const data = ctx.host.readFile(f);
    if (!data) {
      ctx.stderr.write(`cat: ${f}: No such file or directory\n`);
      st = 1;
      continue;
    }
    ctx.stdout.write(dec.decode(data));
  }
  return st;
}

/** Translates a POSIX/GNU regex to a JS RegExp (BRE `\|`, `\(` and classes like `[[:digit:]]`). */
function toJsRegex(pattern: string, mode: 'basic' | 'extended' | 'perl' | 'fixed', flags: string): RegExp {
  let p = pattern;
  if (mode === 'fixed') p = p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  else {
    p = p
      .replace(/\[:digit:\]/g, '0-9')
      .replace(/\[:alpha:\]/g, 'A-Za-z')
      .replace(/\[:alnum:\]/g, 'A-Za-z0-9')
      .replace(/\[:space:\]/g, '\\s')
      .replace(/\[:upper:\]/g, 'A-Z')
      .replace(/\[:lower:\]/g, 'a-z');
    if (mode === 'basic') {
      // BRE: \| \( \) \{ \} \+ \? are operators, bare ones are literals
      p = p.replace(/\\([|(){}+?])|([|(){}+?])/g, (_m, op: string | undefined, lit: string | undefined) =>
        op !== undefined ? op : `\\${lit}`,
      );
    }
  }
  return new RegExp(p, flags);
}

export async function grep(ctx: ExecContext): Promise<number> {
  const tool = ctx.argv[0]!.endsWith('egrep') ? 'egrep' : 'grep';
  const argv = ctx.argv.slice(1).flatMap((a) => (/^-[ABC]\d+$/.test(a) ? [a.slice(0, 2), a.slice(2)] : [a]));
  const parsed = parseArgs(argv, ['-e', '-m', '-A', '-B', '-C', '--regexp', '--max-count']);
  if (typeof parsed === 'string') {
    ctx.stderr.write(`${tool}: ${parsed}\nUsage: grep [OPTION]... PATTERNS [FILE]...\n`);
    return 2;
  }
  const f = parsed.flags;
  const has = (...k: string[]) => k.some((x) => f.has(x));
  const patterns = [...(f.get('-e') ?? []), ...(f.get('--regexp') ?? [])];
  const rest = [...parsed.rest];
  if (patterns.length === 0) {
    const p = rest.shift();
    if (p === undefined) {
      ctx.stderr.write("Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n");
      return 2;
    }
    patterns.push(...p.split('\n'));
  }
  const mode = has('-F', '--fixed-strings') ? 'fixed' : has('-P', '--perl-regexp') ? 'perl' : tool === 'egrep' || has('-E', '--extended-regexp') ? 'extended' : 'basic';
  const ci = has('-i', '--ignore-case');
  let res: RegExp[];
  try {
    res = patterns.map((p) => {
      const src = has('-w', '--word-regexp') ? `(?<![A-Za-z0-9_])(?:${p})(?![A-Za-z0-9_])` : p;
      return toJsRegex(src, mode, `${ci ? 'i' : ''}g`);
    });
  } catch {
    ctx.stderr.write(`${tool}: Unmatched ( or \\(\n`);
    return 2;
  }
  const invert = has('-v', '--invert-match');
  const only = has('-o', '--only-matching');
  const count = has('-c', '--count');
  const quiet = has('-q', '--quiet', '--silent');
  const max = Number(f.get('-m')?.[0] ?? f.get('--max-count')?.[0] ?? Number.POSITIVE_INFINITY);
  const ctxN = (k: string) => Number(f.get(k)?.[0] ?? f.get('-C')?.[0] ?? 0);
  const after = ctxN('-A');
  const before = ctxN('-B');
  let n = 0;
  // context lines (-A/-B/-C): groups that do not touch are separated by "--"
  const behind: string[] = [];
  let trailing = 0;
  let lastPrinted = -1;
  let lineNo = -1;
  const emit = (line: string, no: number) => {
    if (lastPrinted >= 0 && no > lastPrinted + 1 && (after > 0 || before > 0)) ctx.stdout.write('--\n');
    ctx.stdout.write(`${line}\n`);
    lastPrinted = no;
  };
  for await (const line of inputLines(ctx, rest, tool)) {
    lineNo++;
    let matched = false;
    const pieces: string[] = [];
    for (const re of res) {
      re.lastIndex = 0;
      if (only && !invert) {
        for (const m of line.matchAll(re)) {
          if (m[0] !== '') pieces.push(m[0]);
          matched = true;
        }
      } else if (re.test(line)) matched = true;
    }
    if (matched === invert) {
      if (trailing > 0 && !count && !quiet) {
        emit(line, lineNo);
        trailing--;
      } else if (before > 0) {
        behind.push(line);
        if (behind.length > before) behind.shift();
      }
      continue;
    }
    n++;
    if (quiet) return 0;
    if (!count) {
      for (const [i, b] of behind.entries()) emit(b, lineNo - behind.length + i);
      behind.length = 0;
      if (only && !invert) for (const p of pieces) ctx.stdout.write(`${p}\n`);
      else emit(line, lineNo);
      trailing = after;
    }
    if (n >= max) break;
  }
  if (count) ctx.stdout.write(`${n}\n`);
  return n > 0 ? 0 : 1;
}

/** The sort key of a line for `-k N[,M]` with separator `-t`. */
function sortKey(line: string, key: string | undefined, sep: string | undefined): string {
  if (!key) return line;
  const m = /^(\d+)(?:,(\d+))?/.exec(key);
  if (!m) return line;
  const from = Number(m[1]) - 1;
  const to = m[2] ? Number(m[2]) : undefined;
  const fields = sep !== undefined ? line.split(sep) : line.trim().split(/\s+/);
  return fields.slice(from, to).join(sep ?? ' ');
}

export async function sort(ctx: ExecContext): Promise<number> {
  const parsed = parseArgs(ctx.argv.slice(1), ['-k', '-t']);
  if (typeof parsed === 'string') {
    ctx.stderr.write(`sort: ${parsed}\n`);
    return 2;
  }
  const f = parsed.flags;
  const numeric = f.has('-n') || f.has('-g') || f.has('-h');
  const reverse = f.has('-r');
  const unique = f.has('-u');
  const key = f.get('-k')?.[0];
  const sep = f.get('-t')?.[0];
  const lines: string[] = [];
  for await (const l of inputLines(ctx, parsed.rest, 'sort')) lines.push(l);
  const num = (s: string) => {
    const m = /^\s*(-?\d+(?:\.\d+)?)/.exec(s);
    return m ? Number(m[1]) : 0;
  };
  // GNU sort compares whole lines as the last resort, byte order (LC_ALL=C in containers)
  const byte = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  lines.sort((a, b) => {
    const ka = sortKey(a, key, sep);
    const kb = sortKey(b, key, sep);
    const c = numeric ? num(ka) - num(kb) || byte(a, b) : byte(ka, kb) || byte(a, b);
    return reverse ? -c : c;
  });
  let prev: string | undefined;
  for (const l of lines) {
    if (unique && prev !== undefined && (numeric ? num(l) === num(prev) : l === prev)) continue;
    ctx.stdout.write(`${l}\n`);
    prev = l;
  }
  return 0;
}

export async function uniq(ctx: ExecContext): Promise<number> {
  const parsed = parseArgs(ctx.argv.slice(1), []);
  if (typeof parsed === 'string') {
    ctx.stderr.write(`uniq: ${parsed}\n`);
    return 1;
  }
  const count = parsed.flags.has('-c');
  const dupOnly = parsed.flags.has('-d');
  const uniqOnly = parsed.flags.has('-u');
  let prev: string | undefined;
  let n = 0;
  const flush = () => {
    if (prev === undefined) return;
    if ((dupOnly && n < 2) || (uniqOnly && n > 1)) return;
    // GNU uniq -c: the count right-aligned in 7 columns, then a space
    ctx.stdout.write(count ? `${String(n).padStart(7)} ${prev}\n` : `${prev}\n`);
  };
  for await (const l of inputLines(ctx, parsed.rest, 'uniq')) {
    if (l === prev) {
      n++;
      continue;
    }
    flush();
    prev = l;
    n = 1;
  }
  flush();
  return 0;
}

function countArg(ctx: ExecContext, tool: string): { n: number; files: string[] } | undefined {
  const args = ctx.argv.slice(1).map((a) => (/^-\d+$/.test(a) ? `-n${a.slice(1)}` : a));
  const parsed = parseArgs(args, ['-n', '-c']);
  if (typeof parsed === 'string') {
    ctx.stderr.write(`${tool}: ${parsed}\n`);
    return undefined;
  }
  const v = parsed.flags.get('-n')?.[0] ?? '10';
  if (!/^\+?\d+$/.test(v)) {
    ctx.stderr.write(`${tool}: invalid number of lines: '${v}'\n`);
    return undefined;
  }
  return { n: Number(v.replace('+', '')), files: parsed.rest };
}

export async function head(ctx: ExecContext): Promise<number> {
  const a = countArg(ctx, 'head');
  if (!a) return 1;
  let i = 0;
  if (a.n === 0) return 0;
  for await (const l of inputLines(ctx, a.files, 'head')) {
    ctx.stdout.write(`${l}\n`);
    if (++i >= a.n) break;
  }
  return 0;
}

export async function tail(ctx: ExecContext): Promise<number> {
  const follow = ctx.argv.includes('-f') || ctx.argv.includes('-F');
  const a = countArg({ ...ctx, argv: ctx.argv.filter((x) => x !== '-f' && x !== '-F') }, 'tail');
  if (!a) return 1;
  const ring: string[] = [];
  const files = a.files.filter((f) => f !== '/dev/null');
  if (a.files.length === 0 || files.length > 0) {
    for await (const l of inputLines(ctx, files, 'tail')) {
      ring.push(l);
      if (ring.length > a.n) ring.shift();
    }
  }
  for (const l of ring) ctx.stdout.write(`${l}\n`);
  // -f on a file: nothing more is ever appended here, so follow until interrupted
  if (follow && a.files.length > 0) await sleepFor(ctx.clock, Number.POSITIVE_INFINITY, ctx.signal);
  return ctx.signal.aborted ? 130 : 0;
}

export async function wc(ctx: ExecContext): Promise<number> {
  const parsed = parseArgs(ctx.argv.slice(1), []);
  if (typeof parsed === 'string') {
    ctx.stderr.write(`wc: ${parsed}\n`);
    return 1;
  }
  let lines = 0;
  let words = 0;
  let chars = 0;
  for await (const l of inputLines(ctx, parsed.rest, 'wc')) {
    lines++;
    words += l.split(/\s+/).filter(Boolean).length;
    chars += Buffer.byteLength(l) + 1;
  }
  const f = parsed.flags;
  const picked = [f.has('-l') ? lines : undefined, f.has('-w') ? words : undefined, f.has('-c') || f.has('-m') ? chars : undefined].filter(
    (x): x is number => x !== undefined,
  );
  if (picked.length === 1) ctx.stdout.write(`${picked[0]}\n`);
  else {
    const all = picked.length > 0 ? picked : [lines, words, chars];
    ctx.stdout.write(`${all.map((x) => String(x).padStart(7)).join(' ')}\n`);
  }
  return 0;
}

export async function cut(ctx: ExecContext): Promise<number> {
  const parsed = parseArgs(ctx.argv.slice(1), ['-d', '-f', '-c']);
  if (typeof parsed === 'string' || (!parsed.flags.has('-f') && !parsed.flags.has('-c'))) {
    ctx.stderr.write('cut: you must specify a list of bytes, characters, or fields\n');
    return 1;
  }
  const sel = (spec: string, len: number): number[] => {
    const out: number[] = [];
    for (const part of spec.split(',')) {
      const m = /^(\d*)(-?)(\d*)$/.exec(part);
      if (!m) continue;
      const a = m[1] ? Number(m[1]) : 1;
      const b = m[2] ? (m[3] ? Number(m[3]) : len) : a;
      for (let i = a; i <= Math.min(b, len); i++) out.push(i - 1);
    }
    return out;
  };
  const sep = parsed.flags.get('-d')?.[0] ?? '\t';
  for await (const l of inputLines(ctx, parsed.rest, 'cut')) {
    if (parsed.flags.has('-c')) {
      ctx.stdout.write(`${sel(parsed.flags.get('-c')![0]!, l.length).map((i) => l[i]).join('')}\n`);
      continue;
    }
    const fields = l.split(sep);
    if (fields.length === 1) {
      ctx.stdout.write(`${l}\n`);
      continue;
    }
    ctx.stdout.write(`${sel(parsed.flags.get('-f')![0]!, fields.length).map((i) => fields[i]).join(sep)}\n`);
  }
  return 0;
}

export async function tr(ctx: ExecContext): Promise<number> {
  const args = ctx.argv.slice(1);
  const del = args[0] === '-d';
  const sets = del ? args.slice(1) : args;
  const expand = (s: string) =>
    s.replace(/(.)-(.)/g, (_m, a: string, b: string) => {
      let r = '';
      for (let c = a.charCodeAt(0); c <= b.charCodeAt(0); c++) r += String.fromCharCode(c);
      return r;
    }).replace(/\\n/g, '\n');
  const from = expand(sets[0] ?? '');
  const to = expand(sets[1] ?? '');
  if (!from || (!del && !to)) {
    ctx.stderr.write('tr: missing operand\n');
    return 1;
  }
  for (;;) {
    const c = await ctx.stdin.read(ctx.signal);
    if (c === undefined) return 0;
    let out = '';
    for (const ch of c) {
      const i = from.indexOf(ch);
      if (i < 0) out += ch;
      else if (!del) out += to[Math.min(i, to.length - 1)];
    }
    ctx.stdout.write(out);
  }
}

export async function seq(ctx: ExecContext): Promise<number> {
  const nums = ctx.argv.slice(1).map(Number);
  if (nums.length === 0 || nums.some((n) => !Number.isFinite(n))) {
    ctx.stderr.write('seq: missing operand\n');
    return 1;
  }
  const [first, step, last] = nums.length === 1 ? [1, 1, nums[0]!] : nums.length === 2 ? [nums[0]!, 1, nums[1]!] : (nums as [number, number, number]);
  if (step === 0) return 1;
  for (let i = first, n = 0; step > 0 ? i <= last : i >= last; i += step, n++) {
    if (n >= 1_000_000 || ctx.signal.aborted) break;
    ctx.stdout.write(`${i}\n`);
  }
  return 0;
}

export async function hostname(ctx: ExecContext): Promise<number> {
  if (ctx.argv[1] === '-I') {
    const addrs = ctx.host
      .allAddrs()
      .filter((x) => x.dev.kind !== 'loopback' && x.a.scope === 0)
      .map((x) => x.a.addr);
    ctx.stdout.write(`${addrs.map(fmtAddr).join(' ')} \n`);
    return 0;
  }
  ctx.stdout.write(`${ctx.host.hostname}\n`);
  return 0;
}

export async function env(ctx: ExecContext): Promise<number> {
  for (const [k, v] of Object.entries(ctx.env)) ctx.stdout.write(`${k}=${v}\n`);
  return 0;
}
