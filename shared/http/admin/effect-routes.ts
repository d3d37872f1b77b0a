import type { Hono } from 'hono';
import { NotFoundError, ValidationError } from '../../errors.ts';
import type { EffectRecord, Page } from '../../ports.ts';
import { effectKeyProblem } from '../../model/effect.ts';
import { quote } from '../../sdk/text.ts';
import type { AdminDeps } from '../admin-app.ts';
import { requireJobId } from '../edge-checks.ts';
import type { EdgeContext, EdgeEnv } from '../hono-helpers.ts';
import { pageRequest } from '../hono-helpers.ts';

/** One effect as `GET /admin/jobs/{id}/effects` lists it. */
export interface EffectView {
  key: string;
  status: 'pending' | 'done';
  runId: string;
  attempt: number;
  startedAt: string;
  /** Pending only: after this its holder is surely dead. */
  heldUntil?: string;
  doneAt?: string;
  reconciled?: true;
  /**
   * Pending past `heldUntil`, or found in doubt by a run already: the next run reconciles it, or
   * fails in doubt without a reconcile.
   */
  inDoubt?: true;
  /** The recorded result (integration data, served as recorded). */
  result?: unknown;
  /** Why no result was recorded (too large, not JSON): the effect happened. */
  resultProblem?: string;
  expiresAt: string;
}

export const effectView = (r: EffectRecord, now: Date): EffectView => {
  const view: EffectView = {
    key: r.key,
    status: r.status,
    runId: r.runId,
    attempt: r.attempt,
    startedAt: r.startedAt,
    expiresAt: r.expiresAt,
  };
  if (r.status === 'pending') {
    view.heldUntil = r.heldUntil;
    // A run has found it in doubt already (a later attempt of the holder's own run does not wait for heldUntil).
    if (r.inDoubtNotifiedAt !== undefined || now.getTime() >= Date.parse(r.heldUntil)) view.inDoubt = true;
  }
  if (r.doneAt !== undefined) view.doneAt = r.doneAt;
  if (r.reconciled === true) view.reconciled = true;
  if (r.resultJson !== undefined) view.result = JSON.parse(r.resultJson) as unknown;
  if (r.resultProblem !== undefined) view.resultProblem = r.resultProblem;
  return view;
};

/** A key (or key prefix) from the request, by ctx.effect's rules; 400 otherwise, before any store call. */
const requireKey = (key: string, what: string): string => {
  const problem = effectKeyProblem(key);
  if (problem !== undefined) throw new ValidationError(`${what} ${quote(key, 64)} ${problem}`);
  return key;
};

/**
 * The effect ledger of a job (ctx.effect):
 * - `GET /admin/jobs/{id}/effects?key=&limit=&cursor=` lists its live records by key (`key` is a prefix);
 * - `DELETE /admin/jobs/{id}/effects/{key}` forgets one (204, 404 when there is none): the next run
 *   that reaches the key calls its function again. How an operator clears a key in doubt.
 *   A key may hold `/`: the route takes the rest of the path, decoded once. A key the path cannot
 *   carry (`%`, `\`, a `.`, `..` or empty segment: every edge refuses such paths) goes in the query
 *   instead, as for state: `DELETE /admin/jobs/{id}/effects?key=<key>`.
 */
export const registerEffectRoutes = (app: Hono<EdgeEnv>, deps: AdminDeps): void => {
  app.get('/jobs/:id/effects', async (c) => {
    const jobId = requireJobId(c.req.param('id'));
    const key = c.req.query('key');
    const prefix = key === undefined || key === '' ? undefined : requireKey(key, 'key');
    const page = pageRequest(c);
    const now = deps.clock.now();
    const records = await deps.effects.list(
      jobId,
      { ...page, ...(prefix === undefined ? {} : { prefix }) },
      now,
    );
    if (records.items.length === 0 && page.cursor === undefined && !(await deps.jobs.get(jobId))) {
      throw new NotFoundError(`no job ${jobId}`);
    }
    const body: Page<EffectView> = { items: records.items.map((r) => effectView(r, now)) };
    if (records.nextCursor !== undefined) body.nextCursor = records.nextCursor;
    return c.json(body);
  });
  const forget = async (c: EdgeContext, jobId: string, key: string): Promise<Response> => {
    if (!(await deps.effects.forget(jobId, key))) {
      throw new NotFoundError(`no effect ${quote(key, 64)} of job ${jobId}`);
    }
    return c.body(null, 204);
  };
  // hono decodes a parameter once (the edge has refused `%25` and `%2F`, so nothing decodes twice).
  app.delete('/jobs/:id/effects/:key{.+}', (c) =>
    forget(c, requireJobId(c.req.param('id')), requireKey(c.req.param('key'), 'effect key')),
  );
  app.delete('/jobs/:id/effects', (c) => {
    const jobId = requireJobId(c.req.param('id'));
    const key = c.req.query('key');
    if (key === undefined) throw new ValidationError('key: the effect key to forget');
    return forget(c, jobId, requireKey(key, 'effect key'));
  });
};
