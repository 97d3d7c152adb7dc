// The tools against the seeds' outputs: iproute2 layouts, ping/arping/curl/tcpdump lines, the
// shell one-liners, sysctl and the ECMP hash policy.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualClock } from '../../controller/clock.ts';
import { Rng } from '../../controller/rng.ts';
import { startWhoami } from '../../apps/whoami.ts';
import { parseAddr } from '../addr.ts';
import { CiliumDatapath } from '../cilium/datapath.ts';
import { runTask } from '../drive.ts';
import type { Host } from '../host.ts';
import { fmtMac } from '../mac.ts';
import { Network } from '../network.ts';
import { testCluster } from '../testing.ts';
import { buildTopology } from '../topology.ts';
import { defaultRegistry, exec } from './index.ts';

const registry = defaultRegistry();

function runner(net: Network) {
  return (host: Host, cmd: string, timeoutMs?: number) =>
    runTask(net.clock, exec(net, host, cmd, { registry, timeoutMs }), { progress: () => net.activity });
}

/** The week-5 lab of seed 001 (libvirt NICs): router with loop1/loop2, k8s-ctr, k8s-w0. */
function week5() {
  const clock = new VirtualClock();
  const net = new Network({ clock, rng: new Rng('week5') });
  const hosts = buildTopology(
    net,
    {
      networks: [
        { name: 'mgmt', cidr: '192.168.121.0/24', gateway: '192.168.121.1' },
        { name: 'lan10', cidr: '192.168.10.0/24' },
        { name: 'lan20', cidr: '192.168.20.0/24' },
      ],
      nodes: [
        {
          name: 'k8s-ctr',
          interfaces: [
            { name: 'eth0', network: 'mgmt', addresses: ['192.168.121.70/24'], dhcp: true },
            { name: 'eth1', network: 'lan10', addresses: ['192.168.10.100/24'] },
          ],
          routes: [{ to: '192.168.20.0/24', via: '192.168.10.200' }],
        },
      ],
      routers: [
        {
          name: 'router',
          interfaces: [
            { name: 'eth0', network: 'mgmt', addresses: ['192.168.121.25/24'], dhcp: true },
            { name: 'eth1', network: 'lan10', addresses: ['192.168.10.200/24'] },
            { name: 'eth2', network: 'lan20', addresses: ['192.168.20.200/24'] },
            { name: 'loop1', type: 'dummy', addresses: ['10.10.1.200/24'] },
            { name: 'loop2', type: 'dummy', addresses: ['10.10.2.200/24'] },
          ],
          sysctl: { 'net.ipv4.ip_forward': '1' },
        },
      ],
      hosts: [],
    },
    { oui: '52:54:00' },
  );
  return { clock, net, router: hosts.get('router')!, ctr: hosts.get('k8s-ctr')!, run: runner(net) };
}

test('ip -br -c -4 addr and ip -c route on the seed-001 router', async () => {
  const { router, run } = week5();
  const br = await run(router, 'ip -br -c -4 addr');
  assert.equal(
    br.stdout,
    [
      'lo               UNKNOWN        127.0.0.1/8 ',
      'eth0             UP             192.168.121.25/24 metric 100 ',
      'eth1             UP             192.168.10.200/24 ',
      'eth2             UP             192.168.20.200/24 ',
      'loop1            UNKNOWN        10.10.1.200/24 ',
      'loop2            UNKNOWN        10.10.2.200/24 ',
      '',
    ].join('\n'),
  );
  const routes = await run(router, 'ip -c route');
  assert.equal(
    routes.stdout,
    [
      'default via 192.168.121.1 dev eth0 proto dhcp src 192.168.121.25 metric 100 ',
      '10.10.1.0/24 dev loop1 proto kernel scope link src 10.10.1.200 ',
      '10.10.2.0/24 dev loop2 proto kernel scope link src 10.10.2.200 ',
      '192.168.10.0/24 dev eth1 proto kernel scope link src 192.168.10.200 ',
      '192.168.20.0/24 dev eth2 proto kernel scope link src 192.168.20.200 ',
      '192.168.121.0/24 dev eth0 proto kernel scope link src 192.168.121.25 metric 100 ',
      '192.168.121.1 dev eth0 proto dhcp scope link src 192.168.121.25 metric 100 ',
      '',
    ].join('\n'),
  );
});

