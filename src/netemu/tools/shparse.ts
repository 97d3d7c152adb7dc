// A POSIX-shell subset parser, enough for the one-liners people type in the seeds:
// pipelines, `;` `&&` `||` `&`, `while/until ...; do ...; done`, `for x in ...; do ...; done`,
// `if/elif/else/fi`, `{ ...; }`, `( ... )`, quoting, `$VAR` `${VAR}` `$?` `$(...)` and
// backquotes, brace expansion `{1..100}` `{a,b}`, assignments and redirections.

export type WordPart =
  | { k: 'lit'; s: string; q: boolean }
  | { k: 'var'; name: string; q: boolean }
  | { k: 'sub'; list: List; q: boolean }
  | { k: 'arith'; expr: string; q: boolean };

export type Word = WordPart[];

export interface Redir {
  fd: number;
  op: '>' | '>>' | '<' | '>&';
  target: Word;
}

export type Cmd =
  | { type: 'simple'; assigns: [string, Word][]; words: Word[]; redirs: Redir[] }
  | { type: 'while'; until: boolean; cond: List; body: List; redirs: Redir[] }
  | { type: 'for'; name: string; items: Word[] | undefined; body: List; redirs: Redir[] }
  | { type: 'if'; branches: { cond: List; body: List }[]; otherwise: List | undefined; redirs: Redir[] }
  | { type: 'group'; body: List; subshell: boolean; redirs: Redir[] };

export interface Pipeline {
  cmds: Cmd[];
  negate: boolean;
}

export interface AndOr {
  first: Pipeline;
  rest: ['&&' | '||', Pipeline][];
  background: boolean;
}

export type List = AndOr[];

export class ShellSyntaxError extends Error {}

const RESERVED = new Set(['while', 'until', 'for', 'do', 'done', 'if', 'then', 'elif', 'else', 'fi', 'in', '{', '}', '!']);
const META = new Set([';', '&', '|', '(', ')', '<', '>', '\n']);

