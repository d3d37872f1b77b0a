import { createHmac, timingSafeEqual } from 'node:crypto';
import { UnauthorizedError } from '../errors.ts';
import type { JobAuth } from '../model/index.ts';
import { headerValue } from './headers.ts';

export type HmacAuth = Extract<JobAuth, { type: 'hmac' }>;

/** Optional prefix of the signature header value, as GitHub and others send it. */
export const SIGNATURE_PREFIX = 'sha256=';
/** Timestamps at or above this are milliseconds (10^11 seconds is the year 5138). */
const MS_THRESHOLD = 1e11;
const TIMESTAMP = /^\d{1,15}$/;
const HEX_SHA256 = /^[0-9a-f]{64}$/i;

/**
 * The signature of one request: hex HMAC-SHA256 keyed with the secret over
 * `${timestamp}.${rawBody}`, the timestamp exactly as sent in the header.
 *
 * @example
 * const ts = Math.floor(Date.now() / 1000);
 * headers['x-signature'] = `sha256=${signHmac(secret, ts, body)}`;
 * headers['x-timestamp'] = String(ts);
 */
export const signHmac = (secret: string, timestamp: number | string, body: string): string =>
  createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');

/** The two headers a client sends for `auth`, signed at `now` (Unix seconds). */
export const hmacHeaders = (
  auth: Pick<HmacAuth, 'signatureHeader' | 'timestampHeader'>,
  secret: string,
  body: string,
  now: Date,
): Record<string, string> => {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return {
    [auth.signatureHeader.toLowerCase()]: `${SIGNATURE_PREFIX}${signHmac(secret, timestamp, body)}`,
    [auth.timestampHeader.toLowerCase()]: timestamp,
  };
};

/**
 * A signature header's value as the hex digest alone: trimmed, lower-case,
 * without the optional `sha256=` prefix. The replay key uses it, so that a
 * captured request re-spelled is still the same request.
 */
export const normalizeSignature = (value: string): string => {
  const v = value.trim().toLowerCase();
  return v.startsWith(SIGNATURE_PREFIX) ? v.slice(SIGNATURE_PREFIX.length) : v;
};

/**
 * Checks an HMAC-signed request; throws UnauthorizedError when a header is
 * missing or malformed, the timestamp (Unix seconds, or milliseconds when
 * ≥ 10^11) is more than `toleranceSeconds` away from `now` in either
 * direction (stale or from the future: replay protection), or no secret of
 * `secrets` (current, then previous versions) produced the signature.
 * Signatures are compared in constant time; messages never carry a secret
 * or a received value.
 */
export const verifyHmac = (
  auth: HmacAuth,
  req: { headers: Readonly<Record<string, string>>; body: string },
  secrets: readonly string[],
  now: Date,
): void => {
  const signature = headerValue(req.headers, auth.signatureHeader)?.trim();
  const timestamp = headerValue(req.headers, auth.timestampHeader)?.trim();
  if (!signature) throw new UnauthorizedError(`missing ${auth.signatureHeader} header`);
  if (!timestamp) throw new UnauthorizedError(`missing ${auth.timestampHeader} header`);
  if (!TIMESTAMP.test(timestamp)) {
    throw new UnauthorizedError(`${auth.timestampHeader} must be a Unix time in seconds`);
  }
  const value = Number(timestamp);
  const sentMs = value >= MS_THRESHOLD ? value : value * 1000;
  if (Math.abs(now.getTime() - sentMs) > auth.toleranceSeconds * 1000) {
    throw new UnauthorizedError(
      `${auth.timestampHeader} is outside the allowed window of ±${auth.toleranceSeconds} seconds`,
    );
  }
  const hex = normalizeSignature(signature);
  if (!HEX_SHA256.test(hex)) {
    throw new UnauthorizedError(`${auth.signatureHeader} must be sha256=<64 hex digits>`);
  }
  const received = Buffer.from(hex, 'hex');
  // Every secret is tried (no early exit), so timing does not tell which version matched.
  const matched = secrets.reduce(
    (found, secret) =>
      timingSafeEqual(received, Buffer.from(signHmac(secret, timestamp, req.body), 'hex')) || found,
    false,
  );
  if (!matched) throw new UnauthorizedError('wrong signature');
};
