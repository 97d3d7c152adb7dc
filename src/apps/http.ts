// A small HTTP/1.1 server on an emulated host's TCP stack, the way Go's net/http serves: persistent
// connections, Date / Content-Length / Content-Type headers in Go's order, 400 on garbage.

import type { Host } from '../netemu/host.ts';
import { Http1Parser, type HttpHead, STATUS_TEXT, httpDate } from '../netemu/http1.ts';
import type { TcpServer, TcpSocket } from '../netemu/tcp.ts';

export interface HttpRequest {
  method: string;
  /** Request target as sent (`/path?query`). */
  target: string;
  path: string;
  query: URLSearchParams;
  proto: string;
  /** Header fields as received (names as sent). */
  headers: [string, string][];
  host: string;
  remoteAddr: string;
  body: Buffer;
}

export interface HttpResponse {
  status: number;
  headers?: [string, string][];
  body: string | Buffer;
  /** Go's sniffed type for text bodies. */
  contentType?: string;
}

export type Handler = (req: HttpRequest) => HttpResponse | Promise<HttpResponse>;

/** Go's textproto.CanonicalMIMEHeaderKey. */
export function canonicalHeader(name: string): string {
  return name
    .split('-')
    .map((p) => (p.length > 0 ? p[0]!.toUpperCase() + p.slice(1).toLowerCase() : p))
    .join('-');
}

function remoteAddr(s: TcpSocket): string {
  const a = s.remoteAddress ?? '';
  return `${a.includes(':') ? `[${a}]` : a}:${s.remotePort ?? 0}`;
}

/** Listens on `port` (all addresses) and serves `handler`; resolves once listening. */
export function serveHttp(host: Host, port: number, handler: Handler): Promise<TcpServer> {
  const server = host.tcp.createServer((sock) => serveConn(host, sock, handler));
  return new Promise((resolve, reject) => {
    server.once('listening', () => resolve(server));
    server.once('error', reject);
    server.listen(port);
  });
}

function serveConn(host: Host, sock: TcpSocket, handler: Handler): void {
  const parser = new Http1Parser('request');
  const queue: { head: HttpHead; body: Buffer[] }[] = [];
  let current: { head: HttpHead; body: Buffer[] } | undefined;
  let busy = false;
  sock.on('error', () => {});
  const next = async () => {
    if (busy) return;
    busy = true;
    while (queue.length > 0 && !sock.destroyed) {
      const m = queue.shift()!;
      const h = m.head;
      const target = h.target!;
      const q = target.indexOf('?');
      const hostHeader = h.headers.find(([k]) => k.toLowerCase() === 'host')?.[1] ?? '';
      const req: HttpRequest = {
        method: h.method!,
        target,
        path: q < 0 ? target : target.slice(0, q),
        query: new URLSearchParams(q < 0 ? '' : target.slice(q + 1)),
        proto: h.version,
        headers: h.headers,
        host: hostHeader,
        remoteAddr: remoteAddr(sock),
        body: Buffer.concat(m.body),
      };
      let res: HttpResponse;
      try {
        res = await handler(req);
      } catch {
        res = { status: 500, body: 'Internal Server Error\n' };
      }
      writeResponse(host, sock, h.method === 'HEAD', res);
      const conn = h.headers.find(([k]) => k.toLowerCase() === 'connection')?.[1]?.toLowerCase();
      if (conn === 'close' || h.version === 'HTTP/1.0') {
        sock.end();
        break;
      }
    }
    busy = false;
  };
  parser.onHead = (h) => {
    current = { head: h, body: [] };
  };
  parser.onBody = (b) => current?.body.push(Buffer.from(b));
  parser.onComplete = () => {
    if (current) queue.push(current);
    current = undefined;
    void next();
  };
  sock.on('data', (d: Buffer) => {
    parser.push(d);
    if (parser.error) {
      sock.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request');
    }
  });
}

function writeResponse(host: Host, sock: TcpSocket, head: boolean, res: HttpResponse): void {
  const body = typeof res.body === 'string' ? Buffer.from(res.body) : res.body;
  // net/http (chunkWriter.writeHeader): the handler's headers sorted, then Date,
  // Content-Length and the sniffed Content-Type unless the handler set them
  let text = `HTTP/1.1 ${res.status} ${STATUS_TEXT[res.status] ?? 'status code'}\r\n`;
  const own = [...(res.headers ?? [])].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const has = (n: string) => own.some(([k]) => k.toLowerCase() === n);
  for (const [k, v] of own) text += `${k}: ${v}\r\n`;
  if (!has('date')) text += `Date: ${httpDate(host.net.now())}\r\n`;
  if (!has('content-length')) text += `Content-Length: ${body.length}\r\n`;
  if (!has('content-type') && body.length > 0) text += `Content-Type: ${res.contentType ?? 'text/plain; charset=utf-8'}\r\n`;
  text += '\r\n';
  sock.write(head ? Buffer.from(text) : Buffer.concat([Buffer.from(text), body]));
}
