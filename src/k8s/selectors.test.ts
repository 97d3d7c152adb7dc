import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { KObject } from './object.ts';
import {
  formatLabels,
  formatRequirements,
  formatSelector,
  fromLabelSelector,
  labelSelectorMatches,
  matches,
  matchesFields,
  parseFieldSelector,
  parseSelector,
  SelectorError,
} from './selectors.ts';

const pod = (labels: Record<string, string>, extra: Partial<KObject> = {}): KObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', labels },
  ...extra,
});

test('string selectors: every operator', () => {
  const labels = { app: 'webpod', tier: 'web', n: '5' };
  const yes = ['app=webpod', 'app==webpod', 'tier!=db', 'app in (webpod,curl)', 'tier notin (db)', 'app', '!legacy', 'n>3', 'n<6', 'missing!=x', ''];
  const no = ['app=curl', 'tier!=web', 'app in (curl)', 'tier notin (web,db)', 'legacy', '!app', 'n>5', 'n<5', 'app>1'];
  for (const s of yes) assert.equal(matches(parseSelector(s), labels), true, s);
  for (const s of no) assert.equal(matches(parseSelector(s), labels), false, s);
});

test('string selectors: whitespace, empty values and commas', () => {
  assert.deepEqual(parseSelector(' app = webpod ,\ttier in ( a , b ) '), [
    { key: 'app', op: 'Equals', values: ['webpod'] },
    { key: 'tier', op: 'In', values: ['a', 'b'] },
  ]);
  assert.deepEqual(parseSelector('a='), [{ key: 'a', op: 'Equals', values: [''] }]);
  assert.deepEqual(parseSelector('a in (x,)'), [{ key: 'a', op: 'In', values: ['x', ''] }]);
  assert.deepEqual(parseSelector('a in ()'), [{ key: 'a', op: 'In', values: [''] }]);
  assert.deepEqual(parseSelector('a notin (,x)'), [{ key: 'a', op: 'NotIn', values: ['', 'x'] }]);
  assert.deepEqual(parseSelector('kubernetes.io/hostname=k8s-ctr'), [{ key: 'kubernetes.io/hostname', op: 'Equals', values: ['k8s-ctr'] }]);
});

test('string selectors: syntax errors are SelectorErrors, never crashes', () => {
  for (const bad of ['a in (x', 'a in x', 'a b', '=x', 'a=b=c', ',', 'a,', 'a>x', '!', 'a=(b)', 'bad key!=x', 'a=b c']) {
    assert.throws(() => parseSelector(bad), SelectorError, bad);
  }
  assert.throws(() => parseSelector('app=Web Pod'), /unable to parse|found/);
  assert.throws(() => parseSelector('a b/c=d'), SelectorError);
  assert.throws(() => parseSelector('a=b_'), /values\[0\]\[a\]: Invalid value: "b_": a valid label must be/);
});

test('structured selectors follow LabelSelectorAsSelector', () => {
  assert.equal(fromLabelSelector(undefined), 'nothing');
  assert.deepEqual(fromLabelSelector({}), []);
  assert.equal(labelSelectorMatches(undefined, { a: 'b' }), false);
  assert.equal(labelSelectorMatches(undefined, { a: 'b' }, true), true);
  assert.equal(labelSelectorMatches({}, { a: 'b' }), true);
  const sel: LabelSelector = { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'NotIn', values: ['k8s-w0'] }] };
  assert.equal(labelSelectorMatches(sel, { 'kubernetes.io/hostname': 'k8s-ctr' }), true);
  assert.equal(labelSelectorMatches(sel, { 'kubernetes.io/hostname': 'k8s-w0' }), false);
  assert.equal(labelSelectorMatches(sel, {}), true);
  // Cilium's selectors carry source prefixes; they are not key-checked.
  assert.equal(labelSelectorMatches({ matchExpressions: [{ key: 'reserved:ingress', operator: 'Exists' }] }, { 'reserved:ingress': '' }), true);
  assert.throws(() => fromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In' }] }), /values set can't be empty/);
  assert.throws(() => fromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }), /must be empty/);
  assert.throws(() => fromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }), /"Gt" is not a valid label selector operator/);
});