test('ip -c -4 addr show dev eth1 and ip -c addr on the router (layout of seed 001)', async () => {
  const { router, ctr, run } = week5();
  const one = await run(ctr, 'ip -c -4 addr show dev eth1');
  assert.equal(
    one.stdout,
    [
      '3: eth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default qlen 1000',
      '    altname enp0s6',
      '    altname ens6',
      '    inet 192.168.10.100/24 brd 192.168.10.255 scope global eth1',
      '       valid_lft forever preferred_lft forever',
      '',
    ].join('\n'),
  );
  const all = (await run(router, 'ip -c addr')).stdout.split('\n');
  const mac = fmtMac(router.iface('loop1')!.mac);
  const ll = mac.split(':');
  assert.deepEqual(all.slice(0, 6), [
    '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000',
    '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
    '    inet 127.0.0.1/8 scope host lo',
    '       valid_lft forever preferred_lft forever',
    '    inet6 ::1/128 scope host noprefixroute ',
    '       valid_lft forever preferred_lft forever',
  ]);
  assert.match(all[6]!, /^2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default qlen 1000$/);
  assert.match(all[7]!, /^ {4}link\/ether 52:54:00:[0-9a-f:]{8} brd ff:ff:ff:ff:ff:ff$/);
  assert.match(all[10]!, /^ {4}inet 192\.168\.121\.25\/24 metric 100 brd 192\.168\.121\.255 scope global dynamic eth0$/);
  assert.match(all[11]!, /^ {7}valid_lft \d+sec preferred_lft \d+sec$/);
  const loop1 = all.indexOf(all.find((l) => l.startsWith('5: loop1'))!);
  assert.deepEqual(all.slice(loop1, loop1 + 6), [
    '5: loop1: <BROADCAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN group default qlen 1000'.replace('BROADCAST,NOARP', 'BROADCAST,MULTICAST,NOARP'),
    `    link/ether ${mac} brd ff:ff:ff:ff:ff:ff`,
    '    inet 10.10.1.200/24 scope global loop1',
    '       valid_lft forever preferred_lft forever',
    `    inet6 fe80::${(Number.parseInt(ll[0]!, 16) ^ 2).toString(16)}${ll[1]}:${ll[2]}ff:fe${ll[3]}:${ll[4]}${ll[5]}/64 scope link `.replace(/:0+([0-9a-f])/g, ':$1'),
    '       valid_lft forever preferred_lft forever',
  ]);
});

test('ip route get through the NAT default route, and error lines', async () => {
  const { router, run } = week5();
  const r = await run(router, 'ip route get 172.20.2.77');
  assert.equal(r.stdout, '172.20.2.77 via 192.168.121.1 dev eth0 src 192.168.121.25 uid 0 \n    cache \n');
  assert.equal((await run(router, 'ip route get 10.10.1.200')).stdout, 'local 10.10.1.200 dev lo table local src 10.10.1.200 uid 0 \n    cache <local> \n');
  const bad = await run(router, 'ip route get 10.10.1.300');
  assert.equal(bad.stderr, 'Error: inet prefix is expected rather than "10.10.1.300".\n');
  assert.equal((await run(router, 'ip addr show dev eth9')).stderr, 'Device "eth9" does not exist.\n');
  assert.equal((await run(router, 'ip foo')).stderr, 'Object "foo" is unknown, try "ip help".\n');
  assert.equal((await run(router, 'ip route add 10.99.0.0/16 via 192.168.10.1; ip route add 10.99.0.0/16 via 192.168.10.1')).stderr, 'RTNETLINK answers: File exists\n');
  assert.equal((await run(router, 'ip route | grep 10.99')).stdout, '10.99.0.0/16 via 192.168.10.1 dev eth1 \n');
});

