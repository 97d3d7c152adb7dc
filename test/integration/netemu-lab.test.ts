// labs/week4-routing on the real lab runtime (src/lab): the cluster's own controllers, IPAM and
// agents, the endpoints and identity features, the emulated network (src/lab/plugins/netemu.ts)
// and the service load balancer in its datapath (src/lab/plugins/lb-datapath.ts). Every step of
// lab.txt goes through the real CLI, like `cilia lab run`, including `curl webpod` (kube-dns and
// socket-LB to the ClusterIP).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ApiClient, InProcessTransport } from '../../src/api/client.ts';
import { ApiServer } from '../../src/api/server.ts';
import { runCli } from '../../src/cli/main.ts';
import { Lab } from '../../src/lab/runtime.ts';
import { applyFilters, matchOutput, parseScenario, splitPipeline, splitWords } from '../../src/lab/scenario.ts';
import { loadTopology } from '../../src/lab/topology.ts';

const LAB = join(import.meta.dirname, '../../labs/week4-routing');

test('labs/week4-routing: lab.txt through the lab runtime and the CLI', async () => {
  const loaded = loadTopology(LAB);
  const logs: string[] = [];
  const lab = new Lab(loaded, { clock: 'virtual', log: (l) => logs.push(l) });
  await lab.start();
  const client = new ApiClient(new InProcessTransport(new ApiServer(lab.store, lab.api.extensions())));
  const failures: string[] = [];
  let checked = 0;
  try {
    for (const step of parseScenario(readFileSync(join(LAB, 'lab.txt'), 'utf8'))) {
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
