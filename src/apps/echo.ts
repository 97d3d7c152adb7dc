// The Gateway API conformance echo server (gcr.io/k8s-staging-gateway-api/echo-basic, used by
// cilium's ingress-path-types example): the request as JSON, indented one space like Go's
// json.MarshalIndent(v, "", " "), headers canonicalised and sorted, plus the pod's context.

import type { Host } from '../netemu/host.ts';
import { type HttpRequest, type HttpResponse, canonicalHeader, serveHttp } from './http.ts';

export interface EchoContext {
  namespace: string;
  ingress: string;
  service: string;
  pod: string;
}

export function echoHandler(ctx: EchoContext): (req: HttpRequest) => HttpResponse {
  return (req) => {
    const headers: Record<string, string[]> = {};
    for (const [k, v] of req.headers) {
      const c = canonicalHeader(k);
      if (c === 'Host') continue; // net/http moves Host to Request.Host
      (headers[c] ??= []).push(v);
    }
    const sorted: Record<string, string[]> = {};
    for (const k of Object.keys(headers).sort()) sorted[k] = headers[k]!;
    const body = {
      path: req.path,
      host: req.host,
      method: req.method,
      proto: req.proto,
      headers: sorted,
      namespace: ctx.namespace,
      ingress: ctx.ingress,
      service: ctx.service,
      pod: ctx.pod,
    };
    return {
      status: 200,
      headers: [
        ['Content-Type', 'application/json'],
        ['X-Content-Type-Options', 'nosniff'],
      ],
      body: JSON.stringify(body, null, 1),
    };
  };
}

export async function startEcho(host: Host, port: number, ctx: EchoContext): Promise<() => void> {
  const server = await serveHttp(host, port, echoHandler(ctx));
  return () => server.close();
}
