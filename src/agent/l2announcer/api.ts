// The announcer's API client: every call it makes to the API server (leases, policy status), failing
// when the server cannot be reached. Writes take a round trip drawn from the agent's Rng, which is
// what decides which candidate creates a new lease first; reads are answered at once (they race
// with nothing, and candidates' polls are most of the traffic). Calls in flight keep the announcer
// from counting as idle.

import type { Clock } from '../../controller/clock.ts';
import type { Rng } from '../../controller/rng.ts';
import { GK } from '../../k8s/kinds.ts';
import type { CiliumL2AnnouncementPolicy, Lease } from '../../k8s/types.ts';
import type { ResourceStore } from '../../store/types.ts';
import type { LeaseClient } from './leaderelection.ts';

export class ApiUnreachableError extends Error {
  constructor(what: string) {
    super(`${what}: dial tcp: connect: no route to host`);
    this.name = 'ApiUnreachableError';
  }
}

export interface ApiClientOptions {
  store: ResourceStore;
  clock: Clock;
  rng: Rng;
  /** Whether a request can reach the API server now. */
  reachable: () => boolean;
  /** Write round trip, uniform in [min, max] ms. */
  latencyMs: readonly [number, number];
}

export class AnnouncerApiClient implements LeaseClient {
  private inflight = 0;

  constructor(private readonly o: ApiClientOptions) {}

  get busy(): boolean {
    return this.inflight > 0;
  }

  private async call<T>(what: string, fn: () => Promise<T>, write = true): Promise<T> {
    this.inflight++;
    try {
      if (write) {
        const [min, max] = this.o.latencyMs;
        await this.o.clock.sleep(min + this.o.rng.float() * (max - min));
      }
      if (!this.o.reachable()) throw new ApiUnreachableError(what);
      return await fn();
    } finally {
      this.inflight--;
    }
  }

  get(namespace: string, name: string): Promise<Lease | undefined> {
    return this.call(`GET leases/${name}`, () => this.o.store.get<Lease>(GK.Lease, namespace, name), false);
  }

  create(lease: Lease): Promise<Lease> {
    return this.call(`POST leases/${lease.metadata.name}`, () => this.o.store.create(lease));
  }

  update(lease: Lease): Promise<Lease> {
    return this.call(`PUT leases/${lease.metadata.name}`, () => this.o.store.update(lease));
  }

  listLeases(namespace: string): Promise<Lease[]> {
    return this.call('LIST leases', async () => (await this.o.store.list<Lease>(GK.Lease, { namespace })).items, false);
  }

  deleteLease(namespace: string, name: string): Promise<unknown> {
    return this.call(`DELETE leases/${name}`, () => this.o.store.delete(GK.Lease, namespace, name));
  }

  /** The status subresource replaced as a whole (Cilium sends a JSON patch `replace /status`). */
  patchPolicyStatus(name: string, status: NonNullable<CiliumL2AnnouncementPolicy['status']>, fieldManager: string): Promise<unknown> {
    return this.call(`PATCH ciliuml2announcementpolicies/${name}/status`, () =>
      this.o.store.patch(GK.CiliumL2AnnouncementPolicy, undefined, name, 'merge', { status }, { subresource: 'status', fieldManager }),
    );
  }
}
