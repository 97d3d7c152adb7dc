// The `cilia` executable. Commands that run something (a lab, a scenario, a BGP speaker) are
// handled here, where everything may be imported; every other command is a client of the
// daemon API (src/cli).

import { TopologyError } from './lab/topology.ts';

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  if (i >= 0) return argv[i + 1];
  const eq = argv.find((a) => a.startsWith(`${name}=`));
  return eq?.slice(name.length + 1);
}

const VALUE_FLAGS = new Set(['--port', '--host', '--seed', '--data-dir']);

/** The first positional argument (not a flag, not a flag's value). */
function positional(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (VALUE_FLAGS.has(a)) i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

async function runLabCommand(sub: string, argv: string[]): Promise<number> {
  const dir = positional(argv) ?? 'labs/week5-bgp';
  if (sub === 'up') {
    const { labUp } = await import('./lab/daemon.ts');
    const port = flag(argv, '--port');
    if (port !== undefined && !/^\d+$/.test(port)) throw new TopologyError(`--port must be a number, not "${port}"`);
    return labUp({ dir, host: flag(argv, '--host'), port: port === undefined ? undefined : Number(port), seed: flag(argv, '--seed'), dataDir: flag(argv, '--data-dir'), verbose: argv.includes('-v') || argv.includes('--verbose') });
  }
  const { runScenarioCommand } = await import('./lab/scenario-command.ts');
  return runScenarioCommand(dir, { seed: flag(argv, '--seed'), verbose: argv.includes('-v') });
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, sub, ...rest] = argv;
  try {
    if (cmd === 'lab' && (sub === 'up' || sub === 'run')) return await runLabCommand(sub, rest);
    if (cmd === 'bgp' && (sub === 'speaker' || sub === 'vtysh')) {
      const { bgpSpeaker, bgpVtysh } = await import('./speaker-command.ts');
      const err = (line: string) => process.stderr.write(`${line}\n`);
      return sub === 'speaker' ? await bgpSpeaker(rest, err) : await bgpVtysh(rest, (t) => process.stdout.write(t), err);
    }
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    return 1;
  }
  const cli = await import('./cli/main.ts');
  return cli.main(argv);
}
