import { createHash } from 'node:crypto';
import { headerValue } from '../auth/headers.ts';
import { normalizeSignature, type HmacAuth } from '../auth/hmac.ts';
import { verifyRequest } from '../auth/verify.ts';
import {
  ConflictError,
  errorMessage,
  NotFoundError,
  PayloadTooLargeError,
  ServiceUnavailableError,
} from '../errors.ts';
import type { Delivery, Run, TriggerEvent, WebhookJob } from '../model/index.ts';
import { JOB_ID_PATTERN, acceptsWebhooks } from '../model/index.ts';
import { clip } from '../sdk/text.ts';
import { sourceAdapter } from '../sources/index.ts';
import type { SourceResponse } from '../sources/types.ts';
import type { decide } from './decide.ts';
import type { Deps } from './deps.ts';
import { rememberNewSecrets } from './known-secrets.ts';
import { platformLogger } from './platform-logger.ts';
import { fitsIn, storeEvent } from './event-storage.ts';
import { ulid } from './ulid.ts';
import { isoTime } from '../store/keys.ts';
import { hotJob } from '../resilience/last-known.ts';
import { PAYLOAD_TOO_LARGE_EVERY_MS, raiseThrottled } from './toolbox/notifier.ts';
import { orderKeyOf } from '../tickets/order-key.ts';
import { enterTurn, leaveTurn } from './turns.ts';

/**
 * The decision path — decide, execute and, through them, the run logger and
 * parameter resolution — loads with the first decision request: an async
 * webhook's requests never evaluate it (a bundle built with code splitting
 * puts it in a chunk of its own). Loaded once per process; a failed load is
 * not kept, so the next decision request tries again.
 */
let decisionPath: Promise<{ decide: typeof decide }> | undefined;
const loadDecisionPath = (): Promise<{ decide: typeof decide }> =>
  (decisionPath ??= import('./decide.ts').catch((error: unknown) => {
    decisionPath = undefined;
    throw error;
  }));

/** One webhook request as the HTTP edge hands it over; header names lower-case. */
export interface IngestRequest {
  jobId: string;
  body: string;
  headers: Readonly<Record<string, string>>;
  query: Readonly<Record<string, string>>;
}

export type IngestAnswer =
  | { kind: 'queued'; runId: string; deliveryId: string }
  | { kind: 'duplicate'; runId: string; deliveryId: string }
  | { kind: 'verdict'; runId: string; response: SourceResponse };

/** Headers that authenticate a caller: never kept with an event. */
const SENSITIVE_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-shared-secret',
  'x-chkp-shared-secret',
  'x-api-key',
]);

const keptHeaders = (job: WebhookJob, headers: Readonly<Record<string, string>>): Record<string, string> => {
  // The job's own secret header, compared directly: no Set built per request.
  const jobHeader = (job.auth.type === 'hmac' ? job.auth.signatureHeader : job.auth.header).toLowerCase();
  // One pass, no intermediate arrays: this runs on every delivery.
  const kept: Record<string, string> = {};
  for (const name of Object.keys(headers)) {
    if (name === jobHeader || SENSITIVE_HEADERS.has(name)) continue;
    const value = headers[name] as string;
    // A header named __proto__ stays data: plain assignment would set the object's prototype.
    if (name === '__proto__')
      Object.defineProperty(kept, name, { value, enumerable: true, writable: true, configurable: true });
    else kept[name] = value;
  }
  return kept;
};

/**
 * The dedupe key of an async delivery: the caller's `Idempotency-Key` or
 * `X-Delivery-Id`, else a hash of job, trigger and body.
 */
export const dedupeKeyOf = (
  jobId: string,
  headers: Readonly<Record<string, string>>,
  body: string,
  trigger: string,
): string => {
  const explicit = headers['idempotency-key'] ?? headers['x-delivery-id'];
  if (explicit !== undefined && explicit.trim() !== '') {
    return `key:${createHash('sha256').update(explicit.trim()).digest('base64url')}`;
  }
  // The same body on another trigger (a SecureChange ticket advanced, then resolved) is another delivery.
  const hash = createHash('sha256').update(jobId).update('\0').update(trigger).update('\0').update(body);
  return `body:${hash.digest('base64url')}`;
};

