// Workloads by container image. A pod's containers start here once its network exists: known
// images run their emulated server (whoami, echo-basic, CoreDNS); a container with a command
// runs it in the pod's shell (netshoot's `nc -l` loop, `tail -f /dev/null`); an unknown image
// with nothing to run serves nothing, and says so once.

import type { CommandRegistry } from '../netemu/exec.ts';
import type { Host } from '../netemu/host.ts';
import { exec } from '../netemu/tools/index.ts';
import { startEcho } from './echo.ts';
import { type ClusterDns, startKubeDns } from './kubedns.ts';
import { startWhoami } from './whoami.ts';

export interface ContainerSpec {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  /** Resolved environment (fieldRef values already filled in by the caller). */
  env: Record<string, string>;
  ports: { containerPort: number; protocol?: string }[];
}

export interface WorkloadContext {
  host: Host;
  registry: CommandRegistry;
  pod: { name: string; namespace: string };
  /** kube-dns' view of the cluster (needed for CoreDNS images). */
  dns?: ClusterDns;
  /** Pod event (`kubectl describe pod` / `get events`): reason and message. */
  event(type: 'Normal' | 'Warning', reason: string, message: string): void;
  /** Container stdout (`kubectl logs`). */
  log?(container: string, line: string): void;
}

export interface Workload {
  stop(): void;
  /** What the container runs, for diagnostics. */
  readonly kind: string;
}

/** The image's repository without registry, tag or digest: `docker.io/traefik/whoami:v1.10` → `traefik/whoami`. */
export function imageRepo(image: string): string {
  let s = image.split('@')[0]!;
  const lastSlash = s.lastIndexOf('/');
  const colon = s.lastIndexOf(':');
  if (colon > lastSlash) s = s.slice(0, colon);
  const parts = s.split('/');
  if (parts.length > 1 && (parts[0]!.includes('.') || parts[0]!.includes(':') || parts[0] === 'localhost')) parts.shift();
  if (parts[0] === 'library') parts.shift();
  return parts.join('/');
}

function flagValue(args: string[], ...names: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    for (const n of names) {
      if (a === n) return args[i + 1];
      if (a.startsWith(`${n}=`)) return a.slice(n.length + 1);
    }
  }
  return undefined;
}

/** Starts one container of a pod. */
export async function startContainer(ctx: WorkloadContext, c: ContainerSpec): Promise<Workload> {
  const repo = imageRepo(c.image);
  const args = [...(c.command ?? []), ...(c.args ?? [])];
  if (repo === 'traefik/whoami' && (c.command === undefined || c.command.length === 0)) {
    const port = Number(flagValue(c.args ?? [], '--port', '-port') ?? c.env.WHOAMI_PORT_NUMBER ?? 80);
    const stop = await startWhoami(ctx.host, { port, name: flagValue(c.args ?? [], '--name', '-name') ?? c.env.WHOAMI_NAME });
    return { stop, kind: 'whoami' };
  }
  if (repo.endsWith('echo-basic') || repo.endsWith('ingressconformance/echoserver')) {
    const port = Number(c.env.HTTP_PORT ?? 3000);
    const stop = await startEcho(ctx.host, port, {
      namespace: c.env.NAMESPACE ?? ctx.pod.namespace,
      ingress: c.env.INGRESS_NAME ?? '',
      service: c.env.SERVICE_NAME ?? '',
      pod: c.env.POD_NAME ?? ctx.pod.name,
    });
    return { stop, kind: 'echo-basic' };
  }
  if (repo.endsWith('coredns') && (c.command === undefined || c.command.length === 0)) {
    if (!ctx.dns) {
      ctx.event('Warning', 'NoClusterDNS', `container ${c.name}: no cluster DNS view was provided; CoreDNS serves nothing`);
      return { stop: () => {}, kind: 'none' };
    }
    return { stop: startKubeDns(ctx.host, ctx.dns), kind: 'coredns' };
  }
  if (args.length > 0) return runCommand(ctx, c, args);
  ctx.event('Normal', 'NotEmulated', `container ${c.name}: image ${c.image} is not emulated; it runs no server`);
  return { stop: () => {}, kind: 'none' };
}

/** A container with a command: run it in the pod's shell until it exits or the pod stops. */
function runCommand(ctx: WorkloadContext, c: ContainerSpec, argv: string[]): Workload {
  const ac = new AbortController();
  const run = exec(ctx.host.net, ctx.host, argv, {
    registry: ctx.registry,
    signal: ac.signal,
    env: c.env,
    onStdout: (s) => {
      for (const line of s.split('\n').filter((l) => l !== '')) ctx.log?.(c.name, line);
    },
  });
  run.then(
    (r) => {
      if (!ac.signal.aborted && r.code !== 0) ctx.event('Warning', 'BackOff', `container ${c.name} exited with ${r.code}: ${r.stderr.trim().split('\n')[0] ?? ''}`);
    },
    (e: unknown) => ctx.event('Warning', 'Failed', `container ${c.name}: ${(e as Error).message}`),
  );
  return { stop: () => ac.abort(), kind: `command:${argv[0]}` };
}
