import { errorMessage } from '../errors.ts';
import type { Verdict } from '../model/index.ts';
import type { OpenRun, Page } from '../ports.ts';
import type { Deps } from './deps.ts';
import { platformLogger } from './platform-logger.ts';

/** A time after every real one: with it, any `running` run counts as stale. */
const ANY_TIME = '9999-12-31T23:59:59.999Z';

/** Every open run a listing yields, page by page; one that cannot be repaired does not stop the rest. */
const eachOpenRun = async (
  list: (page: { limit: number; cursor?: string }) => Promise<Page<OpenRun>>,
  visit: (run: OpenRun) => Promise<void>,
): Promise<void> => {
  let cursor: string | undefined;
  do {
    const page = await list({ limit: 100, cursor });
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

/**
 * Records a decision that never recorded its verdict — its attempt died, or
 * its bookkeeping failed (the caller was then answered the job's `onError`,
 * see `decide`) — as failed with the job's fallback verdict; it is not run
 * again. A job deleted since counts as `onError: deny`.
 */
const failDecision = async (
  deps: Pick<Deps, 'runs' | 'clock' | 'jobs'>,
  run: OpenRun,
  why: string,
): Promise<boolean> => {
  const onError = (await deps.jobs.get(run.jobId).catch(() => undefined))?.onError ?? 'deny';
  const message = `${why}; onError=${onError}: ${onError === 'allow' ? 'allowed' : 'denied'}`;
  return recordFailed(deps, run, ANY_TIME, message, { allow: onError === 'allow', message, fallback: true });
};

/**
 * Hands a run back to the queue, as the next attempt's: a `running` one (its
 * attempt died) is released first. Moving it in the index of open runs keeps
 * the next sweep from sending it again at once. Returns how often the sweeper
 * has requeued it, or undefined when it moved meanwhile.
 */
const requeue = async (
  deps: Pick<Deps, 'runs' | 'queue' | 'clock'>,
  run: OpenRun,
  why: string,
): Promise<number | undefined> => {
  if (run.status === 'running' && !(await deps.runs.release(run.id, { attempt: run.attempt, error: why }))) {
    return undefined;
  }
  const count = await deps.runs.markRequeued(run.id, deps.clock.now().toISOString());
  if (count === undefined) return undefined;
  await deps.queue.send({ runId: run.id, jobId: run.jobId });
  return count;
};

/** Records a run failed, taking over a `running` one only if it started before `staleBefore` ('' : none). */
const recordFailed = async (
  deps: Pick<Deps, 'runs' | 'clock'>,
  run: OpenRun,
  staleBefore: string,
  error: string,
  verdict?: Verdict,
): Promise<boolean> => {
  const now = deps.clock.now().toISOString();
  const taken = await deps.runs.start(run.id, { startedAt: now, staleBefore });
  if (!taken) return false;
  return deps.runs.finish(run.id, {
    attempt: taken.attempt,
    status: 'failed',
    endedAt: now,
    durationMs: 0,
    error,
    message: error,
    ...(verdict === undefined ? {} : { verdict }),
    logs: taken.logs,
  });
};

/** After this many sweeps found a run queued with no message moving it, it is recorded failed. */
export const MAX_SWEEP_REQUEUES = 3;

/**
 * Enqueues again every open run: used when the local stack starts — before
 * its worker does — since its in-memory queue did not survive the restart.
 * Nothing else runs then, so a `running` run is released to `queued` first.
 * Sending twice is safe: the worker's conditional start ignores finished runs.
 */
export const requeueUnfinished = async (
  deps: Pick<Deps, 'runs' | 'queue' | 'clock' | 'jobs'>,
): Promise<number> => {
  let count = 0;
  // The table, not the index: the emulator writes index and item separately, so a crash can tear them.
  await eachOpenRun(
    (page) => deps.runs.scanOpen(page),
    async (run) => {
      if (run.mode === 'decision') {
        await failDecision(deps, run, 'interrupted: the platform stopped while the decision ran');
        return;
      }
      if (run.status === 'running') {
        await deps.runs.release(run.id, {
          attempt: run.attempt,
          error: 'interrupted: the platform stopped during this attempt',
        });
      }
      await deps.queue.send({ runId: run.id, jobId: run.jobId });
      count++;
    },
  );
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
 * that never recorded a verdict are recorded `failed` with the job's
 * `onError` verdict (what `decide` answers when it cannot record one).
 */
export const sweepStaleRuns = async (
  deps: Pick<Deps, 'runs' | 'queue' | 'clock' | 'settings' | 'jobs'>,
  settings: SweepSettings,
): Promise<{ requeued: number; failed: number }> => {
  const now = deps.clock.now().getTime();
  const oldest = Math.min(settings.queuedAfterMs, settings.runningAfterMs, settings.decisionAfterMs);
  const result = { requeued: 0, failed: 0 };
  const before = new Date(now - oldest).toISOString();
  await eachOpenRun(
    (page) => deps.runs.listOpen({ ...page, before }),
    async (run) => {
      const age = now - Date.parse(run.since);
      if (run.mode === 'decision') {
        if (
          age > settings.decisionAfterMs &&
          (await failDecision(
            deps,
            run,
            'no verdict was recorded: its bookkeeping failed or its attempt died',
          ))
        ) {
          result.failed++;
        }
        return;
      }
      if (run.status === 'queued' && age > settings.queuedAfterMs) {
        const count = await deps.runs.markRequeued(run.id, deps.clock.now().toISOString());
        if (count === undefined) return;
        if (count > MAX_SWEEP_REQUEUES) {
          const error = `no message moved it after ${MAX_SWEEP_REQUEUES} requeues (is the worker failing?)`;
          if (await recordFailed(deps, run, '', error)) result.failed++;
          return;
        }
        await deps.queue.send({ runId: run.id, jobId: run.jobId });
        result.requeued++;
      } else if (run.status === 'running' && age > settings.runningAfterMs) {
        if (run.attempt < deps.settings.maxReceiveCount) {
          const why = `attempt ${run.attempt} died (worker crash or time-out); enqueued again`;
          if ((await requeue(deps, run, why)) !== undefined) result.requeued++;
          return;
        }
        const error = `the last attempt (${run.attempt}) died (worker crash or time-out); its message is in the dead-letter queue`;
        if (await recordFailed(deps, run, new Date(now - settings.runningAfterMs).toISOString(), error)) {
          result.failed++;
        }
      }
    },
  );
  if (result.requeued + result.failed > 0) platformLogger.warn('swept stale runs', result);
  return result;
};
