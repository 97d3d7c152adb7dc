// L2 announcements in the lab: each node's L2 datapath for its agent's announcer (the devices
// Cilium selected, the node's L2 responder map that bpf_host answers ARP from, gratuitous ARP out
// of a device), whether a node's agent can reach the API server, the per-agent `l2-announce`
// table (view `l2/announce`, and `cilium-dbg shell -- db/show l2-announce` on the nodes).

import { L2_ANNOUNCER, type L2Announcer } from '../../agent/l2announcer/announcer.ts';
import { API_REACHABLE, L2_DATAPATH, type L2Datapath, type L2Device } from '../../agent/l2announcer/datapath.ts';
import { formatL2AnnounceTable } from '../../agent/l2announcer/table.ts';
import { leaseTimings } from '../../agent/l2announcer/timing.ts';
import { NETEMU_SERVICE } from '../../agent/endpoints/index.ts';
import { parseAddr } from '../../netemu/addr.ts';
import { CiliumDatapath } from '../../netemu/cilium/datapath.ts';
import type { Command } from '../../netemu/exec.ts';
import type { Host } from '../../netemu/host.ts';
import type { Iface } from '../../netemu/iface.ts';
import { BROADCAST_MAC } from '../../netemu/mac.ts';
import { ARP_REPLY, ETH_P_ARP } from '../../netemu/packet.ts';
import type { LabPlugin } from '../plugins.ts';
import { addCiliumDbgSubcommand } from './cilium-dbg.ts';
import type { Lab } from '../runtime.ts';
import { nodeInternalIP } from '../topology.ts';
import { viewNode } from './loadbalancer.ts';

function nodeHost(lab: Lab, node: string): Host | undefined {
  return lab.services.get(NETEMU_SERVICE)?.nodeHost(node);
}

function device(dev: Iface): L2Device {
  return { name: dev.name, ifindex: dev.index, mac: dev.mac, ipv4: dev.v4Addrs().map((a) => [a.addr as number, a.len] as const) };
}

function l2Datapath(host: Host): L2Datapath {
  const dp = CiliumDatapath.of(host);
  return {
    devices: () => dp.nativeDevices().map(device),
    link: (name) => {
      const dev = host.iface(name);
      return dev ? device(dev) : undefined;
    },
    responder: dp.maps.l2responder,
    sendGratuitousArp(ifindex, ip) {
      const dev = host.ifaceByIndex(ifindex);
      if (!dev) return;
      // pkg/datapath/garp: an ARP reply, sender = target = the IP, to the broadcast address
      dev.xmit({
        frame: { dst: BROADCAST_MAC, src: dev.mac, type: ETH_P_ARP, payload: { kind: 'arp', op: ARP_REPLY, sha: dev.mac, spa: ip, tha: BROADCAST_MAC, tpa: ip } },
        t: host.net.now(),
        mark: 0,
        hops: 0,
      });
    },
  };
}

/** The device holding the node's InternalIP is up (or the node has no emulated host). */
function nodeLinkUp(lab: Lab, node: string): boolean {
  const host = nodeHost(lab, node);
  if (!host) return true;
  if (!host.up) return false;
  const n = lab.topology.nodes.find((x) => x.name === node);
  const ip = n ? parseAddr(nodeInternalIP(n)) : undefined;
  const dev = ip === undefined ? undefined : host.devOfAddr(ip);
  return dev === undefined || dev.running;
}

/** The agent reaches the API server when both its node and the control-plane node are up and linked. */
function apiReachable(lab: Lab, node: string): boolean {
  const cp = lab.topology.nodes.find((n) => n.role === 'control-plane')?.name;
  return nodeLinkUp(lab, node) && (cp === undefined || nodeLinkUp(lab, cp));
}

/** L2_ANNOUNCEMENTS_MAX_LIVENESS: the agent runs, or stopped less than a lease duration ago. */
function agentLive(lab: Lab, node: string): boolean {
  const agent = lab.agents.get(node);
  if (!agent || agent.isRunning) return true;
  const { leaseDurationMs } = leaseTimings(lab.ciliumConfig, () => {});
  return agent.stoppedAt !== undefined && lab.clock.now() - agent.stoppedAt <= leaseDurationMs;
}

function announcerOf(lab: Lab, node: string): L2Announcer | undefined {
  return lab.agents.get(node)?.feature<L2Announcer>(L2_ANNOUNCER);
}

function announceTable(lab: Lab, node: string): string {
  return formatL2AnnounceTable(announcerOf(lab, node)?.table.list() ?? []);
}

/** `cilium-dbg shell -- db/show l2-announce` on a node (the only statedb table this lab models). */
function ciliumDbgShell(lab: Lab, node: string): Command {
  return async (ctx) => {
    const words = ctx.argv.slice(2).filter((w) => w !== '--');
    if (words[0] === 'db/show' && words[1] === 'l2-announce' && words.length === 2) {
      ctx.stdout.write(announceTable(lab, node));
      return 0;
    }
    ctx.stderr.write(`Error: this lab's cilium-dbg shell only knows db/show l2-announce\n`);
    return 1;
  };
}

export const l2AnnouncementsPlugin: LabPlugin = {
  name: 'l2-announcements',
  setup(lab) {
    lab.services.set(L2_DATAPATH, (node) => {
      const host = nodeHost(lab, node);
      return host ? l2Datapath(host) : undefined;
    });
    lab.services.set(API_REACHABLE, (node) => apiReachable(lab, node));
    lab.api.views.set('l2/announce', (p) => announceTable(lab, viewNode(lab, p)));
    addCiliumDbgSubcommand(lab, 'shell', (node) => ciliumDbgShell(lab, node));
    // the responder stops answering once the agent's liveness is older than the lease duration
    for (const n of lab.topology.nodes) {
      const host = nodeHost(lab, n.name);
      if (host) CiliumDatapath.of(host).l2ResponderLive = () => agentLive(lab, n.name);
    }
  },
};
