import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { StoredTask } from '../../shared/model/index.ts';
import type { TicketContext } from '../../shared/sdk/index.ts';
import { SYNC_BATCH } from '../../shared/sdk/index.ts';
import { MemoryTaskStore } from '../../shared/testing/memory-task-store.ts';
import { MIN_SILENT_BATCH, syncTaskIds, syncTasks, unansweredText } from '../../shared/tickets/sync.ts';
import { FakeTarget } from '../helpers/fake-ticket-plugin.ts';
import { FakeClock } from '../helpers/memory-deps.ts';

const JOB = 'alerts';
type Params = { url: string; token?: string };

const silent = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
const ctx = (): TicketContext<Params> => ({
  jobId: JOB,
  params: { url: 'http://127.0.0.1:9' },
  http: {} as TicketContext<Params>['http'],
  logger: silent,
  signal: new AbortController().signal,
});

/**
 * A target with `count` tasks, and a store that keeps each as an open task of
 * the job, with `alertIds` alert ids (the store hands out copies: each task
 * listed costs that array anew).
 */
const setup = async (count: number, alertIds = 1) => {
  const target = new FakeTarget();
  const ids = target.seed(count);
  const tasks = new MemoryTaskStore();
  const base = Date.parse('2026-11-01T00:00:00Z');
  for (const [i, id] of ids.entries()) {
    const at = new Date(base + i * 1000).toISOString();
    const task: StoredTask = {
      id,
      status: 'new',
      link: `https://target.test/browse/${id}`,
      dedupeKey: `key-${i}`,
      dedupeCount: alertIds,
      alertIds: Array.from({ length: alertIds }, (_, n) => `a-${i}-${n}`),
      queue: 'Q',
      createdAt: at,
      updatedAt: at,
    };
    await tasks.put(JOB, task);
    // The target answers the same link: unchanged tasks are not written.
    const t = target.tasks.get(id);
    if (t) t.link = task.link;
  }
  tasks.writes = 0;
  const plugin = target.integration().tickets;
  if (plugin === undefined) throw new Error('no plugin');
  return { target, tasks, ids, plugin, deps: { tasks, clock: new FakeClock() } };
};

describe('syncTasks', () => {
  it('syncs 10,000 open tasks in exactly 100 syncStates calls of 100 ids, each task once, writing nothing unchanged', async () => {
    // Prepare
    const { target, tasks, ids, plugin, deps } = await setup(10_000);

    // Act
    const counts = await syncTasks(deps, { id: JOB }, plugin, ctx());

    // Assess
    expect(counts).toEqual({ synced: 10_000, calls: 100, closed: 0, deleted: 0 });
    expect(target.calls.syncStates).toBe(100);
    expect(target.synced.every((batch) => batch.length === SYNC_BATCH)).toBe(true);
    expect(new Set(target.synced.flat()).size).toBe(10_000);
    expect(target.synced.flat().sort()).toEqual([...ids].sort());
    expect(tasks.writes).toBe(0);
  });

  it('writes what changed: closed and deleted (left out by the target) tasks, with syncedAt; no task skipped while they leave the open list', async () => {
    // Prepare: 250 tasks; the target closed every 7th, lost every 11th, and moved one along
    const { target, tasks, ids, plugin, deps } = await setup(250);
    const closed = ids.filter((_, i) => i % 7 === 3);
    const lost = ids.filter((_, i) => i % 11 === 5 && i % 7 !== 3);
    for (const id of closed) target.setStatus(id, 'closed');
    for (const id of lost) target.remove(id);
    target.setStatus(ids[0] ?? '', 'in_progress');

    // Act
    const counts = await syncTasks(deps, { id: JOB }, plugin, ctx());

    // Assess: every task asked about once, in 3 calls
    expect(counts).toEqual({ synced: 250, calls: 3, closed: closed.length, deleted: lost.length });
    expect(target.synced.flat().sort()).toEqual([...ids].sort());
    expect(tasks.writes).toBe(closed.length + lost.length + 1);
    expect(await tasks.get(JOB, closed[0] ?? '')).toMatchObject({
      status: 'closed',
      syncedAt: '2026-11-22T10:00:00.000Z',
    });
    expect((await tasks.get(JOB, lost[0] ?? ''))?.status).toBe('deleted');
    expect((await tasks.get(JOB, ids[0] ?? ''))?.status).toBe('in_progress');
    // A final status frees the dedupe key: the next alert for it opens a new task
    expect(await tasks.openFor(JOB, `key-${ids.indexOf(closed[0] ?? '')}`)).toBeUndefined();
    let stillOpen = 0;
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const listed = await tasks.listOpen(JOB, { limit: 100, ...(cursor === undefined ? {} : { cursor }) });
      stillOpen += listed.items.length;
      cursor = listed.nextCursor;
      if (cursor === undefined) break;
    }
    expect(stillOpen).toBe(250 - closed.length - lost.length);
  });

  it('keeps memory flat: one page and one batch alive at a time, heap growth the same for 1,000 and 10,000 tasks', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;

    const measure = async (count: number) => {
      // Tasks of ~1 KiB each as listed (100 alert ids): holding every task of 10,000 would show as ~10 MiB
      const { tasks, plugin, deps, target } = await setup(count, 100);
      const pages: WeakRef<object>[] = [];
      const listOpen = tasks.listOpen.bind(tasks);
      tasks.listOpen = async (jobId, page) => {
        const listed = await listOpen(jobId, page);
        // The first task of each page: alive only while its page (its batch) is being synced
        if (listed.items[0] !== undefined) pages.push(new WeakRef(listed.items[0]));
        return listed;
      };
      gc();
      const before = process.memoryUsage().heapUsed;
      let peak = 0;
      let mostAlive = 0;
      target.onSync = async () => {
        // Every 10th call: a full gc, then what is still reachable (after the turn: a WeakRef keeps
        // its target alive until the job that made it ends)
        if (target.calls.syncStates % 10 !== 1) return;
        await new Promise((resolve) => setImmediate(resolve));
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - before);
        mostAlive = Math.max(mostAlive, pages.filter((p) => p.deref() !== undefined).length);
      };
      await syncTasks(deps, { id: JOB }, plugin, ctx());
      return { peak, mostAlive, pages: pages.length };
    };

    const small = await measure(1_000);
    const large = await measure(10_000);

    expect(small.pages).toBe(10);
    expect(large.pages).toBe(100);
    // The page being synced, and at most one other a stale register may keep
    expect(large.mostAlive).toBeLessThanOrEqual(2);
    // Generous: ten times the tasks may not cost more than 2 MiB more at the peak (holding them all: ~10 MiB)
    expect(large.peak - small.peak).toBeLessThan(2 * 1024 * 1024);
  }, 60_000);
});

