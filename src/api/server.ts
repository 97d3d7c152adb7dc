// The daemon's API: Kubernetes-shaped resource paths over the store, plus cilia's own endpoints
// (apply, exec, status, debug views). The handler works on plain request/response objects so it
// serves both HTTP and in-process clients.

import { RESOURCE_TYPES, type ResourceType } from '../k8s/kinds.ts';
import type { GroupKind, KObject } from '../k8s/object.ts';
import { StoreError, type PatchType, type ResourceStore } from '../store/types.ts';
import { applyObjects } from './apply.ts';

export interface ApiRequest {
  method: string;
  /** Path with query string, e.g. `/api/v1/namespaces/default/pods?labelSelector=app%3Dweb`. */
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** Aborted when the client goes away (Ctrl-C on a streaming exec). */
  signal?: AbortSignal;
}

export interface ApiResponseSink {
  head(status: number, contentType: string): void;
  write(chunk: string): void;
  end(): void;
}

/** Something the runtime offers through the API: exec in hosts, debug views, lab actions. */
export interface ApiExtensions {
  /** Runs a command in a host; writes output as it comes; resolves with the exit code. */
  exec?(target: string, argv: string[], io: { write(stream: 'stdout' | 'stderr', text: string): void; signal: AbortSignal; stdin?: string; timeoutMs?: number }): Promise<number>;
  /** Named JSON views (`bgp/peers`, `service/list`...) with string parameters. */
  debug?(name: string, params: Record<string, string>): Promise<unknown>;
  /** Lab actions (`reboot`, `settle`...). */
  action?(name: string, params: Record<string, string>): Promise<unknown>;
  status?(): Promise<unknown>;
}

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  code: number;
  details?: { causes?: { field: string; message: string }[] };
}

const HTTP_CODE: Record<string, number> = {
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  Invalid: 422,
  BadRequest: 400,
  Gone: 410,
  Forbidden: 403,
  Internal: 500,
};

function statusBody(err: StoreError): StatusBody {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: err.message,
    reason: err.code,
    code: HTTP_CODE[err.code] ?? 500,
    ...(err.causes.length ? { details: { causes: err.causes } } : {}),
  };
}

interface ResourcePath {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: 'status';
}

/** Parses `/api/v1/...` and `/apis/<group>/<version>/...` resource paths. */
export function parseResourcePath(path: string): ResourcePath | undefined {
  const parts = path.split('/').filter(Boolean);
  let i: number;
  let group: string;
  if (parts[0] === 'api' && parts[1] === 'v1') {
    group = '';
    i = 2;
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    group = parts[1]!;
    i = 3;
  } else return undefined;
  let namespace: string | undefined;
  if (parts[i] === 'namespaces' && parts.length > i + 2) {
    namespace = decodeURIComponent(parts[i + 1]!);
    i += 2;
  }
  const plural = parts[i];
  if (!plural) return undefined;
  const type = RESOURCE_TYPES.find((t) => t.group === group && t.plural === plural);
  if (!type) return undefined;
  const name = parts[i + 1] ? decodeURIComponent(parts[i + 1]!) : undefined;
  const sub = parts[i + 2];
  if (sub !== undefined && sub !== 'status') return undefined;
  return { type, namespace, name, subresource: sub };
}

