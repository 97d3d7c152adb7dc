// Reading manifests the way kubectl does: multi-document YAML (YAML 1.1 scalars, as sigs.k8s.io/yaml
// resolves them: `No` is a boolean), JSON objects and JSON streams, `kind: List`, from files,
// directories (non-recursive unless asked: *.yaml, *.yml, *.json in lexical order) and stdin.
// Every object keeps its source and line, and can give the line of any field path.

import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Composer, type Document, isAlias, isMap, isScalar, isSeq, LineCounter, type Node, Parser, parseDocument } from 'yaml';
import type { InputError } from './errors.ts';
import { resourceTypeForManifest } from './kinds.ts';
import { groupOf, type KObject } from './object.ts';
import { type Range, yamlChunks } from './yaml-chunks.ts';
import { parseBlockDocument } from './yaml-fast.ts';
import { PARSE_OPTIONS } from './yaml-schema.ts';

export interface ManifestDoc {
  object: KObject;
  /** File path, or `-` for stdin. */
  source: string;
  /** 1-based line where the object starts. */
  line: number;
  /** 1-based line of a field (`['spec', 'blocks', 0, 'cidr']`), or of its nearest existing parent. */
  lineOf(path: readonly (string | number)[]): number;
}

export interface ParsedManifests {
  docs: ManifestDoc[];
  errors: InputError[];
}

type YamlDoc = Document.Parsed;
type Path = readonly (string | number)[];

function resolveNode(node: unknown, doc: YamlDoc): Node | undefined {
  if (isAlias(node)) return (node.resolve(doc) as Node | undefined) ?? undefined;
  return (node as Node | null) ?? undefined;
}

/** The documents of a YAML stream, one at a time (parseAllDocuments, without holding them all). */
function* composeAll(text: string, lines?: LineCounter): Generator<YamlDoc> {
  yield* new Composer(PARSE_OPTIONS).compose(new Parser(lines?.addNewLine).parse(text)) as Generator<YamlDoc>;
}

/** The source offset of `path` inside `root`: a map key's position, or a list item's. */
function offsetOf(root: Node, doc: YamlDoc, path: Path): number {
  let node: Node | undefined = root;
  let best = root.range?.[0] ?? 0;
  for (const seg of path) {
    node = resolveNode(node, doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      best = (pair.key as Node).range?.[0] ?? best;
      node = pair.value as Node | undefined;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = resolveNode(node.items[seg], doc);
      if (!item) break;
      best = item.range?.[0] ?? best;
      node = item;
    } else {
      break;
    }
    if (!node) break;
  }
  return best;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** kubectl's client-side check: apiVersion and kind must be set. */
function missingTypeFields(o: Record<string, unknown>): string[] {
  const missing: string[] = [];
  if (typeof o.apiVersion !== 'string' || o.apiVersion === '') missing.push('apiVersion not set');
  if (typeof o.kind !== 'string' || o.kind === '') missing.push('kind not set');
  return missing;
}

/** One object of a parsed document: the document itself, or an item of a `kind: List` under `prefix`. */
interface Entry {
  object: KObject;
  line: number;
  prefix: Path;
}

function withMetadata(obj: Record<string, unknown>): KObject {
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
  return obj as KObject;
}

class Collector {
  readonly errors: InputError[] = [];

  constructor(
    readonly source: string,
    readonly lines: LineCounter,
  ) {}

  line(offset: number): number {
    return this.lines.linePos(offset).line;
  }

  error(offset: number, message: string): void {
    this.errors.push({ source: this.source, line: this.line(offset), message });
  }

  /** The objects of one parsed YAML/JSON document (`base`: its offset in the source text); problems go to `errors`. */
  objectsOf(doc: YamlDoc, base: number): Entry[] {
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      this.error(base + e.pos[0], e.message);
      return [];
    }
    const root = doc.contents as Node | null;
    if (!root || (isScalar(root) && root.value === null)) return []; // an empty document
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      this.error(base + (root.range?.[0] ?? 0), (err as Error).message);
      return [];
    }
    return this.objectsOfValue(value, base + (root.range?.[0] ?? 0), (path) => this.line(base + offsetOf(root, doc, path)));
  }

  /** The objects of a document's value, its root node at offset `start`; `lineAt` gives a field's line. */
  objectsOfValue(value: unknown, start: number, lineAt: (path: Path) => number): Entry[] {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.error(start, `error validating data: expected an object, found ${typeName(value)}`);
      return [];
    }
    const obj = value as Record<string, unknown>;
    const missing = missingTypeFields(obj);
    if (missing.length > 0) {
      this.error(start, `error validating data: ${missing.length === 1 ? missing[0] : `[${missing.join(', ')}]`}`);
      return [];
    }
    if (obj.kind === 'List' || (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj.items))) {
      const out: Entry[] = [];
      const list = Array.isArray(obj.items) ? obj.items : [];
      list.forEach((item, i) => {
        const prefix = ['items', i];
        const line = lineAt(prefix);
        if (item === null || typeof item !== 'object' || Array.isArray(item)) {
          this.errors.push({ source: this.source, line, message: `error validating data: expected an object, found ${typeName(item)}` });
          return;
        }
        const m = missingTypeFields(item as Record<string, unknown>);
        if (m.length > 0) {
          this.errors.push({ source: this.source, line, message: `error validating data: ${m.length === 1 ? m[0] : `[${m.join(', ')}]`}` });
          return;
        }
        out.push({ object: withMetadata(item as Record<string, unknown>), line, prefix });
      });
      return out;
    }
    return [{ object: withMetadata(obj), line: this.line(start), prefix: [] }];
  }

  /** Adds a document's objects to `docs`, each finding its fields' lines in the document's nodes. */
  addDocument(doc: YamlDoc, base: number, docs: ManifestDoc[]): void {
    const root = doc.contents as Node;
    for (const e of this.objectsOf(doc, base)) {
      docs.push({ object: e.object, source: this.source, line: e.line, lineOf: (path) => this.line(base + offsetOf(root, doc, [...e.prefix, ...path])) });
    }
  }
}

