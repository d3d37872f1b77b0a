import type { Hono } from 'hono';
import { ValidationError } from '../errors.ts';
import { admin } from '../runtime/admin.ts';
import type { StackSettings } from '../runtime/admin.ts';
import type { Deps } from '../runtime/deps.ts';
import type { NotificationPublisher, SecretWriter } from '../ports.ts';
import { registerCheckpointRoutes } from './admin/checkpoint-routes.ts';
import { registerDlqRoutes } from './admin/dlq-routes.ts';
import { registerEffectRoutes } from './admin/effect-routes.ts';
import { registerGlobalsRoutes } from './admin/globals-routes.ts';
import { registerJobsGridRoutes } from './admin/jobs-grid-routes.ts';
import { registerNotificationRoutes } from './admin/notification-routes.ts';
import { readJson } from './admin/read-json.ts';
import { registerReplayRoutes } from './admin/replay-routes.ts';
import { registerRunNowRoutes } from './admin/run-now-routes.ts';
import { registerSchedulePreviewRoutes } from './admin/schedule-preview-routes.ts';
import { registerScriptRoutes } from './admin/script-routes.ts';
import { registerStateRoutes } from './admin/state-routes.ts';
import { registerStopRoutes } from './admin/stop-routes.ts';
import { registerTicketRoutes } from './admin/ticket-routes.ts';
import { requireJobId, requireRunId } from './edge-checks.ts';
import type { EdgeApp, EdgeEnv } from './hono-helpers.ts';
import { createEdgeApp, withJsonErrors } from './hono-helpers.ts';

/**
 * The ports the admin routes use: the table's jobs, runs and run-toolbox
 * stores, the clock, the integrations, the secret writer (masked globals) and
 * reader (a ticket job's password parameters, for its calls to its target;
 * the admin function creates both clients on first use); for the jobs grid
 * the schedules and leases.
 */
export type AdminDeps = Pick<
  Deps,
  | 'jobs'
  | 'runs'
  | 'clock'
  | 'registry'
  | 'state'
  | 'checkpoints'
  | 'globals'
  | 'notifications'
  | 'effects'
  // The jobs grid: next runs and running scheduled runs.
  | 'schedules'
  | 'leases'
  // Run now, replay and redrive: new runs (createPlatformRun) and a redrive's claims.
  | 'queue'
  | 'payloads'
  | 'settings'
  | 'deliveries'
  | 'deadLetters'
  // Tickets (issue 10): a ticket job's tasks; a new run's place in its order key's line; the job's
  // secrets, resolved as a run resolves them for a ticket integration's calls (validate on apply,
  // queues, fields, default mappings).
  | 'tasks'
  | 'turns'
  | 'secrets'
> & { secretWriter?: SecretWriter; publisher?: NotificationPublisher } & Pick<Deps, 'scripts'>;

/** `?verify=` of `PUT /admin/jobs/{id}`: `false` skips a ticket job's call to its target. */
const verifyOf = (value: string | undefined): boolean => {
  if (value === undefined || value === '' || value === 'true') return true;
  if (value === 'false') return false;
  throw new ValidationError('verify: true or false');
};

/**
 * `/admin/*`: jobs, runs, integrations, settings, and the run toolbox's
 * state, checkpoints, effects, globals and notifications. IAM-authorized in AWS;
 * loopback only under `npm start`. Ids in the path are checked (400) before
 * any store call. `stack` is what `GET /admin/settings` reports: the admin
 * function passes its configuration; `npm start` keeps the local default.
 */
export const createAdminApp = (deps: AdminDeps, stack: StackSettings = { secretStore: 'local' }): EdgeApp => {
  const root = createEdgeApp();
  const app: Hono<EdgeEnv> = root.basePath('/admin');
  registerJobsGridRoutes(app, deps);
  app.get('/jobs/:id', async (c) => c.json(await admin.getJob(deps, requireJobId(c.req.param('id')))));
  app.put('/jobs/:id', async (c) => {
    const id = requireJobId(c.req.param('id'));
    const verify = verifyOf(c.req.query('verify'));
    const body = readJson(await c.req.text());
    // A refusal's field at fault (`param`) travels in the error body, as every ValidationError's does.
    const { created, job } = await admin.putJob(deps, id, body, { verify, signal: c.req.raw.signal });
    return c.json(job, created ? 201 : 200);
  });
  app.delete('/jobs/:id', async (c) => {
    await admin.deleteJob(deps, requireJobId(c.req.param('id')));
    return c.body(null, 204);
  });
  app.get('/runs/:runId', async (c) => c.json(await admin.getRun(deps, requireRunId(c.req.param('runId')))));
  app.get('/integrations', (c) => c.json(admin.listIntegrations(deps)));
  app.get('/settings', (c) => c.json(admin.settings(stack)));
  registerStateRoutes(app, deps);
  registerCheckpointRoutes(app, deps);
  registerEffectRoutes(app, deps);
  registerGlobalsRoutes(app, deps);
  registerNotificationRoutes(app, deps);
  registerReplayRoutes(app, deps);
  registerDlqRoutes(app, deps);
  registerScriptRoutes(app, deps);
  registerRunNowRoutes(app, deps);
  registerStopRoutes(app, deps);
  registerTicketRoutes(app, deps);
  registerSchedulePreviewRoutes(app, deps);
  return withJsonErrors(root);
};
