import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  backoffCapMs,
  backoffMs,
  DEADLINE_MARGIN_MS,
  planRetry,
  retryAfterMs,
} from '../../shared/outbound/retry-policy.ts';

const NOW = Date.parse('2026-11-29T10:00:00.000Z');
const headers = (h: Record<string, string>) => new Headers(h);

describe('retryAfterMs', () => {
  it('reads integer seconds', () => {
    expect(retryAfterMs(headers({ 'retry-after': '2' }), NOW)).toBe(2_000);
    expect(retryAfterMs(headers({ 'retry-after': ' 120 ' }), NOW)).toBe(120_000);
  });

  it('clips 0 (Jira sends it) to 1 s', () => {
    expect(retryAfterMs(headers({ 'retry-after': '0' }), NOW)).toBe(1_000);
  });

  it('measures an HTTP date against the response’s own Date header, not our clock', () => {
    // Prepare: the server's clock is an hour behind ours
    const h = headers({
      'retry-after': 'Sun, 29 Nov 2026 09:00:05 GMT',
      date: 'Sun, 29 Nov 2026 09:00:00 GMT',
    });

    // Act / Assess
    expect(retryAfterMs(h, NOW)).toBe(5_000);
  });

  it('measures an HTTP date against our clock without a Date header', () => {
    expect(retryAfterMs(headers({ 'retry-after': 'Sun, 29 Nov 2026 10:00:03 GMT' }), NOW)).toBe(3_000);
  });

  it('reads the obsolete RFC 850 and asctime forms', () => {
    expect(retryAfterMs(headers({ 'retry-after': 'Sunday, 29-Nov-26 10:00:04 GMT' }), NOW)).toBe(4_000);
    expect(retryAfterMs(headers({ 'retry-after': 'Sun Nov 29 10:00:06 2026' }), NOW)).toBe(6_000);
  });

  it('takes a date already past as 1 s', () => {
    expect(retryAfterMs(headers({ 'retry-after': 'Sun, 29 Nov 2026 09:59:00 GMT' }), NOW)).toBe(1_000);
  });

  it('ignores garbage and absence', () => {
    for (const v of ['soon', '-1', '1.5', 'tomorrow 10:00', '2026-11-29T10:00:00Z', ''])
      expect(retryAfterMs(headers({ 'retry-after': v }), NOW)).toBeUndefined();
    expect(retryAfterMs(headers({}), NOW)).toBeUndefined();
  });
});

describe('backoff', () => {
  it('doubles from 500 ms with equal jitter and a 30 s cap', () => {
    expect([1, 2, 3, 4].map((n) => backoffCapMs(n))).toEqual([500, 1_000, 2_000, 4_000]);
    expect(backoffCapMs(20)).toBe(30_000);
    expect(backoffMs(3, () => 0)).toBe(1_000);
    expect(backoffMs(3, () => 0.999_999)).toBeLessThanOrEqual(2_000);
  });
});

describe('planRetry', () => {
  const base = { retryCount: 0, limit: 5, nowMs: NOW, deadlineAt: NOW + 60_000, allowDeferral: true };

  it('waits what Retry-After asks while it ends before the deadline', () => {
    expect(planRetry({ ...base, status: 429, retryAfterMs: 2_000 })).toEqual({ kind: 'wait', ms: 2_000 });
  });

  it('defers a Retry-After wait that passes the deadline (less the last second)', () => {
    // 5 s left, asked for 120 s
    const plan = planRetry({ ...base, status: 429, retryAfterMs: 120_000, deadlineAt: NOW + 5_000 });
    expect(plan).toEqual({ kind: 'defer', ms: 120_000 });
    // A wait that ends inside the last second is not allowed either
    expect(planRetry({ ...base, status: 503, retryAfterMs: 4_500, deadlineAt: NOW + 5_000 }).kind).toBe(
      'defer',
    );
    expect(planRetry({ ...base, status: 503, retryAfterMs: 4_000, deadlineAt: NOW + 5_000 }).kind).toBe(
      'wait',
    );
  });

  it('gives up instead of deferring in a decision (the caller waits)', () => {
    const plan = planRetry({
      ...base,
      status: 429,
      retryAfterMs: 120_000,
      deadlineAt: NOW + 5_000,
      allowDeferral: false,
    });
    expect(plan).toEqual({ kind: 'give-up', why: 'deadline' });
  });

  it('gives up (never defers) a back-off of ours that passes the deadline', () => {
    const plan = planRetry({ ...base, status: 503, retryCount: 4, deadlineAt: NOW + 5_000 });
    expect(plan).toEqual({ kind: 'give-up', why: 'deadline' });
  });

  it('defers a 429 without Retry-After whose back-off passes the deadline', () => {
    expect(planRetry({ ...base, status: 429, retryCount: 4, deadlineAt: NOW + 5_000 }).kind).toBe('defer');
  });

  it('gives up on the last try, so that ky throws the HTTPError', () => {
    expect(planRetry({ ...base, status: 503, retryCount: 5 })).toEqual({ kind: 'give-up', why: 'limit' });
    expect(planRetry({ ...base, status: 429, retryAfterMs: 1_000, retryCount: 0, limit: 0 }).kind).toBe(
      'give-up',
    );
  });

  it('never plans a wait that ends past deadlineAt − 1 s (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          status: fc.constantFrom(429, 502, 503, 504),
          retryAfterMs: fc.option(fc.integer({ min: 1_000, max: 3_600_000 }), { nil: undefined }),
          retryCount: fc.integer({ min: 0, max: 10 }),
          limit: fc.integer({ min: 0, max: 10 }),
          left: fc.integer({ min: -5_000, max: 300_000 }),
          allowDeferral: fc.boolean(),
          r: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        }),
        ({ left, r, ...rest }) => {
          const plan = planRetry({ ...rest, nowMs: NOW, deadlineAt: NOW + left, random: () => r });
          if (plan.kind === 'wait')
            expect(NOW + plan.ms).toBeLessThanOrEqual(NOW + left - DEADLINE_MARGIN_MS);
          if (plan.kind === 'defer') expect(rest.allowDeferral).toBe(true);
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
