import type { Hono } from 'hono';
import { parseReplayFilter, replayRun, replayRuns } from '../../runtime/replay.ts';
import { platformLogger } from '../../runtime/platform-logger.ts';
import type { AdminDeps } from '../admin-app.ts';
import { callerOf } from '../caller.ts';
import { requireRunId } from '../edge-checks.ts';
import type { EdgeEnv } from '../hono-helpers.ts';
import { readJson } from './read-json.ts';

/**
 * Replays (shared/runtime/replay.ts):
 * - `POST /admin/runs/{runId}/replay` → `202 {runId, replayOf}`: a new run with the same event (202
 *   also when the queue refused its message: it is recorded queued and the sweeper sends it);
 *   404 unknown run or job, 409 `run_open` / `run_skipped` / `run_decision` / `run_no_event` /
 *   `run_event_expired` / `job_disabled`;
 * - `POST /admin/replays` with `{jobId?, status?, from?, to?, errorContains?, dryRun?}` (a `jobId` or
 *   a `status` at least: 400 otherwise) → `202 {count, runIds, truncated?, error?}` (the new runs), or
 *   with `dryRun` `200 {count, runIds, truncated?}` (the original runs that would be replayed). At most
 *   1,000 runs, the newest, read from at most 100 listing pages.
 * Who asked is logged (the run records no requester: `replayOf` says what it replays).
 */
export const registerReplayRoutes = (app: Hono<EdgeEnv>, deps: AdminDeps): void => {
  app.post('/runs/:runId/replay', async (c) => {
    const run = await replayRun(deps, requireRunId(c.req.param('runId')));
    platformLogger.info('run replayed', { runId: run.id, replayOf: run.replayOf, by: callerOf(c) });
    return c.json({ runId: run.id, replayOf: run.replayOf }, 202);
  });
  app.post('/replays', async (c) => {
    const text = await c.req.text();
    const filter = parseReplayFilter(text.trim() === '' ? {} : readJson(text));
    const result = await replayRuns(deps, filter);
    if (filter.dryRun !== true) {
      platformLogger.info('runs replayed', { count: result.count, by: callerOf(c) });
      return c.json(result, 202);
    }
    return c.json(result, 200);
  });
};
