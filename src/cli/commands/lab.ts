// Actions on the running lab itself: `cilia lab reboot NODE [--for 60s]` takes a node down (host,
// network, kubelet, agent; it releases nothing) and brings it back.

import type { CliContext } from '../context.ts';
import type { RegisterCommands } from './index.ts';

async function reboot(ctx: CliContext, node: string, downFor: string | undefined): Promise<number> {
  ctx.stdout(await ctx.client().action<string>('lab/reboot', downFor === undefined ? { node } : { node, for: downFor }));
  return 0;
}

export const registerLabCommands: RegisterCommands = (program, ctx, run) => {
  program
    .command('lab')
    .description('Act on the running lab (`cilia lab up|run` start one)')
    .command('reboot')
    .description('Take a node down (host, network, kubelet, agent) and bring it back after a while; it releases nothing')
    .argument('<node>')
    .option('--for <duration>', 'how long the node stays down (default 60s)')
    .action((node: string, o) => run(reboot(ctx, node, o.for)));
};
