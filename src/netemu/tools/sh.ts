// The shell interpreter for the parsed subset (see shparse.ts). Pipelines run concurrently over
// Pipes; a process whose reader has gone gets SIGPIPE (its abort signal). Loops check for
// Ctrl-C every iteration, yield to the event loop, and stop after `MAX_LOOP_ITERATIONS` when
// nothing bounds them, so a runaway loop cannot hang the daemon.

import { setImmediate as yieldImmediate } from 'node:timers/promises';
import { type ExecContext, type Output, Pipe } from '../exec.ts';
import { sleepFor } from '../../controller/clock.ts';
import { type Cmd, type List, type Pipeline, type Redir, ShellSyntaxError, type Word, braceExpand, evalArith, parseShell } from './shparse.ts';

export const MAX_LOOP_ITERATIONS = 100_000;

/**
 * Virtual time a fork+exec of a command takes. It orders what real processes order by their
 * start-up cost: a server loop (`while true; do nc -l ...; done`) is listening again before a
 * client that had to wait for the server's FIN has started its next command.
 */
export const SPAWN_MS = 1;

interface IO {
  stdin: Pipe;
  stdout: Output;
  stderr: Output;
  signal: AbortSignal;
}

class ExitSignal {
  constructor(readonly status: number) {}
}

const DISCARD: Output = { write() {} };

/** How the shell names itself in errors: busybox ash in pods (`sh: x: not found`), bash elsewhere. */
function notFound(ctx: ExecContext, name: string): string {
  return ctx.host.kind === 'pod' ? `sh: ${name}: not found\n` : `bash: ${name}: command not found\n`;
}

export class Shell {
  private readonly vars: Record<string, string>;
  private readonly exported = new Set<string>();
  status = 0;
  private readonly pid: number;

  constructor(
    private readonly ctx: ExecContext,
    args: string[] = [],
  ) {
    this.pid = 100 + ctx.host.rng.int(32000);
    this.vars = { ...ctx.env };
    for (const k of Object.keys(ctx.env)) this.exported.add(k);
    args.forEach((a, i) => {
      this.vars[String(i)] = a;
    });
    this.vars['#'] = String(Math.max(0, args.length - 1));
  }

