// The speaker on its own: an FRR-dialect configuration file, real TCP, and a control channel
// that answers the same vtysh commands as the lab's router. `cilia bgp speaker` and
// `cilia bgp vtysh` are thin wrappers around runSpeaker() and vtyshClient().

import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { FrrConfigError } from './frr/config.ts';
import { FrrRouter } from './frr/router.ts';
import { netTransport } from './net-transport.ts';
import type { BgpClock } from './timer.ts';
import type { Transport } from './transport.ts';

export interface StandaloneOptions {
  /** frr.conf-style file (`router bgp`, `neighbor X remote-as`, `neighbor X port`, `network`...). */
  configFile: string;
  /** bgpd -l: the address to listen on (default every address, IPv4 and IPv6). */
  listen?: string;
  /** bgpd -p: the port (default 179); 0 = do not listen, connect out only. */
  port?: number;
  /** Control channel: a unix socket path, or host:port for TCP. Default: CONFIG_FILE.sock. */
  control?: string;
  /** A RealClock from src/controller/clock.ts (time for real sockets is real time). */
  clock: BgpClock;
  /** Defaults to node:net (with TCP MD5 / TTL when native/ is built). */
  transport?: Transport;
  /** Receives log lines (session changes, errors, FRR journal lines). */
  log?: (line: string) => void;
}

export interface RunningSpeaker {
  router: FrrRouter;
  /** Where the control channel listens. */
  control: string;
  /** Stops sessions (Cease/Administrative Shutdown) and closes every socket. */
  close(message?: string): Promise<void>;
}

function isTcpAddress(a: string): boolean {
  return /^[^/]*:\d+$/.test(a) && !a.includes('/');
}

function splitHostPort(a: string): { host: string; port: number } {
  const i = a.lastIndexOf(':');
  const host = a.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(a.slice(i + 1)) };
}

/**
 * Starts the speaker. A configuration error rejects with FrrConfigError (every bad line named);
 * nothing is started then.
 */
export async function runSpeaker(o: StandaloneOptions): Promise<RunningSpeaker> {
  const text = readFileSync(o.configFile, 'utf8');
  const port = o.port ?? 179;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${o.port}: not a port number`);
  const router = new FrrRouter({
    config: text,
    file: o.configFile,
    clock: o.clock,
    transport: o.transport ?? netTransport(),
    listen: { address: o.listen ?? '::', port },
  });
  const log = o.log;
  if (log && router.speaker) {
    router.speaker.onLog((e) => log(`${new Date(e.time).toISOString()} ${e.message}`));
    router.onJournal((l) => log(`${new Date(l.time).toISOString()} ${l.daemon}: ${l.message}`));
  }
  await router.start();
  const control = o.control ?? `${o.configFile}.sock`;
  let server: net.Server;
  try {
    server = await serveControl(router, control);
  } catch (e) {
    router.stop();
    throw e;
  }
  return {
    router,
    control,
    close: (message?: string) =>
      new Promise<void>((resolve) => {
        router.speaker?.stop(message);
        server.close(() => resolve());
        if (!isTcpAddress(control) && existsSync(control)) unlinkSync(control);
      }),
  };
}

/**
 * The control protocol: the client writes commands one per line and closes its side (like
 * `vtysh -c A -c B`); the server answers with the output and closes.
 */
function serveControl(router: FrrRouter, control: string): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer({ allowHalfOpen: true }, (s) => {
      let buf = '';
      s.setEncoding('utf8');
      s.on('data', (d: string) => {
        buf += d;
        if (buf.length > 65536) s.destroy();
      });
      s.on('end', () => {
        const lines = buf.split('\n').map((l) => l.trim()).filter((l) => l !== '');
        s.end(router.vtyshBatch(lines));
      });
      s.on('error', () => s.destroy());
    });
    server.once('error', reject);
    const ready = () => {
      server.off('error', reject);
      resolve(server);
    };
    if (isTcpAddress(control)) {
      const { host, port } = splitHostPort(control);
      server.listen({ host, port }, ready);
    } else {
      // a socket file left by a speaker that died is removed; a live one makes listen fail
      if (existsSync(control)) unlinkSync(control);
      server.listen(control, ready);
    }
  });
}

/** Sends vtysh commands (like repeated `vtysh -c`) to a running speaker and returns its answer. */
export function vtyshClient(o: { speaker: string; command: string | string[]; timeoutMs?: number }): Promise<string> {
  const commands = typeof o.command === 'string' ? [o.command] : o.command;
  return new Promise((resolve, reject) => {
    const s = isTcpAddress(o.speaker) ? net.createConnection(splitHostPort(o.speaker)) : net.createConnection(o.speaker);
    let out = '';
    s.setEncoding('utf8');
    s.setTimeout(o.timeoutMs ?? 10_000, () => {
      s.destroy();
      reject(new Error(`no answer from ${o.speaker}`));
    });
    s.on('connect', () => s.end(`${commands.map((c) => c.replace(/\n/g, ' ')).join('\n')}\n`));
    s.on('data', (d: string) => {
      out += d;
    });
    s.on('end', () => resolve(out));
    s.on('error', (e) => reject(new Error(`cannot reach the speaker at ${o.speaker}: ${e.message}`)));
  });
}

export { FrrConfigError };
