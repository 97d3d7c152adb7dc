import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyFilters, linePattern, matchOutput, parseScenario, splitPipeline, splitWords } from './scenario.ts';

test('scenario files: commands, expected lines, comments anywhere, exit codes', () => {
  const steps = parseScenario(['intro text', '$ cilia get nodes', '# a comment', 'NAME   STATUS', '', '# another', 'k8s-ctr   Ready', '[exit 0]', '$ sleep 5', ''].join('\n'));
  assert.equal(steps.length, 2);
  assert.deepEqual(steps[0]!.expected, ['NAME   STATUS', '', 'k8s-ctr   Ready']);
  assert.equal(steps[0]!.exitCode, 0);
  assert.equal(steps[0]!.line, 2);
  assert.deepEqual(steps[1]!.expected, []);
});

test('expected lines: literal text, {{regex}}, shorthands, ... wildcards, trailing spaces ignored', () => {
  assert.ok(linePattern('webpod-{{[a-z0-9]{5}}} ready {{age}}').test('webpod-x2b9k ready 3m12s'));
  assert.ok(!linePattern('a.b').test('axb'));
  assert.ok(linePattern('{{#}} comment').test('# comment'));
  assert.equal(matchOutput(['NAME', '...', 'last'], ['NAME', 'x', 'y', 'last   ']), undefined);
  assert.equal(matchOutput(['NAME', '...'], ['NAME']), undefined);
  assert.deepEqual(matchOutput(['a', 'b'], ['a', 'c']), { expectedIndex: 1, actualIndex: 1 });
  assert.ok(matchOutput(['a'], ['a', 'extra']));
});

test('host-side filters and word splitting follow the shell', () => {
  assert.deepEqual(splitPipeline(`cilia exec curl-pod -- sh -c 'curl -s webpod | grep Hostname' | sort | uniq -c`), [`cilia exec curl-pod -- sh -c 'curl -s webpod | grep Hostname'`, 'sort', 'uniq -c']);
  assert.deepEqual(splitWords(`sh -c 'a "b" c' "d e"`), ['sh', '-c', 'a "b" c', 'd e']);
  assert.equal(applyFilters('b\na\nb\n', ['sort', 'uniq -c', 'sort -nr']), '      2 b\n      1 a\n');
  assert.equal(applyFilters('x1\ny2\nx3\n', ["grep -v 'y'", 'wc -l']), '2\n');
  assert.equal(applyFilters('a\nb\nc\n', ['head -n 2']), 'a\nb\n');
});

test('plain grep patterns are basic regular expressions', () => {
  assert.equal(applyFilters('a (0)\nb (1)\n', ["grep 'a (0)'"]), 'a (0)\n');
  assert.equal(applyFilters('zebra\nlion\n', ["grep 'ze\\|li'"]), 'zebra\nlion\n');
  assert.equal(applyFilters('x1\nx22\n', ["grep -E 'x[0-9]{2}'"]), 'x22\n');
});
