import { errorMessage } from '../errors.ts';
import type { Deps } from './deps.ts';
import { platformLogger } from './platform-logger.ts';

/** At start-up no attempt is alive: every `running` run is stale. */
const NOTHING_RUNS = '9999-12-31T23:59:59.999Z';

/**
 * Enqueues again every run that has not finished: used when the local stack
 * starts — before its worker does — since its in-memory queue did not survive
 * the restart. A run that was `running` when the process died is released to
 * `queued` first, so that its next attempt may take it.
 * Sending twice is safe: the worker's conditional start ignores finished runs.
 */
export const requeueUnfinished = async (deps: Pick<Deps, 'runs' | 'queue' | 'clock'>): Promise<number> => {
  let cursor: string | undefined;
  let count = 0;
  do {
    const page = await deps.runs.listUnfinished({ limit: 100, cursor });
    for (const run of page.items) {
      try {
        if (run.mode === 'decision') {
          // Its caller is gone and got no verdict: record that rather than run it again.
          const now = deps.clock.now().toISOString();
          const taken = await deps.runs.start(run.id, {
            startedAt: run.startedAt ?? now,
            staleBefore: NOTHING_RUNS,
          });
          if (taken) {
            await deps.runs.finish(run.id, {
              attempt: taken.attempt,
              status: 'failed',
              endedAt: now,
              durationMs: 0,
              error: 'interrupted: the platform stopped while the decision ran',
              logs: taken.logs,
            });
          }
          continue;
        }
        if (run.status === 'running') {
          // Its attempt died with the process: hand the run back to the queue as the next attempt's.
          await deps.runs.release(run.id, {
            attempt: run.attempt,
            error: 'interrupted: the platform stopped during this attempt',
            logs: run.logs,
          });
        }
        await deps.queue.send({ runId: run.id, jobId: run.jobId });
        count++;
      } catch (e) {
        platformLogger.error('could not requeue run', { runId: run.id, error: errorMessage(e) });
      }
    }
    cursor = page.nextCursor;
  } while (cursor);
  return count;
};