export function parseShell(src: string): List {
  const p = new Parser(src);
  const list = p.list([]);
  p.skipSpace(true);
  if (!p.eof()) throw new ShellSyntaxError(`syntax error near unexpected token \`${p.peekToken()}'`);
  return list;
}

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  eof(): boolean {
    return this.i >= this.s.length;
  }

  /** Skips blanks and comments; with `newlines`, newlines too. */
  skipSpace(newlines = false): void {
    for (;;) {
      const c = this.s[this.i];
      if (c === ' ' || c === '\t' || (newlines && c === '\n')) this.i++;
      else if (c === '\\' && this.s[this.i + 1] === '\n') this.i += 2;
      else if (c === '#' && (this.i === 0 || /\s/.test(this.s[this.i - 1]!))) {
        while (this.i < this.s.length && this.s[this.i] !== '\n') this.i++;
      } else return;
    }
  }

  peekToken(): string {
    const save = this.i;
    this.skipSpace();
    const op = this.operator();
    if (op) {
      this.i = save;
      return op === '\n' ? 'newline' : op;
    }
    const w = this.rawWord();
    this.i = save;
    return w ?? 'EOF';
  }

  private operator(): string | undefined {
    const two = this.s.slice(this.i, this.i + 2);
    if (two === '&&' || two === '||' || two === ';;') return two;
    const c = this.s[this.i];
    if (c !== undefined && (c === ';' || c === '&' || c === '|' || c === '(' || c === ')' || c === '\n')) return c;
    return undefined;
  }

  /** The unparsed text of the next word (for keyword checks). */
  private rawWord(): string | undefined {
    let j = this.i;
    while (j < this.s.length && !/\s/.test(this.s[j]!) && !META.has(this.s[j]!)) j++;
    return j > this.i ? this.s.slice(this.i, j) : undefined;
  }

  private atKeyword(...words: string[]): string | undefined {
    const save = this.i;
    this.skipSpace(true);
    const w = this.rawWord();
    this.i = save;
    return w !== undefined && words.includes(w) ? w : undefined;
  }

  private expectKeyword(word: string): void {
    this.skipSpace(true);
    const w = this.rawWord();
    if (w !== word) throw new ShellSyntaxError(`syntax error near unexpected token \`${w ?? 'EOF'}' (expected \`${word}')`);
    this.i += word.length;
  }

  /** A list ending at EOF, `)` or one of the terminator keywords. */
  list(terminators: string[]): List {
    const out: List = [];
    for (;;) {
      this.skipSpace(true);
      if (this.eof() || this.s[this.i] === ')' || this.atKeyword(...terminators)) return out;
      const ao = this.andOr();
      out.push(ao);
      this.skipSpace();
      const op = this.operator();
      if (op === ';' || op === '\n') this.i++;
      else if (op === '&') {
        this.i++;
        ao.background = true;
      } else if (op === ';;') throw new ShellSyntaxError("syntax error near unexpected token `;;'");
      else if (!this.eof() && this.s[this.i] !== ')' && !this.atKeyword(...terminators)) {
        throw new ShellSyntaxError(`syntax error near unexpected token \`${this.peekToken()}'`);
      }
    }
  }

  private andOr(): AndOr {
    const first = this.pipeline();
    const rest: ['&&' | '||', Pipeline][] = [];
    for (;;) {
      this.skipSpace();
      const op = this.operator();
      if (op !== '&&' && op !== '||') break;
      this.i += 2;
      this.skipSpace(true);
      rest.push([op, this.pipeline()]);
    }
    return { first, rest, background: false };
  }

  private pipeline(): Pipeline {
    this.skipSpace();
    let negate = false;
    if (this.rawWord() === '!') {
      negate = true;
      this.i++;
    }
    const cmds = [this.command()];
    for (;;) {
      this.skipSpace();
      if (this.s[this.i] === '|' && this.s[this.i + 1] !== '|') {
        this.i++;
        this.skipSpace(true);
        cmds.push(this.command());
      } else break;
    }
    return { cmds, negate };
  }

  private command(): Cmd {
    this.skipSpace();
    const kw = this.rawWord();
    let cmd: Cmd;
    if (kw === 'while' || kw === 'until') {
      this.i += kw.length;
      const cond = this.list(['do']);
      this.expectKeyword('do');
      const body = this.list(['done']);
      this.expectKeyword('done');
      cmd = { type: 'while', until: kw === 'until', cond, body, redirs: [] };
    } else if (kw === 'for') {
      this.i += 3;
      this.skipSpace();
      const name = this.rawWord();
      if (!name || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ShellSyntaxError(`\`${name ?? ''}': not a valid identifier`);
      this.i += name.length;
      let items: Word[] | undefined;
      if (this.atKeyword('in')) {
        this.expectKeyword('in');
        items = [];
        for (;;) {
          this.skipSpace();
          const op = this.operator();
          if (op === ';' || op === '\n') {
            this.i++;
            break;
          }
          if (this.atKeyword('do')) break;
          const w = this.word();
          if (!w) throw new ShellSyntaxError('syntax error in for list');
          items.push(w);
        }
      } else {
        this.skipSpace();
        if (this.s[this.i] === ';') this.i++;
      }
      this.expectKeyword('do');
      const body = this.list(['done']);
      this.expectKeyword('done');
      cmd = { type: 'for', name, items, body, redirs: [] };
    } else if (kw === 'if') {
      this.i += 2;
      const branches: { cond: List; body: List }[] = [];
      let otherwise: List | undefined;
      const cond = this.list(['then']);
      this.expectKeyword('then');
      branches.push({ cond, body: this.list(['elif', 'else', 'fi']) });
      for (;;) {
        const k = this.atKeyword('elif', 'else', 'fi');
        if (k === 'elif') {
          this.expectKeyword('elif');
          const c = this.list(['then']);
          this.expectKeyword('then');
          branches.push({ cond: c, body: this.list(['elif', 'else', 'fi']) });
        } else if (k === 'else') {
          this.expectKeyword('else');
          otherwise = this.list(['fi']);
        } else {
          this.expectKeyword('fi');
          break;
        }
      }
      cmd = { type: 'if', branches, otherwise, redirs: [] };
    } else if (kw === '{') {
      this.i++;
      const body = this.list(['}']);
      this.expectKeyword('}');
      cmd = { type: 'group', body, subshell: false, redirs: [] };
    } else if (this.s[this.i] === '(') {
      this.i++;
      const body = this.list([]);
      this.skipSpace(true);
      if (this.s[this.i] !== ')') throw new ShellSyntaxError("syntax error: expected `)'");
      this.i++;
      cmd = { type: 'group', body, subshell: true, redirs: [] };
    } else if (kw !== undefined && RESERVED.has(kw) && kw !== '!') {
      throw new ShellSyntaxError(`syntax error near unexpected token \`${kw}'`);
    } else {
      return this.simple();
    }
    for (;;) {
      this.skipSpace();
      const r = this.redirection();
      if (!r) break;
      cmd.redirs.push(r);
    }
    return cmd;
  }

  private simple(): Cmd {
    const assigns: [string, Word][] = [];
    const words: Word[] = [];
    const redirs: Redir[] = [];
    for (;;) {
      this.skipSpace();
      if (this.eof()) break;
      const r = this.redirection();
      if (r) {
        redirs.push(r);
        continue;
      }
      const c = this.s[this.i]!;
      if (META.has(c)) break;
      const m = words.length === 0 ? /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(this.s.slice(this.i)) : null;
      if (m) {
        this.i += m[0].length;
        assigns.push([m[1]!, this.word() ?? []]);
        continue;
      }
      const w = this.word();
      if (!w) break;
      words.push(w);
    }
    if (words.length === 0 && assigns.length === 0 && redirs.length === 0) {
      throw new ShellSyntaxError(`syntax error near unexpected token \`${this.peekToken()}'`);
    }
    return { type: 'simple', assigns, words, redirs };
  }

  private redirection(): Redir | undefined {
    const m = /^(\d?)(>>|>&|>|<|&>)/.exec(this.s.slice(this.i));
    if (!m) return undefined;
    this.i += m[0].length;
    this.skipSpace();
    const target = this.word();
    if (!target) throw new ShellSyntaxError('syntax error near unexpected token `newline\'');
    if (m[2] === '&>') return { fd: -1, op: '>', target };
    return { fd: m[1] ? Number(m[1]) : m[2] === '<' ? 0 : 1, op: m[2] as Redir['op'], target };
  }

  /** One word; undefined at a metacharacter or end. */
  word(): Word | undefined {
    const parts: Word = [];
    const lit = (s: string, q: boolean) => {
      const last = parts[parts.length - 1];
      if (last && last.k === 'lit' && last.q === q) last.s += s;
      else parts.push({ k: 'lit', s, q });
    };
    while (!this.eof()) {
      const c = this.s[this.i]!;
      if (c === ' ' || c === '\t' || META.has(c)) break;
      if (c === '\\') {
        const n = this.s[this.i + 1];
        this.i += 2;
        if (n !== undefined && n !== '\n') lit(n, true);
        continue;
      }
      if (c === "'") {
        const end = this.s.indexOf("'", this.i + 1);
        if (end < 0) throw new ShellSyntaxError("unexpected EOF while looking for matching `''");
        lit(this.s.slice(this.i + 1, end), true);
        this.i = end + 1;
        continue;
      }
      if (c === '"') {
        this.i++;
        this.doubleQuoted(parts, lit);
        continue;
      }
      if (c === '$' || c === '`') {
        const part = this.dollar(false);
        if (part) parts.push(part);
        else lit('$', false);
        continue;
      }
      lit(c, false);
      this.i++;
    }
    return parts.length > 0 ? parts : undefined;
  }

  private doubleQuoted(parts: Word, lit: (s: string, q: boolean) => void): void {
    // an empty "" still makes a word
    lit('', true);
    for (;;) {
      if (this.eof()) throw new ShellSyntaxError('unexpected EOF while looking for matching `"\'');
      const c = this.s[this.i]!;
      if (c === '"') {
        this.i++;
        return;
      }
      if (c === '\\') {
        const n = this.s[this.i + 1];
        if (n === '"' || n === '\\' || n === '$' || n === '`') {
          lit(n, true);
          this.i += 2;
        } else if (n === '\n') this.i += 2;
        else {
          lit('\\', true);
          this.i++;
        }
        continue;
      }
      if (c === '$' || c === '`') {
        const part = this.dollar(true);
        if (part) parts.push(part);
        else lit('$', true);
        continue;
      }
      lit(c, true);
      this.i++;
    }
  }

  private dollar(q: boolean): WordPart | undefined {
    const s = this.s;
    if (s[this.i] === '`') {
      const end = s.indexOf('`', this.i + 1);
      if (end < 0) throw new ShellSyntaxError('unexpected EOF while looking for matching ``\'');
      const inner = s.slice(this.i + 1, end);
      this.i = end + 1;
      return { k: 'sub', list: parseShell(inner), q };
    }
    const n = s[this.i + 1];
    if (n === '(' && s[this.i + 2] === '(') {
      // $(( arithmetic ))
      let depth = 0;
      for (let j = this.i + 3; j < s.length; j++) {
        if (s[j] === '(') depth++;
        else if (s[j] === ')') {
          if (depth === 0 && s[j + 1] === ')') {
            const expr = s.slice(this.i + 3, j);
            this.i = j + 2;
            return { k: 'arith', expr, q };
          }
          depth--;
        }
      }
      throw new ShellSyntaxError("unexpected EOF while looking for matching `))'");
    }
    if (n === '(') {
      this.i += 2;
      const sub = new Parser(s);
      sub.i = this.i;
      const list = sub.list([]);
      sub.skipSpace(true);
      if (s[sub.i] !== ')') throw new ShellSyntaxError("unexpected EOF while looking for matching `)'");
      this.i = sub.i + 1;
      return { k: 'sub', list, q };
    }
    if (n === '{') {
      const end = s.indexOf('}', this.i + 2);
      if (end < 0) throw new ShellSyntaxError("unexpected EOF while looking for matching `}'");
      const name = s.slice(this.i + 2, end);
      this.i = end + 1;
      return { k: 'var', name, q };
    }
    if (n !== undefined && /[?$#@*0-9!]/.test(n)) {
      this.i += 2;
      return { k: 'var', name: n, q };
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(this.i + 1));
    if (!m) {
      this.i++;
      return undefined;
    }
    this.i += 1 + m[0].length;
    return { k: 'var', name: m[0], q };
  }
}

/** Brace expansion of an unquoted literal: `{1..5}`, `{a,b}`, with prefix and suffix. */
export function braceExpand(s: string): string[] {
  const m = /^(.*?)\{(-?\d+)\.\.(-?\d+)\}(.*)$/.exec(s);
  if (m) {
    const a = Number(m[2]);
    const b = Number(m[3]);
    const step = a <= b ? 1 : -1;
    const out: string[] = [];
    // bounded like bash's own memory limits, but smaller: a runaway range is a typo
    if (Math.abs(b - a) > 1_000_000) return [s];
    for (let i = a; step > 0 ? i <= b : i >= b; i += step) {
      for (const rest of braceExpand(m[4]!)) out.push(`${m[1]}${i}${rest}`);
    }
    return out;
  }
  const c = /^(.*?)\{([^{}]*,[^{}]*)\}(.*)$/.exec(s);
  if (c) {
    const out: string[] = [];
    for (const alt of c[2]!.split(',')) for (const rest of braceExpand(c[3]!)) out.push(`${c[1]}${alt}${rest}`);
    return out;
  }
  return [s];
}

/** Shell arithmetic: integers, variables, + - * / % and parentheses (bash's $(( )) subset). */
export function evalArith(expr: string, lookup: (name: string) => string): number {
  const toks = expr.match(/\d+|[A-Za-z_][A-Za-z0-9_]*|\$[A-Za-z_][A-Za-z0-9_]*|[-+*/%()]/g) ?? [];
  if (toks.join('') !== expr.replace(/\s+/g, '')) throw new ShellSyntaxError(`${expr}: syntax error in expression`);
  let i = 0;
  const atom = (): number => {
    const t = toks[i++];
    if (t === undefined) throw new ShellSyntaxError(`${expr}: syntax error: operand expected`);
    if (t === '(') {
      const v = sum();
      if (toks[i++] !== ')') throw new ShellSyntaxError(`${expr}: missing )`);
      return v;
    }
    if (t === '-') return -atom();
    if (t === '+') return atom();
    if (/^\d+$/.test(t)) return Number(t);
    if (/^\$?[A-Za-z_]/.test(t)) return Math.trunc(Number(lookup(t.replace(/^\$/, ''))) || 0);
    throw new ShellSyntaxError(`${expr}: syntax error: operand expected`);
  };
  const product = (): number => {
    let v = atom();
    while (toks[i] === '*' || toks[i] === '/' || toks[i] === '%') {
      const op = toks[i++];
      const r = atom();
      if (op !== '*' && r === 0) throw new ShellSyntaxError(`${expr}: division by 0`);
      v = op === '*' ? v * r : op === '/' ? Math.trunc(v / r) : v % r;
    }
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (toks[i] === '+' || toks[i] === '-') v = toks[i++] === '+' ? v + product() : v - product();
    return v;
  };
  const v = sum();
  if (i !== toks.length) throw new ShellSyntaxError(`${expr}: syntax error in expression`);
  return v;
}
