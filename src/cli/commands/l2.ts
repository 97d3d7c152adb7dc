// L2 announcements: the per-agent `l2-announce` table (`cilium-dbg shell -- db/show l2-announce`)
// as `cilia l2 announcements [--node NAME]`.

import type { CliContext } from '../context.ts';
import type { RegisterCommands } from './index.ts';

async function announcements(ctx: CliContext, node: string | undefined): Promise<number> {
  ctx.stdout(await ctx.client().debug<string>('l2/announce', node === undefined ? {} : { node }));
  return 0;
}

export const registerL2Commands: RegisterCommands = (program, ctx, run) => {
  program
    .command('l2')
    .description('L2 announcements')
    .command('announcements')
    .description("One agent's l2-announce table: the IPs it answers ARP for, per interface (cilium-dbg shell -- db/show l2-announce)")
    .option('--node <name>', 'the node whose agent answers (default: the first node)')
    .action((o) => run(announcements(ctx, o.node)));
};
