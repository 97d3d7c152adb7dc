// Lab plugins wire a capability into the running lab: the emulated network, the router's BGP
// personality, exec commands on hosts, debug views for the CLI. Each lives in its own module and
// is listed in plugin-list.ts; the runtime calls them in that order.

import type { Lab } from './runtime.ts';

export interface LabPlugin {
  readonly name: string;
  /** Runs once the store and controllers are up, before the lab's manifests are applied. */
  setup(lab: Lab): Promise<void> | void;
  /** Runs when the lab stops, in reverse order. */
  stop?(lab: Lab): Promise<void> | void;
}
