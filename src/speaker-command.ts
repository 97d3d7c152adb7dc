// `cilia bgp speaker` and `cilia bgp vtysh`: the BGP speaker on its own, on real sockets, from an
// FRR-dialect configuration (bgpd's -l/-p meaning for --listen/--port), and a client for its
// control channel answering FRR's show commands.

import { FrrConfigError, runSpeaker, vtyshClient } from './bgp/standalone.ts';
import { RealClock } from './controller/clock.ts';

const USAGE_SPEAKER = 'usage: cilia bgp speaker --config FILE [--listen ADDR] [--port N] [--control PATH|HOST:PORT] [--log]';
const USAGE_VTYSH = "usage: cilia bgp vtysh --speaker PATH|HOST:PORT -c 'show ip bgp' [-c ...]";

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** Runs until SIGINT/SIGTERM; returns the exit code. */
export async function bgpSpeaker(argv: string[], err: (line: string) => void): Promise<number> {
  const configFile = option(argv, 'config');
  if (!configFile) {
    err(USAGE_SPEAKER);
    return 1;
  }
  const port = option(argv, 'port');
  if (port !== undefined && !/^\d+$/.test(port)) {
    err(`--port must be a number, not "${port}"`);
    return 1;
  }
  const clock = new RealClock();
  try {
    const running = await runSpeaker({
      configFile,
      ...(option(argv, 'listen') !== undefined ? { listen: option(argv, 'listen')! } : {}),
      ...(port !== undefined ? { port: Number(port) } : {}),
      ...(option(argv, 'control') !== undefined ? { control: option(argv, 'control')! } : {}),
      clock,
      ...(argv.includes('--log') ? { log: err } : {}),
    });
    err(`speaker: running, control ${running.control}`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await running.close('shutting down');
    return 0;
  } catch (e) {
    err(e instanceof FrrConfigError ? e.message : `speaker: ${(e as Error).message}`);
    return 1;
  } finally {
    clock.stop(); // timers of closed (or never started) sessions must not hold the process
  }
}

export async function bgpVtysh(argv: string[], out: (text: string) => void, err: (line: string) => void): Promise<number> {
  const speaker = option(argv, 'speaker');
  const commands = argv.flatMap((a, i) => (a === '-c' && argv[i + 1] !== undefined ? [argv[i + 1]!] : []));
  if (!speaker || commands.length === 0) {
    err(USAGE_VTYSH);
    return 1;
  }
  try {
    out(await vtyshClient({ speaker, command: commands }));
    return 0;
  } catch (e) {
    err(`vtysh: ${(e as Error).message}`);
    return 1;
  }
}
