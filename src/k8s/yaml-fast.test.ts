import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDocument } from 'yaml';
import { parseBlockDocument } from './yaml-fast.ts';
import { isStringKey, PARSE_OPTIONS, resolvePlain } from './yaml-schema.ts';

const fast = (text: string) => parseBlockDocument(text, 0, text.length)?.value;
const slow = (text: string) => parseDocument(text, PARSE_OPTIONS).toJS();

/** Accepted, and as the yaml package reads it. */
function same(text: string): unknown {
  const value = fast(text);
  assert.notEqual(value, undefined, `accepted: ${JSON.stringify(text)}`);
  assert.deepStrictEqual(value, slow(text));
  return value;
}

test('a Service manifest, as the yaml package reads it, with its root offset', () => {
  const text = '--- # svc\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  labels:\n    app: "web"\nspec:\n  ports:\n  - port: 80\n    targetPort: 8080\n';
  assert.deepEqual(same(text), { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', labels: { app: 'web' } }, spec: { ports: [{ port: 80, targetPort: 8080 }] } });
  const piece = `x: 1\n${text}`;
  assert.deepEqual(parseBlockDocument(piece, 5, piece.length), { value: slow(text), start: 15 }, 'a piece of a larger text, from its --- line');
});

test('block collections: compact mappings and sequences in items, sequences at their key column, empty nodes', () => {
  same('a:\n- b\n- c: 1\n  d: 2\ne: 3\n');
  same('- - a\n  - b\n- -\n- c:\n  d: 1\n-\n  e: 1\n-\n- f\n');
  same('a:\n  b:\n    - 1\n  c:\n    d:\n  e:   # comment\n    f: ~\ng: {}\nh: []\n');
  same('  indented: root\n  more: 1\n');
  same('--- \na: 1\n  ');
  same('-   wide: 1\n    items: 2\n');
  same(Array.from({ length: 100 }, (_, i) => `k${i}:\n  - a: 1\n`).join(''));
});

test('scalars: quotes around colons and hashes, comments, YAML 1.1 values; timestamps stay strings', () => {
  same('a: "b: c # d"\nb: \'it\'\'s: #\'\nc: x#y\nd: http://x:80/y # comment\ne: -1\nf: --x\ng: a b  \n"h i": 1\n\'j\': 2\n');
  assert.deepEqual(
    same('a: yes\nb: No\nc: on\nd: OFF\ne: y\nf: ~\ng: NULL\nh: 0755\ni: 0x1F\nj: 0b11\nk: 1:20\nl: 1_000\nm: .inf\nnn: -.5e3\no: 2025-08-07T08:17:59Z\np: nULL\n'),
    { a: true, b: false, c: true, d: false, e: true, f: null, g: null, h: 493, i: 31, j: 3, k: 80, l: 1000, m: Infinity, nn: -500, o: '2025-08-07T08:17:59Z', p: 'nULL' },
  );
});

test('keys named like Object.prototype members are plain own keys', () => {
  const value = same('__proto__: 1\ntoString: 2\nconstructor:\n  a: 1\n') as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(value), Object.prototype);
  assert.deepEqual(Object.keys(value), ['__proto__', 'toString', 'constructor']);
});

test('anything else is left to the yaml package', () => {
  const bails = [
    ['flow collections', 'a: {b: 1}\n', 'a: [1]\n', 'a: {}x\n', 'a: {]\n', 'a: [}\n'],
    ['anchors, aliases, tags', 'a: &x 1\n', 'a: *x\n', 'a: !!str 1\n'],
    ['block and multi-line scalars', 'a: |\n  x\n', 'a: >\n  x\n', 'a: b\n  c\n', 'a: "b\n  c"\n', "a: 'b\n", 'a:\n  b\n'],
    ['escapes', 'a: "\\n"\n'],
    ['complex and merge keys, directives, end markers', '? a\n: b\n', '<<: {}\n', '%YAML 1.1\n---\na: 1\n', 'a: 1\n...\n', 'a: 1\n... b: 2\n', 'a: 1\n--- b: 2\n'],
    ['tabs, CRs, odd characters', 'a:\t1\n', '\ta: 1\n', 'a: 1\r\n', '\ufeffa: 1\n', 'a: b\u0085\n'],
    ['odd indentation', 'a:\n  b: 1\n c: 2\n', 'a: 1\n b: 2\n', '- a\n - b\n', 'a:\n  - b\n  c: 1\n'],
    ['duplicate and non-string keys', 'a: 1\na: 2\n', 'a: 1\n"a": 2\n', 'yes: 1\n', '1: a\n', 'null: a\n', '~: a\n', 'n: 1\n'],
    ['a nested mapping or sequence on its key line', 'a: b: c\n', 'a: - b\n', 'a: -\n', '- a: b: c\n'],
    ['reserved and indicator starts', 'a: @x\n', 'a: `x`\n', 'a: %x\n', 'a: ?x\n', 'a: :x\n', 'a: "x"#c\n', "a: 'x'y\n"],
    ['keys the yaml package finds too long, nesting deeper than manifests go', `${'k'.repeat(1030)}: 1\n`, `${'- '.repeat(100)}x\n`],
    ['no document, or a scalar one', '', '# only a comment\n', '---\n', '--- # c\n\n', 'text\n', '"text"\n', '--- a: 1\n'],
  ];
  assert.equal(parseBlockDocument('a: 1\n---\n', 5, 9), undefined, 'a piece with no node, in a larger text');
  assert.equal(parseBlockDocument('- a\n---\n', 4, 8), undefined, 'a piece with no node, in a larger text');
  assert.deepEqual(parseBlockDocument('a: 1\nb: 2\n', 0, 7)?.value, { a: 1, b: null }, 'the piece ends where it is told');
  same(`${'- '.repeat(20)}x\n`);
  for (const [what, ...texts] of bails) for (const text of texts) assert.equal(parseBlockDocument(text!, 0, text!.length), undefined, `${what}: ${JSON.stringify(text)}`);
});

test('plain scalars resolve by the schema tags of PARSE_OPTIONS; keys must stay strings', () => {
  assert.deepEqual(['No', 'on', '0755', '1:20', '~', '', 'NuLL', 'x'].map(resolvePlain), [false, true, 493, 80, null, null, 'NuLL', 'x']);
  assert.deepEqual(['name', 'yes', '1', '<<', 'null', '.inf', 'a b'].map(isStringKey), [true, false, false, false, false, false, true]);
});
