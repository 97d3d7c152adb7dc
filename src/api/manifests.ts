// Client-side manifest loading for `-f` (files, directories, stdin): parse, reject duplicates,
// and check every object with the same admission rules the daemon runs, so errors point at
// `file:line` before anything is sent.

import { formatInputError } from '../k8s/errors.ts';
import { resourceTypeForManifest } from '../k8s/kinds.ts';
import { loadCheckedManifests } from '../k8s/check.ts';
import type { KObject } from '../k8s/object.ts';

export interface LoadedManifests {
  objects: KObject[];
  /** One line each: `file:line: Kind/name: field.path: message`. */
  errors: string[];
}

export async function loadManifests(paths: readonly string[], readStdin: () => Promise<string>, namespace?: string): Promise<LoadedManifests> {
  const parsed = await loadCheckedManifests(paths, { readStdin, namespace });
  const errors = parsed.errors.map(formatInputError);
  const objects = parsed.docs.map((d) => {
    const rt = resourceTypeForManifest(d.object.apiVersion, d.object.kind);
    if (namespace && typeof rt !== 'string' && rt.namespaced && !d.object.metadata.namespace) {
      return { ...d.object, metadata: { ...d.object.metadata, namespace } };
    }
    return d.object;
  });
  return { objects, errors };
}
