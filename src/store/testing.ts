// Helpers shared by the store's tests (not used by the store itself).

import { VirtualClock } from '../controller/clock.ts';
import { Rng } from '../controller/rng.ts';
import type { KObject } from '../k8s/object.ts';
import { MemoryStore, type MemoryStoreOptions } from './memory.ts';
import type { WatchEvent } from './types.ts';

export function newStore(opts: MemoryStoreOptions = {}): MemoryStore {
  return new MemoryStore({ clock: new VirtualClock(), rng: new Rng('test'), log: () => {}, ...opts });
}

export const ns = (name: string): KObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

export function svc(name: string, namespace = 'default', labels?: Record<string, string>, port = 80): KObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace, ...(labels ? { labels } : {}) }, spec: { ports: [{ port }] } };
}

export function cm(name: string, namespace = 'default', data: Record<string, string> = {}): KObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

/** Lets queued watch deliveries (setImmediate) run. */
export async function drain(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
}

/** Collects watch events as `TYPE name@rv`. */
export function recorder(): { events: WatchEvent[]; lines: () => string[]; cb: (ev: WatchEvent) => void } {
  const events: WatchEvent[] = [];
  return {
    events,
    cb: (ev) => events.push(ev),
    lines: () => events.map((e) => `${e.type} ${e.object.metadata.name ?? ''}@${e.object.metadata.resourceVersion}`),
  };
}