/** A LineCounter for a whole text, without parsing it. */
function lineCounterOf(text: string): LineCounter {
  const lines = new LineCounter();
  lines.addNewLine(0);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines.addNewLine(i + 1);
  return lines;
}

/** Field lines of chunked documents: their chunk is parsed again when asked (rarely: for an error). */
class ChunkLines {
  private readonly parsed = new Map<number, YamlDoc[]>();

  constructor(
    private readonly text: string,
    private readonly lines: LineCounter,
    private readonly chunks: readonly Range[],
  ) {}

  /** The line of `path` in the `index`th document of chunk `chunk`. */
  lineIn(chunk: number, index: number, path: Path): number {
    const [start, end] = this.chunks[chunk]!;
    let docs = this.parsed.get(chunk);
    if (!docs) this.parsed.set(chunk, (docs = [...composeAll(this.text.slice(start, end))]));
    const doc = docs[index]!;
    return this.lines.linePos(start + offsetOf(doc.contents as Node, doc, path)).line;
  }
}

/**
 * Parses a YAML text chunk by chunk (see yaml-chunks.ts): in the block subset yaml-fast.ts reads,
 * or else with the yaml package; documents drop their nodes once converted. Undefined when
 * anything is wrong: the whole stream is then parsed again to report it as the stream gives it.
 */
export function parseChunks(text: string, source: string, chunks: readonly Range[]): ManifestDoc[] | undefined {
  const lines = lineCounterOf(text);
  const c = new Collector(source, lines);
  const at = new ChunkLines(text, lines, chunks);
  const docs: ManifestDoc[] = [];
  const add = (entries: Entry[], chunk: number, index: number) => {
    for (const e of entries) docs.push({ object: e.object, source, line: e.line, lineOf: (path) => at.lineIn(chunk, index, [...e.prefix, ...path]) });
  };
  for (let chunk = 0; chunk < chunks.length; chunk++) {
    const [start, end] = chunks[chunk]!;
    const fast = parseBlockDocument(text, start, end);
    if (fast) {
      add(c.objectsOfValue(fast.value, fast.start, (path) => at.lineIn(chunk, 0, path)), chunk, 0);
    } else {
      let index = 0;
      for (const doc of composeAll(text.slice(start, end))) add(c.objectsOf(doc, start), chunk, index++);
    }
    if (c.errors.length > 0) return undefined;
  }
  return docs;
}

/** Splits a JSON stream (`{...}{...}` or one per line) into the offsets of its top-level values. */
function splitJSONStream(text: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      if (depth === 0 && start < 0) start = i;
    } else if (c === '{' || c === '[') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) {
        out.push({ start, end: i + 1 });
        start = -1;
      }
    } else if (depth === 0 && !/\s/.test(c!)) {
      // Stray text between values: hand the rest to the parser so it reports the error.
      out.push({ start: i, end: text.length });
      return out;
    }
  }
  if (depth !== 0 && start >= 0) out.push({ start, end: text.length });
  return out;
}

