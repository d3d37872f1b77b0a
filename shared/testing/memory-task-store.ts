import { isOpenTask } from '../model/index.ts';
import type { StoredTask } from '../model/index.ts';
import type { Page, PageRequest, TaskListRequest, TaskPatch, TaskStore } from '../ports.ts';
import { encodeMemoryCursor, lastOfMemoryCursor, MAX_PAGE_LIMIT, pageLimit } from '../store/cursor.ts';
import { MAX_TASK_ALERT_IDS } from '../store/dynamo-task-store.ts';

export { MAX_TASK_ALERT_IDS };

const copy = (t: StoredTask): StoredTask => ({ ...t, alertIds: [...t.alertIds] });

/** Applies a patch to a task (what both adapters write). */
export const patchTask = (task: StoredTask, patch: TaskPatch): StoredTask => {
  const next = copy(task);
  if (patch.status !== undefined) next.status = patch.status;
  if (patch.link !== undefined) next.link = patch.link;
  if (patch.key !== undefined) next.key = patch.key;
  if (patch.syncedAt !== undefined) next.syncedAt = patch.syncedAt;
  if (patch.addAlert !== undefined) {
    next.dedupeCount += 1;
    next.alertIds = [...next.alertIds, patch.addAlert].slice(-MAX_TASK_ALERT_IDS);
  }
  next.updatedAt = patch.updatedAt;
  return next;
};

/** Where a task sorts in the newest-first listing (the adapter's gsi1 sort key): creation time, then id. */
const listKey = (t: StoredTask): string => `${t.createdAt}#${t.id}`;
/** Where it sorts in the open tasks' walk (the adapter's table sort key): its id. */
const idKey = (t: StoredTask): string => t.id;
const byKey =
  (key: (t: StoredTask) => string) =>
  (a: StoredTask, b: StoredTask): number =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

/**
 * A page of `items` (in listing order by `key`) after the cursor, as the
 * adapter pages: cursors opaque and refused (400 invalid_cursor) from another
 * listing; a next cursor only when more may follow.
 */
const pageOf = (
  items: StoredTask[],
  key: (t: StoredTask) => string,
  scope: string,
  limit: number,
  cursor: string | undefined,
  descending: boolean,
): Page<StoredTask> => {
  const after = cursor === undefined ? undefined : lastOfMemoryCursor(cursor, scope);
  const rest =
    after === undefined ? items : items.filter((t) => (descending ? key(t) < after : key(t) > after));
  const slice = rest.slice(0, limit);
  const last = slice.at(-1);
  return {
    items: slice,
    ...(rest.length > limit && last !== undefined
      ? { nextCursor: encodeMemoryCursor(scope, key(last)) }
      : {}),
  };
};

/**
 * Tasks with the DynamoDB adapter's semantics (test/contract/task-store.contract.ts
 * runs one suite against both). It hands out copies, as a table does.
 */
export class MemoryTaskStore implements TaskStore {
  /** `<jobId>#<taskId>` → task. */
  readonly items = new Map<string, StoredTask>();
  /** `<jobId>#<dedupeKey>` → taskId of the open task. */
  readonly keys = new Map<string, string>();
  writes = 0;
  reads = 0;

  get(jobId: string, taskId: string): Promise<StoredTask | undefined> {
    this.reads++;
    const t = this.items.get(`${jobId}#${taskId}`);
    return Promise.resolve(t === undefined ? undefined : copy(t));
  }

  put(jobId: string, task: StoredTask): Promise<void> {
    this.writes++;
    this.items.set(`${jobId}#${task.id}`, copy(task));
    if (task.dedupeKey !== undefined && isOpenTask(task.status)) {
      this.keys.set(`${jobId}#${task.dedupeKey}`, task.id);
    }
    return Promise.resolve();
  }

  async openFor(jobId: string, dedupeKey: string): Promise<StoredTask | undefined> {
    const id = this.keys.get(`${jobId}#${dedupeKey}`);
    if (id === undefined) return undefined;
    const task = await this.get(jobId, id);
    return task !== undefined && isOpenTask(task.status) ? task : undefined;
  }

  update(jobId: string, taskId: string, patch: TaskPatch): Promise<StoredTask | undefined> {
    const current = this.items.get(`${jobId}#${taskId}`);
    if (current === undefined) return Promise.resolve(undefined);
    this.writes++;
    const next = patchTask(current, patch);
    this.items.set(`${jobId}#${taskId}`, next);
    if (!isOpenTask(next.status) && next.dedupeKey !== undefined) {
      const k = `${jobId}#${next.dedupeKey}`;
      if (this.keys.get(k) === taskId) this.keys.delete(k);
    }
    return Promise.resolve(copy(next));
  }

  /** The job's tasks (code-unit order, as the table sorts). */
  private ofJob(jobId: string, key: (t: StoredTask) => string): StoredTask[] {
    return [...this.items.entries()]
      .filter(([k]) => k.startsWith(`${jobId}#`))
      .map(([, t]) => copy(t))
      .sort(byKey(key));
  }

  /** Newest first. */
  list(jobId: string, request: TaskListRequest = {}): Promise<Page<StoredTask>> {
    this.reads++;
    // A refused limit or cursor rejects, as the adapter's call does (never a synchronous throw).
    try {
      const limit = pageLimit(request.limit);
      const all = this.ofJob(jobId, listKey)
        .reverse()
        .filter((t) => request.status === undefined || t.status === request.status);
      return Promise.resolve(pageOf(all, listKey, `tasks:${jobId}`, limit, request.cursor, true));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** By task id, pages of at most 100. */
  listOpen(jobId: string, page: PageRequest = {}): Promise<Page<StoredTask>> {
    this.reads++;
    try {
      const limit = pageLimit(page.limit ?? MAX_PAGE_LIMIT);
      const open = this.ofJob(jobId, idKey).filter((t) => isOpenTask(t.status));
      return Promise.resolve(pageOf(open, idKey, `open-tasks:${jobId}`, limit, page.cursor, false));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }
}
