import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualClock } from '../controller/clock.ts';
import { Rng } from '../controller/rng.ts';
import { fmtAddr, parseAddr } from './addr.ts';
import { runTask } from './drive.ts';
import type { Host } from './host.ts';
import { fmtMac } from './mac.ts';
import { Network } from './network.ts';
import { IPPROTO_ICMP, type IpPacket, type Skb, makeIp } from './packet.ts';
import type { PingEvent } from './stack.ts';

function lan() {
  const clock = new VirtualClock();
  const net = new Network({ clock, rng: new Rng('t') });
  const a = net.addHost('a');
  const b = net.addHost('b');
  const r = net.addHost('r', { kind: 'router' });
  net.attach(a, 'eth0', 'left', { addrs: ['10.0.1.10/24'] });
  net.attach(r, 'eth0', 'left', { addrs: ['10.0.1.1/24'] });
  net.attach(r, 'eth1', 'right', { addrs: ['10.0.2.1/24'] });
  net.attach(b, 'eth0', 'right', { addrs: ['10.0.2.20/24'] });
  const gw = (h: Host, via: string) =>
    h.addRoute({
      table: 254,
      type: 'unicast',
      dst: { addr: 0, len: 0 },
      protocol: 4,
      scope: 0,
      metric: 0,
      nexthops: [{ gw: parseAddr(via)!, dev: h.iface('eth0')!, weight: 1 }],
    });
  gw(a, '10.0.1.1');
  gw(b, '10.0.2.1');
  return { clock, net, a, b, r };
}

function ping(h: Host, dst: string, ttl = 64): Promise<PingEvent> {
  return new Promise((resolve) => {
    const id = 4242;
    h.stack.pingHandlers.set(id, (ev) => {
      h.stack.pingHandlers.delete(id);
      resolve(ev);
    });
    const ip = makeIp(0, parseAddr(dst)!, IPPROTO_ICMP, { kind: 'icmp', type: 8, code: 0, id, seq: 1, data: new Uint8Array(56) }, { ttl });
    assert.equal(h.stack.output(ip), undefined);
  });
}

test('ping across a router resolves ARP and decrements TTL', async () => {
  const { clock, net, a } = lan();
  const seen: string[] = [];
  a.taps.add((dev, skb: Skb, dir) => {
    const p = skb.frame.payload;
    seen.push(`${dev.name} ${dir} ${p.kind === 'arp' ? `arp ${p.op}` : `ip ${fmtAddr((p as IpPacket).src)}>${fmtAddr((p as IpPacket).dst)}`}`);
  });
  const ev = await runTask(clock, ping(a, '10.0.2.20'));
  assert.equal(ev.kind, 'reply');
  if (ev.kind === 'reply') {
    assert.equal(ev.ip.ttl, 63);
    assert.ok(ev.t - clock.now() > 0.3, 'four wire crossings of modelled latency');
  }
  assert.deepEqual(seen, [
    'eth0 Out arp 1',
    'eth0 In arp 2',
    'eth0 Out ip 10.0.1.10>10.0.2.20',
    'eth0 In ip 10.0.2.20>10.0.1.10',
  ]);
  const e = a.neigh.list()[0]!;
  assert.equal(e.state, 'REACHABLE');
  assert.equal(fmtMac(e.mac!), fmtMac(net.host('r')!.iface('eth0')!.mac));
  assert.deepEqual(net.internalErrors, []);
});

test('TTL 1 through a router gives Time Exceeded from the router', async () => {
  const { clock, a } = lan();
  const ev = await runTask(clock, ping(a, '10.0.2.20', 1));
  assert.equal(ev.kind, 'error');
  if (ev.kind === 'error') {
    assert.equal(ev.type, 11);
    assert.equal(fmtAddr(ev.from), '10.0.1.1');
  }
});

