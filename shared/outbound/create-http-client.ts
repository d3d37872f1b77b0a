import ky from 'ky';
import type {
  AfterResponseHook,
  BeforeErrorHook,
  Input,
  KyInstance,
  Options,
  ResponsePromise,
  ShouldRetryState,
} from 'ky';
import { PermanentError, RunDeferredError } from '../errors.ts';
import { describeNetworkFailure, networkCodeOf, UNREACHABLE_CODES } from './classify.ts';
import type { EgressRefusal, SecretPin } from './egress.ts';
import { paginate } from './paginate.ts';
import { backoffCapMs, DEADLINE_MARGIN_MS, planRetry, retryAfterMs, RETRY_STATUSES } from './retry-policy.ts';
import type { FetchFn } from './transport.ts';
import { createTransport, urlWithoutQueryValues } from './transport.ts';
import { DEFAULT_MAX_RESPONSE_BYTES } from './transport.ts';
import type { HttpClient, PaginateOptions } from './types.ts';

/** ky's default per-request time-out is 10 s; the is 30 s. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** The size cap on an answer's body, 10 MiB (transport.ts reads through it). */
export { DEFAULT_MAX_RESPONSE_BYTES };
/** Retries per request: 6 tries in all. */
export const DEFAULT_RETRY_LIMIT = 5;
const ALL_METHODS = ['get', 'post', 'put', 'patch', 'head', 'delete', 'options', 'trace'];
/** The methods a resend may repeat the effect of, unless the request carries an `Idempotency-Key`. */
const NON_IDEMPOTENT = new Set(['POST', 'PATCH']);

/**
 * ky's `HTTPError` and `TimeoutError` quote the request's URL, query values
 * included (`?token=…`), and their message becomes the run's error, its log
 * line and its `run_failed` notification: keep the query's names only. A
 * `TimeoutError` then says it in plain words, naming the host (`could not
 * reach <host>: no answer in time`), as a refused connection does.
 */
const scrubUrl = (e: unknown): void => {
  if (!(e instanceof Error) || (e.name !== 'HTTPError' && e.name !== 'TimeoutError')) return;
  const request: unknown = (e as { request?: unknown }).request;
  if (!(request instanceof Request)) return;
  const url = new URL(request.url);
  const safe = urlWithoutQueryValues(url);
  if (safe !== request.url) {
    e.message = e.message.split(request.url).join(safe);
    if (e.stack !== undefined) e.stack = e.stack.split(request.url).join(safe);
  }
  if (e.name === 'TimeoutError') describeNetworkFailure(url.host, e);
};

const scrubHttpError: BeforeErrorHook = (error) => {
  scrubUrl(error);
  return error;
};

/**
 * The same instance, whose every request has its `TimeoutError` scrubbed
 * before the caller sees it (ky's `beforeError` hooks see `HTTPError`s
 * only): the reaction is registered before the caller's own `await`.
 */
const scrubbing = (instance: KyInstance): KyInstance => {
  const guard = <T>(p: ResponsePromise<T>): ResponsePromise<T> => {
    p.catch(scrubUrl);
    return p;
  };
  const as =
    (method: 'get' | 'post' | 'put' | 'patch' | 'head' | 'delete') =>
    <T>(input: Input, options?: Options): ResponsePromise<T> =>
      guard(instance[method]<T>(input, options));
  const members: Omit<KyInstance, never> = {
    get: as('get'),
    post: as('post'),
    put: as('put'),
    patch: as('patch'),
    head: as('head'),
    delete: as('delete'),
    // ky's create starts from bare defaults; here it keeps the run's (transport, egress, user agent,
    // retries, deadline), like extend: an instance made from ctx.http is still ctx.http.
    create: (options?: Options) => scrubbing(instance.extend(options ?? {})),
    extend: (options: Parameters<KyInstance['extend']>[0]) => scrubbing(instance.extend(options)),
    stop: instance.stop,
    retry: instance.retry,
  };
  return Object.assign(<T>(input: Input, options?: Options) => guard(instance<T>(input, options)), members);
};

export interface RateLimitInfo {
  host: string;
  status: number;
  waitMs: number;
  /** The wait passes the run's deadline: the run goes back to the queue. */
  deferred: boolean;
}

