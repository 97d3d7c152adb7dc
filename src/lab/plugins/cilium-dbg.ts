// `cilium-dbg` on the nodes (and so in the hostNetwork cilium pods): one command per node that
// dispatches on its first word to the subcommand a feature registered (`service`, `bpf`, `map`,
// `status` from load balancing, `bgp` from BGP, `shell` from L2 announcements).

import type { Command } from '../../netemu/exec.ts';
import type { Lab } from '../runtime.ts';

/** A subcommand, given the node it runs on; `ctx.argv` is the whole `cilium-dbg ...` line. */
export type DbgSubcommand = (node: string) => Command;

const subcommands = new WeakMap<Lab, Map<string, DbgSubcommand>>();

/** Registers `cilium-dbg <word> ...` for every node of the lab. */
export function addCiliumDbgSubcommand(lab: Lab, word: string, cmd: DbgSubcommand): void {
  let m = subcommands.get(lab);
  if (!m) subcommands.set(lab, (m = new Map()));
  m.set(word, cmd);
}

/** The `cilium-dbg` command of one node. */
export function ciliumDbgCommand(lab: Lab, node: string): Command {
  return async (ctx) => {
    const word = ctx.argv[1];
    const sub = word === undefined ? undefined : subcommands.get(lab)?.get(word);
    if (!sub) {
      ctx.stderr.write(`Error: unknown command "${word ?? ''}" for "cilium-dbg"\nRun 'cilium-dbg --help' for usage.\n`);
      return 1;
    }
    return sub(node)(ctx);
  };
}
