// The lease timing keys of cilium-config and how the agent reads them: Go durations through viper
// (spf13/cast), then pkg/l2announcer leaseTimings' sanitisation, which logs a warning and
// substitutes a value for each rule broken.

import type { CiliumConfig } from '../../config/cilium.ts';

export const LEASE_DURATION_KEY = 'l2-announcements-lease-duration';
export const RENEW_DEADLINE_KEY = 'l2-announcements-renew-deadline';
export const RETRY_PERIOD_KEY = 'l2-announcements-retry-period';

const NS_PER: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5
  'μs': 1_000n, // U+03BC
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const MAX_INT64 = (1n << 63n) - 1n;

/** time.ParseDuration: nanoseconds, or undefined where Go returns an error. */
export function parseGoDuration(text: string): bigint | undefined {
  let s = text;
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') return undefined;
  let total = 0n;
  while (s !== '') {
    const m = /^([0-9]*)(?:\.([0-9]*))?/.exec(s)!;
    const [whole, int, frac] = [m[0], m[1]!, m[2]];
    if (int === '' && (frac === undefined || frac === '')) return undefined; // no digits at all
    s = s.slice(whole.length);
    const unit = /^[^0-9.]*/.exec(s)![0];
    const per = NS_PER[unit];
    if (per === undefined) return undefined; // missing or unknown unit
    s = s.slice(unit.length);
    let v = BigInt(int || '0') * per;
    if (frac) v += (BigInt(frac) * per) / 10n ** BigInt(frac.length);
    total += v;
    if (total > MAX_INT64 + (neg ? 1n : 0n)) return undefined; // overflows int64
  }
  return neg ? -total : total;
}

/** spf13/cast ToDurationE on a string: a bare number is nanoseconds; anything unparsable is 0 (viper drops the error). */
export function castDuration(text: string): bigint {
  const s = text.trim();
  return parseGoDuration(/[nsuµmh]/.test(s) ? s : `${s}ns`) ?? 0n;
}

/** time.Duration.String(): `1h2m3.5s`, `200ms`, `1.5µs`, `0s`. */
export function formatGoDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const neg = ns < 0n;
  let u = neg ? -ns : ns;
  const sign = neg ? '-' : '';
  const frac = (v: bigint, digits: number): string => {
    const p = 10n ** BigInt(digits);
    const f = (v % p).toString().padStart(digits, '0').replace(/0+$/, '');
    return `${v / p}${f ? `.${f}` : ''}`;
  };
  if (u < 1_000_000_000n) {
    if (u < 1_000n) return `${sign}${u}ns`;
    if (u < 1_000_000n) return `${sign}${frac(u, 3)}µs`;
    return `${sign}${frac(u, 6)}ms`;
  }
  let out = '';
  const h = u / 3_600_000_000_000n;
  u -= h * 3_600_000_000_000n;
  const m = u / 60_000_000_000n;
  u -= m * 60_000_000_000n;
  if (h > 0n) out += `${h}h`;
  if (h > 0n || m > 0n) out += `${m}m`;
  return `${sign}${out}${frac(u, 9)}s`;
}

export interface LeaseTimings {
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

/** client-go leaderelection.JitterFactor. */
export const JITTER_FACTOR = 1.2;

const SECOND = 1_000_000_000n;

/**
 * pkg/l2announcer leaseTimings: the configured values made acceptable to client-go's leader
 * election, with one warning (Cilium's text and fields) per substitution.
 */
export function leaseTimings(config: CiliumConfig, warn: (msg: string, fields: Record<string, string>) => void): LeaseTimings {
  let duration = castDuration(config[LEASE_DURATION_KEY] ?? '15s');
  let renew = castDuration(config[RENEW_DEADLINE_KEY] ?? '5s');
  let retry = castDuration(config[RETRY_PERIOD_KEY] ?? '2s');
  if (duration < SECOND) {
    warn(`--${LEASE_DURATION_KEY} must be greater than 1s, defaulting to 1s`, { leaseDuration: formatGoDuration(duration) });
    duration = SECOND;
  }
  if (renew < 1n) {
    warn(`--${RENEW_DEADLINE_KEY} must be greater than 1ns, defaulting to 1s`, { renewDeadline: formatGoDuration(renew) });
    renew = SECOND;
  }
  if (retry < 1n) {
    warn(`--${RETRY_PERIOD_KEY} must be greater than 1ns, defaulting to 200ms`, { retryPeriod: formatGoDuration(retry) });
    retry = 200_000_000n;
  }
  if (duration <= renew) {
    warn(`--${LEASE_DURATION_KEY} must be greater than --${RENEW_DEADLINE_KEY}, defaulting to a 2/1 ratio`, {
      leaseDuration: formatGoDuration(duration),
      renewDeadline: formatGoDuration(renew),
    });
    renew = duration / 2n;
  }
  // time.Duration(JitterFactor * float64(retryPeriod)) truncates to whole nanoseconds
  if (renew <= BigInt(Math.trunc(JITTER_FACTOR * Number(retry)))) {
    warn(`--${RENEW_DEADLINE_KEY} must be greater than --${RETRY_PERIOD_KEY} * ${JITTER_FACTOR.toFixed(2)}, defaulting to --${RETRY_PERIOD_KEY} / 2`, {
      renewDeadline: formatGoDuration(renew),
      retryPeriod: formatGoDuration(retry),
    });
    retry = renew / 2n;
  }
  const ms = (ns: bigint) => Number(ns) / 1e6;
  return { leaseDurationMs: ms(duration), renewDeadlineMs: ms(renew), retryPeriodMs: ms(retry) };
}