  async run(src: string, io: IO): Promise<number> {
    let list: List;
    try {
      list = parseShell(src);
    } catch (e) {
      if (e instanceof ShellSyntaxError) {
        io.stderr.write(`${this.ctx.host.kind === 'pod' ? 'sh' : 'bash'}: -c: ${e.message}\n`);
        return 2;
      }
      throw e;
    }
    try {
      return await this.list(list, io);
    } catch (e) {
      if (e instanceof ExitSignal) return e.status;
      if (e instanceof ShellSyntaxError) {
        io.stderr.write(`${this.ctx.host.kind === 'pod' ? 'sh' : 'bash'}: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
  }

  private async list(list: List, io: IO): Promise<number> {
    for (const ao of list) {
      if (io.signal.aborted) return 130;
      if (ao.background) {
        // a background job outlives the shell (as a separate process would) until it ends or
        // the exec's own signal stops it; bound it with `timeout` in scripts
        void this.andOr(ao, { ...io, stdin: emptyPipe() }).catch(() => {});
        this.status = 0;
        continue;
      }
      this.status = await this.andOr(ao, io);
    }
    return this.status;
  }

  private async andOr(ao: List[number], io: IO): Promise<number> {
    let st = await this.pipeline(ao.first, io);
    for (const [op, p] of ao.rest) {
      if (io.signal.aborted) return 130;
      if ((op === '&&' && st === 0) || (op === '||' && st !== 0)) st = await this.pipeline(p, io);
    }
    this.status = st;
    return st;
  }

  private async pipeline(p: Pipeline, io: IO): Promise<number> {
    let st: number;
    if (p.cmds.length === 1) st = await this.cmd(p.cmds[0]!, io);
    else {
      const n = p.cmds.length;
      const pipes = Array.from({ length: n - 1 }, () => new Pipe());
      const aborts = p.cmds.map(() => new AbortController());
      const onAbort = () => {
        for (const a of aborts) a.abort();
      };
      io.signal.addEventListener('abort', onAbort, { once: true });
      const runs = p.cmds.map(async (c, i) => {
        const out = i < n - 1 ? pipes[i]! : io.stdout;
        const code = await this.cmd(c, {
          stdin: i === 0 ? io.stdin : pipes[i - 1]!,
          stdout: out,
          stderr: io.stderr,
          signal: aborts[i]!.signal,
        });
        if (i < n - 1) pipes[i]!.end();
        if (i > 0) {
          // the reader is gone: the writer gets SIGPIPE
          pipes[i - 1]!.closed = true;
          aborts[i - 1]!.abort();
        }
        return code;
      });
      const codes = await Promise.all(runs);
      io.signal.removeEventListener('abort', onAbort);
      st = codes[n - 1]!;
    }
    return p.negate ? (st === 0 ? 1 : 0) : st;
  }

  private async cmd(c: Cmd, io: IO): Promise<number> {
    const redirected = await this.applyRedirs(c.redirs, io);
    if (typeof redirected === 'number') return redirected;
    const rio = redirected;
    switch (c.type) {
      case 'simple':
        return this.simple(c, rio);
      case 'group':
        return this.list(c.body, rio);
      case 'if': {
        for (const b of c.branches) {
          if ((await this.list(b.cond, rio)) === 0) return this.list(b.body, rio);
        }
        return c.otherwise ? this.list(c.otherwise, rio) : 0;
      }
      case 'while': {
        let st = 0;
        for (let n = 0; ; n++) {
          if (rio.signal.aborted) return 130;
          if (n >= MAX_LOOP_ITERATIONS) {
            rio.stderr.write(`sh: loop stopped after ${MAX_LOOP_ITERATIONS} iterations\n`);
            return 1;
          }
          const cond = await this.list(c.cond, rio);
          if ((cond === 0) === c.until || rio.signal.aborted) break;
          st = await this.list(c.body, rio);
          this.ctx.net.activity++;
          // let the rest of the daemon run now and then, even in a loop of builtins
          if (n % 64 === 63) await yieldImmediate();
        }
        return rio.signal.aborted ? 130 : st;
      }
      case 'for': {
        const items = c.items ? await this.expandWords(c.items, rio) : this.positional();
        let st = 0;
        for (const [i, item] of items.entries()) {
          if (rio.signal.aborted) return 130;
          this.vars[c.name] = item;
          st = await this.list(c.body, rio);
          this.ctx.net.activity++;
          if (i % 64 === 63) await yieldImmediate();
        }
        return st;
      }
    }
  }

  private positional(): string[] {
    const n = Number(this.vars['#'] ?? '0');
    return Array.from({ length: n }, (_, i) => this.vars[String(i + 1)] ?? '');
  }

  private async applyRedirs(redirs: Redir[], io: IO): Promise<IO | number> {
    let out = { ...io };
    for (const r of redirs) {
      const target = (await this.expandWords([r.target], io)).join(' ');
      if (r.op === '>&') {
        const fd = Number(target);
        const src = fd === 1 ? out.stdout : fd === 2 ? out.stderr : undefined;
        if (!src) {
          io.stderr.write(`sh: ${target}: Bad file descriptor\n`);
          return 1;
        }
        out = r.fd === 2 ? { ...out, stderr: src } : { ...out, stdout: src };
        continue;
      }
      if (r.op === '<') {
        const data = target === '/dev/null' ? new Uint8Array(0) : this.ctx.host.readFile(target);
        if (!data) {
          io.stderr.write(`sh: can't open ${target}: no such file\n`);
          return 1;
        }
        const p = new Pipe();
        p.write(new TextDecoder().decode(data));
        p.end();
        out = { ...out, stdin: p };
        continue;
      }
      const sink: Output = target === '/dev/null' ? DISCARD : this.fileOutput(target, r.op === '>>');
      if (r.fd === -1) out = { ...out, stdout: sink, stderr: sink };
      else if (r.fd === 2) out = { ...out, stderr: sink };
      else out = { ...out, stdout: sink };
    }
    return out;
  }

