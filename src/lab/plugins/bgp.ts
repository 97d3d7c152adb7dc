// The BGP control plane in a lab: each node's agent gets a transport over its host's sockets in the
// emulated network, the CLI's `cilium bgp ...` reads every agent through the bgp/* debug views,
// `cilium-dbg bgp ...` runs inside the nodes (kubectl exec ds/cilium) with the same formatting, and
// the routers with an FRR configuration run the FRR personality (bgp-router.ts).

import { BGP_DEFAULT_GATEWAY, BGP_TRANSPORT, type BGPManager } from '../../agent/bgp/index.ts';
import { advertisedRoutes, availableRoutes, familyKeyOf, peerModels, routePolicyModels } from '../../agent/bgp/views.ts';
import { NETEMU_SERVICE } from '../../agent/endpoints/services.ts';
import { agentPeersTable, agentRoutePoliciesTable, agentRoutesTable, defaultRoutesArgs, parseRoutesArgs } from '../../cli/commands/bgp/format.ts';
import type { NodeAnswer, RoutesQuery } from '../../model/bgp.ts';
import { fmtAddr, isLinkLocal6 } from '../../netemu/addr.ts';
import type { Command, ExecContext } from '../../netemu/exec.ts';
import type { Host } from '../../netemu/host.ts';
import { RT_TABLE_MAIN } from '../../netemu/route.ts';
import { StoreError } from '../../store/types.ts';
import type { LabPlugin } from '../plugins.ts';
import { addCiliumDbgSubcommand } from './cilium-dbg.ts';
import type { Lab } from '../runtime.ts';
import { setupRouters, stopRouters } from './bgp-router.ts';
import { netemuTransport } from './bgp-transport.ts';

const DISABLED = 'BGP Control Plane disabled';

/** The gateway of the lowest-metric default route of a family whose device is up, link-local gateways skipped. */
export function defaultGateway(host: Host, family: 4 | 6): string | undefined {
  let best: { metric: number; gw: string } | undefined;
  for (const r of host.table(RT_TABLE_MAIN).list(family)) {
    if (r.dst.len !== 0 || r.type !== 'unicast') continue;
    for (const nh of r.nexthops) {
      if (nh.gw === undefined || !nh.dev.running || (typeof nh.gw === 'bigint' && isLinkLocal6(nh.gw))) continue;
      if (!best || r.metric < best.metric) best = { metric: r.metric, gw: fmtAddr(nh.gw) };
    }
  }
  return best?.gw;
}

function manager(lab: Lab, node: string): BGPManager | undefined {
  return lab.agents.get(node)?.feature<BGPManager>('bgp-control-plane');
}

/** One answer per node with a running agent, in node order; `what` builds the node's items. */
function perNode<T>(lab: Lab, params: Record<string, string>, what: (m: BGPManager) => T[]): { nodes: NodeAnswer<T>[] } {
  const names = params.node ? [params.node] : lab.topology.nodes.map((n) => n.name);
  if (params.node && !lab.topology.nodes.some((n) => n.name === params.node)) throw new StoreError('NotFound', `nodes "${params.node}" not found`);
  const nodes: NodeAnswer<T>[] = [];
  for (const node of names) {
    if (!lab.agents.get(node)?.isRunning) continue;
    const m = manager(lab, node);
    nodes.push(m ? { node, items: what(m) } : { node, items: [], error: `${node}: ${DISABLED}` });
  }
  return { nodes };
}

function routesOf(m: BGPManager, q: RoutesQuery, now: number) {
  const family = familyKeyOf(q.afi, q.safi);
  if (!family) return [];
  return m.runningInstances().flatMap((inst) => {
    if (q.vrouter !== undefined && String(inst.config.asn) !== q.vrouter) return [];
    return q.table === 'available' ? availableRoutes(inst, family, now) : advertisedRoutes(inst, family, now, q.peer);
  });
}

