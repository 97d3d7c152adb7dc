// Reading manifests the way kubectl does: multi-document YAML (YAML 1.1 scalars, as sigs.k8s.io/yaml
// resolves them: `No` is a boolean), JSON objects and JSON streams, `kind: List`, from files,
// directories (non-recursive unless asked: *.yaml, *.yml, *.json in lexical order) and stdin.
// Every object keeps its source and line, and can give the line of any field path.

import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseAllDocuments, parseDocument, type Tags } from 'yaml';
import type { InputError } from './errors.ts';
import { resourceTypeForManifest } from './kinds.ts';
import { groupOf, type KObject } from './object.ts';

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

// YAML 1.1 scalars like Kubernetes' decoder, except that timestamps and binaries stay strings
// (go-yaml v2 hands interface{} targets the original text for both).
const PARSE_OPTIONS = {
  version: '1.1' as const,
  uniqueKeys: true,
  prettyErrors: false,
  customTags: (tags: Tags): Tags =>
    tags.filter((t) => typeof t === 'string' || (t.tag !== 'tag:yaml.org,2002:timestamp' && t.tag !== 'tag:yaml.org,2002:binary')),
};

function resolveNode(node: unknown, doc: YamlDoc): Node | undefined {
  if (isAlias(node)) return (node.resolve(doc) as Node | undefined) ?? undefined;
  return (node as Node | null) ?? undefined;
}

/** The source offset of `path` inside `root`: a map key's position, or a list item's. */
function offsetOf(root: Node, doc: YamlDoc, path: readonly (string | number)[]): number {
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

class Collector {
  readonly docs: ManifestDoc[] = [];
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

  /** Adds one parsed YAML/JSON document; `base` is its offset in the source text. */
  addDocument(doc: YamlDoc, base: number): void {
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      this.error(base + e.pos[0], e.message);
      return;
    }
    const root = doc.contents as Node | null;
    if (!root || (isScalar(root) && root.value === null)) return; // an empty document
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      this.error(base + (root.range?.[0] ?? 0), (err as Error).message);
      return;
    }
    const start = base + (root.range?.[0] ?? 0);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.error(start, `error validating data: expected an object, found ${typeName(value)}`);
      return;
    }
    const obj = value as Record<string, unknown>;
    const missing = missingTypeFields(obj);
    if (missing.length > 0) {
      this.error(start, `error validating data: ${missing.length === 1 ? missing[0] : `[${missing.join(', ')}]`}`);
      return;
    }
    const lineOf = (prefix: readonly (string | number)[]) => (path: readonly (string | number)[]) =>
      this.line(base + offsetOf(root, doc, [...prefix, ...path]));
    if (obj.kind === 'List' || (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj.items))) {
      const list = Array.isArray(obj.items) ? obj.items : [];
      list.forEach((item, i) => {
        const at = lineOf(['items', i]);
        if (item === null || typeof item !== 'object' || Array.isArray(item)) {
          this.errors.push({ source: this.source, line: at([]), message: `error validating data: expected an object, found ${typeName(item)}` });
          return;
        }
        const m = missingTypeFields(item as Record<string, unknown>);
        if (m.length > 0) {
          this.errors.push({ source: this.source, line: at([]), message: `error validating data: ${m.length === 1 ? m[0] : `[${m.join(', ')}]`}` });
          return;
        }
        this.push(item as Record<string, unknown>, at);
      });
      return;
    }
    this.push(obj, lineOf([]));
  }

  private push(obj: Record<string, unknown>, lineOf: (path: readonly (string | number)[]) => number): void {
    if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
    this.docs.push({ object: obj as KObject, source: this.source, line: lineOf([]), lineOf });
  }
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

/** Parses one manifest text. `source` names it in errors (file path, or `-` for stdin). */
export function parseManifests(text: string, source: string): ParsedManifests {
  const firstChar = /\S/.exec(text)?.[0];
  if (firstChar === '{') {
    const lines = new LineCounter();
    lines.addNewLine(0);
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lines.addNewLine(i + 1);
    const c = new Collector(source, lines);
    for (const { start, end } of splitJSONStream(text)) c.addDocument(parseDocument(text.slice(start, end), PARSE_OPTIONS), start);
    return { docs: c.docs, errors: c.errors };
  }
  const lines = new LineCounter();
  const parsed = parseAllDocuments(text, { ...PARSE_OPTIONS, lineCounter: lines });
  const c = new Collector(source, lines);
  for (const doc of parsed) c.addDocument(doc, 0);
  return { docs: c.docs, errors: c.errors };
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

/** Reads and parses everything `-f` names, and reports duplicates across all of it. */
export async function loadManifests(paths: readonly string[], opts: LoadOptions = {}): Promise<ParsedManifests> {
  const { sources, errors } = await readManifestSources(paths, opts);
  const docs: ManifestDoc[] = [];
  for (const s of sources) {
    const parsed = parseManifests(s.text, s.name);
    docs.push(...parsed.docs);
    errors.push(...parsed.errors);
  }
  errors.push(...findDuplicates(docs, opts.namespace));
  return { docs, errors };
}
