import type { Job, StoredTask, TicketTask } from '../model/index.ts';
import type { TaskPatch } from '../ports.ts';
import type { Deps } from '../runtime/deps.ts';
import type { TicketContext, TicketPlugin } from '../sdk/tickets.ts';
import { SYNC_BATCH } from '../sdk/tickets.ts';

/** What a sync did: tasks asked about, `syncStates` calls, tasks now closed and deleted. */
export interface SyncCounts {
  synced: number;
  calls: number;
  deleted: number;
  closed: number;
  /**
   * Open tasks in batches the target answered with none of (batches of at
   * least {@link MIN_SILENT_BATCH}): kept as they were, not marked deleted.
   * Absent when there were none.
   */
  unanswered?: number;
}

/**
 * A batch of at least this many ids of which the target answers none is taken
 * for lost permissions, not deletions: a ServiceNow row ACL answers an empty
 * 200 and Jira "does not exist" for issues the account cannot see, and
 * `deleted` is final (it frees the dedupe key). Nothing of it is marked deleted.
 * A smaller batch (a job with a handful of tasks, all deleted) is believed.
 */
export const MIN_SILENT_BATCH = 10;

/** The warning (a notification and the run message) when the target answered none of `n` open tasks. */
export const unansweredText = (n: number): string =>
  `the target returned none of ${n} open tasks: check the account's permissions; nothing was marked deleted`;

/**
 * Pages a sync walks at most (a million open tasks): a store whose cursor
 * never ends cannot hold a run until its deadline.
 */
export const MAX_SYNC_PAGES = 10_000;

/** Task ids a target webhook may name for one sync (10 batches); more are logged and left to the periodic sync. */
export const MAX_WEBHOOK_TASKS = 10 * SYNC_BATCH;

type SyncDeps = Pick<Deps, 'tasks' | 'clock'>;

const zero = (): SyncCounts => ({ synced: 0, calls: 0, deleted: 0, closed: 0 });

/**
 * One `syncStates` call for up to SYNC_BATCH stored tasks, and the writes it
 * calls for: a task whose status or link changed is updated (with `syncedAt`),
 * one the target left out is marked `deleted` (which frees its dedupe key) —
 * unless the target left out the whole batch of at least MIN_SILENT_BATCH ids
 * (permissions lost, not tasks: counted `unanswered`, nothing written).
 * An unchanged task is not written: a sync of 10,000 quiet tasks costs no write.
 */
const syncBatch = async <P>(
  deps: SyncDeps,
  job: Pick<Job, 'id'>,
  plugin: TicketPlugin<P>,
  ctx: TicketContext<P>,
  batch: readonly StoredTask[],
  counts: SyncCounts,
): Promise<void> => {
  if (batch.length === 0) return;
  ctx.signal.throwIfAborted();
  const answered: TicketTask[] = await plugin.syncStates(
    ctx,
    batch.map((t) => t.id),
  );
  counts.calls += 1;
  const byId = new Map(answered.map((t) => [t.id, t]));
  if (batch.length >= MIN_SILENT_BATCH && !batch.some((t) => byId.has(t.id))) {
    ctx.logger.warn(
      `the target answered none of ${batch.length} open tasks asked about: taken for missing permissions, none marked deleted`,
    );
    counts.synced += batch.length;
    counts.unanswered = (counts.unanswered ?? 0) + batch.length;
    return;
  }
  const now = deps.clock.now().toISOString();
  for (const task of batch) {
    counts.synced += 1;
    const current = byId.get(task.id);
    const status = current?.status ?? 'deleted';
    const link = current?.link ?? task.link;
    // A task stored before keys were kept gets its key from the first sync that answers one.
    const key = current?.key !== undefined && current.key !== task.key ? current.key : undefined;
    if (status === task.status && link === task.link && key === undefined) continue;
    const patch: TaskPatch = {
      status,
      link,
      ...(key === undefined ? {} : { key }),
      syncedAt: now,
      updatedAt: now,
    };
    await deps.tasks.update(job.id, task.id, patch);
    if (status === 'deleted') counts.deleted += 1;
    if (status === 'closed') counts.closed += 1;
  }
};

/**
 * Syncs a ticket job's open tasks from the target: walks
 * `tasks.listOpen(job, { limit: SYNC_BATCH, cursor })` a page at a time
 * (one page and one batch in memory, whatever the number of tasks), hands
 * each SYNC_BATCH of ids to `plugin.syncStates`, and writes what changed.
 * 10,000 open tasks → 100 `syncStates` calls.
 *
 * @example
 * ```ts
 * const { synced, calls, closed, deleted } = await syncTasks(deps, job, plugin, ctx);
 * ```
 */
export const syncTasks = async <P>(
  deps: SyncDeps,
  job: Pick<Job, 'id'>,
  plugin: TicketPlugin<P>,
  ctx: TicketContext<P>,
): Promise<SyncCounts> => {
  const counts = zero();
  let batch: StoredTask[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_SYNC_PAGES; page++) {
    ctx.signal.throwIfAborted();
    const listed = await deps.tasks.listOpen(job.id, {
      limit: SYNC_BATCH,
      ...(cursor === undefined ? {} : { cursor }),
    });
    for (const task of listed.items) {
      batch.push(task);
      if (batch.length === SYNC_BATCH) {
        await syncBatch(deps, job, plugin, ctx, batch, counts);
        batch = [];
      }
    }
    cursor = listed.nextCursor;
    if (cursor === undefined) break;
    if (page === MAX_SYNC_PAGES - 1) {
      ctx.logger.warn(`sync stopped after ${MAX_SYNC_PAGES} pages of open tasks; the next sync goes on`);
    }
  }
  await syncBatch(deps, job, plugin, ctx, batch, counts);
  return counts;
};

/**
 * Syncs the tasks a target webhook named, now: those of them the job keeps
 * (ids it does not know are someone else's, and skipped), open or not — a
 * closed issue reopened in Jira comes back `in_progress`.
 */
export const syncTaskIds = async <P>(
  deps: SyncDeps,
  job: Pick<Job, 'id'>,
  plugin: TicketPlugin<P>,
  ctx: TicketContext<P>,
  ids: readonly string[],
): Promise<SyncCounts & { unknown: number }> => {
  const counts = zero();
  const unique = [...new Set(ids)];
  if (unique.length > MAX_WEBHOOK_TASKS) {
    ctx.logger.warn(
      `the webhook named ${unique.length} tasks; the first ${MAX_WEBHOOK_TASKS} are synced now, the rest by the next sync`,
    );
  }
  let unknown = 0;
  const wanted = unique.slice(0, MAX_WEBHOOK_TASKS);
  for (let start = 0; start < wanted.length; start += SYNC_BATCH) {
    const stored = await Promise.all(
      wanted.slice(start, start + SYNC_BATCH).map((id) => deps.tasks.get(job.id, id)),
    );
    const known = stored.filter((t): t is StoredTask => t !== undefined);
    unknown += stored.length - known.length;
    await syncBatch(deps, job, plugin, ctx, known, counts);
  }
  return { ...counts, unknown };
};
