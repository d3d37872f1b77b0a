import type { Hono } from 'hono';
import { errorMessage, NotFoundError, ValidationError } from '../../errors.ts';
import { iso, maxLength, optional, strictObject, string } from '../../model/zod.ts';
import type { CheckpointRecord } from '../../ports.ts';
import { describeIssues } from '../../runtime/admin.ts';
import { platformLogger } from '../../runtime/platform-logger.ts';
import { raisePlatform } from '../../runtime/toolbox/notifier.ts';
import { clip } from '../../sdk/text.ts';
import type { AdminDeps } from '../admin-app.ts';
import { callerOf } from '../caller.ts';
import { requireJobId } from '../edge-checks.ts';
import type { EdgeEnv } from '../hono-helpers.ts';
import { readJson } from './read-json.ts';

/** As long as a run's result may make it (define-integration.ts). */
export const MAX_CURSOR_LENGTH = 8192;
/** How far ahead of the clock a rewound `lastSuccessfulRunAt` may be: clock skew, not a date in the future. */
export const MAX_FUTURE_MS = 5 * 60_000;

/** `PUT /admin/jobs/{id}/checkpoint`: both fields replaced, a field left out cleared; nothing else accepted. */
const RewindSchema = strictObject({
  cursor: optional(string().check(maxLength(MAX_CURSOR_LENGTH))),
  lastSuccessfulRunAt: optional(iso.datetime({ offset: true })),
});

/** How a field reads in the rewind notification. */
const shown = (value: string | undefined): string =>
  value === undefined ? '(none)' : JSON.stringify(clip(value, 200));

/** The operations behind the routes, for the HTTP API and its tests alike. */
export const checkpointAdmin = {
  /** The checkpoint, `{ jobId }` alone for a job that has not finished a run; 404 when neither job nor checkpoint exists. */
  get: async (deps: Pick<AdminDeps, 'jobs' | 'checkpoints'>, jobId: string): Promise<CheckpointRecord> => {
    const [job, record] = await Promise.all([deps.jobs.get(jobId), deps.checkpoints.get(jobId)]);
    if (record !== undefined) return record;
    if (job === undefined) throw new NotFoundError(`no job ${jobId}`);
    return { jobId };
  },

  /**
   * Rewinds (or moves) a job's checkpoint to `body`, recorded with who and
   * when, and raises one `checkpoint_rewound` info notification saying what
   * was set. A run that started before the rewind cannot undo it.
   */
  rewind: async (deps: AdminDeps, jobId: string, body: unknown, by: string): Promise<CheckpointRecord> => {
    const parsed = RewindSchema.safeParse(body);
    if (!parsed.success) throw new ValidationError(`invalid checkpoint: ${describeIssues(parsed.error)}`);
    const { cursor, lastSuccessfulRunAt } = parsed.data;
    const now = deps.clock.now();
    if (
      lastSuccessfulRunAt !== undefined &&
      Date.parse(lastSuccessfulRunAt) > now.getTime() + MAX_FUTURE_MS
    ) {
      throw new ValidationError(
        `invalid checkpoint: lastSuccessfulRunAt: ${lastSuccessfulRunAt} is in the future (at most 5 minutes ahead of ${now.toISOString()})`,
      );
    }
    const [job, before] = await Promise.all([deps.jobs.get(jobId), deps.checkpoints.get(jobId)]);
    if (job === undefined) throw new NotFoundError(`no job ${jobId}`);
    const after = await deps.checkpoints.rewind(jobId, {
      ...(cursor === undefined ? {} : { cursor }),
      ...(lastSuccessfulRunAt === undefined ? {} : { lastSuccessfulRunAt }),
      by,
      at: now.toISOString(),
    });
    // The rewind is done: a notification that cannot be written is a log line, not a failed PUT.
    await raisePlatform(deps, {
      jobId,
      kind: 'checkpoint_rewound',
      severity: 'info',
      message:
        `checkpoint rewound by ${by}: cursor ${shown(before?.cursor)} → ${shown(after.cursor)}, ` +
        `lastSuccessfulRunAt ${shown(before?.lastSuccessfulRunAt)} → ${shown(after.lastSuccessfulRunAt)}`,
    }).catch((e: unknown) =>
      platformLogger.warn('checkpoint_rewound notification not recorded', { jobId, error: errorMessage(e) }),
    );
    return after;
  },
};

/** `GET` and `PUT /admin/jobs/{id}/checkpoint`. */
export const registerCheckpointRoutes = (app: Hono<EdgeEnv>, deps: AdminDeps): void => {
  app.get('/jobs/:id/checkpoint', async (c) =>
    c.json(await checkpointAdmin.get(deps, requireJobId(c.req.param('id')))),
  );
  app.put('/jobs/:id/checkpoint', async (c) => {
    const jobId = requireJobId(c.req.param('id'));
    return c.json(await checkpointAdmin.rewind(deps, jobId, readJson(await c.req.text()), callerOf(c)));
  });
};
