// The Cilium agent of one node: a set of feature controllers started together and restarted
// together (`rollout restart ds/cilium`), each reading the configuration it was started with.
// A feature is added by registering it; nothing else changes.

import type { Clock } from '../controller/clock.ts';
import type { Rng } from '../controller/rng.ts';
import type { Runnable } from '../controller/runnable.ts';
import type { CiliumConfig } from '../config/cilium.ts';
import type { ResourceStore } from '../store/types.ts';

export interface AgentContext {
  store: ResourceStore;
  clock: Clock;
  rng: Rng;
  nodeName: string;
  config: CiliumConfig;
  /** Services the lab offers a node's agent (its host in the emulated network, ...), by name. */
  services: AgentServices;
  log: (line: string) => void;
}

/** Typed registry of what the runtime provides to agent features; each feature declares what it reads. */
export interface AgentServices {
  get<T>(key: ServiceKey<T>): T | undefined;
}

export interface ServiceKey<T> {
  readonly name: string;
  /** Phantom field carrying the type. */
  readonly type?: T;
}

export function serviceKey<T>(name: string): ServiceKey<T> {
  return { name };
}

export class ServiceRegistry implements AgentServices {
  private readonly values = new Map<string, unknown>();
  set<T>(key: ServiceKey<T>, value: T): void {
    this.values.set(key.name, value);
  }
  get<T>(key: ServiceKey<T>): T | undefined {
    return this.values.get(key.name) as T | undefined;
  }
}

export interface AgentFeature {
  readonly name: string;
  /** Builds the feature's controller, or undefined when the configuration disables it. */
  create(ctx: AgentContext): Runnable | undefined;
}

export class Agent {
  private running: Runnable[] = [];
  private started = false;
  private clock: Clock | undefined;
  /** When the agent last stopped (its liveness stamp stops advancing then); undefined while running. */
  stoppedAt: number | undefined;

  constructor(
    readonly nodeName: string,
    private readonly features: readonly AgentFeature[],
    private readonly makeContext: () => AgentContext,
  ) {}

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.stoppedAt = undefined;
    const ctx = this.makeContext();
    this.clock = ctx.clock;
    this.running = this.features.flatMap((f) => {
      const r = f.create(ctx);
      return r ? [r] : [];
    });
    for (const r of this.running) await r.start();
  }

  stop(): void {
    for (const r of this.running.reverse()) r.stop();
    this.running = [];
    if (this.started) this.stoppedAt = this.clock?.now();
    this.started = false;
  }

  async restart(): Promise<void> {
    this.stop();
    await this.start();
  }

  get isRunning(): boolean {
    return this.started;
  }

  isIdle(): boolean {
    return this.running.every((r) => r.isIdle());
  }

  feature<T extends Runnable>(name: string): T | undefined {
    return this.running.find((r) => r.name === name) as T | undefined;
  }
}
