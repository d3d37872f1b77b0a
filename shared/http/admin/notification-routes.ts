import type { Hono } from 'hono';
import { ValidationError } from '../../errors.ts';
import { SEVERITIES } from '../../model/notification.ts';
import type { Severity } from '../../ports.ts';
import type { AdminDeps } from '../admin-app.ts';
import { requireJobId } from '../edge-checks.ts';
import type { EdgeEnv } from '../hono-helpers.ts';
import { pageRequest } from '../hono-helpers.ts';

const isSeverity = (s: string): s is Severity => (SEVERITIES as readonly string[]).includes(s);

/**
 * `GET /admin/notifications?jobId=&severity=&limit=&cursor=`: newest first,
 * every job's or one job's, optionally of one severity.
 */
export const registerNotificationRoutes = (app: Hono<EdgeEnv>, deps: AdminDeps): void => {
  app.get('/notifications', async (c) => {
    const jobId = c.req.query('jobId');
    const severity = c.req.query('severity');
    if (severity !== undefined && severity !== '' && !isSeverity(severity)) {
      throw new ValidationError(`severity: one of ${SEVERITIES.join(', ')}`);
    }
    return c.json(
      await deps.notifications.list({
        ...(jobId === undefined || jobId === '' ? {} : { jobId: requireJobId(jobId) }),
        ...(severity === undefined || severity === '' ? {} : { severity }),
        ...pageRequest(c),
      }),
    );
  });
};
