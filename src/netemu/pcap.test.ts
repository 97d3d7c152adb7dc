import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startWhoami } from '../apps/whoami.ts';
import { runTask } from './drive.ts';
import { testCluster } from './testing.ts';
import { defaultRegistry, exec } from './tools/index.ts';

const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

/** Captures on the router while a pod on k8s-ctr pings and curls one on k8s-w1 (VXLAN). */
async function capture(tcpdumpArgs: string, podCmd: string): Promise<Uint8Array> {
  const c = testCluster({ nodes: 2, mode: 'tunnel' });
  const curl = c.addPod(c.nodes[0]!, 'curl-pod', '172.20.0.102', 2163);
  const web = c.addPod(c.nodes[1]!, 'webpod', '172.20.1.77', 2219);
  await startWhoami(web.pod, { port: 80 });
  const registry = defaultRegistry();
  const stop = new AbortController();
  const dump = exec(c.net, c.router, `tcpdump ${tcpdumpArgs} -w /tmp/cap.pcap`, { registry, signal: stop.signal });
  const r = await runTask(c.clock, exec(c.net, curl.pod, podCmd, { registry }), { progress: () => c.net.activity });
  assert.equal(r.code, 0, r.stderr);
  stop.abort();
  const d = await dump;
  assert.match(d.stderr, /packets captured/);
  return c.router.readFile('/tmp/cap.pcap')!;
}

function tshark(bytes: Uint8Array, args: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'cilia-pcap-'));
  try {
    const file = join(dir, 'cap.pcap');
    writeFileSync(file, bytes);
    const r = spawnSync('tshark', ['-r', file, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split('\n').filter(Boolean);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('pcap header and SLL2 records are well formed', async () => {
  const bytes = await capture('-i any udp port 8472', 'ping -c 1 172.20.1.77');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  assert.equal(v.getUint32(0, true), 0xa1b2c3d4);
  assert.equal(v.getUint32(20, true), 276); // LINKTYPE_LINUX_SLL2
  // request in on eth1 + out on eth2, reply in on eth2 + out on eth1
  let off = 24;
  let n = 0;
  while (off < bytes.length) {
    const incl = v.getUint32(off + 8, true);
    off += 16 + incl;
    n++;
  }
  assert.equal(off, bytes.length);
  assert.equal(n, 4);
});

test('tshark decodes the VXLAN ping capture: inner ICMP, VNI = source identity, checksums good', { skip: hasTshark ? false : 'tshark not installed (apt-get install -y tshark)' }, async () => {
  const bytes = await capture('-i any udp port 8472', 'ping -c 1 172.20.1.77');
  const rows = tshark(bytes, [
    '-d',
    'udp.port==8472,vxlan',
    '-o',
    'ip.check_checksum:TRUE',
    '-T',
    'fields',
    '-E',
    'separator=,',
    '-e',
    'vxlan.vni',
    '-e',
    'ip.src',
    '-e',
    'ip.dst',
    '-e',
    'icmp.type',
    '-e',
    'icmp.seq',
    '-e',
    'ip.checksum.status',
    '-e',
    'icmp.checksum.status',
  ]);
  assert.deepEqual(rows, [
    '2163,192.168.10.100,172.20.0.102,192.168.20.100,172.20.1.77,8,1,1,1,1',
    '2163,192.168.10.100,172.20.0.102,192.168.20.100,172.20.1.77,8,1,1,1,1',
    '2219,192.168.20.100,172.20.1.77,192.168.10.100,172.20.0.102,0,1,1,1,1',
    '2219,192.168.20.100,172.20.1.77,192.168.10.100,172.20.0.102,0,1,1,1,1',
  ]);
});

test('tshark accepts TCP and HTTP inside the tunnel with valid checksums', { skip: hasTshark ? false : 'tshark not installed (apt-get install -y tshark)' }, async () => {
  const bytes = await capture('-i eth1 udp port 8472', 'curl -s 172.20.1.77 >/dev/null');
  const rows = tshark(bytes, [
    '-d',
    'udp.port==8472,vxlan',
    '-o',
    'tcp.check_checksum:TRUE',
    '-Y',
    'tcp',
    '-T',
    'fields',
    '-E',
    'separator=,',
    '-e',
    'tcp.flags.str',
    '-e',
    'tcp.checksum.status',
    '-e',
    'http.request.method',
    '-e',
    'http.response.code',
  ]);
  assert.ok(rows.length >= 8, rows.join('\n'));
  assert.ok(rows.every((r) => r.split(',')[1] === '1'), rows.join('\n'));
  assert.ok(rows.some((r) => r.endsWith(',GET,')));
  assert.ok(rows.some((r) => r.endsWith(',200')));
  assert.match(rows[0]!, /^··········S·,1/);
});
