// Leader election as a property over random failure schedules: whatever happens to the nodes
// (crash, graceful restart, cut from the API server), at no instant do two nodes announce the
// same service, and once things calm down exactly one does, the lease holder.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { GK } from '../../k8s/kinds.ts';
import type { Lease } from '../../k8s/types.ts';
import { L2TestCluster, l2Policy, lbService } from './testing.ts';

const NODES = ['n1', 'n2', 'n3'];
const SERVICES = ['a', 'b'];

type Action = { at: number; node: number; what: 'crash' | 'reboot' | 'restart' | 'cut' | 'heal' };

const action = fc.record({
  at: fc.integer({ min: 0, max: 90_000 }),
  node: fc.integer({ min: 0, max: NODES.length - 1 }),
  what: fc.constantFrom<Action['what']>('crash', 'reboot', 'restart', 'cut', 'heal'),
});

async function cluster(seed: number): Promise<L2TestCluster> {
  const c = new L2TestCluster({}, seed, false);
  await c.addNodes(NODES.map((name) => ({ name })));
  await c.apply(l2Policy('p', { interfaces: ['eth1'], loadBalancerIPs: true }));
  for (const [i, s] of SERVICES.entries()) await c.apply(lbService('default', s, `192.168.10.${200 + i}`));
  return c;
}

test('at most one announcer per service at every instant, exactly one after calm (random schedules)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), fc.array(action, { maxLength: 12 }), async (seed, actions) => {
      const c = await cluster(seed);
      const violations: string[] = [];
      const check = () => {
        for (const s of SERVICES) {
          const who = c.announcers(`default/${s}`);
          if (who.length > 1) violations.push(`${c.clock.now()}: ${s} announced by ${who.join(',')}`);
        }
        for (const [i] of SERVICES.entries()) {
          const who = c.responders(`192.168.10.${200 + i}`).filter((n) => c.node(n).announcer);
          if (who.length > 1) violations.push(`${c.clock.now()}: 192.168.10.${200 + i} answered by ${who.join(',')}`);
        }
      };
      c.watchTables(check);
      const start = c.clock.now();
      for (const a of [...actions].sort((x, y) => x.at - y.at)) {
        const wait = start + a.at - c.clock.now();
        if (wait > 0) await c.advance(wait);
        const name = NODES[a.node]!;
        const n = c.node(name);
        if (a.what === 'crash' && n.announcer) c.crash(name);
        else if (a.what === 'reboot' && !n.announcer) await c.reboot(name);
        else if (a.what === 'restart' && n.announcer) {
          c.stop(name);
          await c.start(name);
        } else if (a.what === 'cut') n.reachable = false;
        else if (a.what === 'heal' && n.announcer) n.reachable = true;
        await c.settle();
        check();
      }
      // calm: every node up and reachable
      for (const name of NODES) {
        if (!c.node(name).announcer) await c.reboot(name);
        c.node(name).reachable = true;
      }
      await c.advance(40_000);
      assert.deepEqual(violations, []);
      for (const s of SERVICES) {
        const who = c.announcers(`default/${s}`);
        assert.equal(who.length, 1, `${s}: ${who.join(',')}`);
        const lease = await c.store.get<Lease>(GK.Lease, 'kube-system', `cilium-l2announce-default-${s}`);
        assert.equal(lease?.spec?.holderIdentity, who[0]);
      }
    }),
    { numRuns: 60 },
  );
});

test('failover after the leader dies: never before the lease runs out, within duration + two jittered polls', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 2, max: 5 }), fc.integer({ min: 0, max: 10_000 }), async (seed, n, delay) => {
      const c = new L2TestCluster({}, seed, false);
      const names = Array.from({ length: n }, (_, i) => `n${i}`);
      await c.addNodes(names.map((name) => ({ name })));
      await c.apply(l2Policy('p', { interfaces: ['eth1'], loadBalancerIPs: true }));
      await c.apply(lbService('default', 'web', '192.168.10.5'));
      await c.advance(delay);
      const before = (await c.store.get<Lease>(GK.Lease, 'kube-system', 'cilium-l2announce-default-web'))!;
      const leader = before.spec!.holderIdentity!;
      const lastRenew = Date.parse(before.spec!.renewTime!);
      const downAt = c.clock.now();
      c.crash(leader);
      const moved = await c.clock.advanceUntil(() => c.announcers('default/web').length === 1, 40_000, 10);
      assert.ok(moved, 'someone takes over');
      const at = c.clock.now();
      // a candidate waits leaseDuration from when it last saw the record change (≥ the last renewal)
      assert.ok(at >= lastRenew + 15_000, `takeover ${at - lastRenew} ms after the last renewal`);
      // it saw that change at most one jittered poll (2 s × 2.2) after it, and polls again within another
      assert.ok(at - downAt <= 15_000 + 2 * 4_400 + 100, `takeover ${at - downAt} ms after the leader died`);
    }),
    { numRuns: 60 },
  );
});

test('new services spread over the candidates (first to acquire wins, by request latency), and stay put', async () => {
  const c = new L2TestCluster({}, 42, false);
  await c.addNodes(NODES.map((name) => ({ name })));
  await c.apply(l2Policy('p', { loadBalancerIPs: true }));
  for (let i = 0; i < 60; i++) await c.store.create(lbService('default', `s${i}`, `192.168.11.${i + 1}`));
  await c.settle();
  const holders = async () => (await c.store.list<Lease>(GK.Lease, { namespace: 'kube-system' })).items.map((l) => `${l.metadata.name}=${l.spec?.holderIdentity}`);
  const first = await holders();
  const per = new Map<string, number>();
  for (const h of first) per.set(h.split('=')[1]!, (per.get(h.split('=')[1]!) ?? 0) + 1);
  assert.equal(first.length, 60);
  for (const name of NODES) assert.ok((per.get(name) ?? 0) >= 10, `${name} holds ${per.get(name) ?? 0} of 60`);
  await c.advance(180_000);
  assert.deepEqual(await holders(), first, 'no lease changes hands while its holder renews');
  const transitions = (await c.store.list<Lease>(GK.Lease)).items.map((l) => l.spec?.leaseTransitions);
  assert.ok(transitions.every((t) => t === 0));
});
