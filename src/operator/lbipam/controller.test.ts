// The controller against the embedded store, replaying the seeds' LB-IPAM sequences as a user
// types them (apply a pool, patch a service to LoadBalancer, annotate, read status and columns).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualClock } from '../../controller/clock.ts';
import { Rng } from '../../controller/rng.ts';
import { GK } from '../../k8s/kinds.ts';
import type { Condition, KObject } from '../../k8s/object.ts';
import type { CiliumLoadBalancerIPPool, Service } from '../../k8s/types.ts';
import { MemoryStore } from '../../store/memory.ts';
import { type ResourceStore, StoreError } from '../../store/types.ts';
import { columnsFor } from '../../cli/printers/columns.ts';
import { POOL_IPS_AVAILABLE, POOL_IPS_TOTAL, POOL_IPS_USED, SERVICE_SATISFIED } from './conditions.ts';
import { findCondition } from '../../k8s/meta.ts';
import { LBIPAMController } from './controller.ts';
import type { LBIPAMOptions } from './service.ts';
import { mkPool, mkSvc } from './testkit.ts';

const T_START = Date.UTC(2025, 7, 7, 8, 17, 15);

class Lab {
  readonly clock = new VirtualClock(T_START);
  readonly store: MemoryStore;
  readonly logs: string[] = [];
  ctrl: LBIPAMController | undefined;

  constructor(
    readonly config: Partial<LBIPAMOptions> = {},
    store?: MemoryStore,
  ) {
    this.store = store ?? new MemoryStore({ clock: this.clock, rng: new Rng(1), log: () => {} });
  }

  async start(store: ResourceStore = this.store): Promise<void> {
    this.ctrl = new LBIPAMController(store, { clock: this.clock, config: this.config, log: (l, m) => this.logs.push(`${l}: ${m}`) });
    await this.ctrl.start();
    await this.settle();
  }

  /**
   * Lets watch events, queued keys and status writes run until nothing moves; while keys wait
   * out a retry backoff, virtual time moves on in small steps.
   */
  async settle(): Promise<void> {
    for (let quiet = 0; quiet < 3; ) {
      await this.clock.settle();
      if (!this.ctrl || this.ctrl.isIdle()) quiet++;
      else {
        quiet = 0;
        await this.clock.advance(5);
      }
    }
  }

  async ns(name: string): Promise<void> {
    await this.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }

  async apply(obj: KObject): Promise<void> {
    const gk = { group: obj.apiVersion.includes('/') ? obj.apiVersion.split('/')[0]! : '', kind: obj.kind };
    const cur = await this.store.get(gk, obj.metadata.namespace, obj.metadata.name!);
    if (cur) await this.store.update({ ...obj, metadata: { ...obj.metadata, resourceVersion: cur.metadata.resourceVersion } });
    else await this.store.create(obj);
    await this.settle();
  }

  async svc(name: string, ns = 'default'): Promise<Service> {
    return (await this.store.get<Service>(GK.Service, ns, name))!;
  }

  async pool(name: string): Promise<CiliumLoadBalancerIPPool> {
    return (await this.store.get<CiliumLoadBalancerIPPool>(GK.CiliumLoadBalancerIPPool, undefined, name))!;
  }

  /** `kubectl get svc X -o jsonpath='{.status.loadBalancer.ingress[*].ip}'` */
  async ips(name: string, ns = 'default'): Promise<string[]> {
    return ((await this.svc(name, ns)).status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '');
  }

  async cond(name: string, ns = 'default'): Promise<Condition | undefined> {
    return findCondition((await this.svc(name, ns)).status?.conditions as Condition[] | undefined, SERVICE_SATISFIED);
  }

  /** The `kubectl get ippools` row (without AGE). */
  async row(name: string): Promise<string> {
    const pool = await this.pool(name);
    return [pool.metadata.name!, ...columnsFor('CiliumLoadBalancerIPPool', false).filter((c) => c.header !== 'AGE').map((c) => c.value(pool, 0))].join(' ');
  }
}

/** The seeds' `kubectl patch svc webpod -p '{"spec":{"type":"LoadBalancer"}}'` on a ClusterIP service. */
async function patchToLoadBalancer(lab: Lab, name: string): Promise<void> {
  const cur = await lab.svc(name);
  await lab.apply({ ...cur, spec: { ...cur.spec, type: 'LoadBalancer' } });
}

