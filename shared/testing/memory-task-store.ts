import { isOpenTask } from '../model/index.ts';
import type { StoredTask } from '../model/index.ts';
import type { Page, PageRequest, TaskListRequest, TaskPatch, TaskStore } from '../ports.ts';

/** The newest alert ids a task keeps. */
export const MAX_TASK_ALERT_IDS = 100;

const copy = (t: StoredTask): StoredTask => ({ ...t, alertIds: [...t.alertIds] });

/** Applies a patch to a task (what both adapters write). */
export const patchTask = (task: StoredTask, patch: TaskPatch): StoredTask => {
  const next = copy(task);
  if (patch.status !== undefined) next.status = patch.status;
  if (patch.link !== undefined) next.link = patch.link;
  if (patch.syncedAt !== undefined) next.syncedAt = patch.syncedAt;
  if (patch.addAlert !== undefined) {
    next.dedupeCount += 1;
    next.alertIds = [...next.alertIds, patch.addAlert].slice(-MAX_TASK_ALERT_IDS);
  }
  next.updatedAt = patch.updatedAt;
  return next;
};

/** Newest first (createdAt, then id, both descending): the order both adapters list in. */
const newestFirst = (
  a: Pick<StoredTask, 'createdAt' | 'id'>,
  b: Pick<StoredTask, 'createdAt' | 'id'>,
): number =>
  a.createdAt === b.createdAt ? b.id.localeCompare(a.id) : b.createdAt.localeCompare(a.createdAt);

/**
 * Key cursors (the last item's place, as a table's LastEvaluatedKey is), not
 * offsets: a walk that closes tasks as it goes (a sync over `listOpen`) skips
 * none of those after them.
 */
const pageOf = (items: StoredTask[], page: PageRequest = {}): Page<StoredTask> => {
  const after =
    page.cursor === undefined
      ? undefined
      : (JSON.parse(Buffer.from(page.cursor, 'base64url').toString('utf8')) as [string, string]);
  const rest =
    after === undefined
      ? items
      : items.filter((t) => newestFirst(t, { createdAt: after[0], id: after[1] }) > 0);
  const limit = page.limit ?? 100;
  const slice = rest.slice(0, limit);
  const last = slice.at(-1);
  return {
    items: slice,
    ...(rest.length > limit && last !== undefined
      ? { nextCursor: Buffer.from(JSON.stringify([last.createdAt, last.id])).toString('base64url') }
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

  private ofJob(jobId: string): StoredTask[] {
    return [...this.items.entries()]
      .filter(([k]) => k.startsWith(`${jobId}#`))
      .map(([, t]) => copy(t))
      .sort(newestFirst);
  }

  list(jobId: string, request: TaskListRequest = {}): Promise<Page<StoredTask>> {
    this.reads++;
    const all = this.ofJob(jobId).filter((t) => request.status === undefined || t.status === request.status);
    return Promise.resolve(pageOf(all, request));
  }

  listOpen(jobId: string, page: PageRequest = {}): Promise<Page<StoredTask>> {
    this.reads++;
    return Promise.resolve(
      pageOf(
        this.ofJob(jobId).filter((t) => isOpenTask(t.status)),
        page,
      ),
    );
  }
}
