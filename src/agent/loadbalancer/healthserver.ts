// The kube-proxy compatible health check that cilium serves on a service's healthCheckNodePort
// (externalTrafficPolicy=Local): external load balancers send traffic only to nodes that answer
// 200, i.e. that have a local active backend (cilium pkg/loadbalancer healthserver.go).

import type { HealthCheckStatus } from './controller.ts';

export interface HealthCheckResponse {
  status: 200 | 503;
  headers: Record<string, string>;
  body: string;
}

export function healthCheckResponse(s: HealthCheckStatus): HealthCheckResponse {
  return {
    status: s.localEndpoints > 0 ? 200 : 503,
    headers: {
      'Content-Type': 'application/json',
      'X-Content-Type-Options': 'nosniff',
      'X-Load-Balancing-Endpoint-Weight': String(s.localEndpoints),
    },
    // Go's json.Encoder ends the document with a newline.
    body: `${JSON.stringify({ service: { namespace: s.namespace, name: s.name }, localEndpoints: s.localEndpoints })}\n`,
  };
}