describe('LB-IPAM controller (seed sequences)', () => {
  it('seed 002: a five-address pool, .211, a requested .215 and a sharing key', async () => {
    const lab = new Lab({ l2AnnouncementsEnabled: true });
    await lab.ns('default');
    await lab.start();
    await lab.apply(mkPool('cilium-lb-ippool', ['192.168.10.211-192.168.10.215']));
    assert.equal(await lab.row('cilium-lb-ippool'), 'cilium-lb-ippool false False 5');

    await lab.apply(mkSvc('webpod', { type: 'ClusterIP' }));
    await patchToLoadBalancer(lab, 'webpod');
    const webpod = await lab.svc('webpod');
    assert.deepEqual(webpod.status?.loadBalancer?.ingress, [{ ip: '192.168.10.211', ipMode: 'VIP' }]);
    // Services have no metadata.generation in Kubernetes, so the seed's condition shows no observedGeneration.
    const gen = webpod.metadata.generation ? { observedGeneration: webpod.metadata.generation } : {};
    assert.deepEqual(webpod.status?.conditions, [
      { type: SERVICE_SATISFIED, status: 'True', lastTransitionTime: '2025-08-07T08:17:15Z', reason: 'satisfied', message: '', ...gen },
    ]);
    assert.equal(await lab.row('cilium-lb-ippool'), 'cilium-lb-ippool false False 4');
    const conds = (await lab.pool('cilium-lb-ippool')).status?.conditions ?? [];
    const counts = conds.filter((c) => c.type !== 'cilium.io/PoolConflict').map((c) => [c.type, c.status, c.reason, c.message, c.observedGeneration]);
    assert.deepEqual(counts, [
      [POOL_IPS_TOTAL, 'Unknown', 'noreason', '5', 1],
      [POOL_IPS_AVAILABLE, 'Unknown', 'noreason', '4', 1],
      [POOL_IPS_USED, 'Unknown', 'noreason', '1', 1],
    ]);

    const web = { labels: { app: 'netshoot-web' }, selector: { app: 'netshoot-web' } };
    await lab.apply(mkSvc('netshoot-web', web));
    assert.deepEqual(await lab.ips('netshoot-web'), ['192.168.10.212']);
    await lab.apply(mkSvc('netshoot-web', { ...web, annotations: { 'lbipam.cilium.io/ips': '192.168.10.215' } }));
    assert.deepEqual(await lab.ips('netshoot-web'), ['192.168.10.215']);
    await lab.apply(mkSvc('netshoot-web2', { ...web, ports: [8080] }));
    assert.deepEqual(await lab.ips('netshoot-web2'), ['192.168.10.212']);

    const shared = { 'lbipam.cilium.io/ips': '192.168.10.215', 'lbipam.cilium.io/sharing-key': '1234' };
    await lab.apply(mkSvc('netshoot-web', { ...web, annotations: shared }));
    await lab.apply(mkSvc('netshoot-web2', { ...web, ports: [8080], annotations: shared }));
    assert.deepEqual(await lab.ips('netshoot-web'), ['192.168.10.215']);
    assert.deepEqual(await lab.ips('netshoot-web2'), ['192.168.10.215']);
    assert.equal(await lab.row('cilium-lb-ippool'), 'cilium-lb-ippool false False 3');
    lab.ctrl!.stop();
  });

  it('seed 001: a /24 with allowFirstLastIPs No shows 254, then hands out 172.16.1.1', async () => {
    const lab = new Lab({ bgpControlPlaneEnabled: true });
    await lab.ns('default');
    await lab.apply(mkSvc('webpod', { type: 'ClusterIP' }));
    await lab.start();
    await lab.apply(mkPool('cilium-pool', ['172.16.1.0/24'], { allowFirstLastIPs: 'No' }));
    assert.equal(await lab.row('cilium-pool'), 'cilium-pool false False 254');
    await patchToLoadBalancer(lab, 'webpod');
    assert.deepEqual(await lab.ips('webpod'), ['172.16.1.1']);
    assert.equal(await lab.row('cilium-pool'), 'cilium-pool false False 253');
    lab.ctrl!.stop();
  });

  it('seed 004: a dual-stack pool of a /29 and a /64 (v2alpha1)', async () => {
    const lab = new Lab({ ipv6Enabled: true });
    await lab.ns('batuu');
    await lab.start();
    const pool = mkPool('empire-ip-pool', ['172.18.255.200/29', '2001:db8:dead:beef::0/64'], { selector: { matchLabels: { org: 'empire' } } });
    await lab.apply({ ...pool, apiVersion: 'cilium.io/v2alpha1' });
    assert.equal(await lab.row('empire-ip-pool'), 'empire-ip-pool false False 18446744073709551624');
    await lab.apply(mkSvc('deathstar', { ns: 'batuu', labels: { org: 'empire' }, policy: 'PreferDualStack' }));
    assert.deepEqual(await lab.ips('deathstar', 'batuu'), ['172.18.255.200', '2001:db8:dead:beef::']);
    assert.equal(await lab.row('empire-ip-pool'), 'empire-ip-pool false False 18446744073709551622');
    lab.ctrl!.stop();
  });

  it('seed 003: a service pending before any pool gets .211 once the pool exists', async () => {
    const lab = new Lab();
    await lab.ns('kube-system');
    await lab.start();
    await lab.apply(mkSvc('cilium-ingress', { ns: 'kube-system', ports: [80, 443] }));
    assert.deepEqual(await lab.ips('cilium-ingress', 'kube-system'), []);
    assert.equal(await lab.cond('cilium-ingress', 'kube-system'), undefined, 'dormant: nothing written');
    await lab.apply(mkPool('cilium-lb-ippool', ['192.168.10.211-192.168.10.215']));
    assert.deepEqual(await lab.ips('cilium-ingress', 'kube-system'), ['192.168.10.211']);
    assert.equal(await lab.row('cilium-lb-ippool'), 'cilium-lb-ippool false False 4');
    lab.ctrl!.stop();
  });
});

