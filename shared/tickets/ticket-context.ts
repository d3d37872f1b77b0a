import { errorMessage } from '../errors.ts';
import { lazyHttpClient } from '../outbound/lazy-client.ts';
import type { Job } from '../model/index.ts';
import { createHttpClient } from '../outbound/create-http-client.ts';
import type { OutboundHttp } from '../outbound/create-http-client.ts';
import { DEADLINE_MARGIN_MS } from '../outbound/retry-policy.ts';
import { jobHttpOptions } from '../outbound/run-http.ts';
import type { HttpClient } from '../outbound/types.ts';
import { resolveParams } from '../sdk/params.ts';
import { createRedactor } from '../sdk/redaction.ts';
import type { TicketContext } from '../sdk/tickets.ts';
import type { AnyIntegration, IntegrationLogger } from '../sdk/types.ts';
import type { Deps } from '../runtime/deps.ts';
import { rememberSecrets } from '../runtime/known-secrets.ts';
import { platformLogger } from '../runtime/platform-logger.ts';
import { loadGlobals } from '../runtime/toolbox/globals.ts';

/**
 * How long one admin call to a ticket target may take, every request and
 * retry included. Under the admin function's 29 s Lambda timeout (API
 * Gateway's 30 s integration limit): past it the caller would get API
 * Gateway's bare 503 instead of our 502 with the reason.
 */
export const TICKET_ADMIN_DEADLINE_MS = 25_000;
/**
 * One request of an admin ticket call: two tries (one retry, after a back-off
 * of at most 0.5 s) fit well inside {@link TICKET_ADMIN_DEADLINE_MS}, so the
 * caller gets the target's reason rather than the deadline's.
 */
export const TICKET_ADMIN_REQUEST_TIMEOUT_MS = 10_000;
/** Retries of one admin ticket request: a person is waiting (a run retries 5 times). */
export const TICKET_ADMIN_RETRY_LIMIT = 1;

/** What {@link ticketContextFor} reads: the job's secrets and the globals (masked ones from the secret store). */
export type TicketContextDeps = Pick<Deps, 'secrets' | 'globals' | 'clock'>;

/** A ticket context built outside a run: the members a plugin sees, and what its caller needs after. */
export interface AdminTicketContext<P> extends TicketContext<P> {
  /** Hides every secret value this context resolved (password parameters, masked globals), in every form. */
  redact(text: string): string;
  /** The overall deadline, ms: `signal` fires when it passes. */
  deadlineMs: number;
  /**
   * What a caller says of a call that threw: its message (ctx.http's name the
   * host and the cause: `could not reach <host>: connection refused`), or `no
   * answer from the target within N s` when the deadline (or the caller)
   * ended it; every secret value redacted.
   */
  reasonOf(error: unknown): string;
  /** Stops the deadline timer and closes the http client's proxy/TLS pool. */
  close(): void;
}

export interface TicketContextOptions {
  /** The caller's signal (the request's): aborts the target calls with it. */
  signal?: AbortSignal;
  /** Overrides {@link TICKET_ADMIN_DEADLINE_MS} (tests). */
  deadlineMs?: number;
}

/** `platformLogger` as an IntegrationLogger, every line tagged with the job and the integration. */
const platformLoggerFor = (jobId: string, integration: string): IntegrationLogger => {
  const fields = (extra?: Record<string, unknown>) => ({ ...extra, jobId, integration });
  return {
    debug: (message, extra) => platformLogger.debug(message, fields(extra)),
    info: (message, extra) => platformLogger.info(message, fields(extra)),
    warn: (message, extra) => platformLogger.warn(message, fields(extra)),
    error: (message, extra) => platformLogger.error(message, fields(extra)),
  };
};

