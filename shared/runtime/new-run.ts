import { ServiceUnavailableError, errorMessage } from '../errors.ts';
import type { FiredBy, Job, Run, TriggerEvent } from '../model/index.ts';
import type { Deps } from './deps.ts';
import { storeEvent } from './event-storage.ts';
import { platformLogger } from './platform-logger.ts';
import { ulid } from './ulid.ts';

/** A run the platform fires itself: a schedule's occurrence, an operator's run now, a replay. */
export interface NewRun {
  firedBy: Exclude<FiredBy, 'webhook'>;
  /** The event it runs: a replay's is the original's; absent: {@link platformEvent} of `firedBy`. */
  event?: TriggerEvent;
  /** Or a replayed run's event as kept in the payload store (claim check): the reference is copied, not the event. */
  eventRef?: string;
  /** The source's own trigger (a replay keeps the original's); absent: the event's. */
  trigger?: string;
  /** The source the event came from (a replay keeps the original's, whose event may be a reference); absent: the event's. */
  source?: string;
  /** Scheduled runs and skipped occurrences: the occurrence's due time. */
  scheduledFor?: string;
  replayOf?: string;
  paramOverrides?: Record<string, unknown>;
  /** Recorded final as `skipped` with this reason (a missed or overlapping occurrence): nothing is enqueued. */
  skipped?: string;
  /** Enqueued to become visible after this many seconds (0–900): a bulk replay's pacing. */
  delaySeconds?: number;
  /** The id when the caller made it already (a scheduler's claim names its run). */
  runId?: string;
}

/**
 * The event of a run no source delivered: `source` and `trigger` say what fired
 * it (`schedule`, `manual`), `payload` what it carries (a scheduled run's
 * `{ scheduledFor }`, a manual run's `{}`).
 */
export const platformEvent = (
  kind: 'schedule' | 'manual',
  runId: string,
  at: string,
  payload: Record<string, unknown> = {},
): TriggerEvent => ({
  source: kind,
  trigger: kind,
  deliveryId: runId,
  receivedAt: at,
  headers: {},
  query: {},
  payload,
});

/**
 * Records a run the platform fires and enqueues it: `queued` and sent (or sent
 * delayed), or — `skipped` — recorded final and never sent. The run expires
 * after the job's `retentionDays`. If the send fails the run stays `queued`
 * (the sweeper requeues it) and this throws ServiceUnavailableError.
 */
export const createPlatformRun = async (
  deps: Pick<Deps, 'runs' | 'queue' | 'clock' | 'payloads' | 'settings'>,
  job: Job,
  init: NewRun,
): Promise<Run> => {
  const now = deps.clock.now();
  const at = now.toISOString();
  const runId = init.runId ?? ulid(now.getTime());
  const kind = init.firedBy === 'schedule' ? 'schedule' : 'manual';
  const event =
    init.event ??
    (init.eventRef === undefined
      ? platformEvent(
          kind,
          runId,
          at,
          init.scheduledFor === undefined ? {} : { scheduledFor: init.scheduledFor },
        )
      : undefined);
  const stored =
    event === undefined
      ? { eventRef: init.eventRef as string }
      : await storeEvent(deps, job.id, runId, event, deps.settings.inlineEventLimitBytes);
  const skipped = init.skipped !== undefined;
  const run: Run = {
    id: runId,
    jobId: job.id,
    source: init.source ?? event?.source ?? kind,
    trigger: init.trigger ?? event?.trigger ?? kind,
    mode: 'async',
    status: skipped ? 'skipped' : 'queued',
    attempt: 0,
    createdAt: at,
    logs: [],
    firedBy: init.firedBy,
    ...(init.scheduledFor === undefined ? {} : { scheduledFor: init.scheduledFor }),
    ...(init.replayOf === undefined ? {} : { replayOf: init.replayOf }),
    ...(init.paramOverrides === undefined ? {} : { paramOverrides: init.paramOverrides }),
    ...(skipped ? { message: init.skipped, endedAt: at, durationMs: 0 } : {}),
    ...stored,
  };
  await deps.runs.create(run, { retentionDays: job.retentionDays });
  if (skipped) return run;
  try {
    const message = { runId, jobId: job.id };
    if (init.delaySeconds !== undefined && init.delaySeconds > 0) {
      await deps.queue.sendLater(message, Math.min(900, Math.ceil(init.delaySeconds)));
    } else {
      await deps.queue.send(message);
    }
  } catch (e) {
    // The run is recorded queued: the sweeper sends it again once it is stale.
    platformLogger.error('could not enqueue run; the sweeper requeues it', {
      jobId: job.id,
      runId,
      error: errorMessage(e),
    });
    throw new ServiceUnavailableError(
      `run ${runId} is recorded but could not be queued yet; it will be requeued`,
    );
  }
  return run;
};
