// `cilia lab up DIR`: runs a lab in real time and serves the daemon API on loopback until
// Ctrl-C or SIGTERM.

import type { Server } from 'node:http';
import { DEFAULT_API_HOST, DEFAULT_API_PORT, listenHttp } from '../api/http.ts';
import { ApiServer } from '../api/server.ts';
import { GK } from '../k8s/kinds.ts';
import type { Pod, Service } from '../k8s/types.ts';
import { Lab } from './runtime.ts';
import { loadTopology } from './topology.ts';

export interface LabUpOptions {
  dir: string;
  host?: string;
  port?: number;
  seed?: string;
  dataDir?: string;
  verbose?: boolean;
  out?: (line: string) => void;
}

export interface RunningLab {
  lab: Lab;
  server: Server;
  url: string;
  stop(): Promise<void>;
}

export async function startLabDaemon(opts: LabUpOptions): Promise<RunningLab> {
  const out = opts.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  const started = performance.now();
  const loaded = loadTopology(opts.dir);
  const lab = new Lab(loaded, { clock: 'real', seed: opts.seed, dataDir: opts.dataDir, log: opts.verbose ? (l) => out(l) : undefined });
  const host = opts.host ?? DEFAULT_API_HOST;
  const port = opts.port ?? DEFAULT_API_PORT;
  const api = new ApiServer(lab.store, lab.api.extensions());
  const server = await listenHttp(api, host, port);
  try {
    await lab.start();
  } catch (err) {
    server.close();
    await lab.stop();
    throw err;
  }
  const url = `http://${host}:${port}`;
  const elapsed = performance.now() - started;
  const pods = (await lab.store.list<Pod>(GK.Pod)).items;
  const services = (await lab.store.list<Service>(GK.Service)).items;
  const t = loaded.topology;
  out(`cilia lab "${t.name}" is up in ${elapsed.toFixed(0)} ms — ${t.description}`);
  out(`  nodes:    ${t.nodes.map((n) => n.name).join(', ')}${t.routers.length ? `; routers: ${t.routers.map((r) => r.name).join(', ')}` : ''}${t.hosts.length ? `; hosts: ${t.hosts.map((h) => h.name).join(', ')}` : ''}`);
  out(`  pods:     ${pods.length} (${pods.filter((p) => p.metadata.namespace === 'default').map((p) => p.metadata.name).join(', ') || 'none in default'})`);
  out(`  services: ${services.map((s) => `${s.metadata.namespace}/${s.metadata.name}`).join(', ')}`);
  out(`  API:      ${url}   (try: cilia get pods -o wide   cilia get nodes   cilia status)`);
  out('Press Ctrl-C to stop.');
  return {
    lab,
    server,
    url,
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await lab.stop();
    },
  };
}

/** Runs until SIGINT/SIGTERM; returns the exit code. */
export async function labUp(opts: LabUpOptions): Promise<number> {
  const running = await startLabDaemon(opts);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  (opts.out ?? ((l: string) => process.stdout.write(`${l}\n`)))('stopping the lab');
  await running.stop();
  return 0;
}
