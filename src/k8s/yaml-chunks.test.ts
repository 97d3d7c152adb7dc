import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseChunks, parseManifests, parseYamlStream } from './manifest.ts';
import { yamlChunks } from './yaml-chunks.ts';

const pieces = (text: string) => yamlChunks(text)?.map(([s, e]) => text.slice(s, e));

test('cut before every line that starts with a --- marker, and nowhere else', () => {
  assert.deepEqual(pieces('a: 1\n---\nb: 2\n--- \nc: 3\n---\t#x\n---\r\nd: 4\n---'), ['a: 1\n', '---\nb: 2\n', '--- \nc: 3\n', '---\t#x\n', '---\r\nd: 4\n', '---']);
  assert.deepEqual(pieces('---\na: 1\n'), ['---\na: 1\n'], 'a leading marker starts the first piece');
  assert.deepEqual(pieces('a: ---\n ---\n----\n---x\nb: |\n  ---\n'), ['a: ---\n ---\n----\n---x\nb: |\n  ---\n']);
  assert.deepEqual(pieces('a: 1\r---\nb: 2\n'), ['a: 1\r---\nb: 2\n'], 'only \\n ends a line, as for the yaml lexer');
  assert.deepEqual(pieces(''), ['']);
});

test('no pieces for a stream with directives', () => {
  assert.equal(yamlChunks('%YAML 1.2\n---\na: 1\n'), undefined);
  assert.equal(yamlChunks('a: 1\n...\n%TAG ! tag:x,2000:\n---\nb: 2\n'), undefined);
  assert.equal(yamlChunks('\ufeff%YAML 1.1\n---\na: 1\n'), undefined);
});

// Fragments of documents, valid and not: block and flow collections, quoted and block scalars
// that a cut could land in, anchors, document end markers, comments, List kinds.
const FRAGMENTS = [
  'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n',
  'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata:\n  x: |\n    line\n\n    more\n  y: "two\n    lines"\n',
  'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: c\n',
  'apiVersion: v1\nkind: ConfigMap\nmetadata: &m\n  name: d\nother: *m\n',
  'a: "unterminated\n',
  'a: [1, 2\n',
  'b: |\n',
  'k: v\n...\n',
  '# only a comment\n',
  'k: v\nk: w\n',
  '- 1\n- 2\n',
  'x:\n  - y: 1\n   z: 2\n',
  'apiVersion: v1\nkind: Secret\nmetadata:\n  name: e\nstringData:\n  t: 2025-08-07T08:17:59Z\n  n: No\n',
  '',
];

test('property: a stream parses piece by piece to what it parses to whole (objects, lines, field lines, errors)', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom(...FRAGMENTS), fc.constantFrom('---\n', '--- \n', '---\r\n', '\n---\n', '--- # c\n')), { maxLength: 6 }), (parts) => {
      const text = parts.map(([doc, sep]) => sep + doc).join('');
      const whole = parseYamlStream(text, 's');
      const chunked = parseManifests(text, 's');
      assert.deepEqual(chunked.errors, whole.errors);
      assert.deepEqual(
        chunked.docs.map((d) => [d.object, d.line, d.lineOf(['metadata', 'name']), d.lineOf(['data', 'y'])]),
        whole.docs.map((d) => [d.object, d.line, d.lineOf(['metadata', 'name']), d.lineOf(['data', 'y'])]),
      );
      if (parseChunks(text, 's', yamlChunks(text)!)) assert.equal(whole.errors.length, 0, 'what the pieces accept, the stream accepts');
    }),
  );
});