  private fileOutput(path: string, append: boolean): Output {
    const host = this.ctx.host;
    if (!append) host.writeFile(path, '');
    return { write: (s: string) => host.writeFile(path, s, true) };
  }

  private lookupVar(name: string): string {
    if (name === '?') return String(this.status);
    if (name === '$') return String(this.pid);
    if (name === 'RANDOM') return String(this.ctx.host.rng.int(32768));
    return this.vars[name] ?? '';
  }

  /** Expands words into fields: parameter and command substitution, splitting, brace expansion. */
  private async expandWords(words: Word[], io: IO): Promise<string[]> {
    const out: string[] = [];
    for (const w of words) {
      if (w.every((p) => p.k === 'lit' && !p.q)) {
        out.push(...braceExpand(w.map((p) => (p.k === 'lit' ? p.s : '')).join('')));
        continue;
      }
      const fields: string[] = [];
      let cur = '';
      let hasQuoted = false;
      for (const p of w) {
        let text: string;
        if (p.k === 'lit') text = p.s;
        else if (p.k === 'var') text = this.lookupVar(p.name);
        else if (p.k === 'arith') text = String(evalArith(p.expr, (n) => this.lookupVar(n)));
        else text = (await this.capture(p.list, io)).replace(/\n+$/, '');
        if (p.q || p.k === 'lit') {
          cur += text;
          if (p.q) hasQuoted = true;
          continue;
        }
        // unquoted expansion: IFS field splitting
        const parts = text.split(/[ \t\n]+/);
        if (parts.length === 1) {
          cur += parts[0];
          continue;
        }
        cur += parts[0];
        if (cur !== '') fields.push(cur);
        for (const mid of parts.slice(1, -1)) if (mid !== '') fields.push(mid);
        cur = parts[parts.length - 1]!;
      }
      if (cur !== '' || hasQuoted) fields.push(cur);
      out.push(...fields);
    }
    return out;
  }

  private async capture(list: List, io: IO): Promise<string> {
    let text = '';
    const saved = this.status;
    await this.list(list, { ...io, stdout: { write: (s) => (text += s) } });
    this.status = saved;
    return text;
  }

  private async simple(c: Extract<Cmd, { type: 'simple' }>, io: IO): Promise<number> {
    const argv = await this.expandWords(c.words, io);
    const assigned: [string, string][] = [];
    for (const [name, w] of c.assigns) assigned.push([name, (await this.expandWords([w], io)).join(' ')]);
    if (argv.length === 0) {
      for (const [k, v] of assigned) this.vars[k] = v;
      return 0;
    }
    const builtin = await this.builtin(argv, io, assigned);
    if (builtin !== undefined) return builtin;
    const cmd = this.ctx.registry.lookup(this.ctx.host, argv[0]!);
    if (!cmd) {
      io.stderr.write(notFound(this.ctx, argv[0]!));
      return 127;
    }
    if (!(await sleepFor(this.ctx.clock, SPAWN_MS, io.signal))) return 130;
    const env: Record<string, string> = {};
    for (const k of this.exported) if (this.vars[k] !== undefined) env[k] = this.vars[k]!;
    for (const [k, v] of assigned) env[k] = v;
    try {
      return await cmd({
        ...this.ctx,
        argv,
        env,
        stdin: io.stdin,
        stdout: io.stdout,
        stderr: io.stderr,
        signal: io.signal,
        tty: this.ctx.tty && io.stdout === this.ctx.stdout,
      });
    } catch (e) {
      if (e instanceof ExitSignal) throw e;
      io.stderr.write(`${argv[0]}: ${(e as Error).message}\n`);
      return 1;
    }
  }