test('the router forwards into its NAT default route: tcpdump -i any shows eth1 In, eth0 Out', async () => {
  const { router, ctr, net, run } = week5();
  ctr.addRoute({ table: 254, type: 'unicast', dst: { addr: parseAddr('172.20.0.0') as number, len: 16 }, protocol: 3, scope: 0, metric: 0, nexthops: [{ gw: parseAddr('192.168.10.200'), dev: ctr.iface('eth1')!, weight: 1 }] });
  const stop = new AbortController();
  const dump = exec(net, router, 'tcpdump -i any icmp -nn', { registry, signal: stop.signal });
  const ping = await run(ctr, 'ping -c 2 -w 1 -W 1 172.20.2.77');
  assert.equal(ping.stdout.split('\n').slice(-3).join('\n'), '--- 172.20.2.77 ping statistics ---\n1 packets transmitted, 0 received, 100% packet loss, time 0ms\n');
  stop.abort();
  const d = await dump;
  assert.equal(d.stderr.split('\n').slice(0, 3).join('\n'), 'tcpdump: data link type LINUX_SLL2\ntcpdump: verbose output suppressed, use -v[v]... for full protocol decode\nlistening on any, link-type LINUX_SLL2 (Linux cooked v2), snapshot length 262144 bytes');
  const lines = d.stdout.split('\n').filter(Boolean);
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /^\d\d:\d\d:\d\d\.\d{6} eth1 {2}In {2}IP 192\.168\.10\.100 > 172\.20\.2\.77: ICMP echo request, id \d+, seq 1, length 64$/);
  assert.match(lines[1]!, /^\d\d:\d\d:\d\d\.\d{6} eth0 {2}Out IP 192\.168\.10\.100 > 172\.20\.2\.77: ICMP echo request, id \d+, seq 1, length 64$/);
  assert.match(d.stderr, /2 packets captured\n\d+ packets received by filter\n0 packets dropped by kernel\n$/);
});

test('the shell one-liners: loops, brace expansion, pipes, sort | uniq -c | sort -nr, grep -oP, timeouts', async () => {
  const { router, run } = week5();
  const r = await run(router, 'for i in {1..5}; do echo a; done; for i in {1..3}; do echo b; done | sort | uniq -c | sort -nr');
  assert.equal(r.stdout, 'a\na\na\na\na\n      3 b\n');
  const counts = await run(router, 'n=2; for i in 1 2 3 4 5 6; do echo x$((i * n + 1)) ; done | head -n 2; echo done');
  assert.equal(counts.stdout, 'x3\nx5\ndone\n');
  const v = await run(router, 'LBIP=192.168.10.211; echo "ip: $LBIP"; export X=1; sh -c \'echo "X=$X"\'');
  assert.equal(v.stdout, 'ip: 192.168.10.211\nX=1\n');
  const oP = await run(router, "NODEIP=$(ip -4 addr show eth1 | grep -oP '(?<=inet\\s)\\d+(\\.\\d+){3}'); echo $NODEIP");
  assert.equal(oP.stdout, '192.168.10.200\n');
  const loop = await run(router, 'while true; do echo tick; sleep 1; done', 3500);
  assert.equal(loop.stdout, 'tick\ntick\ntick\ntick\n');
  assert.equal(loop.code, 130);
  const e = await run(router, 'echo -e "HTTP/1.1 200 OK\\r\\n\\r\\nOK" | egrep "OK|200" | wc -l');
  assert.equal(e.stdout, '2\n');
  assert.equal((await run(router, 'nosuchcmd')).stderr, 'bash: nosuchcmd: command not found\n');
  assert.equal((await run(router, 'echo "unterminated')).code, 2);
});

test('sysctl -w / -n, unknown keys and bad values', async () => {
  const { router, run } = week5();
  assert.equal((await run(router, 'sysctl -w net.ipv4.fib_multipath_hash_policy=1')).stdout, 'net.ipv4.fib_multipath_hash_policy = 1\n');
  assert.equal((await run(router, 'sysctl -n net.ipv4.fib_multipath_hash_policy')).stdout, '1\n');
  assert.equal((await run(router, 'sysctl net.ipv4.ip_local_port_range')).stdout, 'net.ipv4.ip_local_port_range = 32768\t60999\n');
  assert.equal((await run(router, 'sysctl net.ipv4.nope')).stderr, 'sysctl: cannot stat /proc/sys/net/ipv4/nope: No such file or directory\n');
  assert.equal((await run(router, 'sysctl -w net.ipv4.ip_forward=7')).stderr, 'sysctl: setting key "net.ipv4.ip_forward": Invalid argument\n');
});