export interface HttpClientOptions {
  /** `triggerhub/<version> <integration-id>/<integration-version>` */
  userAgent: string;
  /** The run's deadline, epoch ms (of `now`). */
  deadlineAt: number;
  /** @default Date.now */
  now?: () => number;
  /** The run's signal: aborts requests and waits. */
  signal: AbortSignal;
  /** `warn` (else `info`) gets the line about an answer past the size cap. */
  logger: { debug(message: string): void; info(message: string): void; warn?(message: string): void };
  /** The job's `egress.allowedHosts`; absent: any host. */
  egress?: readonly string[];
  pins?: readonly SecretPin[];
  proxy?: string;
  /** @default true */
  tlsVerify?: boolean;
  /** False for decision jobs: a wait past the deadline fails at once (the caller is waiting). */
  allowDeferral: boolean;
  /** An earlier attempt of this run raised the rate-limit notification already. */
  alreadyRateLimited?: boolean;
  /** Called once per run (not again when `alreadyRateLimited`): a rate limit delayed it. */
  onRateLimited?: (info: RateLimitInfo) => void;
  onEgressRefused?: (refusal: EgressRefusal) => void;
  fetch?: FetchFn;
  random?: () => number;
  /** The first back-off's cap (tests shorten it). @default 500 */
  backoffBaseMs?: number;
  /** Retries per request (ky's `retry.limit`, a call may still pass its own). @default {@link DEFAULT_RETRY_LIMIT} */
  retryLimit?: number;
  /** Per-request time-out (a call may still pass its own `timeout`). @default {@link DEFAULT_REQUEST_TIMEOUT_MS} */
  requestTimeoutMs?: number;
  /**
   * False: a refused connection or an unknown host is not retried (a person
   * waits for the answer, and nothing listening now will not listen in a
   * second either). @default true
   */
  retryUnreachable?: boolean;
  /**
   * The largest answer body read (decoded bytes): a larger `Content-Length`
   * is refused unread, a longer stream is cut off, both with a
   * PermanentError `answer from <host> is larger than 10 MiB`, not retried.
   * @default {@link DEFAULT_MAX_RESPONSE_BYTES} (10 MiB)
   */
  maxResponseBytes?: number;
}

/** What the executor keeps besides the client it hands to the integration. */
export interface OutboundHttp {
  readonly http: HttpClient;
  /** Set when a rate-limit wait passed the deadline: the run must be deferred, whatever it returned. */
  deferral(): { waitMs: number; host: string } | undefined;
  /** Whether a rate limit (429, or a deferral) delayed this attempt. */
  readonly rateLimited: boolean;
  /** Stops the deadline timer and closes a proxy/TLS connection pool. */
  close(): Promise<void>;
}

const seconds = (ms: number): string => `${Math.round(ms / 100) / 10} s`;

/**
 * `ctx.http`: a ky instance for one run. Retries go through ky's own
 * machinery (so `retry: 0`, `retry: { limit }`, `timeout` and hooks work
 * per call): 429/502/503/504 through an `afterResponse` hook that honours
 * `Retry-After`, network errors and time-outs through `shouldRetry`; every
 * wait ends 1 s before the run's deadline, and a rate-limit wait that
 * would not is recorded as a deferral (`RunDeferredError`).
 */