describe('LB-IPAM controller (lifecycle)', () => {
  it('a restart adopts everything and writes nothing', async () => {
    const lab = new Lab();
    await lab.ns('default');
    await lab.start();
    await lab.apply(mkPool('a', ['10.0.10.0/24']));
    await lab.apply(mkSvc('s1'));
    await lab.apply(mkSvc('s2', { lbIP: '10.0.10.20' }));
    lab.ctrl!.stop();
    const rev = await lab.store.revision();
    await lab.start();
    assert.equal(await lab.store.revision(), rev, 'no write after restart');
    assert.deepEqual(await lab.ips('s1'), ['10.0.10.0']);
    await lab.apply(mkSvc('s3'));
    assert.deepEqual(await lab.ips('s3'), ['10.0.10.1']);
    lab.ctrl!.stop();
  });

  it('a service leaving LoadBalancer loses ingress and condition; deleting a service frees its IP', async () => {
    const lab = new Lab();
    await lab.ns('default');
    await lab.start();
    await lab.apply(mkPool('a', ['10.0.10.0/31']));
    await lab.apply(mkSvc('s1'));
    await lab.apply(mkSvc('s2'));
    await lab.apply(mkSvc('s3'));
    assert.equal((await lab.cond('s3'))?.reason, 'out_of_ips');
    await lab.apply(mkSvc('s1', { type: 'NodePort' }));
    assert.deepEqual((await lab.svc('s1')).status, { loadBalancer: {} });
    assert.deepEqual(await lab.ips('s3'), ['10.0.10.0']);
    await lab.store.delete(GK.Service, 'default', 's2');
    await lab.settle();
    await lab.apply(mkSvc('s4'));
    assert.deepEqual(await lab.ips('s4'), ['10.0.10.1']);
    lab.ctrl!.stop();
  });

  it('deleting the last pool strips IPs with no_pool; a new pool serves them again', async () => {
    const lab = new Lab();
    await lab.ns('default');
    await lab.start();
    await lab.apply(mkPool('a', ['10.0.10.0/24']));
    await lab.apply(mkSvc('s1'));
    await lab.store.delete(GK.CiliumLoadBalancerIPPool, undefined, 'a');
    await lab.settle();
    assert.deepEqual(await lab.ips('s1'), []);
    assert.equal((await lab.cond('s1'))?.reason, 'no_pool');
    await lab.apply(mkPool('b', ['10.0.30.0/24']));
    assert.deepEqual(await lab.ips('s1'), ['10.0.30.0']);
    assert.equal((await lab.cond('s1'))?.reason, 'satisfied');
    lab.ctrl!.stop();
  });

  it('an unusable pool is logged and changes nothing', async () => {
    const lab = new Lab();
    await lab.ns('default');
    await lab.start();
    await lab.apply(mkPool('a', ['10.0.10.0/24']));
    await lab.apply(mkSvc('s1'));
    await lab.apply(mkPool('bad', ['10.0.20.0/24', '10.0.30.9-10.0.30.1']));
    assert.equal(await lab.row('bad'), 'bad false  ');
    assert.deepEqual(await lab.ips('s1'), ['10.0.10.0']);
    assert.ok(lab.logs.some((l) => l.includes('CiliumLoadBalancerIPPool/bad: spec.blocks[1]: start "10.0.30.9" is after stop "10.0.30.1"')));
    lab.ctrl!.stop();
  });

  it('a status write that loses a race is retried', async () => {
    const lab = new Lab();
    await lab.ns('default');
    let lost = 0;
    const racy: ResourceStore = Object.create(lab.store, {
      updateStatus: {
        value: (obj: KObject, opts: object) => {
          if (obj.kind === 'Service' && lost++ === 0) return Promise.reject(new StoreError('Conflict', 'the object has been modified'));
          return lab.store.updateStatus(obj, opts);
        },
      },
    });
    await lab.start(racy);
    await lab.apply(mkPool('a', ['10.0.10.0/24']));
    await lab.apply(mkSvc('s1'));
    assert.ok(lost >= 2, 'the first service status write lost the race, a later one went through');
    assert.deepEqual(await lab.ips('s1'), ['10.0.10.0']);
    lab.ctrl!.stop();
  });
});
