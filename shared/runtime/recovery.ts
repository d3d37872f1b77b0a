import { errorMessage } from '../errors.ts';
import type { OpenRun } from '../ports.ts';
import type { Deps } from './deps.ts';
import { platformLogger } from './platform-logger.ts';

/** A time after every real one: with it, any `running` run counts as stale. */
const ANY_TIME = '9999-12-31T23:59:59.999Z';

/** Every open run (oldest move first) that last moved before `before`, page by page. */
const eachOpenRun = async (
  deps: Pick<Deps, 'runs'>,
  before: string | undefined,
  visit: (run: OpenRun) => Promise<void>,
): Promise<void> => {
  let cursor: string | undefined;
  do {
    const page = await deps.runs.listOpen({ limit: 100, cursor, before });
    for (const run of page.items) {
      try {
        await visit(run);
      } catch (e) {
        platformLogger.error('could not recover run', { runId: run.id, error: errorMessage(e) });
      }
    }
    cursor = page.nextCursor;
  } while (cursor);
};

/** Records a decision whose caller is gone without a verdict; it is not run again. */
const failDecision = async (
  deps: Pick<Deps, 'runs' | 'clock'>,
  run: OpenRun,
  why: string,
): Promise<boolean> => {
  const now = deps.clock.now().toISOString();
  const taken = await deps.runs.start(run.id, { startedAt: now, staleBefore: ANY_TIME });
  if (!taken) return false;
  return deps.runs.finish(run.id, {
    attempt: taken.attempt,
    status: 'failed',
    endedAt: now,
    durationMs: 0,
    error: why,
    logs: taken.logs,
  });
};

/** Hands a run whose attempt died back to the queue, as the next attempt's. */
const requeue = async (deps: Pick<Deps, 'runs' | 'queue'>, run: OpenRun, why: string): Promise<void> => {
  if (run.status === 'running' && !(await deps.runs.release(run.id, { attempt: run.attempt, error: why })))
    return;
  await deps.queue.send({ runId: run.id, jobId: run.jobId });
};

/**
 * Enqueues again every open run: used when the local stack starts — before
 * its worker does — since its in-memory queue did not survive the restart.
 * Nothing else runs then, so a `running` run is released to `queued` first.
 * Sending twice is safe: the worker's conditional start ignores finished runs.
 */
export const requeueUnfinished = async (deps: Pick<Deps, 'runs' | 'queue' | 'clock'>): Promise<number> => {
  let count = 0;
  await eachOpenRun(deps, undefined, async (run) => {
    if (run.mode === 'decision') {
      await failDecision(deps, run, 'interrupted: the platform stopped while the decision ran');
      return;
    }
    await requeue(deps, run, 'interrupted: the platform stopped during this attempt');
    count++;
  });
  return count;
};

/** When an open run counts as stuck. */
export interface SweepSettings {
  /** Queued this long: its message was lost (ingest died between its writes). */
  queuedAfterMs: number;
  /** Running this long: its attempt died and no message came back for it. */
  runningAfterMs: number;
  /** A decision running this long: its caller has long had an error, not a verdict. */
  decisionAfterMs: number;
}

/**
 * Derives the thresholds from the queue: a live message reappears within its
 * visibility timeout (plus at most 15 minutes of retry back-off), so an open
 * run older than that has no message left that could move it.
 */
export const sweepSettings = (
  visibilityTimeoutSeconds: number,
  workerTimeoutSeconds: number,
): SweepSettings => ({
  queuedAfterMs: (visibilityTimeoutSeconds + 15 * 60 + 5 * 60) * 1000,
  runningAfterMs: (visibilityTimeoutSeconds + workerTimeoutSeconds + 5 * 60) * 1000,
  decisionAfterMs: 5 * 60 * 1000,
});

/**
 * The periodic sweep (EventBridge in AWS, a timer under `npm start`): runs
 * stuck `queued` are enqueued again, runs whose attempt died are handed to a
 * new attempt, or recorded `failed` when that was the last one; decisions
 * that never recorded a verdict are recorded `failed`.
 */
export const sweepStaleRuns = async (
  deps: Pick<Deps, 'runs' | 'queue' | 'clock' | 'settings'>,
  settings: SweepSettings,
): Promise<{ requeued: number; failed: number }> => {
  const now = deps.clock.now().getTime();
  const oldest = Math.min(settings.queuedAfterMs, settings.runningAfterMs, settings.decisionAfterMs);
  const result = { requeued: 0, failed: 0 };
  await eachOpenRun(deps, new Date(now - oldest).toISOString(), async (run) => {
    const age = now - Date.parse(run.since);
    if (run.mode === 'decision') {
      if (
        age > settings.decisionAfterMs &&
        (await failDecision(deps, run, 'no verdict was recorded: its attempt died'))
      ) {
        result.failed++;
      }
      return;
    }
    if (run.status === 'queued' && age > settings.queuedAfterMs) {
      await requeue(deps, run, 'its message was lost; enqueued again');
      result.requeued++;
    } else if (run.status === 'running' && age > settings.runningAfterMs) {
      if (run.attempt < deps.settings.maxReceiveCount) {
        await requeue(deps, run, `attempt ${run.attempt} died (worker crash or time-out); enqueued again`);
        result.requeued++;
        return;
      }
      const taken = await deps.runs.start(run.id, {
        startedAt: deps.clock.now().toISOString(),
        staleBefore: new Date(now - settings.runningAfterMs).toISOString(),
      });
      if (!taken) return;
      const error = `the last attempt (${run.attempt}) died (worker crash or time-out); its message is in the dead-letter queue`;
      if (
        await deps.runs.finish(run.id, {
          attempt: taken.attempt,
          status: 'failed',
          endedAt: deps.clock.now().toISOString(),
          durationMs: 0,
          error,
          message: error,
          logs: taken.logs,
        })
      ) {
        result.failed++;
      }
    }
  });
  if (result.requeued + result.failed > 0) platformLogger.warn('swept stale runs', result);
  return result;
};
