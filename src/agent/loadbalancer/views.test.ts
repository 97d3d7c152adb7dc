import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { LBMaps } from '../../datapath/maps/lb.ts';
import { parseAddrKey } from '../../datapath/maps/lbaddr.ts';
import { defaultLBConfig } from './config.ts';
import { seed001, seed002 } from './scenarios.ts';
import { newFixture } from './testing.ts';
import {
  formatBpfLbList,
  formatKubeProxyReplacementDetails,
  formatMapGet,
  formatMapList,
  formatServiceList,
  formatSockNatList,
  ipcacheValueString,
  lbMapEntries,
  lbMapListRows,
} from './views.ts';

const seed = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');
/** Seed 002 was pasted with trailing whitespace stripped. */
const trimmed = (s: string) =>
  s
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .trimEnd();
const addr = (s: string) => parseAddrKey(s)!;

async function seed002Fixture() {
  const f = await newFixture({ nodeName: 'k8s-w1', nodeAddresses: ['10.0.2.15', '192.168.10.101'] });
  await f.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'monitoring' } });
  await seed002(f);
  return f;
}

test('service list: seed 002 (week 4, 1.18) line for line', async () => {
  const f = await seed002Fixture();
  assert.equal(trimmed(formatServiceList(f.maps)), trimmed(seed('seed002-service-list.txt')));
  assert.deepEqual(f.controller.problems(), []);
  f.controller.stop();
});

test('service list: seed 001 (week 5) byte for byte, trailing spaces included', async () => {
  const f = await newFixture({ nodeName: 'k8s-ctr', nodeAddresses: ['192.168.121.62', '192.168.10.100'] });
  await seed001(f);
  const got = formatServiceList(f.maps).split('\n');
  const want = seed('seed001-service-list.txt').split('\n');
  assert.equal(got.length, want.length);
  // The blog kept only three of the last line's eight trailing spaces.
  for (let i = 0; i < want.length - 2; i++) assert.equal(got[i], want[i], `line ${i + 1}`);
  assert.equal(got.at(-2)!.trimEnd(), want.at(-2)!.trimEnd());
  f.controller.stop();
});

test('bpf lb list: the webpod ClusterIP rows of seed 002', async () => {
  const f = await seed002Fixture();
  const rows = formatBpfLbList(f.maps)
    .split('\n')
    .filter((l) => l.includes('10.96.48.145'))
    .map((l) => l.trimEnd());
  assert.deepEqual(rows.sort(), trimmed(seed('seed002-bpf-lb-list-webpod.txt')).split('\n').sort());
  assert.match(formatBpfLbList(f.maps).split('\n')[0]!, /^SERVICE ADDRESS {16}BACKEND ADDRESS \(REVNAT_ID\) \(SLOT\) +$/);
  f.controller.stop();
});

test('map get cilium_lb4_reverse_nat: seed 002 entries, node-address NodePort entries included', async () => {
  const f = await seed002Fixture();
  const got = trimmed(formatMapGet(lbMapEntries(f.maps, 'cilium_lb4_reverse_nat')!)).split('\n');
  const want = trimmed(seed('seed002-map-get-revnat.txt')).split('\n');
  assert.equal(got[0], want[0]);
  assert.deepEqual(got.slice(1).sort(), want.slice(1).sort());
  f.controller.stop();
});

test('map get cilium_lb4_services_v2: the webpod master slot of seed 002, backend IDs aside', async () => {
  const f = await seed002Fixture();
  const got = formatMapGet(lbMapEntries(f.maps, 'cilium_lb4_services_v2')!)
    .split('\n')
    .filter((l) => l.startsWith('10.96.48.145'))
    .map((l) => l.trimEnd());
  const want = trimmed(seed('seed002-map-get-services-webpod.txt')).split('\n');
  assert.ok(got.includes(want[0]!), got.join('\n'));
  // Slots 1..3 name backends 172.20.0.158, .1.219, .2.77 in that order; the seed's IDs come from its pod history.
  const bySlot = (lines: string[]) => lines.map((l) => l.replace(/\) +\d+ 0\[0\]/, ') N 0[0]')).sort();
  assert.deepEqual(bySlot(got), bySlot(want));
  f.controller.stop();
});

test('map list: the seed 002 counts of the LB maps, in the seed layout', async () => {
  const f = await seed002Fixture();
  const lb = new Map(lbMapListRows(f.maps, false).map((r) => [r.name, r]));
  assert.equal(lb.get('cilium_lb4_services_v2')!.entries, 81);
  assert.equal(lb.get('cilium_lb4_backends_v3')!.entries, 19);
  assert.equal(lb.get('cilium_lb4_reverse_nat')!.entries, 29);
  const other = (name: string, entries: number) => ({ name, entries, errors: 0, cacheEnabled: true });
  const rows = [
    other('cilium_runtime_config', 256),
    lb.get('cilium_lb4_services_v2')!,
    lb.get('cilium_lb4_backends_v3')!,
    other('cilium_ipcache_v2', 25),
    other('cilium_policy_v2_00200', 3),
    other('cilium_policy_v2_00234', 2),
    other('cilium_policy_v2_03691', 3),
    lb.get('cilium_lb4_reverse_nat')!,
    other('cilium_lxc', 2),
    // A zero-entry map with the longest name sets the first column, as in the seed's full list.
    other('cilium_snat_v4_alloc_retries', 0),
  ];
  const got = formatMapList(rows)
    .split('\n')
    .filter((l) => !l.includes('0             0'))
    .join('\n');
  assert.equal(trimmed(got), trimmed(seed('seed002-map-list.txt')));
  f.controller.stop();
});