/**
 * Accepts one webhook: authenticate, bound, parse through the job's source,
 * drop duplicates, then either enqueue it (async) or run it inline and answer
 * with the verdict (decision; a replayed HMAC-signed decision request is
 * refused `409 replayed`). Throws domain errors for every refusal; a refusal
 * stores and enqueues nothing.
 */
export const ingest = async (deps: Deps, req: IngestRequest): Promise<IngestAnswer> => {
  // An id that cannot exist is answered like an unknown job, before any store call (DynamoDB would 500 on a long key).
  if (!JOB_ID_PATTERN.test(req.jobId)) throw new NotFoundError(`no job ${clip(req.jobId)}`);
  const job = await hotJob(deps.jobs, req.jobId);
  if (!job) throw new NotFoundError(`no job ${req.jobId}`);
  // A scheduled or manual-only job has no webhook: answered like an unknown one (nothing stored).
  if (!acceptsWebhooks(job)) throw new NotFoundError(`job ${job.id} accepts no webhook`);

  const secrets = await deps.secrets.getVersions(job.auth.secret);
  const now = deps.clock.now();
  verifyRequest(job.auth, { headers: req.headers, body: req.body }, secrets, now);
  // Authenticated: from now on no platform log line of this process shows the job's secret, in any
  // form (its runs' lines hide it already). Once known, a lookup per value and nothing else.
  rememberNewSecrets(secrets);
  if (!job.enabled) throw new ConflictError(`job ${job.id} is disabled`, 'job_disabled');

  if (!fitsIn(req.body, job.maxBodyBytes)) {
    // After authentication, so that a stranger cannot make the table write; once per job per 5 minutes.
    await raiseThrottled(deps, `payload_too_large:${job.id}`, PAYLOAD_TOO_LARGE_EVERY_MS, {
      jobId: job.id,
      kind: 'payload_too_large',
      severity: 'warn',
      message: `a webhook body over the job's limit of ${job.maxBodyBytes} bytes was refused (413)`,
    });
    throw new PayloadTooLargeError(job.maxBodyBytes);
  }

  const nowMs = now.getTime();
  const deliveryId = ulid(nowMs);
  // Formatted once: the stores read this instant back from it (see isoTime).
  const receivedAt = isoTime(nowMs);
  const adapter = sourceAdapter(job.source);
  const parsed = adapter.parse(
    {
      body: req.body,
      contentType: req.headers['content-type'],
      headers: req.headers,
      query: req.query,
      deliveryId,
      receivedAt,
    },
    job,
  );
  const event: TriggerEvent = { ...parsed, headers: keptHeaders(job, parsed.headers) };
  const runId = ulid(nowMs);

  const base = { id: deliveryId, jobId: job.id, runId, receivedAt };

  if (job.mode === 'decision') {
    // No body dedupe for a decision (its caller waits for a fresh verdict), but a signed request is answered once.
    const { auth } = job;
    const decision = await loadDecisionPath();
    const answer = await decision.decide(deps, job, runId, event, {
      authSecretValues: secrets,
      ...(auth.type === 'hmac' ? { claim: () => claimReplayKey(deps, auth, req, base, now) } : {}),
    });
    if (answer.kind === 'replayed') {
      throw new ConflictError(
        `this signed request was already answered (run ${answer.runId}); to ask again, sign it again with a fresh timestamp`,
        'replayed',
      );
    }
    return answer;
  }

  const claimed = await claimDelivery(deps, job, req, event.trigger, base, now);
  if (claimed.kind === 'duplicate') return claimed;

  // Events of one ticket run in arrival order: the run enters its key's line before it is recorded.
  // The registry is read only for a ticket job (its `parseWebhook`): its first read checks every
  // manifest, work no other delivery needs.
  const orderKey = orderKeyOf(
    job,
    event,
    job.tickets === undefined || job.integration === undefined
      ? undefined
      : deps.registry.get(job.integration),
  );
  try {
    if (orderKey !== undefined) await enterTurn(deps, job.id, orderKey, runId, nowMs);
    const run: Run = {
      id: runId,
      jobId: job.id,
      deliveryId,
      source: event.source,
      trigger: event.trigger,
      mode: 'async',
      status: 'queued',
      attempt: 0,
      createdAt: receivedAt,
      logs: [],
      firedBy: 'webhook',
      ...(orderKey === undefined ? {} : { orderKey }),
      ...(await storeEvent(deps, job.id, runId, event, deps.settings.inlineEventLimitBytes)),
    };
    await deps.runs.create(run, { retentionDays: job.retentionDays });
    await deps.queue.send({ runId, jobId: job.id });
  } catch (e) {
    // A send can fail after SQS took the message: if a worker already moves the run, it was accepted.
    if ((await failUnqueued(deps, runId, errorMessage(e))) === 'moving') {
      return { kind: 'queued', runId, deliveryId };
    }
    // Free the dedupe keys so that the caller's retry is accepted, not answered as a duplicate,
    // and the run's place in line (its retry is a new run, with a new place).
    await releaseKeys(deps, job.id, claimed.keys, deliveryId);
    await leaveTurn(deps, { id: runId, jobId: job.id, orderKey });
    platformLogger.error('could not accept delivery', { jobId: job.id, runId, error: errorMessage(e) });
    throw new ServiceUnavailableError('could not queue the delivery; try again');
  }
  return { kind: 'queued', runId, deliveryId };
};

