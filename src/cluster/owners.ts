import type { KObject } from '../k8s/object.ts';

/** Indexer: the uids of an object's controlling owners. */
export function controllerOwnerUids(obj: KObject): string[] {
  return (obj.metadata.ownerReferences ?? []).filter((r) => r.controller).map((r) => r.uid);
}

/** The name of the controlling owner of a given kind, if any. */
export function controllerOwnerName(obj: KObject, kind: string): string | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller && r.kind === kind)?.name;
}
