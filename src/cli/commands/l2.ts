// L2 announcements: the per-agent `l2-announce` table (`cilium-dbg shell -- db/show l2-announce`)
// as `cilia l2 announcements [--node NAME]`, and `cilia lab reboot NODE [--for 60s]`, the lab
// action that takes a node down (host, links and agent) and brings it back.

import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import type { RegisterCommands } from './index.ts';

async function announcements(ctx: CliContext, node: string | undefined): Promise<number> {
  ctx.stdout(await ctx.client().debug<string>('l2/announce', node === undefined ? {} : { node }));
  return 0;
}

async function reboot(ctx: CliContext, node: string, downFor: string | undefined): Promise<number> {
  ctx.stdout(await ctx.client().action<string>('lab/reboot', downFor === undefined ? { node } : { node, for: downFor }));
  return 0;
}

/** The `lab` group, shared with other features' lab actions. */
function labGroup(program: Command): Command {
  return program.commands.find((c) => c.name() === 'lab') ?? program.command('lab').description('Act on the running lab');
}

export const registerL2Commands: RegisterCommands = (program, ctx, run) => {
  program
    .command('l2')
    .description('L2 announcements')
    .command('announcements')
    .description("One agent's l2-announce table: the IPs it answers ARP for, per interface (cilium-dbg shell -- db/show l2-announce)")
    .option('--node <name>', 'the node whose agent answers (default: the first node)')
    .action((o) => run(announcements(ctx, o.node)));
  labGroup(program)
    .command('reboot')
    .description('Take a node down (host, network, agent) and bring it back after a while; it releases nothing')
    .argument('<node>')
    .option('--for <duration>', 'how long the node stays down (Go duration)', undefined)
    .action((node: string, o) => run(reboot(ctx, node, o.for)));
};