test('formatSelector prints like metav1.FormatLabelSelector: sorted by key, values sorted', () => {
  assert.equal(formatSelector(undefined), '<none>');
  assert.equal(formatSelector({}), '<none>');
  assert.equal(
    formatSelector({ matchLabels: { tier: 'web', app: 'x' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }, { key: 'b', operator: 'DoesNotExist' }] }),
    'app=x,!b,env in (dev,prod),tier=web',
  );
  assert.equal(formatSelector({ matchExpressions: [{ key: 'x', operator: 'In' }] }), '<error>');
  assert.equal(formatLabels({ b: '2', a: '1' }), 'a=1,b=2');
  assert.equal(formatLabels({}), '<none>');
  assert.equal(formatLabels(undefined), '<none>');
});

test('field selectors: supported fields, negation, escapes', () => {
  const p = pod({}, { spec: { nodeName: 'k8s-ctr' }, status: { phase: 'Running' } });
  assert.equal(matchesFields(parseFieldSelector('spec.nodeName=k8s-ctr', 'Pod'), p), true);
  assert.equal(matchesFields(parseFieldSelector('spec.nodeName==k8s-w1', 'Pod'), p), false);
  assert.equal(matchesFields(parseFieldSelector('spec.nodeName!=k8s-w1,status.phase=Running', 'Pod'), p), true);
  assert.equal(matchesFields(parseFieldSelector('metadata.name=p,metadata.namespace=default', 'Pod'), p), true);
  assert.equal(matchesFields(parseFieldSelector('spec.hostNetwork=false', 'Pod'), p), true);
  const node: KObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' } };
  assert.equal(matchesFields(parseFieldSelector('spec.unschedulable=false', 'Node'), node), true);
  assert.deepEqual(parseFieldSelector('metadata.name=a\\,b', 'Pod'), [{ field: 'metadata.name', value: 'a,b', negate: false }]);
  assert.throws(() => parseFieldSelector('spec.nodeName=k8s-ctr', 'Service'), /field label not supported: spec.nodeName/);
  assert.throws(() => parseFieldSelector('spec.nodeName', 'Pod'), /invalid selector: 'spec.nodeName'; can't understand 'spec.nodeName'/);
  assert.throws(() => parseFieldSelector('metadata.name=a=b', 'Pod'), /unescaped '='/);
});

// ---- properties ----------------------------------------------------------------------------

const keyArb = fc.constantFrom('app', 'tier', 'kubernetes.io/hostname', 'example.com/x', 'n');
const valueArb = fc.constantFrom('', 'webpod', 'web', 'k8s-ctr', 'a.b_c', '7');
const labelsArb = fc.dictionary(keyArb, valueArb, { maxKeys: 5 });
const selectorArb: fc.Arbitrary<LabelSelector> = fc.record(
  {
    matchLabels: fc.dictionary(keyArb, valueArb, { maxKeys: 3 }),
    matchExpressions: fc.array(
      fc.oneof(
        fc.record({ key: keyArb, operator: fc.constantFrom('In', 'NotIn'), values: fc.array(valueArb, { minLength: 1, maxLength: 3 }) }),
        fc.record({ key: keyArb, operator: fc.constantFrom('Exists', 'DoesNotExist') }),
      ),
      { maxLength: 4 },
    ),
  },
  { requiredKeys: [] },
);

test('property: parse(formatSelector(sel)) selects exactly what the structured selector selects', () => {
  fc.assert(
    fc.property(selectorArb, fc.array(labelsArb, { minLength: 1, maxLength: 8 }), (sel, objects) => {
      const text = formatSelector(sel);
      const parsed = parseSelector(text === '<none>' ? '' : text);
      for (const labels of objects) assert.equal(matches(parsed, labels), labelSelectorMatches(sel, labels), `${text} on ${JSON.stringify(labels)}`);
    }),
  );
});

test('property: formatRequirements is a fixed point of parse', () => {
  fc.assert(
    fc.property(selectorArb, (sel) => {
      const s = fromLabelSelector(sel);
      if (s === 'nothing') return;
      const text = formatRequirements(s);
      assert.equal(formatRequirements(parseSelector(text)), text);
    }),
  );
});

test('property: the string parser never throws anything but SelectorError', () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom('a', 'b', '=', '!', ',', '(', ')', ' ', 'in', 'notin', '<', '>', '1', '/', '.') }), (text) => {
      try {
        parseSelector(text);
      } catch (e) {
        assert.ok(e instanceof SelectorError, String(e));
      }
    }),
  );
});

test('property: a selector and its negation-free parts agree on every label set', () => {
  fc.assert(
    fc.property(selectorArb, labelsArb, (sel, labels) => {
      const s = fromLabelSelector(sel);
      if (s === 'nothing') return;
      assert.equal(matches(s, labels), s.every((r) => matches([r], labels)));
    }),
  );
});
