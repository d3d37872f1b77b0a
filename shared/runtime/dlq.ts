import { ConflictError, ServiceUnavailableError, errorMessage } from '../errors.ts';
import { OPEN_STATUSES } from '../model/index.ts';
import type { Run, RunStatus } from '../model/index.ts';
import type { DeadLetter, DeadLetterQueue } from '../ports.ts';
import type { Deps } from './deps.ts';
import { recordPlatformRun } from './new-run.ts';
import { platformLogger } from './platform-logger.ts';
import { eventExists, replayOf } from './replay.ts';
import { ulid } from './ulid.ts';

/** What the dead-letter operations use: a replay's ports, deliveries (a redrive's claim) and the DLQ. */
export type DlqDeps = Pick<
  Deps,
  'jobs' | 'runs' | 'queue' | 'clock' | 'payloads' | 'settings' | 'deliveries' | 'deadLetters' | 'turns'
>;

/** `GET /admin/dlq` shows at most this many messages. */
export const MAX_DLQ_LIST = 100;
/** A listing filtered by job reads at most this many messages to find the job's. */
const MAX_DLQ_SCAN = 1000;
/** A redrive handles at most this many messages per call (call again for the rest). */
export const MAX_REDRIVE = 1000;
/** How many messages a redrive receives at once. */
const REDRIVE_PEEK = 100;
/** How many it redrives at once. */
const REDRIVE_CONCURRENCY = 10;
/**
 * A redrive hides what it received for this long: more than it takes to
 * redrive them, so that no concurrent redrive sees them meanwhile. Those it
 * leaves (another job's, a run still open) are shown again at its end.
 */
const REDRIVE_HIDE_SECONDS = 120;
/** A listing's hiding, ended early by `release` once the listing is done. */
const LIST_HIDE_SECONDS = 5;
/**
 * How long a redrive's claim on a message keeps a second redrive of the same
 * message from making a second run: SQS keeps a DLQ message 14 days.
 */
const REDRIVE_CLAIM_MS = 14 * 24 * 3600 * 1000;
/** The dedupe key of a redrive's claim (webhook keys start `key:`, `body:`, `delivery:` or `replay:`). */
export const redriveKey = (messageId: string): string => `redrive:${messageId}`;

/** One dead-lettered message as `GET /admin/dlq` lists it, joined with its run. */
export interface DeadLetterView {
  messageId: string;
  runId?: string;
  jobId?: string;
  /** The run's status; `missing` when the run is gone (expired), `invalid` when the message is no run message. */
  status: RunStatus | 'missing' | 'invalid';
  /** The run's last error. */
  error?: string;
  sentAt?: string;
  receiveCount: number;
}

export interface DeadLetterList {
  items: DeadLetterView[];
  /** How many messages it saw that the listing selects (`items` holds at most `limit` of them). */
  count: number;
}

/** A dead-lettered run a redrive left in the queue, and why. */
export interface RedriveLeft {
  runId: string;
  jobId: string;
  reason: 'run still open' | 'job disabled';
}

export interface RedriveResult {
  /** How many new runs were made (`runIds`). */
  count: number;
  runIds: string[];
  /** Messages deleted with no new run: not a run message, its run or job gone, or its run ended otherwise (succeeded, stopped). */
  dropped: number;
  /** Left in the queue for a later redrive. */
  left: RedriveLeft[];
  /** More than {@link MAX_REDRIVE} messages: call again for the rest. */
  truncated?: true;
  /**
   * The redrive stopped at an error (a store unavailable, the run queue
   * refusing a message): `runIds` and `dropped` are what was done before it
   * (a new run the queue refused is among `runIds`: recorded `queued`, the
   * sweeper sends it). The message it failed on, and those not reached, stay
   * in the queue: calling again redrives them, and no message twice.
   */
  error?: string;
}

const queueOf = (deps: Pick<DlqDeps, 'deadLetters'>): DeadLetterQueue => {
  if (deps.deadLetters === undefined) {
    throw new ServiceUnavailableError('this stack has no dead-letter queue configured (TRIGGERHUB_DLQ_URL)');
  }
  return deps.deadLetters;
};

const viewOf = (d: DeadLetter, run: Run | undefined): DeadLetterView => ({
  messageId: d.messageId,
  ...(d.message === undefined ? {} : { runId: d.message.runId, jobId: d.message.jobId }),
  status: d.message === undefined ? 'invalid' : (run?.status ?? 'missing'),
  ...(run?.error === undefined ? {} : { error: run.error }),
  ...(d.sentAt === undefined ? {} : { sentAt: d.sentAt }),
  receiveCount: d.receiveCount,
});

