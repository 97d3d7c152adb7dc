// Client-side checking of parsed manifests: runs admission on each object and points every
// problem at its file and line (`file:line: Kind/name: field.path: message`).

import { admit } from './admission.ts';
import { AdmissionError, type FieldError, type FieldPath, type InputError, plainPath } from './errors.ts';
import { resourceTypeForManifest } from './kinds.ts';
import { findDuplicates, type LoadOptions, type ManifestDoc, type ParsedManifests, parseManifests, readManifestSources } from './manifest.ts';
import { deepClone } from './meta.ts';

/** Reads a formatted field path back (`spec.ports[0].port`, `data[tls.crt]`) into keys and indices. */
export function parseFieldPath(field: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /([^.[\]]+)|\[([^\]]*)\]/g;
  for (let m = re.exec(field); m; m = re.exec(field)) {
    if (m[1] !== undefined) out.push(m[1]);
    else out.push(/^\d+$/.test(m[2]!) ? Number(m[2]) : m[2]!);
  }
  return out;
}

function located(doc: ManifestDoc, path: readonly (string | number)[], field: string | undefined, message: string): InputError {
  const o = doc.object;
  const name = typeof o.metadata?.name === 'string' ? o.metadata.name : undefined;
  return { source: doc.source, line: doc.lineOf(path), kind: o.kind, name, field, message };
}

function fromFieldError(doc: ManifestDoc, e: FieldError): InputError {
  const unknown = e.type === 'UnknownField';
  return located(doc, plainPath(e.path as FieldPath), unknown ? undefined : e.field, e.body());
}

/**
 * Located errors for whatever admit (or the daemon) threw about this document: field errors point
 * at their field's line; causes that came over the wire as `{field, message}` are located too.
 */
export function locateError(doc: ManifestDoc, err: unknown): InputError[] {
  if (err instanceof AdmissionError && err.errors.length > 0) return err.errors.map((e) => fromFieldError(doc, e));
  const causes = (err as { causes?: { field: string; message: string }[] }).causes;
  if (Array.isArray(causes) && causes.length > 0) {
    return causes.map((c) => {
      const unknown = c.message.startsWith('unknown field "');
      return located(doc, parseFieldPath(c.field), unknown ? undefined : c.field, c.message);
    });
  }
  return [located(doc, [], undefined, err instanceof Error ? err.message : String(err))];
}

/**
 * Admits every document as a create (without storing anything) and returns the located problems.
 * Namespaced objects without a namespace get `namespace` first, as kubectl fills it in.
 */
export function checkManifests(docs: readonly ManifestDoc[], namespace = 'default'): InputError[] {
  const errors: InputError[] = [];
  for (const doc of docs) {
    const obj = deepClone(doc.object);
    const rt = resourceTypeForManifest(obj.apiVersion, obj.kind);
    if (typeof rt !== 'string' && rt.namespaced && obj.metadata && typeof obj.metadata === 'object' && !obj.metadata.namespace) {
      obj.metadata.namespace = namespace;
    }
    try {
      admit('create', obj);
    } catch (err) {
      errors.push(...locateError(doc, err));
    }
  }
  return errors;
}

/**
 * Reads and parses everything `-f` names and reports duplicates across all of it; when all that
 * is fine, the errors are the objects' admission problems (checkManifests), each at its line.
 */
export async function loadCheckedManifests(paths: readonly string[], opts: LoadOptions = {}): Promise<ParsedManifests> {
  const { sources, errors } = await readManifestSources(paths, opts);
  const docs: ManifestDoc[] = [];
  for (const s of sources) {
    const parsed = parseManifests(s.text, s.name);
    docs.push(...parsed.docs);
    errors.push(...parsed.errors);
  }
  errors.push(...findDuplicates(docs, opts.namespace));
  return { docs, errors: errors.length > 0 ? errors : checkManifests(docs, opts.namespace) };
}
