// Serves an ApiServer over HTTP on loopback.

import { createServer, type Server } from 'node:http';
import type { ApiServer } from './server.ts';

export const DEFAULT_API_PORT = 7443;
export const DEFAULT_API_HOST = '127.0.0.1';

export class PortInUseError extends Error {}

export async function listenHttp(api: ApiServer, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'BadRequest', code: 400, message: 'request body is not valid JSON' }));
        return;
      }
      const ctl = new AbortController();
      res.on('close', () => ctl.abort());
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      void api.handle(
        { method: req.method ?? 'GET', url: req.url ?? '/', headers, body, signal: ctl.signal },
        {
          head: (status, contentType) => res.writeHead(status, { 'content-type': contentType }),
          write: (chunk) => res.write(chunk),
          end: () => res.end(),
        },
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new PortInUseError(`cannot serve the API on ${host}:${port}: the port is already in use (another \`cilia lab up\`?); pick a free one with --port`));
      else reject(err);
    });
    server.listen(port, host, () => resolve());
  });
  return server;
}
