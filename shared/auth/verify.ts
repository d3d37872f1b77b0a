import { UnauthorizedError } from '../errors.ts';
import type { JobAuth } from '../model/index.ts';
import { matchesAny } from './constant-time.ts';
import { headerValue } from './headers.ts';
import { verifyHmac } from './hmac.ts';

export { signHmac, hmacHeaders, SIGNATURE_PREFIX } from './hmac.ts';

/** What authentication looks at: headers (lower-case names) and the raw body. */
export interface AuthRequest {
  headers: Readonly<Record<string, string>>;
  body: string;
}

/**
 * Authenticates one webhook request against its job's `auth`, or throws
 * UnauthorizedError (401). `secrets` are the secret's versions, current
 * first then previous, so that callers still using the previous value keep
 * working during a rotation; empty values are ignored and none at all is a
 * 401. Shared secret: the header compared in constant time with every
 * version. HMAC: see {@link verifyHmac}. No message carries a secret or the
 * value received.
 *
 * @example
 * verifyRequest(job.auth, { headers, body }, await secrets.getVersions(job.auth.secret), clock.now());
 */
export const verifyRequest = (
  auth: JobAuth,
  req: AuthRequest,
  secrets: readonly string[],
  now: Date,
): void => {
  const valid = secrets.filter((s) => s.length > 0);
  if (valid.length === 0) throw new UnauthorizedError('no secret is configured for this job');
  if (auth.type === 'hmac') {
    verifyHmac(auth, req, valid, now);
    return;
  }
  const received = headerValue(req.headers, auth.header);
  if (received === undefined || received === '') throw new UnauthorizedError(`missing ${auth.header} header`);
  if (!matchesAny(received, valid)) throw new UnauthorizedError('wrong secret');
};
