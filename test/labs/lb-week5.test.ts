// labs/week5-lb through `cilia lab run`'s runner (src/lab/scenario-command.ts): the seed-001 week-5
// load-balancing sequence on the real runtime (LB-IPAM, BGP to the router, the agents' LB maps
// executed by the emulated datapath), then the pcap the lab wrote on k8s-ctr decoded by tshark
// when it is installed: Geneve to the backend's node carrying Cilium's DSR option, and the
// backend's reply leaving from the VIP straight to the router.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { labNetwork } from '../../src/lab/plugins/netemu.ts';
import { formatFailure, runScenario } from '../../src/lab/scenario-command.ts';

const LAB = join(import.meta.dirname, '../../labs/week5-lb');
const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

function tshark(bytes: Uint8Array, filter: string, fields: string[]): string[][] {
  const dir = mkdtempSync(join(tmpdir(), 'cilia-lb-'));
  try {
    const file = join(dir, 'dsr.pcap');
    writeFileSync(file, bytes);
    const r = spawnSync('tshark', ['-r', file, '-Y', filter, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('labs/week5-lb: SNAT + random, then DSR (Geneve) + Maglev, every step of lab.txt', async (t) => {
  const run = await runScenario(LAB);
  try {
    const failed = run.results.filter((r) => !r.ok).map((r) => formatFailure(r, 'labs/week5-lb/lab.txt'));
    assert.deepEqual(failed, []);
    assert.ok(run.results.length >= 30, `only ${run.results.length} steps`);
    const pcap = labNetwork(run.lab).net.host('k8s-ctr')?.readFile('/tmp/dsr.pcap');
    assert.ok(pcap && pcap.length > 24, 'the lab wrote no capture');
    if (!hasTshark) {
      t.skip('tshark is not installed: the pcap is not decoded');
      return;
    }
    // outer and inner addresses come comma-separated; SYNs only
    const geneve = tshark(pcap, 'geneve && tcp.flags.syn == 1 && tcp.flags.ack == 0', ['ip.src', 'ip.dst', 'geneve.option.class', 'geneve.option.type', 'tcp.dstport']);
    const fromCtr = geneve.filter(([src]) => src!.startsWith('192.168.10.100,'));
    assert.ok(fromCtr.length > 0, `no Geneve SYN from k8s-ctr:\n${geneve.join('\n')}`);
    for (const [src, dst, cls, type, dport] of fromCtr) {
      const [, innerSrc] = src!.split(',');
      const [outerDst, innerDst] = dst!.split(',');
      assert.match(outerDst!, /^192\.168\.(10\.101|20\.100)$/, 'Geneve goes to the backend node');
      assert.match(innerSrc!, /^192\.168\.\d+\.200$/, 'the client address is kept');
      assert.match(innerDst!, /^172\.20\.[12]\.\d+$/, 'DNATed to a pod of that node');
      assert.equal(cls, '0x014b');
      assert.equal(type, '0x81');
      assert.equal(dport, '80');
    }
    const replies = tshark(pcap, 'ip.src == 172.16.1.1 && tcp.flags.syn == 1 && tcp.flags.ack == 1', ['ip.dst', 'tcp.srcport', 'udp.dstport']);
    assert.ok(replies.length > 0, 'no SYN-ACK from the VIP');
    for (const [dst, sport, udp] of replies) {
      assert.match(dst!, /^192\.168\.\d+\.200$/, 'straight to the router');
      assert.equal(sport, '80');
      assert.equal(udp, '', 'not encapsulated');
    }
  } finally {
    await run.lab.stop();
  }
});
