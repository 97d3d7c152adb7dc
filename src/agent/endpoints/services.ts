// What the lab gives the endpoints feature through the agent's service registry.

import { type ServiceKey, serviceKey } from '../agent.ts';
import type { ClusterDns } from '../../apps/kubedns.ts';
import type { CommandRegistry } from '../../netemu/exec.ts';
import type { Host } from '../../netemu/host.ts';
import type { Network } from '../../netemu/network.ts';

export interface PodRef {
  namespace: string;
  name: string;
  uid?: string;
}

export interface NetemuService {
  net: Network;
  /** Commands the pods' containers can run (the lab's registry with its extra commands). */
  registry: CommandRegistry;
  /** The node's host in the emulated network. */
  nodeHost(nodeName: string): Host | undefined;
  /** kube-dns' view of services, for CoreDNS containers. */
  dns?: ClusterDns;
  /** A pod event (reason and message), e.g. for containers whose image is not emulated. */
  event?(pod: PodRef, type: 'Normal' | 'Warning', reason: string, message: string): void;
  /** A line a container printed (`kubectl logs`). */
  log?(pod: PodRef, container: string, line: string): void;
}

export const NETEMU_SERVICE: ServiceKey<NetemuService> = serviceKey<NetemuService>('netemu');
