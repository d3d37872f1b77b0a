import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { constantTimeEqual, matchesAny } from '../../shared/auth/constant-time.ts';
import { hmacHeaders, signHmac } from '../../shared/auth/hmac.ts';
import { verifyRequest } from '../../shared/auth/verify.ts';
import { UnauthorizedError } from '../../shared/errors.ts';
import { HmacAuthSchema, JobAuthSchema, type JobAuth } from '../../shared/model/index.ts';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const NOW_S = NOW.getTime() / 1000;
const CURRENT = 'current-secret-value-0123456789';
const PREVIOUS = 'previous-secret';
const BODY = '{"ticket":42}';

const sharedAuth = JobAuthSchema.parse({ secret: 'demo' });
const chkpAuth = JobAuthSchema.parse({ secret: 'demo', header: 'X-chkp-shared-secret' });
const hmacAuth = HmacAuthSchema.parse({ type: 'hmac', secret: 'demo' });

/** The thrown UnauthorizedError, checked to carry neither secret nor received value. */
const refusal = (
  auth: JobAuth,
  headers: Record<string, string>,
  secrets: string[],
  body = BODY,
): UnauthorizedError => {
  try {
    verifyRequest(auth, { headers, body }, secrets, NOW);
  } catch (e) {
    expect(e).toBeInstanceOf(UnauthorizedError);
    const error = e as UnauthorizedError;
    expect(error.status).toBe(401);
    for (const leaked of [...secrets, ...Object.values(headers)].filter((v) => v !== '')) {
      expect(error.message).not.toContain(leaked);
    }
    return error;
  }
  throw new Error('expected UnauthorizedError');
};

const signed = (
  secret: string,
  timestamp: number | string,
  body = BODY,
  prefix = 'sha256=',
): Record<string, string> => ({
  'x-signature': `${prefix}${signHmac(secret, timestamp, body)}`,
  'x-timestamp': String(timestamp),
});

describe('verifyRequest — shared secret', () => {
  it('accepts the current secret in the configured header (lower-case name)', () => {
    // Act & Assess
    expect(() =>
      verifyRequest(sharedAuth, { headers: { 'x-shared-secret': CURRENT }, body: BODY }, [CURRENT], NOW),
    ).not.toThrow();
    expect(() =>
      verifyRequest(
        chkpAuth,
        { headers: { 'x-chkp-shared-secret': CURRENT }, body: BODY },
        [CURRENT, PREVIOUS],
        NOW,
      ),
    ).not.toThrow();
  });

  it('accepts the previous secret during a rotation, and nothing older', () => {
    // Act & Assess
    expect(() =>
      verifyRequest(
        sharedAuth,
        { headers: { 'x-shared-secret': PREVIOUS }, body: BODY },
        [CURRENT, PREVIOUS],
        NOW,
      ),
    ).not.toThrow();
    expect(refusal(sharedAuth, { 'x-shared-secret': 'retired-secret' }, [CURRENT, PREVIOUS]).message).toBe(
      'wrong secret',
    );
  });

  it('refuses a wrong secret, including a prefix or an extension of the right one', () => {
    // Act & Assess
    for (const wrong of ['nope', CURRENT.slice(0, -1), `${CURRENT}x`, CURRENT.toUpperCase()]) {
      expect(refusal(sharedAuth, { 'x-shared-secret': wrong }, [CURRENT]).message).toBe('wrong secret');
    }
  });

  it('refuses a missing or empty header, naming the header', () => {
    // Act & Assess
    expect(refusal(sharedAuth, {}, [CURRENT]).message).toBe('missing X-Shared-Secret header');
    expect(refusal(sharedAuth, { 'x-shared-secret': '' }, [CURRENT]).message).toBe(
      'missing X-Shared-Secret header',
    );
    expect(refusal(chkpAuth, { 'x-shared-secret': CURRENT }, [CURRENT]).message).toBe(
      'missing X-chkp-shared-secret header',
    );
  });

  it('refuses everything when no secret is configured (empty versions ignored)', () => {
    // Act & Assess
    expect(refusal(sharedAuth, { 'x-shared-secret': CURRENT }, []).message).toBe(
      'no secret is configured for this job',
    );
    expect(refusal(sharedAuth, { 'x-shared-secret': '' }, ['']).message).toBe(
      'no secret is configured for this job',
    );
  });
});