/**
 * `GET /admin/dlq`: the messages in the dead-letter queue (all, or one
 * job's), each with its run's status and last error. Reading a message hides
 * it for a moment (SQS has no other way to look); they are shown again when
 * the listing is done, so that a redrive right after finds them.
 */
export const listDeadLetters = async (
  deps: Pick<DlqDeps, 'runs' | 'deadLetters'>,
  query: { jobId?: string; limit?: number },
): Promise<DeadLetterList> => {
  const dlq = queueOf(deps);
  const limit = Math.min(query.limit ?? 20, MAX_DLQ_LIST);
  const peeked = await dlq.peek(query.jobId === undefined ? limit : MAX_DLQ_SCAN, LIST_HIDE_SECONDS);
  try {
    const selected = peeked.filter((d) => query.jobId === undefined || d.message?.jobId === query.jobId);
    const shown = selected.slice(0, limit);
    const runs = await Promise.all(
      shown.map((d) =>
        d.message === undefined ? Promise.resolve(undefined) : deps.runs.get(d.message.runId),
      ),
    );
    return { items: shown.map((d, i) => viewOf(d, runs[i])), count: selected.length };
  } finally {
    await dlq.release(peeked.map((d) => d.receiptHandle));
  }
};

type Outcome =
  | { kind: 'redriven'; runId: string; notQueued?: string }
  | { kind: 'dropped'; why: string }
  | { kind: 'left'; left?: RedriveLeft };

/**
 * One message of a redrive. The new run is made before the message is
 * deleted: a crash (or a failed delete) in between leaves the message, and
 * the next redrive finds the claim this one recorded (a delivery keyed by the
 * message id, put-if-absent) and makes no second run — it makes the claimed
 * one only if it is missing (put-if-absent too), then deletes the message.
 */
const redriveOne = async (
  deps: DlqDeps,
  dlq: DeadLetterQueue,
  d: DeadLetter,
  jobId: string | undefined,
): Promise<Outcome> => {
  if (d.message === undefined) {
    await dlq.delete(d.receiptHandle);
    return { kind: 'dropped', why: 'not a run message' };
  }
  if (jobId !== undefined && d.message.jobId !== jobId) return { kind: 'left' };
  const run = await deps.runs.get(d.message.runId);
  if (!run) {
    await dlq.delete(d.receiptHandle);
    return { kind: 'dropped', why: 'run gone' };
  }
  if (OPEN_STATUSES.includes(run.status)) {
    // Its attempt died on the last receive: the sweeper ends (or requeues) it; a new run beside it could run twice.
    return { kind: 'left', left: { runId: run.id, jobId: run.jobId, reason: 'run still open' } };
  }
  if ((run.status !== 'failed' && run.status !== 'timed_out') || run.mode === 'decision') {
    await dlq.delete(d.receiptHandle);
    return { kind: 'dropped', why: `run ${run.status}` };
  }
  if (run.event === undefined && run.eventRef === undefined) {
    await dlq.delete(d.receiptHandle);
    return { kind: 'dropped', why: 'run has no event' };
  }
  if (run.event === undefined && run.eventRef !== undefined && !(await eventExists(deps, run.eventRef))) {
    // Expired from the payload store (its retention): a new run could only fail.
    await dlq.delete(d.receiptHandle);
    return { kind: 'dropped', why: 'event expired' };
  }
  const job = await deps.jobs.get(run.jobId);
  if (!job) {
    await dlq.delete(d.receiptHandle);
    return { kind: 'dropped', why: 'job gone' };
  }
  if (!job.enabled)
    return { kind: 'left', left: { runId: run.id, jobId: run.jobId, reason: 'job disabled' } };

  const now = deps.clock.now();
  const at = now.toISOString();
  const newId = ulid(now.getTime());
  const claim = await deps.deliveries.create(
    {
      id: newId,
      jobId: run.jobId,
      runId: newId,
      dedupeKey: redriveKey(d.messageId),
      receivedAt: at,
      dedupeUntil: new Date(now.getTime() + REDRIVE_CLAIM_MS).toISOString(),
    },
    now,
  );
  let runId = newId;
  let notQueued: string | undefined;
  if (claim.created) {
    const recorded = await recordPlatformRun(deps, job, replayOf(run, { runId }));
    if (!recorded.enqueued) notQueued = recorded.error ?? 'unknown error';
  } else {
    // Redriven before, and the message not deleted: at most the claimed run, never a second one.
    runId = claim.existing.runId;
    if (!(await deps.runs.get(runId))) {
      try {
        const recorded = await recordPlatformRun(deps, job, replayOf(run, { runId }));
        if (!recorded.enqueued) notQueued = recorded.error ?? 'unknown error';
      } catch (e) {
        if (!(e instanceof ConflictError)) throw e; // a concurrent redrive made it just now
      }
    }
  }
  // Recorded, sent or not (the sweeper sends it): the message is done with.
  await dlq.delete(d.receiptHandle);
  return { kind: 'redriven', runId, ...(notQueued === undefined ? {} : { notQueued }) };
};

