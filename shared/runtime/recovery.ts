import { errorMessage } from '../errors.ts';
import type { Verdict } from '../model/index.ts';
import type { OpenKind, OpenRun, Page } from '../ports.ts';
import type { Deps } from './deps.ts';
import { platformLogger } from './platform-logger.ts';
import { raiseRunFailed } from './toolbox/notifier.ts';
import { leaveTurn } from './turns.ts';

/**
 * Where the sweep raises the `run_failed` notification of a run it records
 * failed (the sweeper's deps give it; a caller without it raises none).
 */
type NotifyDeps = Partial<Pick<Deps, 'notifications' | 'publisher'>>;
/** Where a run the sweep finishes leaves its order key's line (issue 10; absent: the next run's gate takes it out). */
type TurnDeps = Partial<Pick<Deps, 'turns'>>;

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
  deps: Pick<Deps, 'runs' | 'clock' | 'jobs'> & NotifyDeps & TurnDeps,
  run: OpenRun,
  why: string,
): Promise<boolean> => {
  const onError = (await deps.jobs.get(run.jobId).catch(() => undefined))?.onError ?? 'deny';
  const message = `${why}; onError=${onError}: ${onError === 'allow' ? 'allowed' : 'denied'}`;
  return recordFailed(deps, run, ANY_TIME, message, { allow: onError === 'allow', message, fallback: true });
};

/** Records a run failed, taking over a `running` one only if it started before `staleBefore` ('' : none). */
const recordFailed = async (
  deps: Pick<Deps, 'runs' | 'clock'> & NotifyDeps & TurnDeps,
  run: OpenRun,
  staleBefore: string,
  error: string,
  verdict?: Verdict,
): Promise<boolean> => {
  const now = deps.clock.now().toISOString();
  const taken = await deps.runs.start(run.id, { startedAt: now, staleBefore });
  if (!taken) return false;
  const finished = await deps.runs.finish(run.id, {
    attempt: taken.attempt,
    status: 'failed',
    endedAt: now,
    durationMs: 0,
    error,
    message: error,
    ...(verdict === undefined ? {} : { verdict }),
    logs: taken.logs,
  });
  if (finished) await leaveTurn(deps, taken);
  // Once per run: only the write that recorded the failure raises it.
  if (finished && deps.notifications !== undefined) {
    await raiseRunFailed(
      { notifications: deps.notifications, clock: deps.clock, publisher: deps.publisher },
      run,
      error,
    );
  }
  return finished;
};

/**
 * Records a run an operator asked to stop as `stopped` (never run again),
 * taking over a `running` one only if it started before `staleBefore`.
 */
