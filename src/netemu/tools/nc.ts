// `nc` (netcat-openbsd as in nicolaka/netshoot): listen (-l [-p] PORT [-k]) or connect (HOST PORT),
// stdin to the socket and the socket to stdout; -q N quits N seconds after stdin's EOF; -z scans,
// -v reports, -w sets the connect/idle timeout, -u uses UDP.

import { fmtAddr } from '../addr.ts';
import { type ExecContext, parseArgs } from '../exec.ts';
import { sleepFor } from '../../controller/clock.ts';
import { resolveHost } from '../resolver.ts';
import type { TcpSocket } from '../tcp.ts';

const ERR: Record<string, string> = {
  ECONNREFUSED: 'Connection refused',
  ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  EADDRINUSE: 'Address already in use',
  ECONNRESET: 'Connection reset by peer',
};

export async function ncCommand(ctx: ExecContext): Promise<number> {
  const parsed = parseArgs(ctx.argv.slice(1), ['-p', '-q', '-w', '-s', '-i']);
  if (typeof parsed === 'string') {
    ctx.stderr.write(`nc: ${parsed}\nusage: nc [-46CDdFhklNnrStUuvZz] [-I length] [-i interval] [-M ttl]\n`);
    return 1;
  }
  const f = parsed.flags;
  const quitAfter = f.has('-q') ? Number(f.get('-q')![0]) : -1;
  const waitMs = f.has('-w') ? Number(f.get('-w')![0]) * 1000 : undefined;
  const verbose = f.has('-v');
  if (f.has('-u')) return ncUdp(ctx, parsed.rest, f);
  if (f.has('-l')) {
    const port = Number(f.get('-p')?.[0] ?? parsed.rest[parsed.rest.length - 1]);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) {
      ctx.stderr.write('nc: missing port number\n');
      return 1;
    }
    return ncListen(ctx, port, quitAfter, f.has('-k'), verbose);
  }
  const [hostArg, portArg] = parsed.rest;
  const port = Number(portArg);
  if (!hostArg || !Number.isInteger(port) || port <= 0 || port > 65535) {
    ctx.stderr.write(hostArg ? `nc: port number invalid: ${portArg ?? ''}\n` : 'usage: nc [-46CDdFhklNnrStUuvZz] [destination] [port]\n');
    return 1;
  }
  const addr = await resolveHost(ctx.host, hostArg, 'any', ctx.signal);
  if (addr === undefined) {
    ctx.stderr.write(`nc: getaddrinfo for host "${hostArg}" port ${port}: Name or service not known\n`);
    return 1;
  }
  const sock = ctx.host.tcp.connect({ host: fmtAddr(addr), port });
  const connected = await new Promise<string | undefined>((resolve) => {
    const t = waitMs !== undefined ? ctx.clock.setTimeout(() => resolve('ETIMEDOUT'), waitMs) : undefined;
    sock.once('connect', () => {
      t?.cancel();
      resolve(undefined);
    });
    sock.once('error', (e: NodeJS.ErrnoException) => {
      t?.cancel();
      resolve(e.code ?? 'ECONNREFUSED');
    });
    ctx.signal.addEventListener('abort', () => resolve('EINTR'), { once: true });
  });
  if (connected) {
    sock.destroy();
    if (connected === 'EINTR') return 130;
    if (verbose || f.has('-z')) ctx.stderr.write(`nc: connect to ${hostArg} port ${port} (tcp) failed: ${ERR[connected] ?? connected}\n`);
    return 1;
  }
  if (verbose) ctx.stderr.write(`Connection to ${hostArg} ${port} port [tcp/*] succeeded!\n`);
  if (f.has('-z')) {
    sock.destroy();
    return 0;
  }
  return pump(ctx, sock, quitAfter);
}

