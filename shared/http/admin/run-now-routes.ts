import type { Hono } from 'hono';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.ts';
import type { Job } from '../../model/index.ts';
import { runnableOf } from '../../model/index.ts';
import { optional, record, strictObject, string, unknown } from '../../model/zod.ts';
import { describeIssues } from '../../runtime/admin.ts';
import type { Deps } from '../../runtime/deps.ts';
import { createPlatformRun } from '../../runtime/new-run.ts';
import { checkScriptParams } from '../../runtime/scripts/params.ts';
import { checkJobParams } from '../../sdk/index.ts';
import { requireJobId } from '../edge-checks.ts';
import type { EdgeEnv } from '../hono-helpers.ts';
import { readJson } from './read-json.ts';

/**
 * How large a run's overrides may be, as JSON: they are kept on the run item
 * (whose whole is at most 400 KB), and parameters are settings, not data.
 */
export const MAX_OVERRIDES_BYTES = 16 * 1024;

/** `POST /admin/jobs/{id}/runs`'s body: nothing, `{}`, or `{ "params": { … } }`. */
const RunNowSchema = strictObject({ params: optional(record(string(), unknown())) });

/** The ports run now uses: the job, and what creates and enqueues a run. */
export type RunNowDeps = Pick<
  Deps,
  'jobs' | 'runs' | 'queue' | 'clock' | 'payloads' | 'settings' | 'registry'
>;

/**
 * Checks a manual run's overrides as the job's own params are checked when
 * it is saved — merged over them, so that a mandatory one the job sets need
 * not be given again — and answers the overrides alone (what the run keeps).
 * A password parameter is only ever a `{ "secret": name }` reference.
 */
export const checkOverrides = (
  deps: Pick<Deps, 'registry'>,
  job: Job,
  overrides: Record<string, unknown>,
): Record<string, unknown> => {
  if (Buffer.byteLength(JSON.stringify(overrides)) > MAX_OVERRIDES_BYTES) {
    throw new ValidationError(`params: at most ${MAX_OVERRIDES_BYTES} bytes of JSON`, 'invalid_params');
  }
  // An uploaded script's are free-form: text, a number, true/false, or a secret reference.
  if (job.integration === undefined) return checkScriptParams(overrides);
  const integration = deps.registry.get(job.integration);
  if (!integration) {
    throw new ConflictError(
      `job ${job.id} runs ${runnableOf(job)}, which is not installed`,
      'integration_not_installed',
    );
  }
  // Throws ValidationError `invalid_params` naming each problem.
  checkJobParams(integration.manifest, { ...job.params, ...overrides });
  return overrides;
};

/**
 * Run now: creates a run of the job fired by an operator (`firedBy: manual`),
 * with optional parameter overrides kept on the run as `paramOverrides` (the
 * worker merges them over the job's params), and enqueues it. A disabled job
 * is refused (409 `job_disabled`), and so is a decision job, which runs only
 * when its caller asks for a verdict (409 `decision_job`).
 */
export const runNow = async (
  deps: RunNowDeps,
  jobId: string,
  body: unknown,
): Promise<{ runId: string; status: 'queued' }> => {
  const parsed = RunNowSchema.safeParse(body);
  if (!parsed.success) {
    throw new ValidationError(`invalid run request: ${describeIssues(parsed.error)}`);
  }
  const job = await deps.jobs.get(jobId);
  if (!job) throw new NotFoundError(`no job ${jobId}`);
  if (!job.enabled) throw new ConflictError(`job ${jobId} is disabled`, 'job_disabled');
  if (job.mode === 'decision') {
    throw new ConflictError(
      `job ${jobId} is a decision job: it runs when its caller asks for a verdict, not on demand`,
      'decision_job',
    );
  }
  const given = parsed.data.params;
  const paramOverrides =
    given === undefined || Object.keys(given).length === 0 ? undefined : checkOverrides(deps, job, given);
  const run = await createPlatformRun(deps, job, {
    firedBy: 'manual',
    ...(paramOverrides === undefined ? {} : { paramOverrides }),
  });
  return { runId: run.id, status: 'queued' };
};

/**
 * `POST /admin/jobs/{id}/runs` with an optional JSON body
 * `{ "params": { … } }` → `202 { runId, status: "queued" }`; 404 for an
 * unknown job, 409 `job_disabled`, 400 for overrides the job's integration
 * refuses (`invalid_params`).
 */
export const registerRunNowRoutes = (app: Hono<EdgeEnv>, deps: RunNowDeps): void => {
  app.post('/jobs/:id/runs', async (c) => {
    const jobId = requireJobId(c.req.param('id'));
    const text = await c.req.text();
    const body = text.trim() === '' ? {} : readJson(text);
    return c.json(await runNow(deps, jobId, body), 202);
  });
};
