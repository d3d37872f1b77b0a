import { errorMessage } from '../errors.ts';
import type { FiredBy, Job, Run, TriggerEvent } from '../model/index.ts';
import type { Deps } from './deps.ts';
import { storeEvent } from './event-storage.ts';
import { platformLogger } from './platform-logger.ts';
import { enterTurn } from './turns.ts';
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
  /** A replay's original run's order key: the replay runs in line with the ticket's other events. */
  orderKey?: string;
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

/** What {@link recordPlatformRun} did: the run recorded, and whether its message was sent. */
export interface RecordedRun {
  run: Run;
  /**
   * False when the queue refused the message: the run is recorded `queued`
   * all the same, and the sweeper sends it once it is stale. A skipped run is
   * never sent: true.
   */
  enqueued: boolean;
  /** Why the queue refused it. */
  error?: string;
}

/**
 * Records a run the platform fires and enqueues it: `queued` and sent (or sent
 * delayed), or — `skipped` — recorded final and never sent. The run expires
 * after the job's `retentionDays`. Once the run is recorded it is the
 * caller's, sent or not: a send the queue refuses is logged and answered
 * `enqueued: false` (the sweeper requeues the run), never thrown — a caller
 * that answered an error would be called again and make the run twice.
 * What fails before the run is recorded (the event's claim check, the run
 * store, a ConflictError for an id taken) throws, and nothing is made.
 */
export const recordPlatformRun = async (
  deps: Pick<Deps, 'runs' | 'queue' | 'clock' | 'payloads' | 'settings'> & Partial<Pick<Deps, 'turns'>>,
  job: Job,
  init: NewRun,
): Promise<RecordedRun> => {
  // Only replays carry a key (scheduled and manual runs are no ticket's events): their deps have turns.
  const turns = deps.turns;
  if (init.orderKey !== undefined && turns === undefined) {
    throw new Error('a run with an order key needs the turn store');
  }
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
    ...(init.orderKey === undefined ? {} : { orderKey: init.orderKey }),
    ...stored,
  };
  // In line before it exists (a skipped run is final at once: it never waits, nor is waited for).
  if (turns !== undefined && init.orderKey !== undefined && !skipped) {
    await enterTurn({ turns }, job.id, init.orderKey, runId, now.getTime());
  }
  await deps.runs.create(run, { retentionDays: job.retentionDays });
  if (skipped) return { run, enqueued: true };
  try {
    const message = { runId, jobId: job.id };
    if (init.delaySeconds !== undefined && init.delaySeconds > 0) {
      await deps.queue.sendLater(message, Math.min(900, Math.ceil(init.delaySeconds)));
    } else {
      await deps.queue.send(message);
    }
  } catch (e) {
    // The run is recorded queued: the sweeper sends it again once it is stale.
    const error = errorMessage(e);
    platformLogger.error('could not enqueue run; the sweeper requeues it', { jobId: job.id, runId, error });
    return { run, enqueued: false, error };
  }
  return { run, enqueued: true };
};

/**
 * {@link recordPlatformRun}'s run. A run the queue refused is answered as any
 * other — it is recorded `queued` and the sweeper sends it — so that a run
 * now answers 202 with its id (its caller can follow it, and a retry would
 * make a second run), and a scheduler counts the occurrence fired.
 */
export const createPlatformRun = async (
  deps: Pick<Deps, 'runs' | 'queue' | 'clock' | 'payloads' | 'settings'> & Partial<Pick<Deps, 'turns'>>,
  job: Job,
  init: NewRun,
): Promise<Run> => (await recordPlatformRun(deps, job, init)).run;
