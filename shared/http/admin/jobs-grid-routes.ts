import type { Context, Hono } from 'hono';
import type { RunListQuery } from '../../ports.ts';
import { admin } from '../../runtime/admin.ts';
import { runFilterOf } from '../../store/run-query.ts';
import type { AdminDeps } from '../admin-app.ts';
import { requireJobId } from '../edge-checks.ts';
import type { EdgeEnv } from '../hono-helpers.ts';
import { pageRequest } from '../hono-helpers.ts';

/**
 * A history listing's query: the page, and the filters `status` (a run
 * status), `firedBy` (`webhook`, `schedule`, `manual`, `replay`), `from` and
 * `to` (ISO, on the run's creation time). Checked here, before any store call
 * (400 `invalid_filter`); an empty value counts as absent.
 */
export const runListQuery = (c: Context): RunListQuery => {
  const given = (name: string): string | undefined => {
    const value = c.req.query(name);
    return value === undefined || value === '' ? undefined : value;
  };
  const raw = {
    status: given('status'),
    firedBy: given('firedBy'),
    from: given('from'),
    to: given('to'),
  };
  const filter = runFilterOf(raw as RunListQuery);
  return {
    ...pageRequest(c),
    ...(filter.status === undefined ? {} : { status: filter.status }),
    ...(filter.firedBy === undefined ? {} : { firedBy: filter.firedBy }),
    ...(raw.from === undefined ? {} : { from: raw.from }),
    ...(raw.to === undefined ? {} : { to: raw.to }),
  };
};

/**
 * - `GET /admin/jobs?limit=&cursor=` → `{ items: JobGridItem[], nextCursor? }`:
 *   the jobs grid (shared/runtime/admin.ts, `jobGridPage`). `GET
 *   /admin/jobs/{id}` keeps answering the plain definition.
 * - `GET /admin/jobs/{id}/runs?status=&firedBy=&from=&to=&limit=&cursor=` →
 *   `{ items: RunSummary[], nextCursor? }`, newest first; 404 for an unknown
 *   job with no runs.
 */
export const registerJobsGridRoutes = (app: Hono<EdgeEnv>, deps: AdminDeps): void => {
  app.get('/jobs', async (c) => c.json(await admin.listJobs(deps, pageRequest(c))));
  app.get('/jobs/:id/runs', async (c) => {
    const jobId = requireJobId(c.req.param('id'));
    return c.json(await admin.listRuns(deps, jobId, runListQuery(c)));
  });
};