function queryOf(params: Record<string, string>): RoutesQuery {
  const args = [params.table, params.afi, params.safi].filter((a): a is string => a !== undefined);
  if (params.vrouter !== undefined) args.push('vrouter', params.vrouter);
  if (params.peer !== undefined) args.push('peer', params.peer);
  const q = parseRoutesArgs(defaultRoutesArgs(args).args);
  if (typeof q === 'string') throw new StoreError('BadRequest', q);
  return q;
}

/** `cilium-dbg bgp peers|routes|route-policies` inside a node. */
function ciliumDbgBgp(lab: Lab, node: string): Command {
  return async (ctx: ExecContext) => {
    const [, sub, ...rest] = ctx.argv.slice(1);
    const json = rest.includes('-o') && rest[rest.indexOf('-o') + 1] === 'json';
    const args = rest.filter((a, i) => a !== '-o' && rest[i - 1] !== '-o');
    const m = manager(lab, node);
    const fail = (what: string, path: string, code: string) => {
      ctx.stderr.write(`Error: cannot get ${what}: [GET /bgp/${path}][501] ${code}  ${DISABLED}\n`);
      return 1;
    };
    const now = lab.clock.now();
    switch (sub) {
      case 'peers': {
        if (!m) return fail('peers list', 'peers', 'getBgpPeersDisabled');
        const peers = m.runningInstances().flatMap((i) => peerModels(i, now));
        ctx.stdout.write(json ? `${JSON.stringify(peers, null, 2)}\n` : agentPeersTable(peers));
        return 0;
      }
      case 'routes': {
        if (!m) return fail('routes', 'routes', 'getBgpRoutesDisabled');
        const d = defaultRoutesArgs(args);
        if (d.note && !json) ctx.stdout.write(d.note);
        const q = parseRoutesArgs(d.args);
        if (typeof q === 'string') {
          ctx.stderr.write(`Error: ${q}\n`);
          return 1;
        }
        const routes = routesOf(m, q, now);
        ctx.stdout.write(json ? `${JSON.stringify(routes, null, 2)}\n` : agentRoutesTable(routes, q.table === 'advertised'));
        return 0;
      }
      case 'route-policies': {
        if (!m) return fail('route policies', 'route-policies', 'getBgpRoutePoliciesDisabled');
        const policies = m.runningInstances().flatMap(routePolicyModels);
        ctx.stdout.write(json ? `${JSON.stringify(policies, null, 2)}\n` : agentRoutePoliciesTable(policies));
        return 0;
      }
      default:
        ctx.stderr.write(`Error: unknown command "${sub ?? ''}" for "cilium-dbg bgp"\nRun 'cilium-dbg bgp --help' for usage.\n`);
        return 1;
    }
  };
}

export const bgpPlugin: LabPlugin = {
  name: 'bgp',
  async setup(lab) {
    lab.services.set(BGP_TRANSPORT, (node) => {
      const host = lab.services.get(NETEMU_SERVICE)?.nodeHost(node);
      return host ? netemuTransport(host) : undefined;
    });
    lab.services.set(BGP_DEFAULT_GATEWAY, (node, family) => {
      const host = lab.services.get(NETEMU_SERVICE)?.nodeHost(node);
      return host ? defaultGateway(host, family) : undefined;
    });
    const views = lab.api.views;
    views.set('bgp/peers', (p) => perNode(lab, p, (m) => m.runningInstances().flatMap((i) => peerModels(i, lab.clock.now()))));
    views.set('bgp/routes', (p) => {
      const q = queryOf(p);
      return perNode(lab, p, (m) => routesOf(m, q, lab.clock.now()));
    });
    views.set('bgp/route-policies', (p) => perNode(lab, p, (m) => m.runningInstances().flatMap(routePolicyModels)));
    addCiliumDbgSubcommand(lab, 'bgp', (node) => ciliumDbgBgp(lab, node));
    await setupRouters(lab);
  },
  stop(lab) {
    stopRouters(lab);
  },
};
