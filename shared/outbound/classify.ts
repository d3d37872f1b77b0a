import { PermanentError, ValidationError } from '../errors.ts';

/** A ky `HTTPError`, recognised by shape: an integration may bring its own copy of ky. */
export const httpStatusOf = (e: unknown): number | undefined => {
  if (!(e instanceof Error) || e.name !== 'HTTPError') return undefined;
  const status: unknown = (e as Error & { response?: { status?: unknown } }).response?.status;
  return typeof status === 'number' ? status : undefined;
};

/**
 * Whether another attempt of the run may succeed. Permanent: our typed
 * permanent errors (an egress refusal among them) and a target's 4xx other
 * than 408 and 429 — retrying the same request cannot fix it. Retryable:
 * 408, 429, 5xx, time-outs, network errors and anything unknown.
 */
export const isRetryableFailure = (e: unknown): boolean => {
  if (e instanceof PermanentError || e instanceof ValidationError) return false;
  const status = httpStatusOf(e);
  if (status !== undefined && status >= 400 && status < 500) return status === 408 || status === 429;
  return true;
};

/**
 * The system `code` of an error or of one of its causes (fetch wraps the
 * socket's error: `TypeError('fetch failed', { cause })`; undici reports a
 * dual-stack failure as an AggregateError of them).
 */
export const networkCodeOf = (e: unknown, depth = 0): string | undefined => {
  if (depth > 5 || typeof e !== 'object' || e === null) return undefined;
  if ('code' in e && typeof e.code === 'string' && e.code !== '') return e.code;
  if (e instanceof AggregateError) {
    for (const inner of e.errors) {
      const code = networkCodeOf(inner, depth + 1);
      if (code !== undefined) return code;
    }
  }
  return 'cause' in e ? networkCodeOf(e.cause, depth + 1) : undefined;
};

/** Failures of the connect phase: the request was never sent (nothing to fear from a resend). */
export const UNREACHABLE_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/** Connect-phase failures in plain words (what a person reads in a run's error or a refused apply). */
const PLAIN_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  ETIMEDOUT: 'no answer in time',
  UND_ERR_CONNECT_TIMEOUT: 'no answer in time',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
  ECONNRESET: 'connection reset',
  UND_ERR_SOCKET: 'connection closed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/** Errors {@link networkFailureMessage} already wrote the message of (ctx.http's own): said once, not twice. */
const described = new WeakSet<object>();

/** The innermost `cause`: undici says only "fetch failed" on top. */
const rootOf = (e: unknown): unknown => {
  let at = e;
  for (let depth = 0; depth < 5 && at instanceof Error && at.cause instanceof Error; depth++) at = at.cause;
  return at;
};

/**
 * Why a request got no answer, in plain words: `connection refused`, `host
 * not found`, `no answer in time` (a time-out), `connection reset`…, else
 * the socket's own message and code.
 */
export const networkFailureReason = (e: unknown): string => {
  if (e instanceof Error && e.name === 'TimeoutError') return 'no answer in time';
  const code = networkCodeOf(e);
  const plain = code === undefined ? undefined : PLAIN_CODES[code];
  if (plain !== undefined) return plain;
  const root = rootOf(e);
  const message = root instanceof Error ? root.message : String(root);
  return code === undefined || message.includes(code) ? message : `${message} (${code})`;
};

/**
 * What a request that got no answer says, naming the host:
 * `could not reach acme.atlassian.net: connection refused` (or `… host not
 * found`, `… no answer in time`), `request to <host> failed: connection
 * reset` when the connection broke after it was made. An error ctx.http
 * already described answers its own message.
 */
export const networkFailureMessage = (host: string, e: unknown): string => {
  if (typeof e === 'object' && e !== null && described.has(e) && e instanceof Error) return e.message;
  const code = networkCodeOf(e);
  const connectPhase =
    (e instanceof Error && e.name === 'TimeoutError') ||
    (code !== undefined && (UNREACHABLE_CODES.has(code) || PLAIN_CODES[code] === 'no answer in time'));
  const reason = networkFailureReason(e);
  return connectPhase ? `could not reach ${host}: ${reason}` : `request to ${host} failed: ${reason}`;
};

/**
 * Rewrites a network error's message (fetch's bare `fetch failed`, ky's
 * `Request timed out: GET <url>`) into {@link networkFailureMessage}: the
 * message becomes the run's error, its log lines and its notification. The
 * error stays the same object (its name, class, `code` and `cause`), so that
 * retry decisions read it as before.
 */
export const describeNetworkFailure = (host: string, e: unknown): void => {
  if (!(e instanceof Error) || described.has(e)) return;
  const message = networkFailureMessage(host, e);
  if (e.stack !== undefined) e.stack = e.stack.replace(e.message, message);
  e.message = message;
  described.add(e);
};

/**
 * Whether a request failed without an answer (fetch's network `TypeError`,
 * ky's `TimeoutError`), by shape: an integration may bring its own copy of
 * ky. An HTTP error status, an egress refusal or an abort is not one.
 */
export const isNetworkFailure = (e: unknown): e is Error =>
  e instanceof TypeError || (e instanceof Error && e.name === 'TimeoutError');