describe('verifyRequest — HMAC', () => {
  it('accepts a good signature, with or without the sha256= prefix and in upper-case hex', () => {
    // Prepare
    const upper = {
      'x-signature': signHmac(CURRENT, NOW_S, BODY).toUpperCase(),
      'x-timestamp': String(NOW_S),
    };

    // Act & Assess
    for (const headers of [signed(CURRENT, NOW_S), signed(CURRENT, NOW_S, BODY, ''), upper]) {
      expect(() => verifyRequest(hmacAuth, { headers, body: BODY }, [CURRENT], NOW)).not.toThrow();
    }
  });

  it('signs hex HMAC-SHA256 of "<timestamp>.<raw body>"', () => {
    // Prepare
    const expected = createHmac('sha256', CURRENT).update(`${NOW_S}.${BODY}`).digest('hex');

    // Act
    const signature = signHmac(CURRENT, NOW_S, BODY);

    // Assess
    expect(signature).toBe(expected);
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
  });

  it('builds the headers a client sends', () => {
    // Act
    const headers = hmacHeaders(hmacAuth, CURRENT, BODY, NOW);

    // Assess
    expect(headers).toEqual({
      'x-signature': `sha256=${signHmac(CURRENT, NOW_S, BODY)}`,
      'x-timestamp': String(NOW_S),
    });
    expect(() => verifyRequest(hmacAuth, { headers, body: BODY }, [CURRENT], NOW)).not.toThrow();
  });

  it('accepts a signature made with the previous secret (rotation)', () => {
    // Act & Assess
    expect(() =>
      verifyRequest(hmacAuth, { headers: signed(PREVIOUS, NOW_S), body: BODY }, [CURRENT, PREVIOUS], NOW),
    ).not.toThrow();
  });

  it('refuses a wrong signature, a wrong secret and a tampered body', () => {
    // Act & Assess
    expect(refusal(hmacAuth, signed('someone-else', NOW_S), [CURRENT]).message).toBe('wrong signature');
    expect(refusal(hmacAuth, signed(CURRENT, NOW_S, '{"ticket":43}'), [CURRENT]).message).toBe(
      'wrong signature',
    );
    const otherInstant = { ...signed(CURRENT, NOW_S - 1), 'x-timestamp': String(NOW_S) };
    expect(refusal(hmacAuth, otherInstant, [CURRENT]).message).toBe('wrong signature');
    // The signature binds the timestamp as sent: same instant, other spelling.
    const respelled = { ...signed(CURRENT, NOW_S), 'x-timestamp': `0${NOW_S}` };
    expect(refusal(hmacAuth, respelled, [CURRENT]).message).toBe('wrong signature');
  });

  it('refuses a stale or future timestamp outside the window, and accepts its edges', () => {
    // Prepare
    const tolerance = hmacAuth.toleranceSeconds;
    const outside = `X-Timestamp is outside the allowed window of ±${tolerance} seconds`;

    // Act & Assess
    expect(tolerance).toBe(300);
    expect(refusal(hmacAuth, signed(CURRENT, NOW_S - tolerance - 1), [CURRENT]).message).toBe(outside);
    expect(refusal(hmacAuth, signed(CURRENT, NOW_S + tolerance + 1), [CURRENT]).message).toBe(outside);
    for (const edge of [NOW_S - tolerance, NOW_S + tolerance]) {
      expect(() =>
        verifyRequest(hmacAuth, { headers: signed(CURRENT, edge), body: BODY }, [CURRENT], NOW),
      ).not.toThrow();
    }
  });

  it('honours a job tolerance and accepts millisecond timestamps', () => {
    // Prepare
    const strict = HmacAuthSchema.parse({ type: 'hmac', secret: 'demo', toleranceSeconds: 30 });
    const ms = NOW.getTime() - 20_000;

    // Act & Assess
    expect(() =>
      verifyRequest(strict, { headers: signed(CURRENT, ms), body: BODY }, [CURRENT], NOW),
    ).not.toThrow();
    expect(refusal(strict, signed(CURRENT, NOW_S - 31), [CURRENT]).message).toMatch(
      /outside the allowed window of ±30 seconds/,
    );
  });

  it('refuses missing and malformed headers', () => {
    // Prepare
    const good = signed(CURRENT, NOW_S);

    // Act & Assess
    expect(refusal(hmacAuth, { 'x-timestamp': String(NOW_S) }, [CURRENT]).message).toBe(
      'missing X-Signature header',
    );
    expect(refusal(hmacAuth, { 'x-signature': good['x-signature']! }, [CURRENT]).message).toBe(
      'missing X-Timestamp header',
    );
    expect(refusal(hmacAuth, { ...good, 'x-timestamp': 'yesterday' }, [CURRENT]).message).toBe(
      'X-Timestamp must be a Unix time in seconds',
    );
    expect(refusal(hmacAuth, { ...good, 'x-signature': 'sha256=xyz' }, [CURRENT]).message).toBe(
      'X-Signature must be sha256=<64 hex digits>',
    );
    expect(refusal(hmacAuth, good, []).message).toBe('no secret is configured for this job');
  });
});

describe('constant-time comparison', () => {
  it('compares values of any length without throwing', () => {
    // Act & Assess
    expect(constantTimeEqual('a', 'a')).toBe(true);
    expect(constantTimeEqual('a', 'a-much-longer-value')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
    expect(matchesAny('b', ['a', 'b', 'c'])).toBe(true);
    expect(matchesAny('d', ['a', 'b', 'c'])).toBe(false);
  });
});
