// traefik/whoami: `/` answers with the hostname, every interface address, the remote address and
// the request as Go's Request.Write prints it; `/api` the same as JSON; `/health` and `/bench`.

import { fmtAddr } from '../netemu/addr.ts';
import type { Host } from '../netemu/host.ts';
import { type HttpRequest, type HttpResponse, canonicalHeader, serveHttp } from './http.ts';

/** Addresses in net.Interfaces() order: by interface index, IPv4 before IPv6 on each. */
function interfaceIPs(host: Host): string[] {
  const out: string[] = [];
  for (const dev of host.ifaceList()) {
    for (const a of dev.v4Addrs()) out.push(fmtAddr(a.addr));
    for (const a of dev.v6Addrs()) out.push(fmtAddr(a.addr));
  }
  return out;
}

/** Go's Request.Write: request line, Host, User-Agent, the other headers sorted, blank line, body. */
export function goRequestWrite(req: HttpRequest): string {
  let s = `${req.method} ${req.target} HTTP/1.1\r\n`;
  s += `Host: ${req.host}\r\n`;
  const canon = req.headers.map(([k, v]) => [canonicalHeader(k), v] as [string, string]);
  const ua = canon.find(([k]) => k === 'User-Agent');
  if (ua) s += `User-Agent: ${ua[1]}\r\n`;
  // transferWriter.writeHeader comes before the remaining headers
  if (req.body.length > 0) s += `Content-Length: ${req.body.length}\r\n`;
  const skip = new Set(['Host', 'User-Agent', 'Content-Length', 'Transfer-Encoding', 'Trailer']);
  const rest = canon.filter(([k]) => !skip.has(k));
  // Header.writeSubset: sorted by key, values of one key in arrival order
  const keys = [...new Set(rest.map(([k]) => k))].sort();
  for (const k of keys) for (const [, v] of rest.filter(([x]) => x === k)) s += `${k}: ${v}\r\n`;
  s += '\r\n';
  return s + req.body.toString('latin1');
}

export interface WhoamiOptions {
  port: number;
  /** --name / WHOAMI_NAME: printed as `Name:` first. */
  name?: string;
}

export function whoamiHandler(host: Host, opts: WhoamiOptions): (req: HttpRequest) => HttpResponse {
  return (req) => {
    if (req.path === '/health') return { status: 200, body: '' };
    if (req.path === '/bench') return { status: 200, body: '1' };
    if (req.path === '/api') {
      const headers: Record<string, string[]> = {};
      for (const [k, v] of req.headers) {
        const c = canonicalHeader(k);
        if (c !== 'Host') (headers[c] ??= []).push(v);
      }
      const body = {
        ...(opts.name ? { name: opts.name } : {}),
        hostname: host.hostname,
        ip: interfaceIPs(host),
        headers,
        url: req.target,
        host: req.host,
        method: req.method,
        remoteAddr: req.remoteAddr,
      };
      return { status: 200, headers: [['Content-Type', 'application/json']], body: `${JSON.stringify(body)}\n` };
    }
    let text = '';
    if (opts.name) text += `Name: ${opts.name}\n`;
    text += `Hostname: ${host.hostname}\n`;
    for (const ip of interfaceIPs(host)) text += `IP: ${ip}\n`;
    text += `RemoteAddr: ${req.remoteAddr}\n`;
    text += goRequestWrite(req);
    return { status: 200, body: text };
  };
}

export async function startWhoami(host: Host, opts: WhoamiOptions): Promise<() => void> {
  const server = await serveHttp(host, opts.port, whoamiHandler(host, opts));
  return () => server.close();
}
