import type { Job } from '../model/index.ts';
import { lazyHttpClient } from './lazy-client.ts';
import type { AnyIntegration } from '../sdk/index.ts';
import { TRIGGERHUB_VERSION } from '../version.ts';
import type { HttpClientOptions, OutboundHttp } from './create-http-client.ts';
import { createHttpClient } from './create-http-client.ts';
import { secretPins } from './pins.ts';
import type { HttpClient } from './types.ts';

/** What an execution's outcome carries that `ctx.http` may change. */
export interface HttpOutcomeFields {
  status: 'succeeded' | 'failed' | 'timed_out';
  error?: string;
  message?: string;
  retryable: boolean;
  inDoubt?: true;
  deferMs?: number;
  rateLimited?: boolean;
}

export interface RunHttpOptions {
  integration: AnyIntegration;
  job: Job;
  runId: string;
  /** The run's resolved parameters (the password values the pins are made of). */
  params: Readonly<Record<string, unknown>>;
  /** The globals: `proxy` is read from them when the job names none. */
  globals: Readonly<Record<string, string>>;
  logger: { debug(m: string): void; info(m: string): void; warn(m: string): void };
  signal: AbortSignal;
  /** Epoch ms (`Date.now()`'s clock: the deadline timer's). */
  deadlineAt: number;
  /** A decision: the caller waits, so nothing is deferred. */
  decision: boolean;
  alreadyRateLimited?: boolean;
  platformNotify: (
    kind: 'rate_limited' | 'egress_refused',
    severity: 'warn' | 'error',
    message: string,
  ) => Promise<void>;
}

export interface RunHttp {
  /** `ctx.http`: the client is built on first use, so a run that never touches it pays nothing. */
  readonly http: HttpClient;
  /**
   * The outcome as `ctx.http` makes it: a recorded deferral wins over what
   * the integration returned or threw (a swallowed `RunDeferredError` must
   * not lose the event) — except an effect in doubt.
   */
  outcome<O extends HttpOutcomeFields>(o: O): O;
  close(): void;
}

/**
 * What a job's settings make of any client that calls out for it — a run's
 * `ctx.http` and a ticket call's alike: the user agent, the egress
 * allow-list, the secret pins, the proxy (the job's, else the `proxy`
 * global) and TLS verification.
 */
export const jobHttpOptions = (
  job: Pick<Job, 'egress' | 'params' | 'proxy' | 'tlsVerify'>,
  manifest: AnyIntegration['manifest'],
  resolvedParams: Readonly<Record<string, unknown>>,
  proxyGlobal: string | undefined,
): Pick<HttpClientOptions, 'userAgent' | 'egress' | 'pins' | 'proxy' | 'tlsVerify'> => ({
  userAgent: `triggerhub/${TRIGGERHUB_VERSION} ${manifest.id}/${manifest.version}`,
  egress: job.egress?.allowedHosts,
  pins: secretPins(manifest, job.params, resolvedParams),
  proxy: job.proxy ?? proxyGlobal,
  tlsVerify: job.tlsVerify ?? true,
});

const seconds = (ms: number): number => Math.ceil(ms / 1_000);

/** `ctx.http` for one run of a job: its user agent, deadline, egress lists, proxy and TLS settings. */
export const createRunHttp = (o: RunHttpOptions): RunHttp => {
  const { job, integration, runId } = o;
  if (job.tlsVerify === false) {
    o.logger.warn(
      'TLS verification is off for this job (tlsVerify: false): ctx.http accepts any certificate',
    );
  }
  let made: OutboundHttp | undefined;
  const make = (): OutboundHttp =>
    createHttpClient({
      ...jobHttpOptions(job, integration.manifest, o.params, o.globals.proxy),
      deadlineAt: o.deadlineAt,
      signal: o.signal,
      logger: o.logger,
      allowDeferral: !o.decision,
      alreadyRateLimited: o.alreadyRateLimited,
      onRateLimited: (info) =>
        void o.platformNotify(
          'rate_limited',
          'warn',
          info.deferred
            ? `run ${runId} rate limited by ${info.host} (HTTP ${info.status}): retried in ${seconds(info.waitMs)} s by the queue`
            : `run ${runId} rate limited by ${info.host} (HTTP ${info.status}): waited ${seconds(info.waitMs)} s`,
        ),
      onEgressRefused: (refusal) =>
        void o.platformNotify(
          'egress_refused',
          'error',
          `run ${runId}: request to ${refusal.host} refused: ${refusal.reason}`,
        ),
    });
  const client = (): HttpClient => (made ??= make()).http;
  // Built on first real use (a run that never calls it builds nothing).
  const http = lazyHttpClient(client);
  return {
    http,
    outcome<O extends HttpOutcomeFields>(outcome: O): O {
      if (made === undefined) return outcome;
      const deferral = made.deferral();
      if (deferral === undefined || outcome.inDoubt) {
        return made.rateLimited ? { ...outcome, rateLimited: true } : outcome;
      }
      return {
        ...outcome,
        status: 'failed',
        retryable: true,
        message: undefined,
        error: `rate limited by ${deferral.host}: retrying in ${seconds(deferral.waitMs)} s`,
        deferMs: deferral.waitMs,
        rateLimited: true,
      };
    },
    close() {
      void made?.close();
    },
  };
};
