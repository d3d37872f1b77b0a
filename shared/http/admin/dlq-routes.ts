import type { Hono } from 'hono';
import { ValidationError } from '../../errors.ts';
import { JOB_ID_PATTERN } from '../../model/index.ts';
import { lazy, optional, regex, strictObject, string } from '../../model/zod.ts';
import { MAX_DLQ_LIST, listDeadLetters, redriveDeadLetters } from '../../runtime/dlq.ts';
import { platformLogger } from '../../runtime/platform-logger.ts';
import type { AdminDeps } from '../admin-app.ts';
import { callerOf } from '../caller.ts';
import { requireJobId } from '../edge-checks.ts';
import type { EdgeEnv } from '../hono-helpers.ts';
import { readJson } from './read-json.ts';

const RedriveBodySchema = lazy(() =>
  strictObject({
    jobId: optional(string().check(regex(JOB_ID_PATTERN, 'job id: lower-case letters, digits, - and _'))),
  }),
);

const readRedriveBody = (text: string): { jobId?: string } => {
  if (text.trim() === '') return {};
  const parsed = RedriveBodySchema.safeParse(readJson(text));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    throw new ValidationError(`invalid redrive: ${problems.join('; ')}`);
  }
  return parsed.data.jobId === undefined ? {} : { jobId: parsed.data.jobId };
};

const listLimit = (text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_DLQ_LIST) {
    throw new ValidationError(`limit: an integer from 1 to ${MAX_DLQ_LIST}`);
  }
  return n;
};

/**
 * The run queue's dead-letter queue (shared/runtime/dlq.ts):
 * - `GET /admin/dlq?jobId=&limit=` → `{items: [{messageId, runId, jobId, status, error?, sentAt?, receiveCount}], count}`;
 * - `POST /admin/dlq/redrive` with `{jobId?}` (or no body) → `202 {count, runIds, dropped, left, truncated?, error?}`
 *   (`error`: it stopped at one, and answers what it did before; nothing done: the error itself, a 503 for an outage).
 * 503 when the stack has no dead-letter queue configured.
 */
export const registerDlqRoutes = (app: Hono<EdgeEnv>, deps: AdminDeps): void => {
  app.get('/dlq', async (c) => {
    const jobId = c.req.query('jobId');
    const limit = listLimit(c.req.query('limit'));
    return c.json(
      await listDeadLetters(deps, {
        ...(jobId === undefined || jobId === '' ? {} : { jobId: requireJobId(jobId) }),
        ...(limit === undefined ? {} : { limit }),
      }),
    );
  });
  app.post('/dlq/redrive', async (c) => {
    const query = readRedriveBody(await c.req.text());
    const result = await redriveDeadLetters(deps, query);
    platformLogger.info('dead-letter redrive', { count: result.count, by: callerOf(c) });
    return c.json(result, 202);
  });
};
