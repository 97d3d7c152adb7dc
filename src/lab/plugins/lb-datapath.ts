// Service load balancing in the lab's emulated network: each node's datapath executes its LB maps
// (src/netemu/cilium/lb.ts over lbMapsOf(lab, node), the maps its agent writes); the agents learn
// their NodePort addresses from the node's devices; `cilium-dbg` runs on every node (and so in the
// hostNetwork cilium pods, where `cilium` is cilium-dbg) and prints the same views as the CLI.
// List it after the netemu plugin.

import { NODEPORT_ADDRESSES } from '../../agent/loadbalancer/feature.ts';
import { Rng } from '../../controller/rng.ts';
import type { AddrKey } from '../../netaddr/lpm.ts';
import { CiliumDatapath } from '../../netemu/cilium/datapath.ts';
import { ServiceLoadBalancer } from '../../netemu/cilium/lb.ts';
import type { Command } from '../../netemu/exec.ts';
import type { LabPlugin } from '../plugins.ts';
import { addCiliumDbgSubcommand } from './cilium-dbg.ts';
import type { Lab } from '../runtime.ts';
import { lbMapsOf } from './loadbalancer.ts';
import { labNetwork } from './netemu.ts';

const attached = new WeakMap<Lab, ServiceLoadBalancer[]>();

/** The NodePort addresses of a node: the first global IPv4 and IPv6 address of each native device (cilium's NodeAddress table). */
function nodePortAddresses(dp: CiliumDatapath): AddrKey[] {
  const out: AddrKey[] = [];
  for (const dev of dp.nativeDevices()) {
    const v4 = dev.v4Addrs().find((a) => a.scope === 0);
    const v6 = dev.v6Addrs().find((a) => a.scope === 0);
    if (v4) out.push(v4.addr);
    if (v6) out.push(v6.addr);
  }
  return out;
}

interface DbgRequest {
  view: string;
  params: Record<string, string>;
}

const BPF_LB_FLAGS: Record<string, string> = { '--revnat': 'revnat', '--frontends': 'frontends', '--backends': 'backends', '--source-ranges': 'source-ranges' };

/** cilium-dbg's command line → the lab view that answers it (the same views `cilia service list` etc. print). */
export function dbgRequest(args: readonly string[]): DbgRequest | { error: string } {
  const words = args.filter((a) => !a.startsWith('-'));
  const flags = args.filter((a) => a.startsWith('-'));
  const cmd = words.join(' ');
  const unknownFlag = (allowed: readonly string[]) => flags.find((f) => !allowed.includes(f));
  const bad = (f: string) => ({ error: `unknown flag: ${f}` });
  switch (cmd) {
    case 'service list': {
      const f = unknownFlag(['--clustermesh-affinity']);
      return f ? bad(f) : { view: 'lb/service-list', params: flags.length ? { clustermeshAffinity: 'true' } : {} };
    }
    case 'bpf lb list': {
      const f = unknownFlag(Object.keys(BPF_LB_FLAGS));
      if (f) return bad(f);
      return { view: 'lb/bpf-lb-list', params: flags.length ? { mode: BPF_LB_FLAGS[flags[0]!]! } : {} };
    }
    case 'bpf ct list global':
      return flags.length ? bad(flags[0]!) : { view: 'lb/ct-list', params: {} };
    case 'bpf nat list':
      return flags.length ? bad(flags[0]!) : { view: 'lb/nat-list', params: {} };
    case 'bpf socknat list':
      return flags.length ? bad(flags[0]!) : { view: 'lb/socknat-list', params: {} };
    case 'map list':
      return flags.length ? bad(flags[0]!) : { view: 'lb/map-list', params: {} };
    case 'status': {
      const f = unknownFlag(['--verbose']);
      return f ? bad(f) : { view: 'lb/agent-status', params: flags.length ? { verbose: 'true' } : {} };
    }
  }
  if (words[0] === 'map' && words[1] === 'get') {
    if (words.length !== 3) return { error: `accepts 1 arg(s), received ${words.length - 2}` };
    return { view: 'lb/map-get', params: { map: words[2]! } };
  }
  return { error: `unknown command "${words[0] ?? ''}" for "cilium-dbg"\nRun 'cilium-dbg --help' for usage.` };
}

/** `cilium-dbg` on a node: the agent's debug views of that node. */
function ciliumDbg(lab: Lab, node: string): Command {
  return async (ctx) => {
    const req = dbgRequest(ctx.argv.slice(1));
    if ('error' in req) {
      ctx.stderr.write(`Error: ${req.error}\n`);
      return 1;
    }
    const view = lab.api.views.get(req.view);
    if (!view) {
      ctx.stderr.write(`Error: this lab has no ${req.view} view\n`);
      return 1;
    }
    try {
      ctx.stdout.write(String(await view({ ...req.params, node })));
      return 0;
    } catch (err) {
      ctx.stderr.write(`Error: ${(err as Error).message}\n`);
      return 1;
    }
  };
}

export const lbDatapathPlugin: LabPlugin = {
  name: 'lb-datapath',
  setup(lab) {
    const { net } = labNetwork(lab);
    const lbs: ServiceLoadBalancer[] = [];
    for (const n of lab.topology.nodes) {
      const host = net.host(n.name);
      if (!host) continue;
      // seeded from the host's flow-hash key: forking lab.rng here would shift every stream forked after it
      const rng = new Rng(`lb-datapath:${host.hashSeed}`);
      lbs.push(new ServiceLoadBalancer(CiliumDatapath.of(host), lbMapsOf(lab, n.name), rng));
    }
    attached.set(lab, lbs);
    for (const word of ['service', 'bpf', 'map', 'status']) addCiliumDbgSubcommand(lab, word, (node) => ciliumDbg(lab, node));
    lab.services.set(NODEPORT_ADDRESSES, (node) => {
      const host = net.host(node);
      return host ? nodePortAddresses(CiliumDatapath.of(host)) : [];
    });
  },
  stop(lab) {
    for (const lb of attached.get(lab) ?? []) lb.close();
  },
};