export const createHttpClient = (o: HttpClientOptions): OutboundHttp => {
  const now = o.now ?? Date.now;
  const random = o.random ?? Math.random;
  let deferral: { waitMs: number; host: string } | undefined;
  let rateLimited = false;
  let notified = o.alreadyRateLimited ?? false;
  const rateLimit = (info: RateLimitInfo): void => {
    rateLimited = true;
    if (notified) return;
    notified = true;
    o.onRateLimited?.(info);
  };

  // One timer per client, not per request: it cuts what is still running 1 s before the deadline.
  const cutter = new AbortController();
  const cutIn = Math.max(0, o.deadlineAt - DEADLINE_MARGIN_MS - now());
  const timer = setTimeout(() => cutter.abort(), cutIn);
  timer.unref();

  const transport = createTransport({
    cut: cutter.signal,
    logger: {
      debug: (m) => o.logger.debug(m),
      warn: (m) => (o.logger.warn === undefined ? o.logger.info(m) : o.logger.warn(m)),
    },
    egress: o.egress,
    pins: o.pins ?? [],
    proxy: o.proxy,
    tlsVerify: o.tlsVerify ?? true,
    onEgressRefused: o.onEgressRefused,
    fetch: o.fetch,
    maxResponseBytes: o.maxResponseBytes,
  });

  const onStatus: AfterResponseHook = (request, options, response, state) => {
    if (!RETRY_STATUSES.includes(response.status)) return undefined;
    // A gateway's 502/504 may come after the target did the work (a proxy timing out on a create
    // that went through): resending a POST/PATCH would repeat it — a second issue, a second
    // comment. Only 429 and 503 say the request was not processed. The error goes to the run,
    // whose effect keeps the key pending and reconciles it (ctx.effect), as for a time-out.
    if (
      (response.status === 502 || response.status === 504) &&
      NON_IDEMPOTENT.has(request.method) &&
      !request.headers.has('idempotency-key')
    ) {
      o.logger.info(
        `http ${response.status} from ${new URL(request.url).host} to a ${request.method}: not retried, the target may have received it (an Idempotency-Key header allows retries)`,
      );
      return undefined;
    }
    const host = new URL(request.url).host;
    const wait = retryAfterMs(response.headers, now());
    const limit = options.retry.limit ?? 0;
    const plan = planRetry({
      status: response.status,
      retryAfterMs: wait,
      retryCount: state.retryCount,
      limit,
      nowMs: now(),
      deadlineAt: o.deadlineAt,
      allowDeferral: o.allowDeferral,
      random,
      backoffBaseMs: o.backoffBaseMs,
    });
    const is429 = response.status === 429;
    if (plan.kind === 'give-up') {
      if (plan.why === 'deadline') {
        o.logger.info(
          `http ${response.status} from ${host}: no time left before the run's deadline to retry`,
        );
      }
      return undefined; // ky throws the HTTPError
    }
    if (plan.kind === 'defer') {
      deferral = { waitMs: plan.ms, host };
      rateLimit({ host, status: response.status, waitMs: plan.ms, deferred: true });
      o.logger.info(
        `http ${response.status} from ${host}: waiting ${seconds(plan.ms)} would pass the run's deadline; the run will be retried in ${seconds(plan.ms)}`,
      );
      throw new RunDeferredError(plan.ms);
    }
    if (is429) rateLimit({ host, status: 429, waitMs: plan.ms, deferred: false });
    o.logger.info(
      `http ${response.status} from ${host}: waiting ${seconds(plan.ms)} before retry ${state.retryCount + 1} of ${limit}${wait === undefined ? '' : ' (Retry-After)'}`,
    );
    return ky.retry({ delay: plan.ms });
  };

  // The request behind a network error (ky's TimeoutError carries its own): shouldRetry is not given it.
  const failedRequests = new WeakMap<object, Request>();
  const fetchNoting: FetchFn = async (input, init) => {
    try {
      return await transport.fetch(input, init);
    } catch (e) {
      if (typeof e === 'object' && e !== null && input instanceof Request) failedRequests.set(e, input);
      // fetch's own `TypeError('fetch failed')` says neither where nor why: the run's error would be just that.
      if (e instanceof TypeError) {
        const url = input instanceof Request ? input.url : String(input);
        describeNetworkFailure(URL.canParse(url) ? new URL(url).host : 'the target', e);
      }
      throw e;
    }
  };

  const shouldRetry = ({ error, retryCount }: ShouldRetryState): boolean | undefined => {
    if (o.signal.aborted || cutter.signal.aborted) return false;
    if (error instanceof PermanentError || error instanceof RunDeferredError) return false;
    // An HTTPError got here: the hook gave it up, or the status is not one we retry. ky decides (statusCodes).
    if (error.name === 'HTTPError') return undefined;
    const networkOrTimeout = error.name === 'TimeoutError' || error instanceof TypeError;
    if (!networkOrTimeout) return false;
    scrubUrl(error);
    // A time-out or a broken connection may come after the target got the request: a resent POST
    // would repeat its effect. Only a refused connection or an unknown host proves nothing was sent.
    const carried: unknown = (error as { request?: unknown }).request;
    const request = carried instanceof Request ? carried : failedRequests.get(error);
    const nothingSent = UNREACHABLE_CODES.has(networkCodeOf(error) ?? '');
    if (nothingSent && o.retryUnreachable === false) {
      o.logger.info(`http request failed (${error.message}): not retried`);
      return false;
    }
    if (
      !nothingSent &&
      (request === undefined ||
        (NON_IDEMPOTENT.has(request.method) && !request.headers.has('idempotency-key')))
    ) {
      o.logger.info(
        `http ${request?.method ?? 'request'} failed (${error.message}): not retried, the target may have received it (an Idempotency-Key header allows retries)`,
      );
      return false;
    }
    if (now() + backoffCapMs(retryCount, o.backoffBaseMs) > o.deadlineAt - DEADLINE_MARGIN_MS) return false;
    o.logger.info(`http request failed (${error.message}): retry ${retryCount} soon`);
    return true;
  };

  const client = ky.create({
    timeout: o.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    signal: o.signal,
    headers: { 'user-agent': o.userAgent },
    retry: {
      limit: o.retryLimit ?? DEFAULT_RETRY_LIMIT,
      methods: ALL_METHODS,
      // ky's own status path (its Retry-After reading, 413) stays out of the way: the hook decides.
      statusCodes: [],
      afterStatusCodes: [],
      retryOnTimeout: true,
      shouldRetry,
      delay: (n) => backoffCapMs(n, o.backoffBaseMs),
      // Equal jitter (retry-policy's backoffMs): never more than the cap shouldRetry checked.
      jitter: (cap) => cap / 2 + random() * (cap / 2),
    },
    hooks: { afterResponse: [onStatus], beforeError: [scrubHttpError] },
    fetch: fetchNoting,
  });
  const scrubbed = scrubbing(client);
  const http: HttpClient = Object.assign(scrubbed, {
    paginate: <T = unknown>(input: Input, options: PaginateOptions): AsyncIterableIterator<T> =>
      paginate<T>(scrubbed, input, options),
  });

  return {
    http,
    deferral: () => deferral,
    get rateLimited() {
      return rateLimited;
    },
    close: async () => {
      clearTimeout(timer);
      await transport.close();
    },
  };
};
