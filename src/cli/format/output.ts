// `-o yaml` and `-o json` as kubectl prints them: YAML through sigs.k8s.io/yaml (go-yaml v2, so
// keys sorted and YAML 1.1 quoting: `"true"`, `"2025-08-15T14:02:33Z"`, `"n"`), JSON indented by 4.

import { Document } from 'yaml';

export function toYaml(value: unknown): string {
  const doc = new Document(value, { sortMapEntries: true, version: '1.1' });
  return doc.toString({ indentSeq: false, lineWidth: 0, directives: false });
}

const TOP_ORDER = ['apiVersion', 'kind', 'metadata', 'spec', 'status'];

/** Orders an object's top-level fields the way the Go structs serialise. */
function ordered(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort((a, b) => {
    const ia = TOP_ORDER.indexOf(a);
    const ib = TOP_ORDER.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
  });
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = k === 'items' && Array.isArray(obj[k]) ? (obj[k] as unknown[]).map(ordered) : obj[k];
  return out;
}

export function toJson(value: unknown): string {
  return JSON.stringify(ordered(value), null, 4);
}

/** The List wrapper kubectl prints for several objects. */
export function asList(items: unknown[]): unknown {
  return { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
}
