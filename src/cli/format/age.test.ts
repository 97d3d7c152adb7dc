import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goDuration, humanDuration } from './age.ts';

test('ages print like kubectl', () => {
  const s = 1000;
  const cases: [number, string][] = [
    [44 * s, '44s'],
    [119 * s, '119s'],
    [120 * s, '2m'],
    [192 * s, '3m12s'],
    [600 * s, '10m'],
    [179 * 60 * s, '179m'],
    [(3 * 3600 + 38 * 60) * s, '3h38m'],
    [(13 * 3600 + 23 * 60) * s, '13h'],
    [(3 * 86400 + 14 * 3600) * s, '3d14h'],
    [10 * 86400 * s, '10d'],
    [-500, '0s'],
    [-5 * s, '<invalid>'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms}`);
});

test('Go durations round to seconds', () => {
  assert.equal(goDuration(0), '0s');
  assert.equal(goDuration(2006_400), '33m26s');
  assert.equal(goDuration(3723_000), '1h2m3s');
  assert.equal(goDuration(1499), '1s');
});
