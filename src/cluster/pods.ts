import type { Pod } from '../k8s/types.ts';

export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export function isPodTerminating(pod: Pod): boolean {
  return pod.metadata.deletionTimestamp !== undefined;
}

/** Pods that belong to a DaemonSet are skipped by `drain --ignore-daemonsets`. */
export function isDaemonSetPod(pod: Pod): boolean {
  return pod.metadata.ownerReferences?.some((r) => r.controller && r.kind === 'DaemonSet') ?? false;
}
