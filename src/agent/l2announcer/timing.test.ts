import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withDefaults } from '../../config/cilium.ts';
import { castDuration, formatGoDuration, leaseTimings, parseGoDuration } from './timing.ts';

test('Go durations', () => {
  assert.equal(parseGoDuration('15s'), 15_000_000_000n);
  assert.equal(parseGoDuration('1m30s'), 90_000_000_000n);
  assert.equal(parseGoDuration('1.5h'), 5_400_000_000_000n);
  assert.equal(parseGoDuration('200ms'), 200_000_000n);
  assert.equal(parseGoDuration('3µs'), 3_000n);
  assert.equal(parseGoDuration('-2s'), -2_000_000_000n);
  assert.equal(parseGoDuration('.5s'), 500_000_000n);
  assert.equal(parseGoDuration('0'), 0n);
  for (const bad of ['', '15', 's', '.s', '1x', '1s2', '9999999999h']) assert.equal(parseGoDuration(bad), undefined, bad);
  assert.equal(formatGoDuration(15_000_000_000n), '15s');
  assert.equal(formatGoDuration(90_500_000_000n), '1m30.5s');
  assert.equal(formatGoDuration(3_600_000_000_000n), '1h0m0s');
  assert.equal(formatGoDuration(200_000_000n), '200ms');
  assert.equal(formatGoDuration(1_500n), '1.5µs');
  assert.equal(formatGoDuration(15n), '15ns');
  assert.equal(formatGoDuration(-2_000_000_000n), '-2s');
  assert.equal(formatGoDuration(0n), '0s');
});

test('viper reads a bare number as nanoseconds and anything unparsable as 0', () => {
  assert.equal(castDuration('15'), 15n);
  assert.equal(castDuration('15s'), 15_000_000_000n);
  assert.equal(castDuration('fifteen'), 0n);
  assert.equal(castDuration(''), 0n);
});

function timings(cfg: Record<string, string>) {
  const warnings: string[] = [];
  const t = leaseTimings(withDefaults(cfg), (msg, fields) => warnings.push(`${msg} ${JSON.stringify(fields)}`));
  return { ...t, warnings };
}

test('Cilium’s defaults pass unchanged', () => {
  assert.deepEqual(timings({}), { leaseDurationMs: 15_000, renewDeadlineMs: 5_000, retryPeriodMs: 2_000, warnings: [] });
  assert.deepEqual(timings({ 'l2-announcements-lease-duration': '3s', 'l2-announcements-renew-deadline': '1s', 'l2-announcements-retry-period': '200ms' }), {
    leaseDurationMs: 3_000,
    renewDeadlineMs: 1_000,
    retryPeriodMs: 200,
    warnings: [],
  });
});

test('sanitisation: each broken rule substitutes a value and warns', () => {
  const short = timings({ 'l2-announcements-lease-duration': '500ms' });
  // 1s lease ≤ 5s renew → renew 500ms; 500ms ≤ 1.2 × 2s → retry 250ms
  assert.deepEqual([short.leaseDurationMs, short.renewDeadlineMs, short.retryPeriodMs], [1_000, 500, 250]);
  assert.deepEqual(short.warnings, [
    '--l2-announcements-lease-duration must be greater than 1s, defaulting to 1s {"leaseDuration":"500ms"}',
    '--l2-announcements-lease-duration must be greater than --l2-announcements-renew-deadline, defaulting to a 2/1 ratio {"leaseDuration":"1s","renewDeadline":"5s"}',
    '--l2-announcements-renew-deadline must be greater than --l2-announcements-retry-period * 1.20, defaulting to --l2-announcements-retry-period / 2 {"renewDeadline":"500ms","retryPeriod":"2s"}',
  ]);
  const zero = timings({ 'l2-announcements-renew-deadline': '0s', 'l2-announcements-retry-period': '-1s' });
  assert.deepEqual([zero.leaseDurationMs, zero.renewDeadlineMs, zero.retryPeriodMs], [15_000, 1_000, 200]);
  assert.equal(zero.warnings.length, 2);
  // renew exactly 1.2 × retry is not enough
  const tight = timings({ 'l2-announcements-renew-deadline': '2400ms', 'l2-announcements-retry-period': '2s' });
  assert.deepEqual([tight.renewDeadlineMs, tight.retryPeriodMs], [2_400, 1_200]);
  // "15" is 15ns: a one-second lease
  assert.equal(timings({ 'l2-announcements-lease-duration': '15' }).leaseDurationMs, 1_000);
});
