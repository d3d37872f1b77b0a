import type { Hono } from 'hono';
import { NotFoundError, ValidationError } from '../../errors.ts';
import { stateKeyProblem, statePrefixProblem } from '../../model/state.ts';
import type { StateEntryView } from '../../model/state.ts';
import type { Page, StateItem } from '../../ports.ts';
import { quote } from '../../sdk/text.ts';
import type { AdminDeps } from '../admin-app.ts';
import { requireJobId } from '../edge-checks.ts';
import type { EdgeContext, EdgeEnv } from '../hono-helpers.ts';
import { pageRequest } from '../hono-helpers.ts';

/** A state key from the path or the query, checked as `ctx.state` checks it (400 otherwise). */
const requireStateKey = (key: string | undefined): string => {
  if (key === undefined) throw new ValidationError('key: the state key to delete');
  const problem = stateKeyProblem(key);
  if (problem !== undefined) throw new ValidationError(problem, 'invalid_state_key');
  return key;
};

const viewOf = ({ key, value, version, updatedAt, expiresAt }: StateItem): StateEntryView =>
  expiresAt === undefined
    ? { key, value, version, updatedAt }
    : { key, value, version, updatedAt, expiresAt };

/**
 * `ctx.state` for operators:
 *
 * - `GET /admin/jobs/{id}/state?prefix=&limit=&cursor=` →
 *   `{ items: [{ key, value, version, updatedAt, expiresAt? }], nextCursor? }`,
 *   live keys in UTF-8 order (a page may hold fewer than `limit`: expired keys
 *   are skipped); 404 when the job is unknown and holds no keys (a deleted
 *   job's keys stay listed).
 * - `DELETE /admin/jobs/{id}/state/{key}` → 204, or 404 when there is no such
 *   live key. The key is the rest of the path (it may hold `/`), decoded once.
 *   A key the path cannot carry (`%`, `\`, a `.`, `..` or empty segment: every
 *   edge refuses such paths) goes in the query instead:
 *   `DELETE /admin/jobs/{id}/state?key=<key>`.
 */
export const registerStateRoutes = (app: Hono<EdgeEnv>, deps: AdminDeps): void => {
  app.get('/jobs/:id/state', async (c) => {
    const jobId = requireJobId(c.req.param('id'));
    const prefix = c.req.query('prefix') ?? '';
    const problem = statePrefixProblem(prefix);
    if (problem !== undefined) throw new ValidationError(problem, 'invalid_state_key');
    const page = pageRequest(c);
    const listed = await deps.state.list(jobId, { prefix, ...page }, deps.clock.now());
    if (listed.items.length === 0 && page.cursor === undefined && !(await deps.jobs.get(jobId))) {
      throw new NotFoundError(`no job ${jobId}`);
    }
    const body: Page<StateEntryView> = { items: listed.items.map(viewOf) };
    if (listed.nextCursor !== undefined) body.nextCursor = listed.nextCursor;
    return c.json(body);
  });

  const deleteKey = async (c: EdgeContext, jobId: string, key: string): Promise<Response> => {
    if (!(await deps.state.delete(jobId, key, {}, deps.clock.now()))) {
      throw new NotFoundError(`no state key ${quote(key, 64)} in job ${jobId}`);
    }
    return c.body(null, 204);
  };
  // hono decodes a parameter once (the edge has refused `%25` and `%2F`, so nothing decodes twice).
  app.delete('/jobs/:id/state/:key{.+}', (c) =>
    deleteKey(c, requireJobId(c.req.param('id')), requireStateKey(c.req.param('key'))),
  );
  app.delete('/jobs/:id/state', (c) =>
    deleteKey(c, requireJobId(c.req.param('id')), requireStateKey(c.req.query('key'))),
  );
};
