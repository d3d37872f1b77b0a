import { errorMessage } from '../../errors.ts';
import type { CheckpointRecord } from '../../ports.ts';
import type { Checkpoint, RunLogger } from '../../sdk/index.ts';
import { platformLogger } from '../platform-logger.ts';
import type { FinishedOutcome, ToolboxDeps, ToolboxTarget } from './index.ts';

/** What a run of the job sees: the stored instants as Dates, frozen. */
export const checkpointOf = (record: CheckpointRecord | undefined): Readonly<Checkpoint> => {
  const checkpoint: Checkpoint = {};
  if (record?.lastRunAt !== undefined) checkpoint.lastRunAt = new Date(record.lastRunAt);
  if (record?.lastSuccessfulRunAt !== undefined) {
    checkpoint.lastSuccessfulRunAt = new Date(record.lastSuccessfulRunAt);
  }
  if (record?.cursor !== undefined) checkpoint.cursor = record.cursor;
  return Object.freeze(checkpoint);
};

/**
 * `ctx.checkpoint`: read once per run, before it starts (one consistent
 * GetItem), so that a run right after another sees that one's cursor.
 */
export const loadCheckpoint = async (
  deps: Pick<ToolboxDeps, 'checkpoints'>,
  t: Pick<ToolboxTarget, 'job'>,
): Promise<Readonly<Checkpoint>> => checkpointOf(await deps.checkpoints.get(t.job.id));

/** What the run log says when a success could not move the cursor. */
export const NOT_ADVANCED = 'checkpoint not advanced: a newer run or a rewind moved it';

/** The failure counts a recorded run moved (absent: it did not move them, or nothing was written). */
export interface RecordedRun {
  failures?: number;
  previousFailures?: number;
}

/**
 * Records a finished run in its job's checkpoint: called once the run itself
 * is recorded (its `finish` succeeded), so that a run retried after a crash
 * never leaves a cursor behind it — the page is read again instead (at least
 * once; `ctx.effect` covers what must happen once). A success moves the
 * cursor it returned (or keeps the old one) and both instants; any other end
 * moves `lastRunAt` only. The same write keeps the run as the job's
 * `lastRun` (the jobs grid) and counts failures in a row, which it answers
 * (the failing and recovered alerts). A refused success (a newer run, or a
 * rewind after this run started) is a warning, never a failure: the run did
 * its work. Never throws: a checkpoint that could not be written leaves the
 * next run reading from the previous cursor, which the error line says.
 */
export const commitCheckpoint = async (
  deps: Pick<ToolboxDeps, 'checkpoints' | 'clock'>,
  t: Pick<ToolboxTarget, 'job' | 'runId' | 'startedAt'>,
  outcome: Pick<FinishedOutcome, 'status' | 'cursor'>,
  logger?: RunLogger,
): Promise<RecordedRun> => {
  const succeeded = outcome.status === 'succeeded';
  const at = deps.clock.now().toISOString();
  const startedAt = t.startedAt.toISOString();
  try {
    const { advanced, failures, previousFailures } = await deps.checkpoints.recordRun(t.job.id, {
      runId: t.runId,
      startedAt,
      succeeded,
      ...(succeeded && outcome.cursor !== undefined ? { cursor: outcome.cursor } : {}),
      at,
      lastRun: { id: t.runId, status: outcome.status, startedAt, endedAt: at },
    });
    if (succeeded && !advanced) {
      if (logger) logger.warn(NOT_ADVANCED);
      else platformLogger.warn(NOT_ADVANCED, { runId: t.runId, jobId: t.job.id });
    }
    return {
      ...(failures === undefined ? {} : { failures }),
      ...(previousFailures === undefined ? {} : { previousFailures }),
    };
  } catch (e) {
    platformLogger.error('checkpoint not recorded: the next run reads from the previous cursor', {
      runId: t.runId,
      jobId: t.job.id,
      error: errorMessage(e),
    });
    return {};
  }
};
