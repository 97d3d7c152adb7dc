// What every command gets: the API client, output streams, the clock ages are measured against.

import { type ApiClient, type ResourceType, resolveResourceName } from '../api/client.ts';

export interface CliContext {
  client(): ApiClient;
  stdout(text: string): void;
  stderr(text: string): void;
  /** "Now" for ages: the lab's clock when in-process (virtual time), else the wall clock. */
  now(): number;
  /** Text for `-f -`. */
  readStdin(): Promise<string>;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
}

/** A user error: printed as `error: <message>` and exit code 1. */
export class CliError extends Error {}

export function resolveType(name: string): ResourceType {
  const t = resolveResourceName(name);
  if (!t) throw new CliError(`the server doesn't have a resource type "${name}"`);
  return t;
}

/** `deployment.apps`, `service`, `ciliumloadbalancerippool.cilium.io` — kubectl's type prefix in names. */
export function typePrefix(t: ResourceType): string {
  return t.group ? `${t.singular}.${t.group}` : t.singular;
}

export function namespaceFor(t: ResourceType, ns: string | undefined): string | undefined {
  return t.namespaced ? (ns ?? 'default') : undefined;
}
