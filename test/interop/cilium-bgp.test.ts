// Interop: the week-5 lab's three nodes — operator, agents and their speakers, unchanged — on real
// TCP sockets, each bound to its node address, peering with a real FRR bgpd as the ToR. All of it
// runs inside a network namespace this test creates (node and router addresses on its loopback),
// so next hops are the lab's own (no 127/8 martians). FRR's `show bgp ipv4 unicast json` must list
// the PodCIDRs and the LoadBalancer IP with the next hops the agents say they advertise.
//
// The agents run in a child process inside the namespace (`ip netns exec`); this file is also that
// child when CILIA_BGP_INTEROP_CHILD is set.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const BGPD = '/usr/lib/frr/bgpd';
const NODES = [
  { name: 'k8s-ctr', ip: '192.168.10.100', podCIDR: '172.20.0.0/24' },
  { name: 'k8s-w1', ip: '192.168.10.101', podCIDR: '172.20.1.0/24' },
  { name: 'k8s-w0', ip: '192.168.20.100', podCIDR: '172.20.2.0/24' },
];
const ROUTER = '192.168.10.200';
const LB_IP = '172.16.1.1';

/** The child: the control plane of the three nodes on real sockets; prints what each advertises. */
async function child(): Promise<void> {
  const { netTransport, loadNativeSockets } = await import('../../src/bgp/net-transport.ts');
  const { BgpTestbed, endpointSlice, lbService, seedObjects } = await import('../../src/agent/bgp/testkit.ts');
  const { advertisedRoutes, peerModels } = await import('../../src/agent/bgp/views.ts');
  const base = netTransport();
  const tb = new BgpTestbed({
    nodes: NODES.map((n) => ({ ...n, labels: { 'enable-bgp': 'true' } })),
    // each node's sockets come from its own address, as they would from its own host
    realTransport: (n) => ({ ...base, connect: (o) => base.connect({ ...o, localAddress: o.localAddress ?? n.ip }) }),
    log: (l) => process.stderr.write(`${l}\n`),
  });
  await tb.start();
  // eBGP multihop needs the native socket addon for the TTL; without it the seed's value is left out
  for (const o of seedObjects(loadNativeSockets() ? { multihop: 2 } : {})) await tb.create(o);
  await tb.create({
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumBGPAdvertisement',
    metadata: { name: 'bgp-advertisements-lb-exip-webpod', labels: { advertise: 'bgp' } },
    spec: { advertisements: [{ advertisementType: 'Service', service: { addresses: ['LoadBalancerIP'] }, selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['webpod'] }] } }] },
  });
  await tb.createService(lbService('webpod', LB_IP));
  await tb.create(endpointSlice('webpod', NODES.map((n) => n.name)));
  for (let i = 0; i < 120; i++) {
    await tb.settle(250);
    const state = NODES.map((n) => {
      const inst = tb.manager(n.name).runningInstances()[0];
      const peer = inst ? peerModels(inst, Date.now())[0] : undefined;
      const adv = inst ? advertisedRoutes(inst, 'ipv4-unicast', Date.now()).map((r) => `${r.prefix} ${r.paths[0]!.nextHop}`) : [];
      return { node: n.name, state: peer?.sessionState, advertised: adv.sort() };
    });
    if (state.every((s) => s.state === 'established' && s.advertised.length === 2)) {
      process.stdout.write(`${JSON.stringify(state)}\n`);
      break;
    }
  }
  // keep the sessions up until the parent is done
  await new Promise<void>((resolve) => process.stdin.on('close', resolve).resume());
  tb.stop();
  process.exit(0);
}

