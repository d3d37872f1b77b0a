import type { Hono } from 'hono';
import { NotFoundError, TriggerhubError, ValidationError } from '../../errors.ts';
import { TASK_STATUSES } from '../../model/index.ts';
import type {
  FieldMapping,
  Job,
  MappingField,
  StoredTask,
  TaskStatus,
  TicketQueue,
} from '../../model/index.ts';
import type { Page, TaskListRequest } from '../../ports.ts';
import type { AnyIntegration } from '../../sdk/types.ts';
import type { TicketPlugin } from '../../sdk/tickets.ts';
import { clip } from '../../sdk/text.ts';
import type { AdminTicketContext } from '../../tickets/ticket-context.ts';
import type { AdminDeps } from '../admin-app.ts';
import { requireJobId } from '../edge-checks.ts';
import type { EdgeEnv } from '../hono-helpers.ts';

/**
 * The ticket target failed to answer (unreachable, timed out, an error
 * status): 502 with its reason in plain words, every secret value redacted.
 */
export class TargetError extends TriggerhubError {
  readonly code = 'target_error';
  readonly status = 502;
  constructor(message: string) {
    super(message);
    this.name = 'TargetError';
  }
}

/** How long a queues / fields / default-mappings answer is served from this process without asking the target. */
export const TICKET_CACHE_MS = 60_000;
/** At most this many answers are kept (the oldest goes first): a console's drop-downs, not a data store. */
export const TICKET_CACHE_ENTRIES = 500;

/** A task as `GET /admin/jobs/{id}/tasks` lists it. */
export type TaskView = StoredTask;

const viewOf = (t: StoredTask): TaskView => ({
  id: t.id,
  status: t.status,
  link: t.link,
  ...(t.key === undefined ? {} : { key: t.key }),
  ...(t.dedupeKey === undefined ? {} : { dedupeKey: t.dedupeKey }),
  dedupeCount: t.dedupeCount,
  alertIds: t.alertIds,
  queue: t.queue,
  createdAt: t.createdAt,
  updatedAt: t.updatedAt,
  ...(t.syncedAt === undefined ? {} : { syncedAt: t.syncedAt }),
});

/** `?status=` of the tasks listing: one of TASK_STATUSES (400 `invalid_status`); empty counts as absent. */
const statusOf = (value: string | undefined): TaskStatus | undefined => {
  if (value === undefined || value === '') return undefined;
  if (!(TASK_STATUSES as readonly string[]).includes(value)) {
    throw new ValidationError(`status: one of ${TASK_STATUSES.join(', ')}`, 'invalid_status');
  }
  return value as TaskStatus;
};

/** `?limit=` of the tasks listing: 1–100 (400 `invalid_limit`), 25 when absent. */
const limitOf = (value: string | undefined): number => {
  if (value === undefined || value === '') return 25;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100) {
    throw new ValidationError('limit: an integer from 1 to 100', 'invalid_limit');
  }
  return n;
};

/** What a ticket route works on: the job and its integration's ticket contract. */
interface TicketTarget {
  job: Job;
  integration: AnyIntegration;
  plugin: TicketPlugin<Record<string, unknown>>;
}

/** A bounded map of recent answers, oldest first (a Map keeps insertion order). */
class AnswerCache {
  readonly #entries = new Map<string, { at: number; value: unknown }>();

  get(key: string, now: number): unknown {
    const hit = this.#entries.get(key);
    if (hit === undefined) return undefined;
    if (now - hit.at >= TICKET_CACHE_MS || now < hit.at) {
      this.#entries.delete(key);
      return undefined;
    }
    return hit.value;
  }

