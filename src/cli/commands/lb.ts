// cilium-dbg's load-balancing views (`service list`, `bpf lb list`, `bpf socknat list`,
// `bpf ct list global`, `bpf nat list`, `map list`, `map get`) for one node's agent; `--node`
// picks the node (default: the first).

import type { Command } from 'commander';
import { type CliContext, CliError } from '../context.ts';
import type { RegisterCommands } from './index.ts';

async function printView(ctx: CliContext, name: string, params: Record<string, string | undefined>): Promise<number> {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined) clean[k] = v;
  ctx.stdout(await ctx.client().debug<string>(name, clean));
  return 0;
}

const nodeOption = (cmd: Command) => cmd.option('--node <name>', "the node whose agent answers (default: the first node)");

export const registerLbCommands: RegisterCommands = (program, ctx, run) => {
  nodeOption(program.command('service').description('Service load-balancing state (cilium-dbg service)').command('list'))
    .description('List services')
    .option('--clustermesh-affinity', 'print the clustermesh affinity of backends')
    .action((o) => run(printView(ctx, 'lb/service-list', { node: o.node, clustermeshAffinity: o.clustermeshAffinity ? 'true' : undefined })));

  const bpf = program.command('bpf').description('BPF map views (cilium-dbg bpf)');
  nodeOption(bpf.command('lb').description('Load-balancing maps').command('list'))
    .description('List load-balancing configuration')
    .option('--revnat', 'list reverse NAT entries')
    .option('--frontends', 'list frontends')
    .option('--backends', 'list backends')
    .option('--source-ranges', 'list source range entries')
    .action((o) => {
      const mode = o.revnat ? 'revnat' : o.frontends ? 'frontends' : o.backends ? 'backends' : o.sourceRanges ? 'source-ranges' : undefined;
      run(printView(ctx, 'lb/bpf-lb-list', { node: o.node, mode }));
    });
  nodeOption(bpf.command('socknat').description('Socket load-balancing reverse NAT').command('list'))
    .description('List socket reverse NAT entries')
    .action((o) => run(printView(ctx, 'lb/socknat-list', { node: o.node })));
  nodeOption(bpf.command('ct').description('Connection tracking tables').command('list').argument('<type>', 'global'))
    .description('List connection tracking entries')
    .action((type: string, o) => {
      if (type !== 'global') throw new CliError(`unsupported conntrack table "${type}" (this lab has the global tables only)`);
      run(printView(ctx, 'lb/ct-list', { node: o.node }));
    });
  nodeOption(bpf.command('nat').description('NAT mapping tables').command('list'))
    .description('List all NAT mapping entries')
    .action((o) => run(printView(ctx, 'lb/nat-list', { node: o.node })));

  const map = program.command('map').description('BPF maps (cilium-dbg map)');
  nodeOption(map.command('list').description('List all open BPF maps')).action((o) => run(printView(ctx, 'lb/map-list', { node: o.node })));
  nodeOption(map.command('get').description('Display the cached content of a BPF map').argument('<name>')).action((name: string, o) => run(printView(ctx, 'lb/map-get', { node: o.node, map: name })));
};
