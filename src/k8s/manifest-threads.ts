// `-f` manifests parsed and checked on this thread and on worker threads at once. A large YAML
// text is cut into chunks (yaml-chunks.ts) grouped in batches; every thread takes the next batch
// until none is left, parses it and admits its objects. Anything wrong in any batch sends the
// text through the one-stream parse, which reports it exactly as a single-threaded parse does.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { LineCounter } from 'yaml';
import { checkManifests } from './check.ts';
import type { InputError } from './errors.ts';
import {
  ChunkLines,
  type ChunkDoc,
  findDuplicates,
  isJSONText,
  type LoadOptions,
  lineCounterOf,
  type ManifestDoc,
  type ParsedManifests,
  parseChunks,
  parseManifests,
  parseYamlStream,
  readManifestSources,
} from './manifest.ts';
import { type Range, yamlChunks } from './yaml-chunks.ts';

/** Below this many documents per worker a thread costs more to start than it saves. */
const MIN_DOCS_PER_WORKER = 2000;
/** Batches per thread: small enough that threads finish together, large enough to be cheap to hand out. */
const BATCHES_PER_THREAD = 8;


/** What every thread works on (a worker's workerData). */
export interface BatchJob {
  text: string;
  source: string;
  chunks: Range[];
  /** [from, to) chunk indices. */
  batches: Range[];
  /** Namespace assumed for namespaced objects without one, for admission. */
  namespace: string | undefined;
  /** Shared: the next batch to take. */
  next: Int32Array;
}

export type BatchResult = { batch: number; failed: true } | { batch: number; failed: false; docs: ChunkDoc[]; checkErrors: InputError[] };

/** A job of `chunks` in batches for `threads` threads. */
export function batchJob(text: string, source: string, chunks: Range[], namespace: string | undefined, threads: number): BatchJob {
  const size = Math.ceil(chunks.length / (threads * BATCHES_PER_THREAD));
  const batches: Range[] = [];
  for (let from = 0; from < chunks.length; from += size) batches.push([from, Math.min(chunks.length, from + size)]);
  return { text, source, chunks, batches, namespace, next: new Int32Array(new SharedArrayBuffer(4)) };
}

function runBatch(job: BatchJob, b: number, lines: LineCounter, at: ChunkLines): BatchResult {
  const [from, to] = job.batches[b]!;
  const { docs, failed } = parseChunks(job.text, job.source, lines, job.chunks, from, to);
  if (failed) return { batch: b, failed };
  return { batch: b, failed, docs, checkErrors: checkManifests(docs.map((d) => at.manifestDoc(d, job.source)), job.namespace) };
}

/** Takes batches until none is left; a failed batch stops every thread. */
function takeBatches(job: BatchJob, lines: LineCounter, at: ChunkLines): BatchResult[] {
  const out: BatchResult[] = [];
  for (let b = Atomics.add(job.next, 0, 1); b < job.batches.length; b = Atomics.add(job.next, 0, 1)) {
    const r = runBatch(job, b, lines, at);
    out.push(r);
    if (r.failed) {
      Atomics.store(job.next, 0, job.batches.length);
      break;
    }
  }
  return out;
}

/** A worker thread's part (manifest-worker.ts). */
export function workOnBatches(job: BatchJob): BatchResult[] {
  const lines = lineCounterOf(job.text);
  return takeBatches(job, lines, new ChunkLines(job.text, lines, job.chunks));
}

/**
 * A worker running manifest-worker: built next to the bundle (scripts/build.mjs), or from the
 * sources through tsx, registered in the worker itself (Node 20 workers do not inherit loaders).
 */
function newWorker(job: BatchJob): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./manifest-worker.mjs', import.meta.url), { workerData: job });
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const entry = JSON.stringify(new URL('./manifest-worker.ts', import.meta.url).href);
  return new Worker(`import(${tsx}).then((m) => { m.register(); return import(${entry}); })`, { eval: true, workerData: job });
}

/** A worker thread's results; none when it cannot start or dies (its batches are then redone here). */
export function batchesOnWorker(job: BatchJob): Promise<BatchResult[]> {
  return new Promise((resolve) => {
    const worker = newWorker(job);
    worker.once('message', (results: BatchResult[]) => resolve(results));
    worker.once('error', () => resolve([]));
    worker.once('exit', () => resolve([]));
  });
}

export interface CheckedText {
  parsed: ParsedManifests;
  /** Admission problems of the parsed objects; only computed when parsing found none. */
  checkErrors: InputError[];
}

/**
 * Parses one manifest text and, when that finds nothing wrong, checks its objects as
 * checkManifests does. `workers` (default: one per spare core, for large texts) sets how many
 * worker threads help.
 */
export async function parseAndCheck(text: string, source: string, namespace: string | undefined, opts: { workers?: number } = {}): Promise<CheckedText> {
  const chunks = isJSONText(text) ? undefined : yamlChunks(text);
  const workers = chunks ? (opts.workers ?? Math.min(availableParallelism() - 1, Math.floor(chunks.length / MIN_DOCS_PER_WORKER))) : 0;
  if (!chunks || workers <= 0) {
    const parsed = parseManifests(text, source);
    return { parsed, checkErrors: parsed.errors.length > 0 ? [] : checkManifests(parsed.docs, namespace) };
  }
  const job = batchJob(text, source, chunks, namespace, workers + 1);
  const helpers = Array.from({ length: workers }, () => batchesOnWorker(job));
  const lines = lineCounterOf(text);
  const at = new ChunkLines(text, lines, chunks);
  const results = new Map<number, BatchResult>();
  for (const r of takeBatches(job, lines, at)) results.set(r.batch, r);
  for (const h of helpers) for (const r of await h) results.set(r.batch, r);

  const docs: ManifestDoc[] = [];
  const checkErrors: InputError[] = [];
  for (let b = 0; b < job.batches.length; b++) {
    const r = results.get(b) ?? runBatch(job, b, lines, at);
    if (r.failed) return { parsed: parseYamlStream(text, source), checkErrors: [] };
    for (const d of r.docs) docs.push(at.manifestDoc(d, source));
    checkErrors.push(...r.checkErrors);
  }
  return { parsed: { docs, errors: [] }, checkErrors };
}

/**
 * Reads and parses everything `-f` names and reports duplicates across all of it; when all that
 * is fine, the errors are the objects' admission problems (checkManifests), each at its line.
 */
export async function loadCheckedManifests(paths: readonly string[], opts: LoadOptions & { workers?: number } = {}): Promise<ParsedManifests> {
  const { sources, errors } = await readManifestSources(paths, opts);
  const docs: ManifestDoc[] = [];
  const checkErrors: InputError[] = [];
  for (const s of sources) {
    const r = await parseAndCheck(s.text, s.name, opts.namespace, opts);
    docs.push(...r.parsed.docs);
    errors.push(...r.parsed.errors);
    checkErrors.push(...r.checkErrors);
  }
  errors.push(...findDuplicates(docs, opts.namespace));
  return { docs, errors: errors.length > 0 ? errors : checkErrors };
}