  set(key: string, value: unknown, now: number): void {
    this.#entries.delete(key);
    this.#entries.set(key, { at: now, value });
    while (this.#entries.size > TICKET_CACHE_ENTRIES) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
  }
}

/**
 * What a console needs to configure a ticket job, and the tasks it made:
 *
 * - `GET /admin/jobs/{id}/queues` → `{ items: TicketQueue[] }`
 * - `GET /admin/jobs/{id}/fields?queue=` → `{ items: MappingField[] }` (queue
 *   default: the job's `tickets.queue`)
 * - `GET /admin/jobs/{id}/default-mappings` → `{ items: FieldMapping[] }`
 *
 *   asked of the target through the job's integration (`tickets.getQueues`,
 *   `getAvailableFields`, `getDefaultMappings`) with the job's parameters and
 *   a run's `ctx.http` rules; answers are kept in this process for
 *   {@link TICKET_CACHE_MS} per job, job version (`updatedAt`), route and
 *   queue, so a console's drop-downs do not call the target on every draw.
 *   404 `job_not_found`; 400 `not_a_ticket_job` (its integration has no
 *   ticket contract); 502 `target_error` when the target fails, with its
 *   reason (never a secret). A missing secret is 400 `invalid_params`.
 * - `GET /admin/jobs/{id}/tasks?status=&limit=&cursor=` → `{ items, nextCursor? }`,
 *   the job's stored tasks newest first (`key`: the task's human key, when it
 *   is not its id: a ServiceNow incident number); 400 `invalid_status` /
 *   `invalid_limit` (1–100, default 25); 404 `job_not_found` when the job is
 *   unknown and the page is empty (a deleted job's tasks stay listed); 400
 *   `not_a_ticket_job` when the job has no `tickets` and no tasks.
 */
export const registerTicketRoutes = (app: Hono<EdgeEnv>, deps: AdminDeps): void => {
  const cache = new AnswerCache();

  const targetOf = async (jobId: string): Promise<TicketTarget> => {
    const job = await deps.jobs.get(jobId);
    if (job === undefined) throw new NotFoundError(`no job ${jobId}`, 'job_not_found');
    const integration = job.integration === undefined ? undefined : deps.registry.get(job.integration);
    const plugin = integration?.tickets;
    if (integration === undefined || plugin === undefined) {
      throw new ValidationError(
        `job ${jobId} does not run a ticket integration (${job.integration === undefined ? 'it runs a script' : `integration "${job.integration}" has no tickets contract`})`,
        'not_a_ticket_job',
      );
    }
    return { job, integration, plugin };
  };

  /** The answer of one ticket call, from the cache or the target. */
  const ask = async <T>(
    target: TicketTarget,
    route: string,
    queue: string | undefined,
    call: (ctx: AdminTicketContext<Record<string, unknown>>) => Promise<T> | T,
    signal: AbortSignal,
  ): Promise<T> => {
    const { job, integration } = target;
    const key = JSON.stringify([job.id, job.updatedAt ?? '', route, queue ?? null]);
    const cached = cache.get(key, deps.clock.now().getTime());
    if (cached !== undefined) return cached as T;
    const { ticketContextFor } = await import('../../tickets/ticket-context.ts');
    const ctx = await ticketContextFor(deps, job, integration, { signal });
    let value: T;
    try {
      value = await call(ctx);
    } catch (e) {
      const reason = ctx.reasonOf(e);
      throw new TargetError(`${integration.manifest.id}: ${clip(reason, 500)}`);
    } finally {
      ctx.close();
    }
    cache.set(key, value, deps.clock.now().getTime());
    return value;
  };

  app.get('/jobs/:id/queues', async (c) => {
    const target = await targetOf(requireJobId(c.req.param('id')));
    const items: TicketQueue[] = await ask(
      target,
      'queues',
      undefined,
      (ctx) => target.plugin.getQueues(ctx),
      c.req.raw.signal,
    );
    return c.json({ items });
  });

  app.get('/jobs/:id/fields', async (c) => {
    const target = await targetOf(requireJobId(c.req.param('id')));
    const given = c.req.query('queue');
    if (given !== undefined && given.length > 512) throw new ValidationError('queue: at most 512 characters');
    const queue = given === undefined || given === '' ? target.job.tickets?.queue : given;
    const items: MappingField[] = await ask(
      target,
      'fields',
      queue,
      (ctx) => target.plugin.getAvailableFields(ctx, queue),
      c.req.raw.signal,
    );
    return c.json({ items });
  });

  app.get('/jobs/:id/default-mappings', async (c) => {
    const target = await targetOf(requireJobId(c.req.param('id')));
    const items: FieldMapping[] = await ask(
      target,
      'default-mappings',
      undefined,
      (ctx) => target.plugin.getDefaultMappings(ctx),
      c.req.raw.signal,
    );
    return c.json({ items });
  });

  app.get('/jobs/:id/tasks', async (c) => {
    const jobId = requireJobId(c.req.param('id'));
    const status = statusOf(c.req.query('status'));
    const limit = limitOf(c.req.query('limit'));
    const cursor = c.req.query('cursor');
    const request: TaskListRequest = {
      limit,
      ...(cursor === undefined || cursor === '' ? {} : { cursor }),
      ...(status === undefined ? {} : { status }),
    };
    const page = await deps.tasks.list(jobId, request);
    if (page.items.length === 0 && request.cursor === undefined) {
      const job = await deps.jobs.get(jobId);
      if (job === undefined) throw new NotFoundError(`no job ${jobId}`, 'job_not_found');
      // "No tasks" would read as "none yet" for a job that never opens any (as /queues says).
      if (job.tickets === undefined) {
        throw new ValidationError(
          `job ${jobId} is not a ticket job (it has no tickets): it opens no tasks`,
          'not_a_ticket_job',
        );
      }
    }
    const body: Page<TaskView> = { items: page.items.map(viewOf) };
    if (page.nextCursor !== undefined) body.nextCursor = page.nextCursor;
    return c.json(body);
  });
};
