// `cilia bgp peers|routes|route-policies` — cilium-cli's `cilium bgp` over every node of the lab,
// read through the daemon's BGP debug views (bgp/peers, bgp/routes, bgp/route-policies).

import type { Command } from 'commander';
import { type CliContext, CliError } from '../context.ts';
import { clusterPeersTable, clusterRoutePoliciesTable, clusterRoutesTable, defaultRoutesArgs, errorsText, parseRoutesArgs } from './bgp/format.ts';
import type { BgpPeer, BgpRoute, BgpRoutePolicy, NodeAnswer } from '../../model/bgp.ts';
import type { RegisterCommands } from './index.ts';

interface Answer<T> {
  nodes: NodeAnswer<T>[];
}

function json(ctx: CliContext, answers: readonly NodeAnswer<unknown>[]): void {
  // cilium-cli prints a map of node name to that node's list, indented by one space
  const byNode: Record<string, unknown> = {};
  for (const a of [...answers].sort((x, y) => (x.node < y.node ? -1 : 1))) if (a.error === undefined) byNode[a.node] = a.items;
  ctx.stdout(`${JSON.stringify(byNode, null, 1)}\n`);
}

function outputFormat(o: { output?: string }): 'json' | 'table' {
  if (o.output === undefined || o.output === 'table') return 'table';
  if (o.output === 'json') return 'json';
  throw new CliError(`unknown output format "${o.output}" (use json)`);
}

export async function runBgpPeers(ctx: CliContext, o: { output?: string }): Promise<number> {
  const format = outputFormat(o);
  const { nodes } = await ctx.client().debug<Answer<BgpPeer>>('bgp/peers');
  if (nodes.every((n) => n.error !== undefined) && nodes.length > 0) throw new CliError(nodes.map((n) => n.error).join('\n'));
  ctx.stderr(errorsText(nodes, 'Errors retrieving peering state'));
  if (format === 'json') json(ctx, nodes);
  else ctx.stdout(clusterPeersTable(nodes.filter((n) => n.error === undefined)));
  return 0;
}

export async function runBgpRoutes(ctx: CliContext, args: string[], o: { output?: string }): Promise<number> {
  const format = outputFormat(o);
  const { args: full, note } = defaultRoutesArgs(args);
  // notes are left out of JSON output
  if (note && format !== 'json') ctx.stdout(note);
  const q = parseRoutesArgs(full);
  if (typeof q === 'string') throw new CliError(q);
  const params: Record<string, string> = { table: q.table, afi: q.afi, safi: q.safi };
  if (q.vrouter !== undefined) params.vrouter = q.vrouter;
  if (q.peer !== undefined) params.peer = q.peer;
  const { nodes } = await ctx.client().debug<Answer<BgpRoute>>('bgp/routes', params);
  if (nodes.every((n) => n.error !== undefined) && nodes.length > 0) throw new CliError(nodes.map((n) => n.error).join('\n'));
  ctx.stderr(errorsText(nodes, 'Errors by retrieving routes'));
  if (format === 'json') json(ctx, nodes);
  else ctx.stdout(clusterRoutesTable(nodes.filter((n) => n.error === undefined), q.table === 'advertised'));
  return 0;
}

export async function runBgpRoutePolicies(ctx: CliContext, o: { output?: string }): Promise<number> {
  const format = outputFormat(o);
  const { nodes } = await ctx.client().debug<Answer<BgpRoutePolicy>>('bgp/route-policies');
  if (nodes.every((n) => n.error !== undefined) && nodes.length > 0) throw new CliError(nodes.map((n) => n.error).join('\n'));
  ctx.stderr(errorsText(nodes, 'Errors retrieving route policies'));
  if (format === 'json') json(ctx, nodes);
  else ctx.stdout(clusterRoutePoliciesTable(nodes.filter((n) => n.error === undefined)));
  return 0;
}

export const registerBgpCommands: RegisterCommands = (program: Command, ctx, run) => {
  const bgp = program.command('bgp').description('Access to BGP control plane (cilium bgp)');
  bgp
    .command('peers')
    .alias('neighbors')
    .description('Lists BGP peering state from all nodes in the cluster')
    .option('-o, --output <format>', 'json')
    .action((o) => run(runBgpPeers(ctx, o)));
  bgp
    .command('routes')
    .description('Lists BGP routes from all nodes in the cluster: <available | advertised> <afi> <safi> [vrouter <asn>] [peer|neighbor <address>]')
    .argument('[args...]')
    .option('-o, --output <format>', 'json')
    .action((args: string[], o) => run(runBgpRoutes(ctx, args, o)));
  bgp
    .command('route-policies')
    .description("Lists every node's BGP route policies")
    .option('-o, --output <format>', 'json')
    .action((o) => run(runBgpRoutePolicies(ctx, o)));
};