const recordStopped = async (
  deps: Pick<Deps, 'runs' | 'clock'> & TurnDeps,
  run: OpenRun,
  staleBefore: string,
  request: { by: string; at: string },
): Promise<boolean> => {
  const now = deps.clock.now().toISOString();
  const taken = await deps.runs.start(run.id, { startedAt: now, staleBefore });
  if (!taken) return false;
  const message = `stopped by ${request.by}`;
  const finished = await deps.runs.finish(run.id, {
    attempt: taken.attempt,
    status: 'stopped',
    endedAt: now,
    durationMs: 0,
    message,
    logs: [...taken.logs, { ts: now, level: 'WARN', message }],
    stopRequest: request,
  });
  if (finished) await leaveTurn(deps, taken);
  return finished;
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

/** Stale runs a sweep works on at once: DynamoDB writes in flight (16 × ~10 ms per write ≈ 1,600 runs/s). */
export const SWEEP_CONCURRENCY = 16;
/** Stale runs per listing page; sends go out once this many are pending (10 SendMessageBatch calls of 10). */
const SWEEP_PAGE = 100;

/** `visit` on every item, at most `limit` at a time. `visit` must not throw. */
const eachBounded = async <T>(
  items: readonly T[],
  limit: number,
  visit: (item: T) => Promise<void>,
): Promise<void> => {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await visit(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
};

/**
 * The periodic sweep (EventBridge in AWS, a timer under `npm start`): runs
 * stuck `queued` are enqueued again, runs whose attempt died are handed to a
 * new attempt, or recorded `failed` when that was the last one; decisions
 * that never recorded a verdict are recorded `failed` with the job's
 * `onError` verdict (what `decide` answers when it cannot record one).
 *
 * Its work grows with the stale runs, not with the open ones: each kind of
 * open run (and each shard of it) is read only below that kind's threshold,
 * so a young backlog of queued runs costs one empty Query per shard. A page
 * of stale runs is worked on {@link SWEEP_CONCURRENCY} at a time, and the
 * runs to enqueue again are sent in batches, gathered across partitions. A
 * run is marked requeued (moved to now in the index and counted) only once
 * its message was sent: a queued one the queue refused stays where it was,
 * stale, and the next sweep sends it again; a running one released for a new
 * attempt waits queued from its last start, stale once the queued threshold
 * has passed since then (10 minutes later with a 5-minute worker).
 */
export const sweepStaleRuns = async (
  deps: Pick<Deps, 'runs' | 'queue' | 'clock' | 'settings' | 'jobs'> & NotifyDeps & TurnDeps,
  settings: SweepSettings,
): Promise<{ requeued: number; failed: number }> => {
  const now = deps.clock.now().getTime();
  const result = { requeued: 0, failed: 0 };
  // Logged, not answered: the sweep's answer stays what its callers count.
  let stopped = 0;
  // Queued first: a running run released below joins the queued ones, already read by then, and is
  // not sent twice in one sweep.
  const thresholds: Record<OpenKind, number> = {
    queued: settings.queuedAfterMs,
    running: settings.runningAfterMs,
    decision: settings.decisionAfterMs,
  };

  /** Acts on one stale run; answers the run when it is to be enqueued again. */
  const visit = async (run: OpenRun): Promise<OpenRun | undefined> => {
    // By the run itself, not by where it was listed: a decision the sweeper took over sits with the running ones.
    if (run.mode === 'decision') {
      if (
        await failDecision(deps, run, 'no verdict was recorded: its bookkeeping failed or its attempt died')
      ) {
        result.failed++;
      }
      return undefined;
    }
    // A stop asked for while it ran: a queued one is sent again as any other (its attempt then ends it
    // stopped without running it: the start answers the request), so that the common path reads nothing
    // more; a run about to be recorded failed, or a running one whose attempt died, is read for it
    // (the index does not carry the request) and ends stopped instead.
    if (run.status === 'queued' && run.requeues < MAX_SWEEP_REQUEUES) return run;
    const stopRequest = (await deps.runs.control(run.id))?.stopRequest;
    if (stopRequest !== undefined) {
      const staleBefore =
        run.status === 'queued' ? '' : new Date(now - settings.runningAfterMs).toISOString();
      if (await recordStopped(deps, run, staleBefore, stopRequest)) stopped++;
      return undefined;
    }
    if (run.status === 'queued') {
      const error = `no message moved it after ${MAX_SWEEP_REQUEUES} requeues (is the worker failing?)`;
      if (await recordFailed(deps, run, '', error)) result.failed++;
      return undefined;
    }
    if (run.attempt < deps.settings.maxReceiveCount) {
      const why = `attempt ${run.attempt} died (worker crash or time-out); enqueued again`;
      return (await deps.runs.release(run.id, { attempt: run.attempt, error: why })) ? run : undefined;
    }
    const error = `the last attempt (${run.attempt}) died (worker crash or time-out); its message is in the dead-letter queue`;
    if (await recordFailed(deps, run, new Date(now - settings.runningAfterMs).toISOString(), error)) {
      result.failed++;
    }
    return undefined;
  };

  /** Runs whose message is still to be sent: gathered across pages and partitions, so that batches fill up. */
  const pending: OpenRun[] = [];

  const sweepPage = async (runs: readonly OpenRun[]): Promise<void> => {
    await eachBounded(runs, SWEEP_CONCURRENCY, async (run) => {
      try {
        const send = await visit(run);
        if (send) pending.push(send);
      } catch (e) {
        platformLogger.error('could not recover run', { runId: run.id, error: errorMessage(e) });
      }
    });
  };

  /** Sends what is pending, then marks requeued each run whose message went. */
  const flush = async (): Promise<void> => {
    const toSend = pending.splice(0);
    if (toSend.length === 0) return;
    const failures = await deps.queue.sendBatch(toSend.map((run) => ({ runId: run.id, jobId: run.jobId })));
    const refused = new Set(failures.map((f) => f.message.runId));
    for (const f of failures) {
      platformLogger.warn('could not requeue run; the next sweep tries again', {
        runId: f.message.runId,
        error: f.error,
      });
    }
    const at = deps.clock.now().toISOString();
    await eachBounded(
      toSend.filter((run) => !refused.has(run.id)),
      SWEEP_CONCURRENCY,
      async (run) => {
        result.requeued++;
        try {
          // Moves it out of the stale range and counts it; undefined: a worker has it already.
          await deps.runs.markRequeued(run.id, at);
        } catch (e) {
          // Sent but not moved: the next sweep sends it again, which the worker's conditional start absorbs.
          platformLogger.error('could not mark run requeued', { runId: run.id, error: errorMessage(e) });
        }
      },
    );
  };

  for (const [kind, afterMs] of Object.entries(thresholds) as [OpenKind, number][]) {
    const before = new Date(now - afterMs).toISOString();
    for (let shard = 0; shard < deps.runs.openShards; shard++) {
      let cursor: string | undefined;
      do {
        const page = await deps.runs.listOpen({ kind, shard, before, limit: SWEEP_PAGE, cursor });
        await sweepPage(page.items);
        if (pending.length >= SWEEP_PAGE) await flush();
        cursor = page.nextCursor;
      } while (cursor);
    }
  }
  await flush();
  if (result.requeued + result.failed + stopped > 0)
    platformLogger.warn('swept stale runs', { ...result, stopped });
  return result;
};
