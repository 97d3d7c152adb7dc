// Processes inside emulated hosts: commands are async functions over an ExecContext (argv, env,
// stdin/stdout/stderr pipes, an abort signal for Ctrl-C/timeouts, the host). A registry maps
// names to commands; hosts may add their own (vtysh on the router, cilium-dbg on nodes).

import type { Clock } from '../controller/clock.ts';

import type { Host } from './host.ts';
import type { Network } from './network.ts';

/** A byte-less text pipe: writers append, one reader consumes chunks as they come. */
export class Pipe {
  private chunks: string[] = [];
  private waiters: (() => void)[] = [];
  private ended = false;
  /** Set when the reading side went away (EPIPE for writers). */
  closed = false;

  write(s: string): void {
    if (this.ended || this.closed || s.length === 0) return;
    this.chunks.push(s);
    this.wake();
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const fn of w) fn();
  }

  /** The next chunk, or undefined at end of input. */
  async read(signal?: AbortSignal): Promise<string | undefined> {
    while (this.chunks.length === 0) {
      if (this.ended || signal?.aborted) return undefined;
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    return this.chunks.shift();
  }

  /** Lines as they complete (the last one without a newline too). */
  async *lines(signal?: AbortSignal): AsyncGenerator<string> {
    let buf = '';
    for (;;) {
      const c = await this.read(signal);
      if (c === undefined) break;
      buf += c;
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        yield buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        nl = buf.indexOf('\n');
      }
    }
    if (buf.length > 0) yield buf;
  }

  async readAll(signal?: AbortSignal): Promise<string> {
    let out = '';
    for (;;) {
      const c = await this.read(signal);
      if (c === undefined) return out;
      out += c;
    }
  }
}

/** Where a process writes. */
export interface Output {
  write(s: string): void;
}

export interface ExecContext {
  net: Network;
  host: Host;
  clock: Clock;
  argv: string[];
  env: Record<string, string>;
  stdin: Pipe;
  stdout: Output;
  stderr: Output;
  /** Aborted on Ctrl-C or timeout; long-running commands stop and print their summary. */
  signal: AbortSignal;
  registry: CommandRegistry;
  /** stdout is a terminal (`exec -t`); curl then shows no progress meter. */
  tty: boolean;
}

/** A command returns its exit status. */
export type Command = (ctx: ExecContext) => Promise<number>;

export class CommandRegistry {
  private readonly commands = new Map<string, Command>();
  private readonly perHost = new Map<string, Map<string, Command>>();

  register(name: string, cmd: Command): void {
    this.commands.set(name, cmd);
  }

  /** A command only one host has (the router's vtysh, a node's cilium-dbg). */
  registerFor(hostName: string, name: string, cmd: Command): void {
    let m = this.perHost.get(hostName);
    if (!m) this.perHost.set(hostName, (m = new Map()));
    m.set(name, cmd);
  }

  lookup(host: Host, name: string): Command | undefined {
    const base = name.includes('/') ? name.slice(name.lastIndexOf('/') + 1) : name;
    return this.perHost.get(host.name)?.get(base) ?? this.commands.get(base);
  }

  names(host: Host): string[] {
    return [...new Set([...this.commands.keys(), ...(this.perHost.get(host.name)?.keys() ?? [])])].sort();
  }
}

/** Collects output as text and forwards it to an optional sink. */
export class Collector implements Output {
  text = '';
  constructor(private readonly sink?: (s: string) => void) {}
  write(s: string): void {
    this.text += s;
    this.sink?.(s);
  }
}

/** Parses `-abc`, `-n 5`, `-n5`, `--long=v`, `--long v` against a spec of options taking values. */
export interface ParsedArgs {
  flags: Map<string, string[]>;
  rest: string[];
}

export function parseArgs(
  argv: readonly string[],
  withValue: readonly string[],
  opts: { stopAtFirstPositional?: boolean } = {},
): ParsedArgs | string {
  const flags = new Map<string, string[]>();
  const rest: string[] = [];
  const add = (k: string, v: string) => {
    const list = flags.get(k) ?? [];
    list.push(v);
    flags.set(k, list);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a : a.slice(0, eq);
      if (withValue.includes(name)) {
        const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined) return `option '${name}' requires an argument`;
        add(name, v);
      } else add(name, '');
      continue;
    }
    if (a.startsWith('-') && a.length > 1 && !/^-[0-9]/.test(a)) {
      for (let j = 1; j < a.length; j++) {
        const name = `-${a[j]}`;
        if (withValue.includes(name)) {
          const v = j + 1 < a.length ? a.slice(j + 1) : argv[++i];
          if (v === undefined) return `option requires an argument -- '${a[j]}'`;
          add(name, v);
          break;
        }
        add(name, '');
      }
      continue;
    }
    rest.push(a);
    if (opts.stopAtFirstPositional) {
      rest.push(...argv.slice(i + 1));
      break;
    }
  }
  return { flags, rest };
}