function isJSONText(text: string): boolean {
  return /\S/.exec(text)?.[0] === '{';
}

/** Parses a YAML text as one stream, every document keeping its nodes for field lines. */
export function parseYamlStream(text: string, source: string): ParsedManifests {
  const lines = new LineCounter();
  const c = new Collector(source, lines);
  const docs: ManifestDoc[] = [];
  for (const doc of composeAll(text, lines)) c.addDocument(doc, 0, docs);
  return { docs, errors: c.errors };
}

/** Parses one manifest text. `source` names it in errors (file path, or `-` for stdin). */
export function parseManifests(text: string, source: string): ParsedManifests {
  if (isJSONText(text)) {
    const c = new Collector(source, lineCounterOf(text));
    const docs: ManifestDoc[] = [];
    for (const { start, end } of splitJSONStream(text)) c.addDocument(parseDocument(text.slice(start, end), PARSE_OPTIONS), start, docs);
    return { docs, errors: c.errors };
  }
  // Valid YAML is parsed chunk by chunk; the stream as a whole reports what is wrong.
  const chunks = yamlChunks(text);
  const docs = chunks && parseChunks(text, source, chunks);
  if (docs) return { docs, errors: [] };
  return parseYamlStream(text, source);
}

// ---- files, directories, stdin ---------------------------------------------------------------

export interface ManifestSource {
  /** File path, or `-` for stdin. */
  name: string;
  text: string;
}

export interface ReadOptions {
  /** Descend into subdirectories (kubectl -R). */
  recursive?: boolean;
  /** Reads standard input; called at most once, for `-`. */
  readStdin?: () => Promise<string>;
}

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

async function filesOf(dir: string, recursive: boolean): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [];
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (recursive) out.push(...(await filesOf(p, true)));
    } else if (MANIFEST_EXTENSIONS.some((ext) => e.name.endsWith(ext))) {
      out.push(p);
    }
  }
  return out;
}

/** Reads what `-f` names: files (any extension), directories (manifest extensions only) and `-`. */
export async function readManifestSources(paths: readonly string[], opts: ReadOptions = {}): Promise<{ sources: ManifestSource[]; errors: InputError[] }> {
  const sources: ManifestSource[] = [];
  const errors: InputError[] = [];
  let stdin: string | undefined;
  for (const p of paths) {
    if (p === '-') {
      if (!opts.readStdin) {
        errors.push({ source: '-', message: 'reading from standard input is not available here' });
        continue;
      }
      stdin ??= await opts.readStdin();
      sources.push({ name: '-', text: stdin });
      continue;
    }
    if (/^https?:\/\//.test(p)) {
      errors.push({ source: p, message: 'reading manifests from URLs is not supported; download the file and pass its path' });
      continue;
    }
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(p);
    } catch {
      errors.push({ message: `the path "${p}" does not exist` });
      continue;
    }
    const files = info.isDirectory() ? await filesOf(p, opts.recursive ?? false) : [p];
    for (const f of files) {
      try {
        sources.push({ name: f, text: await readFile(f, 'utf8') });
      } catch (err) {
        errors.push({ source: f, message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
      }
    }
  }
  return { sources, errors };
}

/**
 * Objects named twice in one invocation (same group, kind, namespace and name): one error per
 * repeat, naming both places. Namespaced objects without a namespace count as `defaultNamespace`.
 */
export function findDuplicates(docs: readonly ManifestDoc[], defaultNamespace = 'default'): InputError[] {
  const seen = new Map<string, ManifestDoc>();
  const errors: InputError[] = [];
  for (const d of docs) {
    const o = d.object;
    const name = o.metadata?.name;
    if (typeof name !== 'string' || name === '') continue;
    const rt = resourceTypeForManifest(o.apiVersion, o.kind);
    const namespaced = typeof rt === 'string' ? o.metadata.namespace !== undefined : rt.namespaced;
    const ns = namespaced ? (o.metadata.namespace ?? defaultNamespace) : '';
    const key = `${groupOf(o.apiVersion)}/${o.kind}/${ns}/${name}`;
    const first = seen.get(key);
    if (first) {
      errors.push({
        source: d.source,
        line: d.line,
        kind: o.kind,
        name,
        message: `duplicate object in this apply, also defined at ${first.source}:${first.line}`,
      });
    } else {
      seen.set(key, d);
    }
  }
  return errors;
}

export interface LoadOptions extends ReadOptions {
  /** Namespace assumed for namespaced objects without one (kubectl -n / context namespace). */
  namespace?: string;
}
