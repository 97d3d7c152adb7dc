// The pod-template-hash Kubernetes puts in ReplicaSet names (`webpod-697b545f57`).

import { K8S_NAME_ALPHABET } from '../controller/rng.ts';

/** FNV-1a 32-bit, as k8s.io/kubernetes/pkg/util/hash uses for the pod template hash. */
export function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  const bytes = Buffer.from(text, 'utf8');
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** rand.SafeEncodeString: every character mapped into the vowel-free alphabet. */
export function safeEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += K8S_NAME_ALPHABET[s.charCodeAt(i) % K8S_NAME_ALPHABET.length];
  return out;
}

/** Serialises with sorted keys so equal templates hash equally whatever the key order. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** controller.ComputeHash: FNV of the template (plus collision count), safe-encoded decimal. */
export function podTemplateHash(template: unknown, collisionCount = 0): string {
  const text = stableStringify(template) + (collisionCount > 0 ? String(collisionCount) : '');
  return safeEncode(String(fnv32a(text)));
}
