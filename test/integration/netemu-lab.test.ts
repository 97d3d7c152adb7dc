// labs/week4-routing on the real lab runtime (src/lab): the cluster's own controllers, IPAM and
// agents, with the endpoints and identity features and a lab plugin wiring the emulated network
// in (`netemuPlugin` below: the shape src/lab/plugins/ needs, see docs/netemu.md). Every step of
// lab.txt goes through the real CLI, like `cilia lab run`; the steps behind `curl webpod` need the
// service load balancer in the datapath and kube-dns, which are not plugged in yet, and are skipped.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { NETEMU_SERVICE, endpointsFeature } from '../../src/agent/endpoints/index.ts';
import { loadBalancerFeature } from '../../src/agent/loadbalancer/feature.ts';
import { ApiClient, InProcessTransport } from '../../src/api/client.ts';
import { ApiServer } from '../../src/api/server.ts';
import { runCli } from '../../src/cli/main.ts';
import type { LabPlugin } from '../../src/lab/plugins.ts';
import { LAB_PLUGINS } from '../../src/lab/plugin-list.ts';
import { Lab } from '../../src/lab/runtime.ts';
import { applyFilters, matchOutput, parseScenario, splitPipeline, splitWords } from '../../src/lab/scenario.ts';
import { loadTopology } from '../../src/lab/topology.ts';
import { DeadlockError, runTask } from '../../src/netemu/drive.ts';
import { Network } from '../../src/netemu/network.ts';
import { defaultRegistry, exec } from '../../src/netemu/tools/index.ts';
import { buildTopology } from '../../src/netemu/topology.ts';
import { identityFeature } from '../../src/operator/identity/index.ts';
import { OPERATOR_FEATURES } from '../../src/operator/features.ts';

const LAB = join(import.meta.dirname, '../../labs/week4-routing');

/** The emulated network as a lab plugin: hosts from the topology, the agents' NETEMU_SERVICE, `cilia exec`. */
const netemuPlugin: LabPlugin = {
  name: 'netemu',
  setup(lab) {
    const net = new Network({ clock: lab.clock, rng: lab.rng.fork('netemu') });
    buildTopology(net, lab.topology);
    const registry = defaultRegistry();
    lab.services.set(NETEMU_SERVICE, { net, registry, nodeHost: (n) => net.host(n), log: (pod, c, line) => lab.log(`${pod.namespace}/${pod.name}[${c}]: ${line}`) });
    lab.api.exec = async (target, argv, io) => {
      // `pod/<ns>/<name>` runs in the pod's host `<ns>/<name>`, `host/<name>` in a node, router or host
      const name = target.startsWith('pod/') ? target.slice(4) : target.slice(target.indexOf('/') + 1);
      const host = net.host(name);
      if (!host) {
        io.write('stderr', target.startsWith('pod/') ? `error: unable to upgrade connection: container not found ("${name}")\n` : `cilia: no host named ${name}\n`);
        return 1;
      }
      // the CLI hands over kubectl's `--` separator with the command
      const run = exec(net, host, argv[0] === '--' ? argv.slice(1) : argv, {
        registry,
        signal: io.signal,
        timeoutMs: io.timeoutMs,
        stdin: io.stdin,
        onStdout: (t) => io.write('stdout', t),
        onStderr: (t) => io.write('stderr', t),
      });
      try {
        return (await runTask(lab.clock, run, { progress: () => net.activity })).code;
      } catch (err) {
        if (!(err instanceof DeadlockError)) throw err;
        io.write('stderr', `cilia: the command waits forever in virtual time; give it --timeout\n`);
        return 124;
      }
    };
  },
};

test('labs/week4-routing: lab.txt through the lab runtime and the CLI', async () => {
  const loaded = loadTopology(LAB);
  const logs: string[] = [];
  const lab = new Lab(loaded, {
    clock: 'virtual',
    log: (l) => logs.push(l),
    agentFeatures: [loadBalancerFeature, endpointsFeature],
    operatorFeatures: [...OPERATOR_FEATURES, identityFeature],
    plugins: [...LAB_PLUGINS, netemuPlugin],
  });
  await lab.start();
  const client = new ApiClient(new InProcessTransport(new ApiServer(lab.store, lab.api.extensions())));
  const failures: string[] = [];
  let checked = 0;
  try {
    for (const step of parseScenario(readFileSync(join(LAB, 'lab.txt'), 'utf8'))) {
      if (step.command.includes('webpod')) continue;
      const [head, ...filters] = splitPipeline(step.command);
      const words = splitWords(head!);
      if (words[0] === 'sleep') {
        await lab.advance(Number(words[1]) * 1000);
        continue;
      }
      let output = '';
      const code = await runCli(words.slice(1), {
        client: () => client,
        stdout: (t) => (output += t),
        stderr: (t) => (output += t),
        now: () => lab.clock.now(),
        readStdin: async () => '',
        signal: new AbortController().signal,
      });
      await lab.settle();
      const shown = filters.length ? applyFilters(output, filters) : output;
      const mismatch = matchOutput(step.expected, shown.split('\n'));
      if (mismatch || (step.exitCode !== undefined && step.exitCode !== code)) {
        failures.push(`lab.txt:${step.line}: $ ${step.command} (exit ${code})\n--- got ---\n${shown}--- expected ---\n${step.expected.join('\n')}`);
      }
      checked++;
    }
  } finally {
    await lab.stop();
  }
  assert.deepEqual(failures, [], `${failures.join('\n\n')}\n--- lab log ---\n${logs.slice(-30).join('\n')}`);
  assert.ok(checked >= 15, `only ${checked} steps ran`);
});
