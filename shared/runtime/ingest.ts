import { createHash } from 'node:crypto';
import { ulid } from 'ulid';
import { verifyRequest } from '../auth/verify.ts';
import {
  ConflictError,
  errorMessage,
  NotFoundError,
  PayloadTooLargeError,
  ServiceUnavailableError,
} from '../errors.ts';
import type { Delivery, Job, Run, TriggerEvent } from '../model/index.ts';
import { sourceAdapter } from '../sources/index.ts';
import type { SourceResponse } from '../sources/types.ts';
import type { Deps } from './deps.ts';
import { decide } from './decide.ts';
import { platformLogger } from './platform-logger.ts';
import { storeEvent } from './event-storage.ts';

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

const keptHeaders = (job: Job, headers: Readonly<Record<string, string>>): Record<string, string> => {
  const secretHeaders = new Set(SENSITIVE_HEADERS);
  if (job.auth.type === 'hmac') secretHeaders.add(job.auth.signatureHeader.toLowerCase());
  else secretHeaders.add(job.auth.header.toLowerCase());
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !secretHeaders.has(name)));
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
 * with the verdict (decision). Throws domain errors for every refusal; a
 * refusal stores and enqueues nothing.
 */
export const ingest = async (deps: Deps, req: IngestRequest): Promise<IngestAnswer> => {
  const job = await deps.jobs.get(req.jobId);
  if (!job) throw new NotFoundError(`no job ${req.jobId}`);

  const secrets = await deps.secrets.getVersions(job.auth.secret);
  const now = deps.clock.now();
  verifyRequest(job.auth, { headers: req.headers, body: req.body }, secrets, now);
  if (!job.enabled) throw new ConflictError(`job ${job.id} is disabled`, 'job_disabled');

  const bytes = Buffer.byteLength(req.body);
  if (bytes > job.maxBodyBytes) throw new PayloadTooLargeError(job.maxBodyBytes);

  const deliveryId = ulid(now.getTime());
  const receivedAt = now.toISOString();
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
  const runId = ulid(now.getTime());

  if (job.mode === 'decision') return decide(deps, job, runId, event);

  const { key: dedupe, windowSeconds } = dedupeOf(job, req, event.trigger, deliveryId);
  const delivery: Delivery = {
    id: deliveryId,
    jobId: job.id,
    runId,
    dedupeKey: dedupe,
    receivedAt,
    dedupeUntil: new Date(now.getTime() + windowSeconds * 1000).toISOString(),
    contentType: req.headers['content-type'],
    bytes,
  };
  const claim = await deps.deliveries.create(delivery, now);
  if (!claim.created) {
    const duplicate = await duplicateOf(deps, claim.existing, delivery, now);
    if (duplicate) return duplicate;
  }

  try {
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
      ...(await storeEvent(deps, job.id, runId, event)),
    };
    await deps.runs.create(run);
    await deps.queue.send({ runId, jobId: job.id });
  } catch (e) {
    // A send can fail after SQS took the message: if a worker already moves the run, it was accepted.
    if ((await failUnqueued(deps, runId, errorMessage(e))) === 'moving') {
      return { kind: 'queued', runId, deliveryId };
    }
    // Free the dedupe key so that the caller's retry is accepted, not answered as a duplicate.
    await deps.deliveries.release(job.id, dedupe, deliveryId).catch(() => undefined);
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

/**
 * Which deliveries count as one. HMAC-signed jobs dedupe on the signed body
 * for at least the replay window, whatever unsigned header a
 * request carries: a captured request replayed, even re-prefixed or with a new
 * Idempotency-Key, is a duplicate, and so is the sender's re-signed retry.
 * Others use the caller's key or a hash of job, trigger and body within the
 * job's window (0 turns dedupe off).
 */
const dedupeOf = (
  job: Job,
  req: IngestRequest,
  trigger: string,
  deliveryId: string,
): { key: string; windowSeconds: number } => {
  if (job.auth.type === 'hmac') {
    // Only what is signed counts — job and body; never an unsigned header or query (`?event=`).
    return {
      key: dedupeKeyOf(job.id, {}, req.body, ''),
      windowSeconds: Math.max(job.dedupeWindowSeconds, 2 * job.auth.toleranceSeconds + 60),
    };
  }
  if (job.dedupeWindowSeconds === 0) return { key: `delivery:${deliveryId}`, windowSeconds: 0 };
  return { key: dedupeKeyOf(job.id, req.headers, req.body, trigger), windowSeconds: job.dedupeWindowSeconds };
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