/**
 * A TicketContext for a ticket integration's call outside a run (validate
 * on apply, the queues / fields / default-mappings routes): the job's
 * parameters resolved as a run resolves them (password references from the
 * secret store), and `http` built as a run's `ctx.http` is — the job's
 * egress allow-list, secret pins, proxy (the job's, else the `proxy`
 * global) and `tlsVerify`, the same retries — under one overall deadline of
 * {@link TICKET_ADMIN_DEADLINE_MS}. Nothing is deferred: the caller waits,
 * as for a decision. Lines go to the platform log, every secret value
 * resolved here redacted from them. A missing secret throws the
 * ValidationError `invalid_params` naming the parameter.
 */
export const ticketContextFor = async <P = Record<string, unknown>>(
  deps: TicketContextDeps,
  job: Job,
  integration: AnyIntegration,
  options: TicketContextOptions = {},
): Promise<AdminTicketContext<P>> => {
  const deadlineMs = options.deadlineMs ?? TICKET_ADMIN_DEADLINE_MS;
  const deadlineAt = Date.now() + deadlineMs;
  const deadline = AbortSignal.timeout(deadlineMs);
  const signal = options.signal === undefined ? deadline : AbortSignal.any([options.signal, deadline]);
  const [resolved, globals] = await Promise.all([
    resolveParams(integration.manifest, job.params, deps.secrets),
    loadGlobals(deps),
  ]);
  const secrets = [...resolved.secretValues, ...globals.maskedValues];
  const redactor = createRedactor(secrets);
  // The platform log hides them from here on, whoever writes the line (as a run's secrets are).
  rememberSecrets(redactor.secrets);
  const manifest = integration.manifest;
  const logger = platformLoggerFor(job.id, manifest.id);
  if (job.tlsVerify === false) logger.warn('TLS verification is off for this job (tlsVerify: false)');
  let made: OutboundHttp | undefined;
  const make = (): OutboundHttp =>
    createHttpClient({
      ...jobHttpOptions(job, manifest, resolved.params, globals.values.proxy),
      deadlineAt,
      signal,
      logger,
      allowDeferral: false,
      // A person waits: one retry at most, none when nothing listens or the host is unknown.
      retryLimit: TICKET_ADMIN_RETRY_LIMIT,
      requestTimeoutMs: Math.min(TICKET_ADMIN_REQUEST_TIMEOUT_MS, deadlineMs),
      retryUnreachable: false,
      onRateLimited: (info) =>
        logger.warn(`rate limited by ${info.host} (HTTP ${info.status}): waited ${info.waitMs} ms`),
      onEgressRefused: (refusal) => logger.error(`request to ${refusal.host} refused: ${refusal.reason}`),
    });
  const client = (): HttpClient => (made ??= make()).http;
  // Built on first use, as a run's: a call that never reaches the target (validate's own checks) builds nothing.
  const http = lazyHttpClient(client);
  return {
    jobId: job.id,
    params: resolved.params as P,
    http,
    logger,
    signal,
    deadlineMs,
    redact: (text) => redactor.text(text),
    reasonOf: (error) =>
      redactor.text(
        // ctx.http cuts what still runs 1 s before the deadline: that time-out is the deadline's, not the request's.
        signal.aborted ||
          (error instanceof Error &&
            error.name === 'TimeoutError' &&
            Date.now() >= deadlineAt - DEADLINE_MARGIN_MS)
          ? `no answer from the target within ${Math.round(deadlineMs / 1000)} s`
          : errorMessage(error),
      ),
    close: () => {
      made?.close().catch((e: unknown) => {
        platformLogger.warn('ticket http client did not close', { jobId: job.id, error: errorMessage(e) });
      });
    },
  };
};

/**
 * Runs `fn` with a ticket context and closes it after, whatever happens.
 *
 * @example
 * ```ts
 * const queues = await withTicketContext(deps, job, integration, {}, (ctx) => plugin.getQueues(ctx));
 * ```
 */
export const withTicketContext = async <T>(
  deps: TicketContextDeps,
  job: Job,
  integration: AnyIntegration,
  options: TicketContextOptions,
  fn: (ctx: AdminTicketContext<Record<string, unknown>>) => Promise<T>,
): Promise<T> => {
  const ctx = await ticketContextFor(deps, job, integration, options);
  try {
    return await fn(ctx);
  } finally {
    ctx.close();
  }
};
