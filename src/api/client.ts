// The typed client of the daemon API, over HTTP or in-process. The CLI talks only to this.

import { type ResourceType, resolveResourceName, RESOURCE_TYPES, resourcesInCategory } from '../k8s/kinds.ts';
import type { KObject } from '../k8s/object.ts';
import type { ApiRequest, ApiServer, StatusBody } from './server.ts';
import { resourcePathFor } from './server.ts';

export type { ResourceType } from '../k8s/kinds.ts';
export type { KObject } from '../k8s/object.ts';
export { RESOURCE_TYPES, resolveResourceName, resourcesInCategory };
export { configKeyFor } from '../config/cilium.ts';

export interface RawResponse {
  status: number;
  body: string;
}

export interface Transport {
  request(req: ApiRequest): Promise<RawResponse>;
  /** Streams an NDJSON response line by line. */
  stream(req: ApiRequest, onLine: (line: string) => void): Promise<number>;
}

export class DaemonUnreachableError extends Error {}

export class HttpTransport implements Transport {
  constructor(private readonly base: string) {}

  private async fetch(req: ApiRequest): Promise<Response> {
    try {
      return await fetch(new URL(req.url, this.base), {
        method: req.method,
        headers: { 'content-type': req.headers?.['content-type'] ?? 'application/json' },
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        signal: req.signal,
      });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      throw new DaemonUnreachableError(
        `no cilia daemon answers at ${this.base}; start a lab with \`npm start\` (or \`cilia lab up labs/week5-bgp\`), or point --server / CILIA_SERVER at a running one`,
      );
    }
  }

  async request(req: ApiRequest): Promise<RawResponse> {
    const res = await this.fetch(req);
    return { status: res.status, body: await res.text() };
  }

  async stream(req: ApiRequest, onLine: (line: string) => void): Promise<number> {
    const res = await this.fetch(req);
    const decoder = new TextDecoder();
    let buf = '';
    if (!res.body) return res.status;
    try {
      for await (const chunk of res.body) {
        buf += decoder.decode(chunk as Uint8Array, { stream: true });
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          onLine(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
        }
      }
    } catch (err) {
      if ((err as Error).name !== 'AbortError') throw err;
    }
    if (buf) onLine(buf);
    return res.status;
  }
}

export class InProcessTransport implements Transport {
  constructor(private readonly server: ApiServer) {}

  async request(req: ApiRequest): Promise<RawResponse> {
    let status = 0;
    let body = '';
    await this.server.handle({ ...req, signal: undefined }, {
      head: (s) => (status = s),
      write: (c) => (body += c),
      end: () => {},
    });
    return { status, body };
  }

  async stream(req: ApiRequest, onLine: (line: string) => void): Promise<number> {
    let status = 0;
    let buf = '';
    const { signal, ...rest } = req;
    await this.server.handle({ ...rest, signal }, {
      head: (s) => (status = s),
      write: (c) => {
        buf += c;
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          onLine(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
        }
      },
      end: () => {
        if (buf) onLine(buf);
        buf = '';
      },
    });
    return status;
  }
}

/** An error the apiserver returned (a Kubernetes Status object). */
export class ApiError extends Error {
  constructor(
    readonly status: StatusBody,
  ) {
    super(status.message);
    this.name = 'ApiError';
  }
  get reason(): string {
    return this.status.reason;
  }
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface ExecIO {
  stdout(text: string): void;
  stderr(text: string): void;
  signal?: AbortSignal;
  stdin?: string;
  timeoutMs?: number;
}

export class ApiClient {
  constructor(readonly transport: Transport) {}

  private async call<T>(method: string, url: string, body?: unknown, contentType?: string): Promise<T> {
    const res = await this.transport.request({ method, url, body, headers: contentType ? { 'content-type': contentType } : undefined });
    const parsed = res.body ? JSON.parse(res.body) : undefined;
    if (res.status >= 400) throw new ApiError(parsed as StatusBody);
    return parsed as T;
  }