describe('syncTaskIds', () => {
  it('syncs the named tasks the job keeps (open or not), skipping ids it does not know', async () => {
    const { target, tasks, ids, plugin, deps } = await setup(3);
    await tasks.update(JOB, ids[1] ?? '', { status: 'closed', updatedAt: '2026-11-22T09:00:00.000Z' });
    target.setStatus(ids[1] ?? '', 'in_progress');
    const counts = await syncTaskIds(deps, { id: JOB }, plugin, ctx(), [
      ids[1] ?? '',
      'NOT-OURS',
      ids[1] ?? '',
    ]);
    expect(counts).toEqual({ synced: 1, calls: 1, closed: 0, deleted: 0, unknown: 1 });
    expect(target.synced).toEqual([[ids[1]]]);
    expect((await tasks.get(JOB, ids[1] ?? ''))?.status).toBe('in_progress');
  });
});

describe('syncTasks: permission loss is not deletion', () => {
  it('a batch of ≥ 10 ids the target answers none of marks none deleted and counts them unanswered', async () => {
    const { target, tasks, ids, plugin, deps } = await setup(MIN_SILENT_BATCH + 2);
    for (const id of ids) target.remove(id);
    const counts = await syncTasks(deps, { id: JOB }, plugin, ctx());
    expect(counts).toEqual({ synced: 12, calls: 1, closed: 0, deleted: 0, unanswered: 12 });
    expect(tasks.writes).toBe(0);
    expect((await tasks.get(JOB, ids[0] ?? ''))?.status).toBe('new');
    expect(unansweredText(12)).toBe(
      "the target returned none of 12 open tasks: check the account's permissions; nothing was marked deleted",
    );
  });

  it('a smaller batch the target answers none of is believed: all deleted', async () => {
    const { target, tasks, ids, plugin, deps } = await setup(MIN_SILENT_BATCH - 1);
    for (const id of ids) target.remove(id);
    const counts = await syncTasks(deps, { id: JOB }, plugin, ctx());
    expect(counts).toEqual({ synced: 9, calls: 1, closed: 0, deleted: 9 });
    expect((await tasks.get(JOB, ids[0] ?? ''))?.status).toBe('deleted');
  });

  it('a partial answer marks the missing ones deleted, as before', async () => {
    const { target, tasks, ids, plugin, deps } = await setup(MIN_SILENT_BATCH + 2);
    for (const id of ids.slice(1)) target.remove(id);
    const counts = await syncTasks(deps, { id: JOB }, plugin, ctx());
    expect(counts).toEqual({ synced: 12, calls: 1, closed: 0, deleted: 11 });
    expect((await tasks.get(JOB, ids[0] ?? ''))?.status).toBe('new');
    expect((await tasks.get(JOB, ids[1] ?? ''))?.status).toBe('deleted');
  });
});
