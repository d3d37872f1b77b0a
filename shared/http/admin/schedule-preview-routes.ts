import type { Hono } from 'hono';
import { ValidationError } from '../../errors.ts';
import { ScheduleSchema } from '../../model/schedule.ts';
import { lazy, strictObject } from '../../model/zod.ts';
import { describeIssues, firstIssuePath, scheduleProblemParam } from '../../runtime/admin.ts';
import { describeSchedule, scheduleProblem, upcoming } from '../../schedule/index.ts';
import type { AdminDeps } from '../admin-app.ts';
import type { EdgeEnv } from '../hono-helpers.ts';
import { readJson } from './read-json.ts';

/** How many occurrences a preview lists. */
export const PREVIEW_OCCURRENCES = 5;

const PreviewBodySchema = lazy(() => strictObject({ schedule: ScheduleSchema }));

/**
 * `POST /admin/schedules/preview` `{schedule}` → `{description, next}`: the schedule as
 * the grid says it and its next five occurrences after now (ISO), for the console's
 * schedule editor as the operator types. Checked as `PUT /admin/jobs/{id}` checks a
 * job's schedule (the same schema and `scheduleProblem`): a bad one is
 * `400 invalid_schedule` with `param`, the field at fault (`schedule.every`). Reads no
 * store: only the clock.
 */
export const registerSchedulePreviewRoutes = (app: Hono<EdgeEnv>, deps: Pick<AdminDeps, 'clock'>): void => {
  app.post('/schedules/preview', async (c) => {
    const parsed = PreviewBodySchema.safeParse(readJson(await c.req.text()));
    if (!parsed.success) {
      throw new ValidationError(
        `invalid schedule: ${describeIssues(parsed.error)}`,
        'invalid_schedule',
        firstIssuePath(parsed.error),
      );
    }
    const { schedule } = parsed.data;
    const problem = scheduleProblem(schedule);
    if (problem !== undefined) {
      const field = scheduleProblemParam(problem);
      throw new ValidationError(
        `invalid schedule: ${problem}`,
        'invalid_schedule',
        field === undefined ? 'schedule' : `schedule.${field}`,
      );
    }
    const next = upcoming(schedule, deps.clock.now(), PREVIEW_OCCURRENCES).map((d) => d.toISOString());
    return c.json({ description: describeSchedule(schedule), next });
  });
};
