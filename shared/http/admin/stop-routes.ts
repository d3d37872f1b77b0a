import type { Hono } from 'hono';
import { ConflictError, NotFoundError } from '../../errors.ts';
import type { RunStatus } from '../../model/index.ts';
import type { AdminDeps } from '../admin-app.ts';
import { callerOf } from '../caller.ts';
import { requireJobId, requireRunId } from '../edge-checks.ts';
import type { EdgeEnv } from '../hono-helpers.ts';

/** Stop requests in flight at once when a whole job is stopped: one conditional write each (two for a queued run). */
const STOP_CONCURRENCY = 8;
/** A page of the job's history while looking for its open runs. */
const PAGE = 100;

/** The operations behind the routes, for the HTTP API and its tests alike. */
export const stopAdmin = {
  /**
   * Stops one run: a queued run is `stopped` at once (it never starts), a
   * running one `stopping` (its attempt ends it on its next heartbeat). 404
   * for an unknown run, 409 `run_finished` for one that has already ended.
   */
  stopRun: async (
    deps: Pick<AdminDeps, 'runs' | 'clock'>,
    runId: string,
    by: string,
  ): Promise<{ runId: string; status: 'stopped' | 'stopping' }> => {
    const status = await deps.runs.requestStop(runId, { by, at: deps.clock.now().toISOString() });
    if (status !== undefined) return { runId, status };
    const run = await deps.runs.get(runId);
    if (run === undefined) throw new NotFoundError(`no run ${runId}`);
    throw new ConflictError(`run ${runId} has already ended (${run.status})`, 'run_finished');
  },

  /**
   * Stops every open run of a job: its history is read for `queued` runs,
   * then `running` ones (a run that moves between the two passes may be
   * asked twice, which keeps the first request), and each is asked to stop.
   * A run that ended meanwhile is left out of both lists.
   */
  stopJob: async (
    deps: Pick<AdminDeps, 'runs' | 'jobs' | 'clock'>,
    jobId: string,
    by: string,
  ): Promise<{ stopped: string[]; stopping: string[] }> => {
    if ((await deps.jobs.get(jobId)) === undefined) throw new NotFoundError(`no job ${jobId}`);
    const at = deps.clock.now().toISOString();
    const open = new Set<string>();
    for (const status of ['queued', 'running'] satisfies RunStatus[]) {
      let cursor: string | undefined;
      do {
        const page = await deps.runs.listByJob(jobId, { status, limit: PAGE, cursor });
        for (const run of page.items) open.add(run.id);
        cursor = page.nextCursor;
      } while (cursor !== undefined);
    }
    const ids = [...open];
    const answers: ('stopped' | 'stopping' | undefined)[] = [];
    for (let i = 0; i < ids.length; i += STOP_CONCURRENCY) {
      const batch = ids.slice(i, i + STOP_CONCURRENCY);
      answers.push(...(await Promise.all(batch.map((id) => deps.runs.requestStop(id, { by, at })))));
    }
    return {
      stopped: ids.filter((_, i) => answers[i] === 'stopped'),
      stopping: ids.filter((_, i) => answers[i] === 'stopping'),
    };
  },
};

/** `POST /admin/runs/{runId}/stop` and `POST /admin/jobs/{id}/stop`. */
export const registerStopRoutes = (app: Hono<EdgeEnv>, deps: AdminDeps): void => {
  app.post('/runs/:runId/stop', async (c) =>
    c.json(await stopAdmin.stopRun(deps, requireRunId(c.req.param('runId')), callerOf(c))),
  );
  app.post('/jobs/:id/stop', async (c) =>
    c.json(await stopAdmin.stopJob(deps, requireJobId(c.req.param('id')), callerOf(c))),
  );
};
