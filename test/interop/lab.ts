// A network namespace with real BGP daemons (FRR bgpd, BIRD 2, GoBGP) and this speaker as a child
// process, on addresses of the namespace's loopback (the netns layout of ../shared/spec/bgp-peers.md).
// Control channels are files in the run directory, so queries need no `ip netns exec`.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vtyshClient } from '../../src/bgp/standalone.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Why these interop tests cannot run here, or undefined when they can. */
export function skipReason(tools: ('frr' | 'bird' | 'gobgp' | 'tshark')[]): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'needs root to create a network namespace';
  if (!which('ip')) return 'iproute2 is missing';
  const bins: Record<string, string> = { frr: '/usr/lib/frr/bgpd', bird: 'bird', gobgp: 'gobgpd', tshark: 'tshark' };
  for (const t of tools) {
    const b = bins[t]!;
    if (b.startsWith('/') ? !existsSync(b) : !which(b)) return `${t} is not installed (apt-get install frr bird2 gobgpd tshark)`;
  }
  const probe = `cilia-probe-${process.pid}`;
  if (spawnSync('ip', ['netns', 'add', probe]).status !== 0) return 'cannot create a network namespace here';
  spawnSync('ip', ['netns', 'del', probe]);
  return undefined;
}

export async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
      last = undefined;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface Daemon {
  proc: ChildProcess;
  log: string;
}

export class NetnsLab {
  readonly ns: string;
  readonly dir: string;
  private daemons: Daemon[] = [];

  private constructor(tag: string) {
    this.ns = `cilia-${tag}-${process.pid}`;
    this.dir = mkdtempSync(join(tmpdir(), `cilia-${tag}-`));
    chmodSync(this.dir, 0o755);
  }

