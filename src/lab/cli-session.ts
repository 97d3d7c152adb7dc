// The `cilia` CLI talking to a lab in the same process (scenario scripts, tests): commands go
// through the real command parser and API server; output is collected with stdout and stderr
// interleaved as a terminal shows them; the lab settles after each command.

import { ApiClient, InProcessTransport } from '../api/client.ts';
import { ApiServer } from '../api/server.ts';
import type { CliContext } from '../cli/context.ts';
import { runCli } from '../cli/main.ts';
import type { Lab } from './runtime.ts';

export interface CliResult {
  output: string;
  code: number;
}

export type LabCli = (argv: string[], stdin?: string) => Promise<CliResult>;

export function labCli(lab: Lab): LabCli {
  const client = new ApiClient(new InProcessTransport(new ApiServer(lab.store, lab.api.extensions())));
  return async (argv, stdin = '') => {
    let output = '';
    const ctx: CliContext = {
      client: () => client,
      stdout: (t) => (output += t),
      stderr: (t) => (output += t),
      now: () => lab.clock.now(),
      readStdin: async () => stdin,
      signal: new AbortController().signal,
    };
    const code = await runCli(argv, ctx);
    await lab.settle();
    return { output, code };
  };
}