test('no route on the router: net unreachable; unanswered ARP: host unreachable after 3 probes', async () => {
  const { clock, a } = lan();
  const ev = await runTask(clock, ping(a, '10.9.9.9'));
  assert.equal(ev.kind, 'error');
  if (ev.kind === 'error') assert.deepEqual([ev.type, ev.code, fmtAddr(ev.from)], [3, 0, '10.0.1.1']);
  const t0 = clock.now();
  const ev2 = await runTask(clock, ping(a, '10.0.2.99'));
  assert.equal(ev2.kind, 'error');
  if (ev2.kind === 'error') assert.deepEqual([ev2.type, ev2.code, fmtAddr(ev2.from)], [3, 1, '10.0.1.1']);
  assert.equal(clock.now() - t0, 3000);
});

test('TCP echo across the router, then FIN both ways', async () => {
  const { clock, a, b } = lan();
  const server = b.tcp.createServer((s) => {
    s.on('data', (d) => s.write(Buffer.concat([Buffer.from('echo:'), d])));
    s.on('end', () => s.end());
  });
  server.listen(7, '0.0.0.0');
  const got = await runTask(
    clock,
    new Promise<string>((resolve, reject) => {
      const c = a.tcp.connect({ host: '10.0.2.20', port: 7 });
      let buf = '';
      c.on('error', reject);
      c.on('connect', () => {
        assert.equal(c.remoteAddress, '10.0.2.20');
        assert.equal(c.localAddress, '10.0.1.10');
        c.write('hello');
      });
      c.on('data', (d) => {
        buf += d.toString();
        c.end();
      });
      c.on('close', () => resolve(buf));
    }),
  );
  assert.equal(got, 'echo:hello');
  // the client closed first and sits in TIME_WAIT for 60 s
  assert.equal(a.tcp.connections()[0]?.state, 'TIME_WAIT');
  await clock.advance(60_000);
  assert.equal(a.tcp.connections().length, 0);
});

test('connection refused, and SYN timeout with retries on the Clock', async () => {
  const { clock, a, b } = lan();
  const err = await runTask(
    clock,
    new Promise<Error>((resolve) => a.tcp.connect({ host: '10.0.2.20', port: 81 }).on('error', resolve)),
  );
  assert.equal((err as NodeJS.ErrnoException).code, 'ECONNREFUSED');
  b.sysctl.set('net.ipv4.tcp_syn_retries', '2');
  a.sysctl.set('net.ipv4.tcp_syn_retries', '2');
  b.iface('eth0')!.adminUp = false; // b silently gone
  const t0 = clock.now();
  const err2 = await runTask(
    clock,
    new Promise<Error>((resolve) => a.tcp.connect({ host: '10.0.2.20', port: 80 }).on('error', resolve)),
  );
  assert.equal((err2 as NodeJS.ErrnoException).code, 'ETIMEDOUT');
  assert.equal(clock.now() - t0, 1000 + 2000 + 4000);
});

test('a host that reboots answers old connections with RST', async () => {
  const { clock, a, b } = lan();
  b.tcp.createServer((s) => s.on('error', () => {})).listen(9000);
  const sock = a.tcp.connect({ host: '10.0.2.20', port: 9000 });
  await runTask(clock, new Promise((r) => sock.once('connect', r)));
  b.setUp(false);
  b.setUp(true);
  const err = await runTask(
    clock,
    new Promise<Error>((resolve) => {
      sock.on('error', resolve);
      sock.write('after reboot');
    }),
  );
  assert.equal((err as NodeJS.ErrnoException).code, 'ECONNRESET');
});

test('IP_TTL on a TCP socket: TTL 1 dies at the router (Time Exceeded), TTL 2 reaches across', async () => {
  const { clock, a, b } = lan();
  b.tcp.createServer((s) => s.end()).listen(179, '0.0.0.0');
  a.sysctl.set('net.ipv4.tcp_syn_retries', '1');
  const outcome = (ttl: number) =>
    runTask(
      clock,
      new Promise<string>((resolve) => {
        const c = a.tcp.connect({ host: '10.0.2.20', port: 179, ttl });
        c.on('connect', () => resolve('connected'));
        c.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      }),
    );
  assert.notEqual(await outcome(1), 'connected');
  assert.equal(await outcome(2), 'connected');
});
