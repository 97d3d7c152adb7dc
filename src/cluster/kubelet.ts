// The kubelet's part in a lab: for pods bound to its nodes it asks the pod network (Cilium's
// CNI role) for addresses, reports the pod running and ready, and finishes graceful deletions.

import { createHash } from 'node:crypto';
import type { Clock, TimerHandle } from '../controller/clock.ts';
import type { Informer } from '../controller/informer.ts';
import type { Rng } from '../controller/rng.ts';
import { Reconciler } from '../controller/reconciler.ts';
import { GK } from '../k8s/kinds.ts';
import { objectKey } from '../k8s/object.ts';
import type { Node, Pod } from '../k8s/types.ts';
import type { ResourceStore } from '../store/types.ts';
import { rfc3339 } from './time.ts';

/** What the CNI plugin (Cilium's agent on the node) does for a pod. */
export interface PodNetwork {
  /** Allocates the pod's addresses (IPv4 first) and wires its interface; throws when it cannot. */
  add(pod: Pod, node: string): Promise<string[]>;
  /** Releases the pod's addresses and interface. */
  del(pod: Pod, node: string): Promise<void>;
}

export interface KubeletOptions {
  /** Nodes this kubelet instance runs for (a lab runs one instance for every node). */
  nodes: () => Iterable<string>;
  /** Seconds a container takes to exit on SIGTERM when the grace period allows (whoami exits at once). */
  exitSeconds?: number;
  log?: (line: string) => void;
}

export class Kubelet extends Reconciler {
  readonly name = 'kubelet';
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly terminating = new Map<string, TimerHandle>();
  private readonly stopped = new Set<string>();

  constructor(
    store: ResourceStore,
    clock: Clock,
    private readonly rng: Rng,
    private readonly network: PodNetwork,
    private readonly opts: KubeletOptions,
  ) {
    super(store, clock, { baseDelayMs: 200, maxDelayMs: 10_000, onError: (k, e) => opts.log?.(`kubelet: ${k}: ${(e as Error).message}`) });
    this.pods = this.watch<Pod>(GK.Pod);
    this.nodes = this.watch<Node>(GK.Node);
  }

  protected handlers(): void {
    const enqueue = (p: Pod) => {
      if (p.spec?.nodeName && this.runsNode(p.spec.nodeName)) this.queue.add(objectKey(p.metadata));
    };
    this.pods.on({ add: enqueue, update: (_o, n) => enqueue(n) });
  }

  override stop(): void {
    super.stop();
    for (const t of this.terminating.values()) t.cancel();
  }

  /** An emulated node power-off: its pods stop being reported until `resumeNode`. */
  suspendNode(node: string): void {
    this.stopped.add(node);
  }

  resumeNode(node: string): void {
    this.stopped.delete(node);
    this.resyncNode(node);
  }

  /** Retries the node's pods now (the pod network became ready), instead of after their backoff. */
  resyncNode(node: string): void {
    for (const p of this.pods.list()) if (p.spec?.nodeName === node) this.queue.add(objectKey(p.metadata));
  }

  private runsNode(node: string): boolean {
    if (this.stopped.has(node)) return false;
    for (const n of this.opts.nodes()) if (n === node) return true;
    return false;
  }

  protected async reconcile(key: string): Promise<void> {
    const pod = this.pods.get(key);
    if (!pod?.spec?.nodeName || !this.runsNode(pod.spec.nodeName)) return;
    if (pod.metadata.deletionTimestamp) {
      this.scheduleFinalDeletion(key, pod);
      return;
    }
    if (pod.status?.phase === 'Running' || pod.status?.phase === 'Failed') return;
    await this.startPod(pod);
  }

  private nodeIP(name: string): string | undefined {
    const node = this.nodes.getByName(undefined, name);
    return node?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  }

  private async startPod(pod: Pod): Promise<void> {
    const nodeName = pod.spec!.nodeName!;
    const hostIP = this.nodeIP(nodeName);
    const ips = pod.spec!.hostNetwork ? (hostIP ? [hostIP] : []) : await this.network.add(pod, nodeName);
    const now = rfc3339(this.clock.now());
    const cond = (type: string) => ({ type, status: 'True' as const, lastProbeTime: null, lastTransitionTime: now });
    const containers = pod.spec!.containers.map((c) => ({
      name: c.name,
      image: normalizeImage(c.image ?? ''),
      imageID: `${normalizeImage(c.image ?? '').replace(/:[^:/]+$/, '')}@sha256:${createHash('sha256').update(c.image ?? '').digest('hex')}`,
      containerID: `containerd://${this.rng.string(64, '0123456789abcdef')}`,
      ready: true,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: now } },
    }));
    const latest = await this.store.get<Pod>(GK.Pod, pod.metadata.namespace, pod.metadata.name!);
    if (!latest || latest.metadata.deletionTimestamp) return;
    await this.store.updateStatus({
      ...latest,
      status: {
        phase: 'Running',
        conditions: [cond('PodReadyToStartContainers'), cond('Initialized'), cond('Ready'), cond('ContainersReady'), cond('PodScheduled')],
        hostIP,
        hostIPs: hostIP ? [{ ip: hostIP }] : undefined,
        podIP: ips[0],
        podIPs: ips.map((ip) => ({ ip })),
        startTime: now,
        containerStatuses: containers,
        qosClass: 'BestEffort',
      },
    });
  }

  private scheduleFinalDeletion(key: string, pod: Pod): void {
    if (this.terminating.has(key)) return;
    const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    const wait = Math.min(grace, this.opts.exitSeconds ?? 1) * 1000;
    this.terminating.set(
      key,
      this.clock.setTimeout(async () => {
        try {
          if (!pod.spec!.hostNetwork && pod.status?.podIP) await this.network.del(pod, pod.spec!.nodeName!);
          await this.store.delete(GK.Pod, pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0 });
        } catch {
          // already gone
        } finally {
          this.terminating.delete(key);
        }
      }, wait),
    );
  }
}

/** containerd's normalised reference: docker.io/ prefix and an explicit tag. */
export function normalizeImage(image: string): string {
  let ref = image;
  const firstPart = ref.split('/')[0]!;
  const hasRegistry = ref.includes('/') && (firstPart.includes('.') || firstPart.includes(':') || firstPart === 'localhost');
  if (!hasRegistry) ref = ref.includes('/') ? `docker.io/${ref}` : `docker.io/library/${ref}`;
  const lastPart = ref.slice(ref.lastIndexOf('/') + 1);
  if (!lastPart.includes(':') && !lastPart.includes('@')) ref += ':latest';
  return ref;
}
