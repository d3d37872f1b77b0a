/**
 * When `ctx.http` retries, and how long it waits: pure functions of the
 * response, the clock and the run's deadline, so that the rules are tested
 * without a server or a timer.
 */

/** The statuses retried in-process (the list): 500 stays a run-level retry. */
export const RETRY_STATUSES: readonly number[] = [429, 502, 503, 504];
/** A request never runs into the last second before the run's deadline: the integration keeps it to return. */
export const DEADLINE_MARGIN_MS = 1_000;
/** Jira answers `Retry-After: 0`; an immediate retry would only be refused again. */
export const MIN_RETRY_AFTER_MS = 1_000;
const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 30_000;

/** The three HTTP-date forms (RFC 9110 §5.6.7): IMF-fixdate, RFC 850, asctime. */
const HTTP_DATE =
  /^(?:[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT|[A-Za-z]+, \d{2}-[A-Za-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT|[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4})$/;

const parseHttpDate = (text: string | null): number | undefined => {
  const t = text?.trim();
  if (t === undefined || !HTTP_DATE.test(t)) return undefined;
  // asctime carries no zone; HTTP dates are GMT, whatever the machine's zone.
  const ms = Date.parse(t.endsWith('GMT') ? t : `${t} GMT`);
  return Number.isNaN(ms) ? undefined : ms;
};

/**
 * The wait a response asks for in `Retry-After`, in ms: integer seconds (at
 * least 1 s), or an HTTP date measured against the response's own `Date`
 * header when it has one (the server's clock, not ours), else `nowMs`; a date
 * already past is 1 s. Undefined when absent or unreadable.
 */
export const retryAfterMs = (headers: Headers, nowMs: number): number | undefined => {
  const value = headers.get('retry-after')?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d{1,10}$/.test(value)) return Math.max(MIN_RETRY_AFTER_MS, Number(value) * 1_000);
  const at = parseHttpDate(value);
  if (at === undefined) return undefined;
  const reference = parseHttpDate(headers.get('date')) ?? nowMs;
  return Math.max(MIN_RETRY_AFTER_MS, at - reference);
};

/** The longest wait before retry `n` (1-based): 500 ms · 2^(n−1), at most 30 s. */
export const backoffCapMs = (retry: number, baseMs = BACKOFF_BASE_MS): number =>
  Math.min(BACKOFF_CAP_MS, baseMs * 2 ** Math.max(0, retry - 1));

/** Equal jitter: half of the cap, plus a random part of the other half (never 0, never more than the cap). */
export const backoffMs = (
  retry: number,
  random: () => number = Math.random,
  baseMs = BACKOFF_BASE_MS,
): number => {
  const cap = backoffCapMs(retry, baseMs);
  return cap / 2 + random() * (cap / 2);
};

export interface RetryInput {
  /** The response's status; absent for a network error or a time-out. */
  status?: number;
  /** What `Retry-After` asked for (see {@link retryAfterMs}). */
  retryAfterMs?: number;
  /** Retries already made for this request (ky's `retryCount`: 0 after the first try). */
  retryCount: number;
  /** Retries allowed (ky's `retry.limit`). */
  limit: number;
  nowMs: number;
  /** The run's deadline, epoch ms. */
  deadlineAt: number;
  /** False for decision jobs: their caller is waiting, a queue retry comes too late. */
  allowDeferral: boolean;
  random?: () => number;
  /** The first back-off's cap. @default 500 */
  backoffBaseMs?: number;
}

export type RetryPlan =
  | { kind: 'wait'; ms: number }
  | { kind: 'defer'; ms: number }
  | { kind: 'give-up'; why: 'limit' | 'deadline' };

/**
 * Wait and try again in-process, hand the run back to the queue for later
 * (`defer`), or give up. A wait never ends past `deadlineAt − 1 s` (the
 * longest the jitter could make it is what is checked). Only a wait the
 * server asked for (`Retry-After`, or a 429) is deferred: a back-off after a
 * 503 storm is an ordinary failure, retried by the queue.
 */
export const planRetry = (i: RetryInput): RetryPlan => {
  if (i.retryCount >= i.limit) return { kind: 'give-up', why: 'limit' };
  const next = i.retryCount + 1;
  const ms = i.retryAfterMs ?? backoffMs(next, i.random, i.backoffBaseMs);
  const longest = i.retryAfterMs ?? backoffCapMs(next, i.backoffBaseMs);
  if (i.nowMs + longest <= i.deadlineAt - DEADLINE_MARGIN_MS) return { kind: 'wait', ms };
  const askedByServer = i.retryAfterMs !== undefined || i.status === 429;
  if (i.allowDeferral && askedByServer) return { kind: 'defer', ms: longest };
  return { kind: 'give-up', why: 'deadline' };
};