  private async builtin(argv: string[], io: IO, assigned: [string, string][]): Promise<number | undefined> {
    const [name, ...args] = argv;
    switch (name) {
      case 'true':
      case ':':
        return 0;
      case 'false':
        return 1;
      case 'exit':
        throw new ExitSignal(args[0] !== undefined ? Number(args[0]) & 255 : this.status);
      case 'export':
      case 'readonly':
        for (const a of args) {
          const eq = a.indexOf('=');
          const k = eq < 0 ? a : a.slice(0, eq);
          if (eq >= 0) this.vars[k] = a.slice(eq + 1);
          this.exported.add(k);
        }
        for (const [k, v] of assigned) this.vars[k] = v;
        return 0;
      case 'unset':
        for (const a of args) {
          delete this.vars[a];
          this.exported.delete(a);
        }
        return 0;
      case 'cd':
        return 0;
      case 'echo':
        return echo(args, io.stdout);
      case 'printf':
        return printf(args, io);
      case 'sleep':
        return this.sleep(args, io);
      case 'read': {
        const line = await readLine(io.stdin, io.signal);
        if (line === undefined) return 1;
        const names = args.filter((a) => !a.startsWith('-'));
        const parts = line.trim().split(/\s+/);
        names.forEach((n, i) => {
          this.vars[n] = i === names.length - 1 ? parts.slice(i).join(' ') : (parts[i] ?? '');
        });
        return 0;
      }
      case 'test':
      case '[':
        return test(name === '[' ? args.slice(0, -1) : args);
      default:
        return undefined;
    }
  }

  private async sleep(args: string[], io: IO): Promise<number> {
    let ms = 0;
    for (const a of args) {
      const m = /^(\d+(?:\.\d+)?|\.\d+)([smhd]?)$/.exec(a);
      if (!m) {
        io.stderr.write(`sleep: invalid time interval '${a}'\n`);
        return 1;
      }
      ms += Number(m[1]) * { '': 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as '' | 's']!;
    }
    if (args.length === 0) {
      io.stderr.write('sleep: missing operand\n');
      return 1;
    }
    return (await sleepFor(this.ctx.clock, ms, io.signal)) ? 0 : 130;
  }
}

function emptyPipe(): Pipe {
  const p = new Pipe();
  p.end();
  return p;
}

async function readLine(stdin: Pipe, signal: AbortSignal): Promise<string | undefined> {
  for await (const line of stdin.lines(signal)) return line;
  return undefined;
}

/** `echo -e` escapes. */
export function unescapeEcho(s: string): { text: string; stop: boolean } {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\' || i + 1 >= s.length) {
      out += c;
      continue;
    }
    const n = s[++i]!;
    const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', a: '\x07', b: '\b', e: '\x1b', v: '\v', f: '\f' };
    if (n === 'c') return { text: out, stop: true };
    if (map[n] !== undefined) out += map[n];
    else if (n === '0') {
      const m = /^[0-7]{0,3}/.exec(s.slice(i + 1))![0];
      out += String.fromCharCode(Number.parseInt(m || '0', 8));
      i += m.length;
    } else out += `\\${n}`;
  }
  return { text: out, stop: false };
}

function echo(args: string[], out: Output): number {
  let newline = true;
  let escapes = false;
  let i = 0;
  for (; i < args.length && /^-[neE]+$/.test(args[i]!); i++) {
    for (const f of args[i]!.slice(1)) {
      if (f === 'n') newline = false;
      else if (f === 'e') escapes = true;
      else escapes = false;
    }
  }
  let text = args.slice(i).join(' ');
  if (escapes) {
    const u = unescapeEcho(text);
    text = u.text;
    if (u.stop) newline = false;
  }
  out.write(newline ? `${text}\n` : text);
  return 0;
}

