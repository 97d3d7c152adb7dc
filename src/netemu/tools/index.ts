// The commands every emulated host has, and `exec`: run a command line (through the shell) or an
// argv inside a host, bounded by an abort signal and/or a timeout on the network's Clock.

import { Collector, type Command, CommandRegistry, type ExecContext, Pipe } from '../exec.ts';
import type { Host } from '../host.ts';
import type { Network } from '../network.ts';
import { curlCommand } from './curl.ts';
import { ipCommand } from './ip.ts';
import { ncCommand } from './nc.ts';
import { arpingCommand, pingCommand } from './ping.ts';
import { Shell, shCommand, timeoutCommand } from './sh.ts';
import { arpCommand, sysctlCommand } from './sysarp.ts';
import { tcpdumpCommand } from './tcpdump.ts';
import { cat, cut, env, grep, head, hostname, seq, sort, tail, tr, uniq, wc } from './text.ts';

const DEFAULTS: [string, Command][] = [
  ['sh', shCommand],
  ['bash', shCommand],
  ['ash', shCommand],
  ['ip', ipCommand],
  ['arp', arpCommand],
  ['sysctl', sysctlCommand],
  ['ping', pingCommand],
  ['arping', arpingCommand],
  ['curl', curlCommand],
  ['nc', ncCommand],
  ['netcat', ncCommand],
  ['tcpdump', tcpdumpCommand],
  ['timeout', timeoutCommand],
  ['cat', cat],
  ['grep', grep],
  ['egrep', grep],
  ['sort', sort],
  ['uniq', uniq],
  ['head', head],
  ['tail', tail],
  ['wc', wc],
  ['cut', cut],
  ['tr', tr],
  ['seq', seq],
  ['hostname', hostname],
  ['env', env],
];

/** A registry with the standard tools; add host-specific commands with registerFor. */
export function defaultRegistry(): CommandRegistry {
  const r = new CommandRegistry();
  for (const [name, cmd] of DEFAULTS) r.register(name, cmd);
  return r;
}

export interface ExecOptions {
  registry: CommandRegistry;
  /** Ctrl-C. */
  signal?: AbortSignal;
  /** Stop after this much Clock time (virtual in scripted runs), like Ctrl-C at that moment. */
  timeoutMs?: number;
  stdin?: string;
  env?: Record<string, string>;
  /** stdout is a terminal (`exec -t`). */
  tty?: boolean;
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
  /** The timeout (not the command) ended the run. */
  timedOut: boolean;
}

/**
 * Runs `cmd` in `host`: a string is a shell command line, an array is an argv run as is
 * (`cilia exec POD -- CMD ARGS`). Unknown commands exit 127 with the shell's message.
 */
export async function exec(net: Network, host: Host, cmd: string | string[], opts: ExecOptions): Promise<ExecResult> {
  const stdout = new Collector(opts.onStdout);
  const stderr = new Collector(opts.onStderr);
  const stdin = new Pipe();
  if (opts.stdin !== undefined) stdin.write(opts.stdin);
  stdin.end();
  const ac = new AbortController();
  let timedOut = false;
  const onAbort = () => ac.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) ac.abort();
  const timer =
    opts.timeoutMs !== undefined
      ? net.clock.setTimeout(() => {
          timedOut = true;
          ac.abort();
        }, opts.timeoutMs)
      : undefined;
  const ctx: ExecContext = {
    net,
    host,
    clock: net.clock,
    argv: typeof cmd === 'string' ? ['sh', '-c', cmd] : cmd,
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...host.env, ...(opts.env ?? {}) },
    stdin,
    stdout,
    stderr,
    signal: ac.signal,
    registry: opts.registry,
    tty: opts.tty ?? false,
  };
  let code: number;
  try {
    if (typeof cmd === 'string') code = await new Shell(ctx, ['sh']).run(cmd, ctx);
    else {
      const c = cmd.length > 0 ? opts.registry.lookup(host, cmd[0]!) : undefined;
      if (!c) {
        const msg = `exec: "${cmd[0] ?? ''}": executable file not found in $PATH`;
        stderr.write(`${msg}\n`);
        code = 127;
      } else code = await c(ctx);
    }
  } finally {
    timer?.cancel();
    opts.signal?.removeEventListener('abort', onAbort);
  }
  return { stdout: stdout.text, stderr: stderr.text, code, timedOut };
}
