// The agent features every node runs (besides IPAM, which the lab wires to the kubelet).
// A feature is added by listing it here.

import type { AgentFeature } from '../agent/agent.ts';
import { bgpFeature } from '../agent/bgp/index.ts';
import { endpointsFeature } from '../agent/endpoints/index.ts';
import { loadBalancerFeature } from '../agent/loadbalancer/feature.ts';
import { l2AnnouncerFeature } from '../agent/l2announcer/index.ts';

export const AGENT_FEATURES: readonly AgentFeature[] = [loadBalancerFeature, endpointsFeature, bgpFeature, l2AnnouncerFeature];