/** Longer than any ingest invocation (API Gateway answers within 30 s): a claim this old without its run is dead. */
const CLAIM_IN_FLIGHT_MS = 30_000;

/**
 * The answer to a repeat: the first delivery's run. When that run was never
 * written (the first request died between its two writes) the key is taken
 * over, so the caller's retry is accepted rather than pointed at nothing.
 * Returns undefined when this request now holds the key.
 */
const duplicateOf = async (
  deps: Deps,
  existing: Delivery,
  delivery: Delivery,
  now: Date,
): Promise<IngestAnswer | undefined> => {
  if (await deps.runs.get(existing.runId)) {
    return { kind: 'duplicate', runId: existing.runId, deliveryId: existing.id };
  }
  const stale = now.getTime() - Date.parse(existing.receivedAt) > CLAIM_IN_FLIGHT_MS;
  if (stale && (await deps.deliveries.takeOver(delivery, existing.id))) return undefined;
  throw new ServiceUnavailableError('the same delivery is being accepted right now; try again');
};

interface DedupeKey {
  key: string;
  windowSeconds: number;
}

/** How long a captured HMAC request stays replayable: its timestamp is accepted ± the tolerance, plus clock slack. */
export const replayWindowSeconds = (auth: HmacAuth): number => 2 * auth.toleranceSeconds + 60;

/**
 * The replay key of an HMAC-signed request: its (timestamp, signature) pair,
 * the signature normalized (lower-case hex, no `sha256=`) so that a replay
 * re-spelled is still the same request.
 */
export const replayKeyOf = (auth: HmacAuth, headers: Readonly<Record<string, string>>): string => {
  const timestamp = headerValue(headers, auth.timestampHeader)?.trim() ?? '';
  const signature = normalizeSignature(headerValue(headers, auth.signatureHeader) ?? '');
  return `replay:${createHash('sha256').update(timestamp).update('\0').update(signature).digest('base64url')}`;
};

/**
 * Which deliveries count as one, as the dedupe keys to claim in order.
 *
 * Every job dedupes on the caller's key or a hash of job, trigger and body
 * within its `dedupeWindowSeconds` (0 turns it off). HMAC-signed jobs trust
 * only what is signed — job and body, never an unsigned `Idempotency-Key` or
 * `?event=` — and add replay protection on the (timestamp, signature) pair
 * for {@link replayWindowSeconds}: a captured request replayed verbatim,
 * re-prefixed or with a new Idempotency-Key is a duplicate, while the
 * sender's fresh re-signed repeat is a new delivery once the job's window
 * allows. When the body window already covers the replay window, the body key
 * alone does both (the same timestamp and signature mean the same body): one
 * write; otherwise the replay key, plus the body key when the window is not 0.
 */
const dedupeKeysOf = (
  job: WebhookJob,
  req: IngestRequest,
  trigger: string,
  deliveryId: string,
): DedupeKey[] => {
  if (job.auth.type === 'hmac') {
    const body: DedupeKey = {
      key: dedupeKeyOf(job.id, {}, req.body, ''),
      windowSeconds: job.dedupeWindowSeconds,
    };
    const replayWindow = replayWindowSeconds(job.auth);
    if (job.dedupeWindowSeconds >= replayWindow) return [body];
    const replay: DedupeKey = { key: replayKeyOf(job.auth, req.headers), windowSeconds: replayWindow };
    return job.dedupeWindowSeconds > 0 ? [replay, body] : [replay];
  }
  if (job.dedupeWindowSeconds === 0) return [{ key: `delivery:${deliveryId}`, windowSeconds: 0 }];
  return [
    { key: dedupeKeyOf(job.id, req.headers, req.body, trigger), windowSeconds: job.dedupeWindowSeconds },
  ];
};