if (process.env.CILIA_BGP_INTEROP_CHILD === '1') {
  await child();
} else {
  const NS = `cilia-bgp-${process.pid}`;
  let dir = '';
  let bgpd: ChildProcess | undefined;
  let agents: ChildProcess | undefined;
  let skip: string | undefined;
  const sh = (cmd: string[]) => spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8' });

  before(() => {
    if (process.getuid?.() !== 0) skip = 'needs root for a network namespace';
    else if (!existsSync(BGPD)) skip = `FRR is not installed (${BGPD}); apt-get install -y frr`;
    else if (sh(['ip', 'netns', 'add', NS]).status !== 0) skip = 'cannot create a network namespace';
    if (skip) return;
    sh(['ip', '-n', NS, 'link', 'set', 'lo', 'up']);
    for (const a of [...NODES.map((n) => n.ip), ROUTER]) sh(['ip', '-n', NS, 'addr', 'add', `${a}/32`, 'dev', 'lo']);
    dir = mkdtempSync(join(tmpdir(), 'cilia-bgp-frr-'));
    writeFileSync(join(dir, 'vtysh.conf'), '');
    writeFileSync(
      join(dir, 'bgpd.conf'),
      [
        'frr defaults traditional',
        'hostname router',
        '!',
        'router bgp 65000',
        ` bgp router-id ${ROUTER}`,
        ' no bgp ebgp-requires-policy',
        ' no bgp network import-check',
        ' bgp graceful-restart',
        ' bgp bestpath as-path multipath-relax',
        ' neighbor CILIUM peer-group',
        ' neighbor CILIUM remote-as external',
        ' neighbor CILIUM timers connect 5',
        ...NODES.map((n) => ` neighbor ${n.ip} peer-group CILIUM`),
        ' address-family ipv4 unicast',
        '  network 10.10.1.0/24',
        '  maximum-paths 4',
        ' exit-address-family',
        '!',
        '',
      ].join('\n'),
    );
    bgpd = spawn('ip', ['netns', 'exec', NS, BGPD, '-f', join(dir, 'bgpd.conf'), '-Z', '-S', '-l', ROUTER, '-p', '179', '-P', '0', '--vty_socket', dir, '-i', join(dir, 'bgpd.pid'), '--log', `file:${join(dir, 'bgpd.log')}`], { stdio: 'ignore' });
  });

  after(() => {
    agents?.stdin?.end();
    agents?.kill();
    bgpd?.kill();
    if (dir && existsSync(join(dir, 'bgpd.pid'))) {
      const pid = Number(readFileSync(join(dir, 'bgpd.pid'), 'utf8').trim());
      if (pid > 0) spawnSync('kill', [String(pid)]);
    }
    if (!skip) sh(['ip', 'netns', 'del', NS]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('FRR learns the PodCIDRs and the LB IP from the three nodes with their own next hops', { timeout: 90_000 }, async (t) => {
    if (skip) return t.skip(skip);
    const self = fileURLToPath(import.meta.url);
    agents = spawn('ip', ['netns', 'exec', NS, process.execPath, '--import', 'tsx', self], { env: { ...process.env, CILIA_BGP_INTEROP_CHILD: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    agents.stdout!.on('data', (d) => (out += d));
    agents.stderr!.on('data', (d) => (err += d));
    const deadline = Date.now() + 60_000;
    while (!out.includes('\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.ok(out.includes('\n'), `agents never established and advertised:\n${err.slice(-3000)}`);
    const advertised = JSON.parse(out.split('\n')[0]!) as { node: string; advertised: string[] }[];
    // what each agent says it sends: its PodCIDR and the LB IP, both with its own address as next hop
    for (const n of NODES) assert.deepEqual(advertised.find((a) => a.node === n.name)!.advertised, [`${LB_IP}/32 ${n.ip}`, `${n.podCIDR} ${n.ip}`].sort());
    const vtysh = () => sh(['vtysh', '--config_dir', dir, '--vty_socket', dir, '-d', 'bgpd', '-c', 'show bgp ipv4 unicast json']);
    type FrrPath = { valid?: boolean; bestpath?: boolean; multipath?: boolean; nexthops: { ip: string }[] };
    let routes: Record<string, FrrPath[]> = {};
    while (Date.now() < deadline) {
      const r = vtysh();
      if (r.status === 0 && r.stdout.trim().startsWith('{')) {
        routes = (JSON.parse(r.stdout) as { routes: Record<string, FrrPath[]> }).routes;
        if ((routes[`${LB_IP}/32`]?.length ?? 0) === 3 && NODES.every((n) => routes[n.podCIDR])) break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    const nextHops = (prefix: string) => (routes[prefix] ?? []).map((p) => p.nexthops[0]!.ip).sort();
    // FRR's view equals the union of what the agents advertise
    const fromAgents = new Map<string, string[]>();
    for (const a of advertised) for (const line of a.advertised) {
      const [prefix, nh] = line.split(' ');
      fromAgents.set(prefix!, [...(fromAgents.get(prefix!) ?? []), nh!].sort());
    }
    for (const [prefix, nhs] of fromAgents) assert.deepEqual(nextHops(prefix), nhs, `${prefix} at FRR`);
    assert.deepEqual(Object.keys(routes).sort(), ['10.10.1.0/24', ...fromAgents.keys()].sort());
    // maximum-paths 4 with multipath-relax: the LB IP is ECMP over the three nodes
    const lb = routes[`${LB_IP}/32`]!;
    assert.equal(lb.filter((p) => p.valid).length, 3);
    assert.equal(lb.filter((p) => p.bestpath || p.multipath).length, 3);
  });
}
