import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualClock } from '../../controller/clock.ts';
import { Rng } from '../../controller/rng.ts';
import { type AgentContext, ServiceRegistry } from '../agent.ts';
import { LBMaps } from '../../datapath/maps/lb.ts';
import { LB_MAPS, loadBalancerFeature } from './feature.ts';
import { newStore } from './testing.ts';

async function ctx(config: Record<string, string>, services = new ServiceRegistry()): Promise<{ ctx: AgentContext; logs: string[] }> {
  const logs: string[] = [];
  const clock = new VirtualClock();
  return { ctx: { store: await newStore(clock), clock, rng: new Rng('f'), nodeName: 'k8s-w1', config, services, log: (l) => logs.push(l) }, logs };
}

test('the feature runs on the node maps the runtime registered', async () => {
  const maps = new LBMaps();
  const services = new ServiceRegistry();
  services.set(LB_MAPS, (node) => (node === 'k8s-w1' ? maps : new LBMaps()));
  const { ctx: c } = await ctx({ 'bpf-lb-algorithm': 'maglev' }, services);
  const r = loadBalancerFeature.create(c)!;
  assert.equal(r.name, 'loadbalancer');
  await r.start();
  assert.equal(maps.config.algorithm, 'maglev');
  r.stop();
});

test('an invalid configuration keeps the feature from starting, with the agent error logged', async () => {
  const { ctx: c, logs } = await ctx({ 'bpf-lb-maglev-table-size': '1000' });
  assert.equal(loadBalancerFeature.create(c), undefined);
  assert.deepEqual(logs, ['k8s-w1: cilium-agent: Invalid value for --bpf-lb-maglev-table-size: 1000, supported values are: [251 509 1021 2039 4093 8191 16381 32749 65521 131071]']);
});
