import { ConflictError, ServiceUnavailableError } from '../errors.ts';
import { OPEN_STATUSES } from '../model/index.ts';
import type { Run, RunStatus } from '../model/index.ts';
import type { DeadLetter, DeadLetterQueue } from '../ports.ts';
import type { Deps } from './deps.ts';
import { createPlatformRun } from './new-run.ts';
import { platformLogger } from './platform-logger.ts';
import { replayOf } from './replay.ts';
import { ulid } from './ulid.ts';

/** What the dead-letter operations use: a replay's ports, deliveries (a redrive's claim) and the DLQ. */
export type DlqDeps = Pick<
  Deps,
  'jobs' | 'runs' | 'queue' | 'clock' | 'payloads' | 'settings' | 'deliveries' | 'deadLetters'
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
  | { kind: 'redriven'; runId: string }
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
  if (claim.created) {
    await createPlatformRun(deps, job, replayOf(run, { runId }));
  } else {
    // Redriven before, and the message not deleted: at most the claimed run, never a second one.
    runId = claim.existing.runId;
    if (!(await deps.runs.get(runId))) {
      await createPlatformRun(deps, job, replayOf(run, { runId })).catch((e: unknown) => {
        if (!(e instanceof ConflictError)) throw e; // a concurrent redrive made it just now
      });
    }
  }
  await dlq.delete(d.receiptHandle);
  return { kind: 'redriven', runId };
};

/**
 * `POST /admin/dlq/redrive`: each dead-lettered failed run (all, or one
 * job's) is run again as a new run — `firedBy: replay`, `replayOf` the dead
 * run, its attempts counted afresh — and its message deleted once the new run
 * is enqueued. The dead run stays as it was (its history). A message that is
 * no run message, whose run or job is gone, or whose run ended otherwise, is
 * deleted and counted `dropped`; one whose run is still open or whose job is
 * disabled is left.
 */
export const redriveDeadLetters = async (
  deps: DlqDeps,
  query: { jobId?: string },
): Promise<RedriveResult> => {
  const dlq = queueOf(deps);
  const seen = new Set<string>();
  const toShow: string[] = [];
  const result: RedriveResult = { count: 0, runIds: [], dropped: 0, left: [] };
  try {
    // Redriven and dropped messages are deleted, the others hidden: each round brings new ones.
    while (seen.size < MAX_REDRIVE) {
      const batch = (
        await dlq.peek(Math.min(REDRIVE_PEEK, MAX_REDRIVE - seen.size), REDRIVE_HIDE_SECONDS)
      ).filter((d) => !seen.has(d.messageId));
      if (batch.length === 0) break;
      for (const d of batch) seen.add(d.messageId);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < batch.length) {
          const d = batch[next++] as DeadLetter;
          const outcome = await redriveOne(deps, dlq, d, query.jobId);
          if (outcome.kind === 'redriven') result.runIds.push(outcome.runId);
          else if (outcome.kind === 'dropped') {
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
    if (seen.size >= MAX_REDRIVE) {
      const more = await dlq.peek(1, 1);
      if (more.length > 0) result.truncated = true;
      toShow.push(...more.map((d) => d.receiptHandle));
    }
  } finally {
    await dlq.release(toShow);
  }
  result.count = result.runIds.length;
  platformLogger.info('dead letters redriven', {
    redriven: result.count,
    dropped: result.dropped,
    left: result.left.length,
    ...(query.jobId === undefined ? {} : { jobId: query.jobId }),
  });
  return result;
};