test('curl: whoami response, RemoteAddr, -w http_code, refused, timeout, unresolvable, --fail -v', async () => {
  const c = testCluster({ nodes: 2, mode: 'tunnel' });
  const run = runner(c.net);
  const client = c.addPod(c.nodes[0]!, 'curl-pod', '172.20.0.102', 2163);
  const web = c.addPod(c.nodes[1]!, 'webpod-697b545f57-2nk8p', '172.20.1.77', 2219);
  await startWhoami(web.pod, { port: 80 });
  const ok = await run(client.pod, 'curl -s 172.20.1.77');
  const lines = ok.stdout.split('\n');
  assert.deepEqual(lines.slice(0, 3), ['Hostname: webpod-697b545f57-2nk8p', 'IP: 127.0.0.1', 'IP: ::1']);
  assert.equal(lines[3], 'IP: 172.20.1.77');
  assert.match(lines[4]!, /^IP: fe80::[0-9a-f:]+$/);
  assert.match(lines[5]!, /^RemoteAddr: 172\.20\.0\.102:\d+$/);
  assert.deepEqual(lines.slice(6), ['GET / HTTP/1.1\r', 'Host: 172.20.1.77\r', 'User-Agent: curl/8.5.0\r', 'Accept: */*\r', '\r', '']);
  assert.equal((await run(client.pod, 'curl -so /dev/null -w "%{http_code}\\n" http://172.20.1.77/')).stdout, '200\n');
  const refused = await run(client.pod, 'curl 172.20.1.77:8080');
  assert.equal(refused.code, 7);
  assert.match(refused.stderr, /curl: \(7\) Failed to connect to 172\.20\.1\.77 port 8080 after \d+ ms: Couldn't connect to server\n$/);
  assert.equal((await run(client.pod, 'curl -s 172.20.1.77:8080; echo $?')).stdout, '7\n');
  const dead = await run(client.pod, 'curl --connect-timeout 1 172.20.1.99');
  assert.equal(dead.code, 28);
  assert.match(dead.stderr, /curl: \(28\) Failed to connect to 172\.20\.1\.99 port 80 after 1000 ms: Timeout was reached\n$/);
  const unresolved = await run(client.pod, 'curl -sS --connect-timeout 1 nowhere');
  assert.equal(unresolved.code, 6);
  assert.match(unresolved.stderr, /curl: \(6\) Could not resolve host: nowhere\n$/);
  const verbose = await run(client.pod, 'curl -s -v http://172.20.1.77/ -o /dev/null');
  assert.deepEqual(verbose.stderr.split('\n').slice(0, 7), [
    '*   Trying 172.20.1.77:80...',
    '* Connected to 172.20.1.77 (172.20.1.77) port 80',
    '> GET / HTTP/1.1',
    '> Host: 172.20.1.77',
    '> User-Agent: curl/8.5.0',
    '> Accept: */*',
    '> ',
  ]);
  assert.match(verbose.stderr, /< HTTP\/1\.1 200 OK\n< Date: .* GMT\n< Content-Length: \d+\n< Content-Type: text\/plain; charset=utf-8\n< \n\* Connection #0 to host 172\.20\.1\.77 left intact\n$/);
  const meter = await run(client.pod, 'curl 172.20.1.77 | grep Hostname');
  assert.equal(meter.stdout, 'Hostname: webpod-697b545f57-2nk8p\n');
  assert.match(meter.stderr, /^ {2}% Total {4}% Received % Xferd {2}Average Speed/);
  assert.deepEqual(c.net.internalErrors, []);
});

test('netshoot: the nc -l loop of seed 002 answers OK from $POD_NAME, one second per request (-q 1)', async () => {
  const c = testCluster({ nodes: 2, mode: 'tunnel' });
  const run = runner(c.net);
  const client = c.addPod(c.nodes[0]!, 'curl-pod', '172.20.0.102', 2163);
  const web = c.addPod(c.nodes[1]!, 'netshoot-web-5c59d94bd4-k7bjk', '172.20.1.117', 55713);
  const server = new AbortController();
  const loop = exec(
    c.net,
    web.pod,
    ['sh', '-c', 'while true; do \n  { echo -e "HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\nOK from $POD_NAME"; } | nc -l -p 8080 -q 1;\ndone\n'],
    { registry, signal: server.signal, env: { POD_NAME: 'netshoot-web-5c59d94bd4-k7bjk' } },
  );
  await c.clock.advance(100); // the pod has been up for a while: nc is listening
  const t0 = c.clock.now();
  const r = await run(client.pod, 'curl -s 172.20.1.117:8080; curl -s 172.20.1.117:8080');
  assert.equal(r.stdout, 'OK from netshoot-web-5c59d94bd4-k7bjk\nOK from netshoot-web-5c59d94bd4-k7bjk\n');
  // two -q 1 waits, plus a millisecond per command start
  assert.ok(c.clock.now() - t0 >= 2000 && c.clock.now() - t0 < 2010, `${c.clock.now() - t0}`);
  server.abort();
  const done = await runTask(c.clock, loop, { progress: () => c.net.activity });
  assert.match(done.stdout, /^GET \/ HTTP\/1\.1\r\nHost: 172\.20\.1\.117:8080\r\n/);
});

test('arping: Timeout without an answer, replies from an L2 responder entry, and arp -a', async () => {
  const { router, ctr, run } = week5();
  const none = await run(router, 'arping -i eth1 192.168.10.211 -c 1');
  assert.equal(none.stdout, 'ARPING 192.168.10.211\nTimeout\n--- 192.168.10.211 statistics ---\n1 packets transmitted, 0 packets received, 100% unanswered (0 extra)\n');
  // the node's datapath answers ARP for an announced service IP with its eth1 MAC
  const dp = CiliumDatapath.of(ctr);
  dp.configure(
    { routingMode: 'native', tunnelProtocol: 'vxlan', tunnelPort: 8472, autoDirectNodeRoutes: false, nativeRoutingCIDR: undefined, enableIPv4Masquerade: true, enableEndpointRoutes: false, devices: undefined, mtu: 1500 },
    parseAddr('172.20.0.192')!,
    [],
  );
  const eth1 = ctr.iface('eth1')!;
  dp.maps.l2responder.set(parseAddr('192.168.10.211') as number, eth1.index, eth1.mac);
  const two = await run(router, 'arping -i eth1 192.168.10.211 -c 2');
  const mac = fmtMac(eth1.mac);
  const l = two.stdout.split('\n');
  assert.equal(l[0], 'ARPING 192.168.10.211');
  assert.match(l[1]!, new RegExp(`^60 bytes from ${mac} \\(192\\.168\\.10\\.211\\): index=0 time=\\d+\\.\\d{3} usec$`));
  assert.match(l[2]!, new RegExp(`^60 bytes from ${mac} \\(192\\.168\\.10\\.211\\): index=1 time=\\d+\\.\\d{3} usec$`));
  assert.deepEqual(l.slice(3, 6), ['', '--- 192.168.10.211 statistics ---', '2 packets transmitted, 2 packets received,   0% unanswered (0 extra)']);
  assert.match(l[6]!, /^rtt min\/avg\/max\/std-dev = \d+\.\d{3}\/\d+\.\d{3}\/\d+\.\d{3}\/\d+\.\d{3} ms$/);
  // the router only learns it when something is sent to it (arping does not feed the ARP table)
  await run(router, 'curl -s --connect-timeout 1 192.168.10.100 >/dev/null; ping -c 1 192.168.10.211 >/dev/null');
  assert.deepEqual((await run(router, 'arp -a')).stdout.split('\n').filter(Boolean), [
    `? (192.168.10.100) at ${mac} [ether] on eth1`,
    `? (192.168.10.211) at ${mac} [ether] on eth1`,
  ]);
});

test('ECMP: hash policy 0 pins a flow set to one next hop, policy 1 spreads connections', async () => {
  const clock = new VirtualClock();
  const net = new Network({ clock, rng: new Rng('ecmp') });
  const router = net.addHost('router', { kind: 'router' });
  net.attach(router, 'eth1', 'lan', { addrs: ['192.168.10.200/24'] });
  const servers: Host[] = [];
  for (let i = 0; i < 3; i++) {
    const s = net.addHost(`node${i}`, { kind: 'node' });
    net.attach(s, 'eth1', 'lan', { addrs: [`192.168.10.${100 + i}/24`] });
    net.addDummy(s, 'vip', { addrs: ['172.16.1.1/32'] });
    await startWhoami(s, { port: 80 });
    servers.push(s);
  }
  router.addRoute({
    table: 254,
    type: 'unicast',
    dst: { addr: parseAddr('172.16.1.1') as number, len: 32 },
    protocol: 186,
    scope: 0,
    metric: 20,
    nhid: 114,
    nexthops: servers.map((_s, i) => ({ gw: parseAddr(`192.168.10.${100 + i}`), dev: router.iface('eth1')!, weight: 1 })),
  });
  const run = runner(net);
  assert.match((await run(router, 'ip route | grep -A3 172.16.1.1')).stdout, /^172\.16\.1\.1 nhid 114 proto bgp metric 20 \n\tnexthop via 192\.168\.10\.100 dev eth1 weight 1 \n/);
  const spread = async () => (await run(router, 'for i in {1..30}; do curl -s 172.16.1.1 | grep Hostname; done | sort | uniq -c')).stdout.trim().split('\n').length;
  assert.equal(await spread(), 1);
  await run(router, 'sysctl -w net.ipv4.fib_multipath_hash_policy=1');
  assert.equal(await spread(), 3);
});
