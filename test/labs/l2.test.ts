// labs/week4-l2 (seed 002's L2 announcements) through `cilia lab run`'s scenario runner, then a
// second failover on the same lab: the worker holding every lease goes down while the API server
// stays up, and k8s-ctr takes over within the client-go bound, its GARPs moving the router's entries.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { labCli } from '../../src/lab/cli-session.ts';
import { GK } from '../../src/k8s/kinds.ts';
import type { Lease } from '../../src/k8s/types.ts';
import { labNetwork } from '../../src/lab/plugins/netemu.ts';
import { formatFailure, runScenario } from '../../src/lab/scenario-command.ts';
import { parseAddr } from '../../src/netemu/addr.ts';
import { fmtMac } from '../../src/netemu/mac.ts';

const LAB = join(import.meta.dirname, '../../labs/week4-l2');

test('labs/week4-l2: the seed-002 L2 announcement story, then a worker failover', async () => {
  const run = await runScenario(LAB);
  const lab = run.lab;
  try {
    const failures = run.results.filter((r) => !r.ok).map((r) => formatFailure(r, 'lab.txt'));
    assert.deepEqual(failures, []);
    assert.ok(run.results.length >= 30);

    const holders = async () =>
      (await lab.store.list<Lease>(GK.Lease, { namespace: 'kube-system' })).items
        .filter((l) => l.metadata.name!.startsWith('cilium-l2announce-'))
        .map((l) => l.spec?.holderIdentity);
    assert.deepEqual(await holders(), ['k8s-w1', 'k8s-w1', 'k8s-w1']);
    const router = labNetwork(lab).net.host('router')!;
    const macOf = (ip: string) => {
      const e = router.neigh.list().find((n) => n.ip === parseAddr(ip));
      return e?.mac === undefined ? undefined : fmtMac(e.mac);
    };
    assert.equal(macOf('192.168.10.211'), '08:00:27:e7:a8:0c');
    assert.equal(macOf('192.168.10.215'), '08:00:27:e7:a8:0c');

    const down = lab.clock.now();
    await lab.api.actions.get('lab/reboot')!({ node: 'k8s-w1', for: '60s' });
    const moved = async () => (await holders()).every((h) => h === 'k8s-ctr');
    let at: number | undefined;
    for (let t = 0; t < 40_000 && at === undefined; t += 200) {
      await lab.advance(200);
      if (await moved()) at = lab.clock.now();
    }
    assert.ok(at !== undefined, 'k8s-ctr took every lease');
    // not before the leases ran out, and within lease duration + two jittered polls (2 s × 2.2)
    assert.ok(at - down >= 15_000 - 2_000 && at - down <= 15_000 + 2 * 4_400 + 400, `failover after ${at - down} ms`);
    assert.equal(macOf('192.168.10.211'), '08:00:27:a2:cd:65', "k8s-ctr's GARPs moved the router's entries");
    assert.equal(macOf('192.168.10.215'), '08:00:27:a2:cd:65');

    // bad input to the reboot action is an error message, not a crash
    const session = labCli(lab);
    const cli = async (...argv: string[]) => {
      const { output, code } = await session(argv);
      return `${code} ${output}`;
    };
    assert.match(await cli('exec', 'router', '--', 'curl', '-s', '--connect-timeout', '1', '192.168.10.211'), /^0 [\s\S]*Hostname: webpod-/, 'the VIP answers through k8s-ctr');
    assert.equal(await cli('lab', 'reboot', 'k8s-w9'), '1 Error from server (NotFound): nodes "k8s-w9" not found\n');
    assert.equal(await cli('lab', 'reboot', 'k8s-w1'), '1 Error from server (Conflict): node k8s-w1 is already down\n');
    assert.equal(await cli('lab', 'reboot', 'k8s-w0', '--for', 'soon'), '1 Error from server (BadRequest): invalid duration "soon": use a duration like 60s or 2m\n');
    assert.equal(await cli('l2', 'announcements', '--node', 'k8s-w1'), '0 IP   NetworkInterface\n', 'the agent is down');
    assert.equal(await cli('l2', 'announcements', '--node', 'nope'), '1 Error from server (NotFound): nodes "nope" not found\n');

    // an agent that stops on a running node: its responder goes quiet once its liveness is older
    // than the lease duration (L2_ANNOUNCEMENTS_MAX_LIVENESS), though the host still answers pings
    const arp = async () => cli('exec', 'router', '--', 'arping', '-i', 'eth1', '-c', '1', '-w', '1', '192.168.10.211');
    assert.match(await arp(), /bytes from 08:00:27:a2:cd:65 \(192\.168\.10\.211\)/);
    lab.agents.get('k8s-ctr')!.stop();
    assert.match(await arp(), /bytes from 08:00:27:a2:cd:65/, 'still answering within the lease duration');
    await lab.advance(16_000);
    assert.match(await arp(), /1 packets transmitted, 0 packets received/, 'silent once the liveness is older than the lease');
  } finally {
    await lab.stop();
  }
});