  static create(tag: string, v4: string[], v6: string[] = []): NetnsLab {
    const lab = new NetnsLab(tag);
    const run = (...args: string[]) => {
      const r = spawnSync('ip', args, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
    };
    spawnSync('ip', ['netns', 'del', lab.ns], { stdio: 'ignore' });
    run('netns', 'add', lab.ns);
    run('-n', lab.ns, 'link', 'set', 'lo', 'up');
    for (const a of v4) run('-n', lab.ns, 'addr', 'add', `${a}/24`, 'dev', 'lo');
    for (const a of v6) run('-n', lab.ns, 'addr', 'add', `${a}/64`, 'dev', 'lo', 'nodad');
    return lab;
  }

  file(name: string, text: string): string {
    const p = join(this.dir, name);
    writeFileSync(p, text);
    return p;
  }

  /** Starts a command inside the namespace; its output goes to DIR/<name>.log. */
  spawn(name: string, argv: string[]): Daemon {
    const log = join(this.dir, `${name}.log`);
    const fd = openSync(log, 'a');
    const proc = spawn('ip', ['netns', 'exec', this.ns, ...argv], { stdio: ['ignore', fd, fd] });
    const d = { proc, log };
    this.daemons.push(d);
    return d;
  }

  /** Runs a command inside the namespace and returns its stdout. */
  exec(argv: string[]): string {
    return spawnSync('ip', ['netns', 'exec', this.ns, ...argv], { encoding: 'utf8' }).stdout;
  }

  /** FRR bgpd without zebra (bgp-peers.md §3.1); returns a vtysh runner. */
  frr(name: string, listen: string, conf: string): { daemon: Daemon; vtysh: (...cmds: string[]) => string } {
    const d = join(this.dir, name);
    spawnSync('mkdir', ['-p', d]);
    writeFileSync(join(d, 'bgpd.conf'), conf);
    writeFileSync(join(d, 'vtysh.conf'), '');
    const daemon = this.spawn(name, ['/usr/lib/frr/bgpd', '-f', join(d, 'bgpd.conf'), '-Z', '-S', '-l', listen, '-p', '179', '-P', '0', '--vty_socket', d, '-i', join(d, 'bgpd.pid')]);
    const vtysh = (...cmds: string[]) =>
      spawnSync('vtysh', ['--config_dir', d, '--vty_socket', d, '-d', 'bgpd', ...cmds.flatMap((c) => ['-c', c])], { encoding: 'utf8' }).stdout;
    return { daemon, vtysh };
  }

  /** BIRD 2 in the foreground (bgp-peers.md §3.2); returns a birdc runner. */
  bird(name: string, conf: string): { daemon: Daemon; birdc: (cmd: string) => string } {
    const c = this.file(`${name}.conf`, conf);
    const sock = join(this.dir, `${name}.ctl`);
    const daemon = this.spawn(name, ['bird', '-f', '-c', c, '-s', sock, '-P', join(this.dir, `${name}.pid`)]);
    const birdc = (cmd: string) => spawnSync('birdc', ['-s', sock, ...cmd.split(' ')], { encoding: 'utf8' }).stdout;
    return { daemon, birdc };
  }

  /** GoBGP (bgp-peers.md §3.3); returns a gobgp CLI runner. */
  gobgp(name: string, toml: string): { daemon: Daemon; gobgp: (...args: string[]) => string } {
    const c = this.file(`${name}.toml`, toml);
    const sock = join(this.dir, `${name}.sock`);
    const daemon = this.spawn(name, ['gobgpd', '-f', c, '--api-hosts', `unix://${sock}`, '--pprof-disable', '-p', '-l', 'info']);
    const gobgp = (...args: string[]) => spawnSync('gobgp', ['--target', `unix://${sock}`, ...args], { encoding: 'utf8' }).stdout;
    return { daemon, gobgp };
  }

  /** This speaker (`cilia bgp speaker`, through bench/bgp/speaker.mjs) with an FRR-dialect file. */
  speaker(name: string, conf: string, listen: string, port = 179): Speaker {
    const c = this.file(`${name}.conf`, conf);
    const control = join(this.dir, `${name}.sock`);
    const argv = [process.execPath, join(ROOT, 'bench/bgp/speaker.mjs'), '--config', c, '--listen', listen, '--port', String(port), '--control', control, '--log'];
    const s: Speaker = {
      daemon: this.spawn(name, argv),
      control,
      vtysh: (...cmds: string[]) => vtyshClient({ speaker: control, command: cmds }),
      json: async (cmd: string) => JSON.parse(await vtyshClient({ speaker: control, command: cmd })),
      restart: () => {
        s.daemon = this.spawn(name, argv);
        return s;
      },
    };
    return s;
  }

  /** Signals a daemon we started (by its pid, never by name). */
  signal(d: Daemon, sig: NodeJS.Signals): void {
    const pid = d.proc.pid;
    if (pid === undefined) return;
    // `ip netns exec` execs the command, so the pid is the daemon's own
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }

  /** Stops a daemon we started (SIGINT lets tshark flush its capture file). */
  async stop(d: Daemon, sig: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (d.proc.exitCode !== null || d.proc.signalCode !== null) return;
    const gone = new Promise((r) => d.proc.once('exit', r));
    this.signal(d, sig);
    const t = setTimeout(() => this.signal(d, 'SIGKILL'), 5000);
    await gone;
    clearTimeout(t);
  }

  /**
   * Stops a capture once dumpcap has written what it holds: it hands packets over in batches
   * and drops the last one on interrupt, so wait until the file stops growing.
   */
  async stopCapture(d: Daemon, file: string): Promise<void> {
    let last = -1;
    let still = 0;
    await until('the capture to settle', () => {
      const size = existsSync(file) ? statSync(file).size : 0;
      still = size === last && size > 400 ? still + 1 : 0;
      last = size;
      return still >= 4;
    });
    await this.stop(d, 'SIGINT');
  }

  log(d: Daemon): string {
    return existsSync(d.log) ? readFileSync(d.log, 'utf8') : '';
  }

  async close(): Promise<void> {
    for (const d of this.daemons) await this.stop(d);
    spawnSync('ip', ['netns', 'del', this.ns]);
    if (!process.env.CILIA_KEEP_INTEROP) rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface Speaker {
  daemon: Daemon;
  control: string;
  vtysh: (...cmds: string[]) => Promise<string>;
  json: (cmd: string) => Promise<Record<string, any>>; // vtysh json is untyped by nature
  restart: () => Speaker;
}
