// What the lab offers through the daemon API besides resources: exec in hosts, debug views
// (registered by features), lab actions and a status summary.

import type { ApiExtensions } from '../api/server.ts';
import { StoreError } from '../store/types.ts';
import type { Lab } from './runtime.ts';

export type ExecHandler = NonNullable<ApiExtensions['exec']>;
export type DebugView = (params: Record<string, string>) => Promise<unknown> | unknown;
export type LabAction = (params: Record<string, string>) => Promise<unknown> | unknown;

/** Registries features fill in: `lab.views.set('bgp/peers', ...)`. */
export class LabApi {
  readonly views = new Map<string, DebugView>();
  readonly actions = new Map<string, LabAction>();
  exec: ExecHandler | undefined;

  constructor(private readonly lab: Lab) {}

  extensions(): ApiExtensions {
    return {
      exec: async (target, argv, io) => {
        if (!this.exec) {
          io.write('stderr', `cilia: this lab has no emulated network, so commands cannot run in ${target}\n`);
          return 126;
        }
        const result = await this.exec(target, argv, io);
        await this.lab.settle();
        return result;
      },
      debug: async (name, params) => {
        const view = this.views.get(name);
        if (!view) throw new StoreError('NotFound', `no debug view named "${name}" (known: ${[...this.views.keys()].sort().join(', ') || 'none'})`);
        await this.lab.settle();
        return view(params);
      },
      action: async (name, params) => {
        const action = this.actions.get(name);
        if (!action) throw new StoreError('NotFound', `no lab action named "${name}" (known: ${[...this.actions.keys()].sort().join(', ') || 'none'})`);
        const result = await action(params);
        await this.lab.settle();
        return result;
      },
      status: async () => ({
        lab: this.lab.topology.name,
        description: this.lab.topology.description,
        now: this.lab.clock.now(),
        virtualTime: this.lab.clock.virtual,
        nodes: this.lab.topology.nodes.map((n) => n.name),
        routers: this.lab.topology.routers.map((r) => r.name),
        hosts: this.lab.topology.hosts.map((h) => h.name),
      }),
    };
  }
}