  get<T extends KObject = KObject>(type: ResourceType, namespace: string | undefined, name: string): Promise<T> {
    return this.call<T>('GET', resourcePathFor(type, namespace, name));
  }

  async list<T extends KObject = KObject>(type: ResourceType, opts: ListOptions = {}): Promise<T[]> {
    const q = new URLSearchParams();
    if (opts.labelSelector) q.set('labelSelector', opts.labelSelector);
    if (opts.fieldSelector) q.set('fieldSelector', opts.fieldSelector);
    const qs = q.toString();
    const list = await this.call<{ items: T[] }>('GET', `${resourcePathFor(type, opts.namespace)}${qs ? `?${qs}` : ''}`);
    return list.items;
  }

  create<T extends KObject>(type: ResourceType, obj: T, dryRun = false): Promise<T> {
    return this.call<T>('POST', `${resourcePathFor(type, obj.metadata.namespace)}${dryRun ? '?dryRun=All' : ''}`, obj);
  }

  update<T extends KObject>(type: ResourceType, obj: T): Promise<T> {
    return this.call<T>('PUT', resourcePathFor(type, obj.metadata.namespace, obj.metadata.name), obj);
  }

  patch<T extends KObject = KObject>(type: ResourceType, namespace: string | undefined, name: string, kind: 'merge' | 'json' | 'strategic', patch: unknown, subresource?: 'status'): Promise<T> {
    const ct = { merge: 'application/merge-patch+json', json: 'application/json-patch+json', strategic: 'application/strategic-merge-patch+json' }[kind];
    return this.call<T>('PATCH', `${resourcePathFor(type, namespace, name)}${subresource ? '/status' : ''}`, patch, ct);
  }

  delete<T extends KObject = KObject>(type: ResourceType, namespace: string | undefined, name: string, opts: { gracePeriodSeconds?: number } = {}): Promise<T> {
    const qs = opts.gracePeriodSeconds !== undefined ? `?gracePeriodSeconds=${opts.gracePeriodSeconds}` : '';
    return this.call<T>('DELETE', `${resourcePathFor(type, namespace, name)}${qs}`);
  }

  apply(objects: KObject[], dryRun = false): Promise<{ results: { ref: string; action: string }[] }> {
    return this.call('POST', '/cilia/v1/apply', { objects, dryRun });
  }

  status<T = unknown>(): Promise<T> {
    return this.call<T>('GET', '/cilia/v1/status');
  }

  debug<T = unknown>(name: string, params: Record<string, string> = {}): Promise<T> {
    const qs = new URLSearchParams(params).toString();
    return this.call<T>('GET', `/cilia/v1/debug/${name}${qs ? `?${qs}` : ''}`);
  }

  action<T = unknown>(name: string, params: Record<string, string> = {}): Promise<T> {
    return this.call<T>('POST', `/cilia/v1/actions/${name}`, params);
  }

  /** Runs a command in a host; returns its exit code. */
  async exec(target: string, argv: string[], io: ExecIO): Promise<number> {
    let code = 1;
    let error: StatusBody | undefined;
    const status = await this.transport.stream(
      { method: 'POST', url: '/cilia/v1/exec', body: { target, argv, stdin: io.stdin, timeoutMs: io.timeoutMs }, signal: io.signal },
      (line) => {
        if (!line) return;
        const msg = JSON.parse(line) as { stream?: 'stdout' | 'stderr'; text?: string; exit?: number } & Partial<StatusBody>;
        if (msg.kind === 'Status') error = msg as StatusBody;
        else if (msg.exit !== undefined) code = msg.exit;
        else if (msg.stream === 'stderr') io.stderr(msg.text ?? '');
        else io.stdout(msg.text ?? '');
      },
    );
    if (error || status >= 400) throw new ApiError(error ?? { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `exec failed (HTTP ${status})`, reason: 'InternalError', code: status });
    return code;
  }

  /** Every resource type, for name resolution and `api-resources`. */
  resourceTypes(): readonly ResourceType[] {
    return RESOURCE_TYPES;
  }
}