/**
 * `POST /admin/dlq/redrive`: each dead-lettered failed run (all, or one
 * job's) is run again as a new run — `firedBy: replay`, `replayOf` the dead
 * run, its attempts counted afresh — and its message deleted once the new run
 * is enqueued. The dead run stays as it was (its history). A message that is
 * no run message, whose run or job is gone, or whose run ended otherwise, is
 * deleted and counted `dropped` (and so is one whose event expired from the
 * payload store); one whose run is still open or whose job is disabled is
 * left. An error on one message (a store, or the queue refusing the new
 * run's message) stops the redrive: answered with what was done and
 * `error`, or thrown when nothing was.
 */
export const redriveDeadLetters = async (
  deps: DlqDeps,
  query: { jobId?: string },
): Promise<RedriveResult> => {
  const dlq = queueOf(deps);
  const seen = new Set<string>();
  const toShow: string[] = [];
  const result: RedriveResult = { count: 0, runIds: [], dropped: 0, left: [] };
  let failure: { error: unknown } | undefined;
  try {
    // Redriven and dropped messages are deleted, the others hidden: each round brings new ones.
    while (failure === undefined && seen.size < MAX_REDRIVE) {
      const batch = (
        await dlq.peek(Math.min(REDRIVE_PEEK, MAX_REDRIVE - seen.size), REDRIVE_HIDE_SECONDS)
      ).filter((d) => !seen.has(d.messageId));
      if (batch.length === 0) break;
      for (const d of batch) seen.add(d.messageId);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < batch.length) {
          const d = batch[next++] as DeadLetter;
          if (failure !== undefined) {
            // Not reached: shown again at the end, for the next redrive.
            toShow.push(d.receiptHandle);
            continue;
          }
          let outcome: Outcome;
          try {
            outcome = await redriveOne(deps, dlq, d, query.jobId);
          } catch (e) {
            // Its message stays (a redrive's claim keeps a second run from a retry): the next call redrives it.
            failure ??= { error: e };
            toShow.push(d.receiptHandle);
            continue;
          }
          if (outcome.kind === 'redriven') {
            result.runIds.push(outcome.runId);
            // The queue is failing: the next sends would wait out the same retries.
            if (outcome.notQueued !== undefined) {
              failure ??= {
                error: new Error(
                  `the run queue refused run ${outcome.runId} (recorded queued: the sweeper sends it): ${outcome.notQueued}`,
                ),
              };
            }
          } else if (outcome.kind === 'dropped') {
            result.dropped++;
            platformLogger.info('dead letter dropped', { messageId: d.messageId, why: outcome.why });
          } else {
            toShow.push(d.receiptHandle);
            if (outcome.left) result.left.push(outcome.left);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(REDRIVE_CONCURRENCY, batch.length) }, worker));
    }
    if (failure === undefined && seen.size >= MAX_REDRIVE) {
      const more = await dlq.peek(1, 1);
      if (more.length > 0) result.truncated = true;
      toShow.push(...more.map((d) => d.receiptHandle));
    }
  } finally {
    await dlq.release(toShow);
  }
  result.count = result.runIds.length;
  if (failure !== undefined) {
    // Nothing done: the error is the answer (a 503 for an outage). Else what was done is.
    if (result.count === 0 && result.dropped === 0) throw failure.error;
    result.error = errorMessage(failure.error);
    platformLogger.warn('dead-letter redrive stopped at an error', {
      redriven: result.count,
      dropped: result.dropped,
      error: result.error,
    });
    return result;
  }
  platformLogger.info('dead letters redriven', {
    redriven: result.count,
    dropped: result.dropped,
    left: result.left.length,
    ...(query.jobId === undefined ? {} : { jobId: query.jobId }),
  });
  return result;
};