type Claim = { kind: 'claimed'; keys: string[] } | Extract<IngestAnswer, { kind: 'duplicate' }>;

/**
 * Claims every dedupe key of a delivery (one conditional put each), or
 * answers the duplicate of the first key already held. A key this request
 * claimed before a later one turned out to be a duplicate is pointed at the
 * repeated run, so that replaying this request later is that run's duplicate
 * too; on an error the keys claimed so far are freed.
 */
const claimDelivery = async (
  deps: Deps,
  job: WebhookJob,
  req: IngestRequest,
  trigger: string,
  base: Omit<Delivery, 'dedupeKey' | 'dedupeUntil'>,
  now: Date,
): Promise<Claim> => {
  const held: Delivery[] = [];
  const nowMs = now.getTime();
  for (const { key, windowSeconds } of dedupeKeysOf(job, req, trigger, base.id)) {
    const delivery: Delivery = {
      id: base.id,
      jobId: base.jobId,
      runId: base.runId,
      receivedAt: base.receivedAt,
      dedupeKey: key,
      dedupeUntil: isoTime(nowMs + windowSeconds * 1000),
    };
    let duplicate: IngestAnswer | undefined;
    try {
      const claim = await deps.deliveries.create(delivery, now);
      duplicate = claim.created ? undefined : await duplicateOf(deps, claim.existing, delivery, now);
    } catch (e) {
      await releaseKeys(
        deps,
        job.id,
        held.map((d) => d.dedupeKey),
        base.id,
      );
      throw e;
    }
    if (duplicate?.kind === 'duplicate') {
      for (const d of held) {
        await deps.deliveries
          .takeOver({ ...d, id: duplicate.deliveryId, runId: duplicate.runId }, base.id)
          .catch(() => undefined);
      }
      return duplicate;
    }
    held.push(delivery);
  }
  return { kind: 'claimed', keys: held.map((d) => d.dedupeKey) };
};

/**
 * Claims an HMAC-signed decision request's replay key (one conditional put,
 * for {@link replayWindowSeconds}): undefined when this request now holds it,
 * else the run that answered the request before. No takeover as for an async
 * delivery: a replayed decision is refused even when its first answer left no
 * run (the sender signs a new request to ask again).
 */
const claimReplayKey = async (
  deps: Deps,
  auth: HmacAuth,
  req: IngestRequest,
  base: Omit<Delivery, 'dedupeKey' | 'dedupeUntil'>,
  now: Date,
): Promise<string | undefined> => {
  const claim = await deps.deliveries.create(
    {
      ...base,
      dedupeKey: replayKeyOf(auth, req.headers),
      dedupeUntil: isoTime(now.getTime() + replayWindowSeconds(auth) * 1000),
    },
    now,
  );
  return claim.created ? undefined : claim.existing.runId;
};

const releaseKeys = async (deps: Deps, jobId: string, keys: readonly string[], deliveryId: string) => {
  for (const key of keys) await deps.deliveries.release(jobId, key, deliveryId).catch(() => undefined);
};

/**
 * Records a run whose message never reached the queue as failed — only while
 * it is still `queued`: `moving` when a worker already has it (the message got
 * through after all), `absent` when the run was never written.
 */
const failUnqueued = async (
  deps: Deps,
  runId: string,
  error: string,
): Promise<'failed' | 'moving' | 'absent'> => {
  try {
    // An empty staleBefore takes no `running` run over: a live attempt is left alone.
    const started = await deps.runs.start(runId, {
      startedAt: deps.clock.now().toISOString(),
      staleBefore: '',
    });
    if (!started) return (await deps.runs.get(runId)) ? 'moving' : 'absent';
    await deps.runs.finish(runId, {
      attempt: started.attempt,
      status: 'failed',
      endedAt: deps.clock.now().toISOString(),
      durationMs: 0,
      error: `not queued: ${error}`,
      logs: [],
    });
    return 'failed';
  } catch {
    // The store is failing too; the sweeper requeues a run left queued.
    return 'absent';
  }
};
