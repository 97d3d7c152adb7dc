import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { VirtualClock } from '../controller/clock.ts';
import { Rng } from '../controller/rng.ts';
import { runTask } from './drive.ts';
import { netFor } from './net.ts';
import { Network } from './network.ts';

function pair() {
  const clock = new VirtualClock();
  const net = new Network({ clock, rng: new Rng('net-test') });
  const a = net.addHost('a');
  const b = net.addHost('b');
  net.attach(a, 'eth1', 'lan', { addrs: ['192.168.10.100/24'] });
  net.attach(b, 'eth1', 'lan', { addrs: ['192.168.10.200/24'] });
  return { clock, net, a, b };
}

test('node:http runs unchanged over emulated sockets (createConnection / emit connection)', async () => {
  const { clock, net, a, b } = pair();
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end(`hello ${req.url} from ${req.socket.localAddress}, you are ${req.socket.remoteAddress}`);
  });
  netFor(b).createServer((s) => server.emit('connection', s)).listen(8080);
  const body = await runTask(
    clock,
    new Promise<string>((resolve, reject) => {
      const req = http.request(
        { host: '192.168.10.200', port: 8080, path: '/x', createConnection: () => netFor(a).createConnection({ host: '192.168.10.200', port: 8080 }) as never },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve(`${res.statusCode} ${text}`));
        },
      );
      req.on('error', reject);
      req.end();
    }),
    { progress: () => net.activity },
  );
  assert.equal(body, '200 hello /x from 192.168.10.200, you are 192.168.10.100');
});

test('a BGP-style session: bound local address, both ends see the 4-tuple, close from either side', async () => {
  const { clock, net, a, b } = pair();
  const seen: string[] = [];
  const srv = netFor(b).createServer((s) => {
    seen.push(`server ${s.localAddress}:${s.localPort} <- ${s.remoteAddress}:${s.remotePort}`);
    s.on('data', (d) => s.write(d));
    s.on('end', () => s.end());
  });
  srv.listen(179, '192.168.10.200');
  const done = await runTask(
    clock,
    new Promise<string>((resolve, reject) => {
      const c = netFor(a).createConnection({ host: '192.168.10.200', port: 179, localAddress: '192.168.10.100' });
      c.on('error', reject);
      c.on('connect', () => {
        seen.push(`client ${c.localAddress} -> ${c.remoteAddress}:${c.remotePort} ${c.remoteFamily}`);
        c.write(Buffer.from([0xff, 0xff, 0, 19, 4]));
      });
      c.on('data', (d) => {
        seen.push(`echo ${d.toString('hex')}`);
        c.end();
      });
      c.on('close', () => resolve('closed'));
    }),
    { progress: () => net.activity },
  );
  assert.equal(done, 'closed');
  // the client is established on the SYN-ACK, the server accepts on the final ACK
  assert.equal(seen[0], 'client 192.168.10.100 -> 192.168.10.200:179 IPv4');
  assert.match(seen[1]!, /^server 192\.168\.10\.200:179 <- 192\.168\.10\.100:\d+$/);
  assert.equal(seen[2], 'echo ffff001304');
  // the port is taken while listening: a second listener fails with EADDRINUSE
  const err = await runTask(
    clock,
    new Promise<NodeJS.ErrnoException>((resolve) => netFor(b).createServer().on('error', resolve).listen(179)),
    { progress: () => net.activity },
  );
  assert.equal(err.code, 'EADDRINUSE');
});

test('a link that goes down makes the peer retransmit until ETIMEDOUT; keepalive detects it', async () => {
  const { clock, net, a, b } = pair();
  a.sysctl.set('net.ipv4.tcp_retries2', '3');
  netFor(b).createServer((s) => s.on('error', () => {})).listen(179);
  const sock = netFor(a).createConnection({ host: '192.168.10.200', port: 179 });
  await runTask(clock, new Promise((r) => sock.once('connect', r)), { progress: () => net.activity });
  net.segments.get('lan')!.up = false;
  const t0 = clock.now();
  const err = await runTask(
    clock,
    new Promise<NodeJS.ErrnoException>((resolve) => {
      sock.on('error', resolve);
      sock.write('keepalive');
    }),
    { progress: () => net.activity },
  );
  assert.equal(err.code, 'ETIMEDOUT');
  // RTO doubling from the 200 ms minimum: 0.2 + 0.4 + 0.8 + 1.6 s
  assert.equal(clock.now() - t0, 3000);
});