function printf(args: string[], io: IO): number {
  if (args.length === 0) {
    io.stderr.write('printf: usage: printf format [arguments]\n');
    return 2;
  }
  const fmt = args[0]!;
  let rest = args.slice(1);
  let out = '';
  do {
    let used = 0;
    out += unescapeEcho(fmt).text.replace(/%(-?\d*)([sdx%])/g, (_m, width: string, conv: string) => {
      if (conv === '%') return '%';
      const v = rest[used++] ?? '';
      const s = conv === 'd' ? String(Number.parseInt(v || '0', 10) || 0) : conv === 'x' ? (Number(v) || 0).toString(16) : v;
      const w = Number(width || '0');
      return w < 0 ? s.padEnd(-w) : s.padStart(w);
    });
    rest = rest.slice(used);
    if (used === 0) break;
  } while (rest.length > 0);
  io.stdout.write(out);
  return 0;
}

function test(a: string[]): number {
  const t = (): boolean => {
    if (a.length === 0) return false;
    if (a[0] === '!') return !evalTest(a.slice(1));
    return evalTest(a);
  };
  return t() ? 0 : 1;
}

function evalTest(a: string[]): boolean {
  if (a.length === 1) return a[0] !== '';
  if (a.length === 2) {
    if (a[0] === '-z') return a[1] === '';
    if (a[0] === '-n') return a[1] !== '';
    return false;
  }
  const [l, op, r] = a as [string, string, string];
  switch (op) {
    case '=':
    case '==':
      return l === r;
    case '!=':
      return l !== r;
    case '-eq':
      return Number(l) === Number(r);
    case '-ne':
      return Number(l) !== Number(r);
    case '-lt':
      return Number(l) < Number(r);
    case '-le':
      return Number(l) <= Number(r);
    case '-gt':
      return Number(l) > Number(r);
    case '-ge':
      return Number(l) >= Number(r);
    default:
      return false;
  }
}

/** coreutils `timeout DURATION COMMAND...`: stops the command after DURATION (exit 124). */
export async function timeoutCommand(ctx: ExecContext): Promise<number> {
  // timeout's own options come before the duration (`-s SIGNAL`, `-k DURATION`, `--foreground`)
  const args = ctx.argv.slice(1);
  while (args.length > 0 && args[0]!.startsWith('-')) {
    const o = args.shift()!;
    if (o === '-s' || o === '-k') args.shift();
  }
  const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(args[0] ?? '');
  if (!m || args.length < 2) {
    ctx.stderr.write(m ? "timeout: missing operand\n" : `timeout: invalid time interval '${args[0] ?? ''}'\n`);
    return 125;
  }
  const ms = Number(m[1]) * { '': 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as '' | 's']!;
  const cmd = ctx.registry.lookup(ctx.host, args[1]!);
  if (!cmd) {
    ctx.stderr.write(`timeout: failed to run command '${args[1]}': No such file or directory\n`);
    return 127;
  }
  const ac = new AbortController();
  let expired = false;
  const t = ctx.clock.setTimeout(() => {
    expired = true;
    ac.abort();
  }, ms);
  const stop = () => ac.abort();
  ctx.signal.addEventListener('abort', stop, { once: true });
  try {
    const code = await cmd({ ...ctx, argv: args.slice(1), signal: ac.signal });
    return expired ? 124 : code;
  } finally {
    t.cancel();
    ctx.signal.removeEventListener('abort', stop);
  }
}

/** `sh -c 'script' [arg0 args...]`, `bash -c ...`. */
export async function shCommand(ctx: ExecContext): Promise<number> {
  const args = ctx.argv.slice(1);
  const i = args.indexOf('-c');
  if (i < 0 || args[i + 1] === undefined) {
    // interactive shells read the script from stdin
    const script = await ctx.stdin.readAll(ctx.signal);
    return new Shell(ctx, [ctx.argv[0]!]).run(script, ctx);
  }
  const shell = new Shell(ctx, [args[i + 2] ?? ctx.argv[0]!, ...args.slice(i + 3)]);
  return shell.run(args[i + 1]!, ctx);
}