export function resourcePathFor(type: ResourceType, namespace?: string, name?: string): string {
  const base = type.group ? `/apis/${type.group}/${type.versions[0]}` : '/api/v1';
  const ns = type.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${type.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}

const PATCH_TYPES: Record<string, PatchType> = {
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
  'application/strategic-merge-patch+json': 'strategic',
};

export class ApiServer {
  constructor(
    private readonly store: ResourceStore,
    private readonly ext: ApiExtensions = {},
  ) {}

  async handle(req: ApiRequest, res: ApiResponseSink): Promise<void> {
    const url = new URL(req.url, 'http://cilia');
    const json = (status: number, body: unknown) => {
      res.head(status, 'application/json');
      res.write(JSON.stringify(body));
      res.end();
    };
    try {
      if (url.pathname.startsWith('/cilia/v1/')) {
        await this.handleCilia(url, req, res, json);
        return;
      }
      const rp = parseResourcePath(url.pathname);
      if (!rp) {
        json(404, statusBody(new StoreError('NotFound', `the server could not find the requested resource (${req.method} ${url.pathname})`)));
        return;
      }
      await this.handleResource(rp, url, req, res, json);
    } catch (err) {
      if (err instanceof StoreError) json(HTTP_CODE[err.code] ?? 500, statusBody(err));
      else json(500, statusBody(new StoreError('Internal', `Internal error occurred: ${(err as Error).message}`)));
    }
  }

  private async handleResource(
    rp: ResourcePath,
    url: URL,
    req: ApiRequest,
    res: ApiResponseSink,
    json: (status: number, body: unknown) => void,
  ): Promise<void> {
    const gk: GroupKind = { group: rp.type.group, kind: rp.type.kind };
    const ns = rp.type.namespaced ? rp.namespace : undefined;
    const q = url.searchParams;
    const dryRun = q.get('dryRun') === 'All';
    switch (req.method) {
      case 'GET': {
        if (rp.name) {
          const obj = await this.store.get(gk, ns, rp.name);
          if (!obj) throw new StoreError('NotFound', `${resourceLabel(rp.type)} "${rp.name}" not found`);
          json(200, obj);
          return;
        }
        const opts = { namespace: ns, labelSelector: q.get('labelSelector') ?? undefined, fieldSelector: q.get('fieldSelector') ?? undefined };
        if (q.get('watch') === 'true' || q.get('watch') === '1') {
          res.head(200, 'application/x-ndjson');
          const w = this.store.watch(gk, { ...opts, resourceVersion: q.get('resourceVersion') ?? undefined }, (ev) => res.write(`${JSON.stringify(ev)}\n`));
          await new Promise<void>((resolve) => {
            if (req.signal?.aborted) resolve();
            req.signal?.addEventListener('abort', () => resolve(), { once: true });
          });
          w.stop();
          res.end();
          return;
        }
        const list = await this.store.list(gk, opts);
        json(200, { kind: `${rp.type.kind}List`, apiVersion: rp.type.group ? `${rp.type.group}/${rp.type.versions[0]}` : 'v1', metadata: { resourceVersion: list.resourceVersion }, items: list.items });
        return;
      }
      case 'POST': {
        const obj = req.body as KObject;
        json(201, await this.store.create(withNamespace(obj, ns), { dryRun }));
        return;
      }
      case 'PUT': {
        const obj = withNamespace(req.body as KObject, ns);
        json(200, rp.subresource === 'status' ? await this.store.updateStatus(obj, { dryRun }) : await this.store.update(obj, { dryRun }));
        return;
      }
      case 'PATCH': {
        const type = PATCH_TYPES[(req.headers?.['content-type'] ?? '').split(';')[0]!.trim()];
        if (!type) throw new StoreError('BadRequest', 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json');
        json(200, await this.store.patch(gk, ns, rp.name!, type, req.body, { dryRun, ...(rp.subresource ? { subresource: 'status' as const } : {}) }));
        return;
      }
      case 'DELETE': {
        const grace = q.get('gracePeriodSeconds');
        json(200, await this.store.delete(gk, ns, rp.name!, { dryRun, ...(grace !== null ? { gracePeriodSeconds: Number(grace) } : {}) }));
        return;
      }
      default:
        throw new StoreError('BadRequest', `method ${req.method} not allowed`);
    }
  }

  private async handleCilia(url: URL, req: ApiRequest, res: ApiResponseSink, json: (status: number, body: unknown) => void): Promise<void> {
    const route = url.pathname.slice('/cilia/v1/'.length);
    const params = Object.fromEntries(url.searchParams);
    if (route === 'apply' && req.method === 'POST') {
      const body = req.body as { objects: KObject[]; dryRun?: boolean };
      const results = await applyObjects(this.store, body.objects, { dryRun: body.dryRun });
      json(200, { results: results.map((r) => ({ ref: r.ref, action: r.action })) });
      return;
    }
    if (route === 'status' && this.ext.status) {
      json(200, await this.ext.status());
      return;
    }
    if (route === 'exec' && req.method === 'POST' && this.ext.exec) {
      const body = req.body as { target: string; argv: string[]; stdin?: string; timeoutMs?: number };
      res.head(200, 'application/x-ndjson');
      const ctl = new AbortController();
      req.signal?.addEventListener('abort', () => ctl.abort(), { once: true });
      const code = await this.ext.exec(body.target, body.argv, {
        write: (stream, text) => res.write(`${JSON.stringify({ stream, text })}\n`),
        signal: ctl.signal,
        stdin: body.stdin,
        timeoutMs: body.timeoutMs,
      });
      res.write(`${JSON.stringify({ exit: code })}\n`);
      res.end();
      return;
    }
    if (route.startsWith('debug/') && this.ext.debug) {
      json(200, await this.ext.debug(route.slice('debug/'.length), params));
      return;
    }
    if (route.startsWith('actions/') && req.method === 'POST' && this.ext.action) {
      json(200, await this.ext.action(route.slice('actions/'.length), { ...params, ...((req.body as Record<string, string>) ?? {}) }));
      return;
    }
    throw new StoreError('NotFound', `the server could not find the requested resource (${req.method} ${url.pathname})`);
  }
}

function withNamespace(obj: KObject, ns: string | undefined): KObject {
  if (!ns || obj.metadata?.namespace === ns) return obj;
  if (obj.metadata?.namespace && obj.metadata.namespace !== ns) {
    throw new StoreError('BadRequest', `the namespace of the provided object does not match the namespace sent on the request`);
  }
  return { ...obj, metadata: { ...obj.metadata, namespace: ns } };
}

/** `services`, `ciliumloadbalancerippools.cilium.io` — how the apiserver names a resource in errors. */
export function resourceLabel(t: ResourceType): string {
  return t.group ? `${t.plural}.${t.group}` : t.plural;
}