test('map get cilium_lb4_backends_v3: value layout `PROTO://address`', () => {
  const maps = new LBMaps();
  const lines = trimmed(seed('seed002-map-get-backends.txt')).split('\n').slice(1);
  for (const l of lines) {
    const m = /^(\d+)\s+(TCP|UDP):\/\/(\S+)$/.exec(l)!;
    maps.upsertBackend(Number(m[1]), { addr: addr(m[3]!), port: 1, proto: m[2] === 'TCP' ? 6 : 17, state: 0, clusterId: 0, zone: 0 });
  }
  assert.equal(trimmed(formatMapGet(lbMapEntries(maps, 'cilium_lb4_backends_v3')!)), trimmed(seed('seed002-map-get-backends.txt')));
  assert.equal(formatMapGet(lbMapEntries(new LBMaps(), 'cilium_lb4_backends_v3')!), 'Cache is empty\n\n');
});

test('map get cilium_ipcache_v2: entry layout', () => {
  const lines = trimmed(seed('seed002-map-get-ipcache.txt')).split('\n').slice(1);
  const entries = lines.map((l) => {
    const m = /^(\S+)\s+identity=(\d+) encryptkey=(\d+) tunnelendpoint=(\S+) flags=(\S+)\s+(\S+)$/.exec(l)!;
    return {
      key: m[1]!,
      value: ipcacheValueString({ identity: Number(m[2]), encryptKey: Number(m[3]), tunnelEndpoint: m[4]!, flags: m[5] === '<none>' ? [] : [m[5]!] }),
      state: m[6]!,
    };
  });
  assert.equal(trimmed(formatMapGet(entries)), trimmed(seed('seed002-map-get-ipcache.txt')));
});

test('bpf socknat list: raw network-order ports and rev-NAT index, as in seed 002', () => {
  const maps = new LBMaps();
  const rows: [number, string, number, string, number, number][] = [
    [46636, '192.168.10.100', 6443, '10.96.0.1', 443, 19],
    [4325, '192.168.10.100', 6443, '10.96.0.1', 443, 19],
    [4576, '192.168.10.100', 6443, '10.96.0.1', 443, 19],
    [38555, '192.168.10.100', 4244, '10.96.217.172', 443, 1],
    [4119, '192.168.10.100', 6443, '10.96.0.1', 443, 19],
    [4238, '192.168.10.100', 6443, '10.96.0.1', 443, 19],
    [43438, '172.20.0.183', 10250, '10.96.218.119', 443, 3],
    [46846, '172.20.0.183', 10250, '10.96.218.119', 443, 3],
    [4120, '192.168.10.100', 6443, '10.96.0.1', 443, 19],
  ];
  for (const [cookie, b, bp, fe, fp, revNat] of rows) {
    maps.updateSockRevNat({ cookie, backendAddr: addr(b), backendPort: bp, frontendAddr: addr(fe), frontendPort: fp, revNat });
  }
  assert.equal(trimmed(formatSockNatList(maps)), trimmed(seed('seed002-socknat.txt')));
});

test('KubeProxyReplacement Details: seed 001 SNAT + random, byte for byte', () => {
  const cfg = defaultLBConfig({ 'routing-mode': 'native' });
  const devices = [
    { name: 'eth0', addresses: ['fe80::5054:ff:fea7:8e7a', '192.168.121.62'], directRouting: false },
    { name: 'eth1', addresses: ['192.168.10.101', 'fe80::5054:ff:fefb:b52e'], directRouting: true },
  ];
  assert.equal(formatKubeProxyReplacementDetails(cfg, devices), seed('seed001-kpr-snat.txt'));
});

test('KubeProxyReplacement Details: seed 001 DSR + Geneve + Maglev, byte for byte', () => {
  const cfg = defaultLBConfig({
    'routing-mode': 'native',
    'tunnel-protocol': 'geneve',
    'bpf-lb-mode': 'dsr',
    'bpf-lb-dsr-dispatch': 'geneve',
    'bpf-lb-algorithm': 'maglev',
  });
  const devices = [
    { name: 'eth0', addresses: ['192.168.121.62', 'fe80::5054:ff:fea7:8e7a'], directRouting: false },
    { name: 'eth1', addresses: ['192.168.10.101', 'fe80::5054:ff:fefb:b52e'], directRouting: true },
  ];
  assert.equal(formatKubeProxyReplacementDetails(cfg, devices), seed('seed001-kpr-dsr.txt'));
});
