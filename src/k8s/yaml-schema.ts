// YAML as Kubernetes reads it: the yaml package's options for manifests, and what a plain scalar
// resolves to under them, taken from the package's own schema (so yaml-fast.ts agrees with it).

import { Document, isScalar, type ScalarTag, type Tags } from 'yaml';

// YAML 1.1 scalars like Kubernetes' decoder, except that timestamps and binaries stay strings
// (go-yaml v2 hands interface{} targets the original text for both).
export const PARSE_OPTIONS = {
  version: '1.1' as const,
  uniqueKeys: true,
  prettyErrors: false,
  customTags: (tags: Tags): Tags =>
    tags.filter((t) => typeof t === 'string' || (t.tag !== 'tag:yaml.org,2002:timestamp' && t.tag !== 'tag:yaml.org,2002:binary')),
};

/** What a scalar resolves to when its tag's resolver reports a problem, or makes anything but a plain value. */
export const UNRESOLVED: unique symbol = Symbol('unresolved scalar');

const { schema, options } = new Document(null, PARSE_OPTIONS);
const scalarTags = schema.tags.filter((t): t is ScalarTag => !t.collection && t.test !== undefined);
// The composer's findScalarTagByTest: the first tag whose test matches, among the default ones
// (and those that are default for keys only, such as merge's `<<`, at a key).
const valueTags = scalarTags.filter((t) => t.default === true);
const keyTags = scalarTags.filter((t) => t.default === true || t.default === 'key');

/** One RegExp matching what any of `tags` matches (their tests carry no flags): most scalars are strings, told by one test. */
function anyTest(tags: readonly ScalarTag[]): RegExp {
  return new RegExp(tags.map((t) => `(?:${t.test!.source})`).join('|'));
}
const claimedAsValue = anyTest(valueTags);
const claimedAsKey = anyTest(keyTags);

let reported = false;
const report = (): void => {
  reported = true;
};

function resolveWith(tag: ScalarTag, source: string): unknown {
  reported = false;
  try {
    let value = tag.resolve(source, report, options);
    // As composeScalar takes it: a tag may make the Scalar itself (null and booleans do).
    if (isScalar(value)) value = value.value;
    const plain = value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
    return reported || !plain ? UNRESOLVED : value;
  } catch {
    return UNRESOLVED;
  }
}

/** The value of an untagged plain scalar (`source`: its text, on one line); when no tag claims it, the text (what the str tag makes of it). */
export function resolvePlain(source: string): unknown {
  if (!claimedAsValue.test(source)) return source;
  for (const tag of valueTags) if (tag.test!.test(source)) return resolveWith(tag, source);
  return source;
}

/** Whether a plain scalar at a map key stays the string it reads (`yes`, `1`, `~`, `<<` do not). */
export function isStringKey(source: string): boolean {
  return !claimedAsKey.test(source);
}
