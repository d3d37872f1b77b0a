import type * as Crypto from 'node:crypto';
import { timingSafeEqual } from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { constantTimeEqual, matchesAny } from '../../shared/auth/constant-time.ts';
import { hmacHeaders, verifyRequest } from '../../shared/auth/verify.ts';
import { UnauthorizedError } from '../../shared/errors.ts';
import { HmacAuthSchema, JobAuthSchema } from '../../shared/model/index.ts';

// The secret checks must be decided by node:crypto's timingSafeEqual on
// equal-length inputs: a `===` (or a length check first) answers sooner the
// earlier the values differ, which lets a caller guess a secret byte by byte.
// Correct answers alone cannot tell the two apart, so these tests watch the
// comparison itself: it is the real timingSafeEqual, wrapped to record its
// calls and, in some tests, to have its answer overridden.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof Crypto>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const compare = vi.mocked(timingSafeEqual);
type Call = [Buffer, Buffer];
const calls = (): Call[] =>
  compare.mock.calls.map(([a, b]) => [Buffer.from(a as Uint8Array), Buffer.from(b as Uint8Array)]);

const NOW = new Date('2026-11-22T10:00:00.000Z');
const CURRENT = 'current-secret-value-0123456789';
const PREVIOUS = 'previous-secret';
const BODY = '{"ticket":42}';
const sharedAuth = JobAuthSchema.parse({ secret: 'demo' });
const hmacAuth = HmacAuthSchema.parse({ type: 'hmac', secret: 'demo' });

const accepts = (fn: () => void): boolean => {
  try {
    fn();
    return true;
  } catch (e) {
    expect(e).toBeInstanceOf(UnauthorizedError);
    return false;
  }
};
const sharedSecret = (value: string, secrets = [CURRENT, PREVIOUS]): boolean =>
  accepts(() =>
    verifyRequest(sharedAuth, { headers: { 'x-shared-secret': value }, body: BODY }, secrets, NOW),
  );
const hmac = (headers: Record<string, string>, secrets = [CURRENT, PREVIOUS]): boolean =>
  accepts(() => verifyRequest(hmacAuth, { headers, body: BODY }, secrets, NOW));

// mockReset forgets the calls and any overridden answer, and goes back to the real function.
beforeEach(() => {
  compare.mockReset();
});

describe('constantTimeEqual', () => {
  it('decides with timingSafeEqual on equal-length inputs, whatever the lengths of the values', () => {
    // Act
    const same = constantTimeEqual(CURRENT, CURRENT);
    const shorter = constantTimeEqual('x', CURRENT);
    const prefix = constantTimeEqual(CURRENT.slice(0, 10), CURRENT);
    const longer = constantTimeEqual(`${CURRENT}-and-more`, CURRENT);

    // Assess
    expect([same, shorter, prefix, longer]).toEqual([true, false, false, false]);
    const seen = calls();
    expect(seen).toHaveLength(4);
    for (const [a, b] of seen) expect(a.length).toBe(b.length);
    // The same expected value gives the same right-hand input every time,
    // and only the equal pair compares equal.
    expect(new Set(seen.map(([, b]) => b.toString('hex'))).size).toBe(1);
    expect(seen.map(([a, b]) => a.equals(b))).toEqual([true, false, false, false]);
  });

  it('answers what timingSafeEqual answers', () => {
    // Prepare
    compare.mockReturnValueOnce(true).mockReturnValueOnce(false);

    // Act & Assess
    expect(constantTimeEqual('wrong', CURRENT)).toBe(true);
    expect(constantTimeEqual(CURRENT, CURRENT)).toBe(false);
  });
});

describe('shared-secret verification', () => {
  it('compares the presented value with every version, in constant time, with no early exit', () => {
    // Act
    const current = sharedSecret(CURRENT);
    const first = calls();
    compare.mockClear();
    const short = sharedSecret('x');
    const second = calls();

    // Assess
    expect([current, short]).toEqual([true, false]);
    // One comparison per version, even after the first one matched.
    expect(first).toHaveLength(2);
    expect(second).toHaveLength(2);
    for (const [a, b] of [...first, ...second]) expect(a.length).toBe(b.length);
    // Left: the presented value (the same for both versions); right: each version.
    expect(first[0]![0].equals(first[1]![0])).toBe(true);
    expect(first[0]![0].equals(first[0]![1])).toBe(true);
    expect(first[1]![0].equals(first[1]![1])).toBe(false);
    expect(second.map(([, b]) => b)).toEqual(first.map(([, b]) => b));
    expect(second.some(([a, b]) => a.equals(b))).toBe(false);
  });

  it('accepts and refuses on timingSafeEqual’s answer alone', () => {
    // Prepare: the comparison claims a match for a wrong value, then denies the right one.
    compare.mockReturnValueOnce(true);
    const wrongAccepted = sharedSecret('wrong-value', [CURRENT]);
    compare.mockReturnValueOnce(false);

    // Act
    const rightRefused = !sharedSecret(CURRENT, [CURRENT]);

    // Assess
    expect(wrongAccepted).toBe(true);
    expect(rightRefused).toBe(true);
  });

  it('matchesAny compares every candidate', () => {
    // Act
    const found = matchesAny('a', ['a', 'b', 'c']);

    // Assess
    expect(found).toBe(true);
    expect(compare).toHaveBeenCalledTimes(3);
  });
});

describe('HMAC verification', () => {
  const headers = hmacHeaders(hmacAuth, CURRENT, BODY, NOW);
  const wrong = hmacHeaders(hmacAuth, 'not-the-secret', BODY, NOW);

  it('compares the presented signature with each version’s, in constant time, with no early exit', () => {
    // Act
    const good = hmac(headers);
    const first = calls();
    compare.mockClear();
    const bad = hmac(wrong);
    const second = calls();

    // Assess
    expect([good, bad]).toEqual([true, false]);
    expect(first).toHaveLength(2);
    expect(second).toHaveLength(2);
    for (const [a, b] of [...first, ...second]) expect(a.length).toBe(b.length);
    expect(first[0]![0].equals(first[0]![1])).toBe(true);
    expect(first[1]![0].equals(first[1]![1])).toBe(false);
    // The expected signatures do not depend on what was presented.
    expect(second.map(([, b]) => b)).toEqual(first.map(([, b]) => b));
    expect(second.some(([a, b]) => a.equals(b))).toBe(false);
  });

  it('accepts and refuses on timingSafeEqual’s answer alone', () => {
    // Prepare
    compare.mockReturnValueOnce(true);
    const wrongAccepted = hmac(wrong, [CURRENT]);
    compare.mockReturnValueOnce(false);

    // Act
    const rightRefused = !hmac(headers, [CURRENT]);

    // Assess
    expect(wrongAccepted).toBe(true);
    expect(rightRefused).toBe(true);
  });
});