/** Copies stdin → socket and socket → stdout until the peer closes (or -q after stdin's EOF). */
async function pump(ctx: ExecContext, sock: TcpSocket, quitAfter: number): Promise<number> {
  let status = 0;
  sock.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'ECONNRESET') status = 1;
  });
  const closed = new Promise<void>((resolve) => {
    sock.on('data', (d: Buffer) => ctx.stdout.write(d.toString('latin1')));
    sock.once('close', () => resolve());
    sock.once('end', () => resolve());
  });
  const feed = (async () => {
    for (;;) {
      const c = await ctx.stdin.read(ctx.signal);
      if (c === undefined) break;
      if (!sock.destroyed) sock.write(Buffer.from(c, 'latin1'));
    }
    if (ctx.signal.aborted) return;
    // stdin at EOF: with -q N quit N seconds later (the kernel finishes the close); negative waits
    if (quitAfter >= 0) await Promise.race([sleepFor(ctx.clock, quitAfter * 1000, ctx.signal), closed]);
    else await closed;
  })();
  await Promise.race([closed, feed, new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r(), { once: true }))]);
  // close(2): queued data and a FIN go out, nc is gone
  if (!sock.destroyed) sock.destroy();
  return ctx.signal.aborted ? 130 : status;
}

async function ncListen(ctx: ExecContext, port: number, quitAfter: number, keep: boolean, verbose: boolean): Promise<number> {
  const server = ctx.host.tcp.createServer();
  const ok = await new Promise<string | undefined>((resolve) => {
    server.once('listening', () => resolve(undefined));
    server.once('error', (e: NodeJS.ErrnoException) => resolve(e.code));
    server.listen(port);
  });
  if (ok) {
    ctx.stderr.write(`nc: ${ERR[ok] ?? ok}\n`);
    return 1;
  }
  if (verbose) ctx.stderr.write(`Listening on 0.0.0.0 ${port}\n`);
  let status = 0;
  try {
    do {
      const sock = await new Promise<TcpSocket | undefined>((resolve) => {
        server.once('connection', (s: TcpSocket) => resolve(s));
        ctx.signal.addEventListener('abort', () => resolve(undefined), { once: true });
      });
      if (!sock) return 130;
      if (verbose) ctx.stderr.write(`Connection received on ${sock.remoteAddress} ${sock.remotePort}\n`);
      if (!keep) server.close();
      status = await pump(ctx, sock, quitAfter);
    } while (keep && !ctx.signal.aborted);
  } finally {
    server.close();
  }
  return status;
}

async function ncUdp(ctx: ExecContext, rest: string[], f: Map<string, string[]>): Promise<number> {
  const listen = f.has('-l');
  const sock = ctx.host.udp.createSocket('udp4');
  let peer: { address: string; port: number } | undefined;
  sock.on('message', (msg: Buffer, rinfo: { address: string; port: number }) => {
    peer ??= rinfo;
    ctx.stdout.write(msg.toString('latin1'));
  });
  sock.on('error', () => {});
  if (listen) {
    const port = Number(f.get('-p')?.[0] ?? rest[rest.length - 1]);
    if (!Number.isInteger(port)) {
      ctx.stderr.write('nc: missing port number\n');
      return 1;
    }
    sock.bind(port);
  } else {
    const addr = await resolveHost(ctx.host, rest[0] ?? '', 4, ctx.signal);
    if (addr === undefined || !Number.isInteger(Number(rest[1]))) {
      ctx.stderr.write('usage: nc [-46CDdFhklNnrStUuvZz] [destination] [port]\n');
      return 1;
    }
    peer = { address: fmtAddr(addr), port: Number(rest[1]) };
  }
  for (;;) {
    const c = await ctx.stdin.read(ctx.signal);
    if (c === undefined) break;
    if (peer) sock.send(Buffer.from(c, 'latin1'), peer.port, peer.address);
  }
  if (!ctx.signal.aborted) {
    const q = f.has('-q') ? Number(f.get('-q')![0]) : -1;
    await sleepFor(ctx.clock, q >= 0 ? q * 1000 : Number.POSITIVE_INFINITY, ctx.signal);
  }
  sock.close();
  return 0;
}
