import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import type { StoredTask } from '../../shared/model/index.ts';
import type { TaskStore } from '../../shared/ports.ts';
import type { MakeStore } from './fixtures.ts';
import { allPages, iso } from './fixtures.ts';

/** A task opened at T0 + `seconds`: one alert, status `new`. */
const makeTask = (id: string, seconds: number, over: Partial<StoredTask> = {}): StoredTask => ({
  id,
  status: 'new',
  link: `https://tickets.example/browse/${id}`,
  dedupeCount: 1,
  alertIds: [`alert-${id}`],
  queue: '10000:Task',
  createdAt: iso(seconds * 1000),
  updatedAt: iso(seconds * 1000),
  ...over,
});

/**
 * What every TaskStore does (shared/ports.ts), run against the in-memory fake
 * (unit) and the DynamoDB adapter (integration, dynalite) alike.
 */
export const describeTaskStoreContract = (name: string, makeStore: MakeStore<TaskStore>): void => {
  describe(`TaskStore contract: ${name}`, () => {
    it('puts a task and reads it back, per job', async () => {
      // Prepare
      const store = await makeStore();
      const task = makeTask('SEC-1', 0, { dedupeKey: 'malware:alice', syncedAt: iso(500) });

      // Act
      await store.put('job', task);

      // Assess
      expect(await store.get('job', 'SEC-1')).toEqual(task);
      expect(await store.get('job', 'SEC-2')).toBeUndefined();
      expect(await store.get('other-job', 'SEC-1')).toBeUndefined();
    });

    it('keeps a task’s human key, put with it or set by an update, and lists it', async () => {
      // Prepare
      const store = await makeStore();
      const sysId = 'cdbdfbc0c3a03210f0b8f5ec05013175';
      await store.put('job', makeTask(sysId, 0, { key: 'INC0010002' }));
      await store.put('job', makeTask('SEC-2', 1));

      // Act
      const updated = await store.update('job', 'SEC-2', { key: 'KEY-2', updatedAt: iso(5_000) });
      const listed = await store.list('job', { limit: 10 });

      // Assess
      expect((await store.get('job', sysId))?.key).toBe('INC0010002');
      expect(updated?.key).toBe('KEY-2');
      expect((await store.get('job', 'SEC-2'))?.key).toBe('KEY-2');
      expect(listed.items.map((t) => t.key)).toEqual(['KEY-2', 'INC0010002']);
    });

    it('answers the open task of a dedupe key; not a task without one, nor another job’s', async () => {
      // Prepare
      const store = await makeStore();
      await store.put('job', makeTask('SEC-1', 0, { dedupeKey: 'malware:alice' }));
      await store.put('job', makeTask('SEC-2', 1));

      // Act
      const open = await store.openFor('job', 'malware:alice');

      // Assess
      expect(open?.id).toBe('SEC-1');
      expect(await store.openFor('job', 'malware:bob')).toBeUndefined();
      expect(await store.openFor('other-job', 'malware:alice')).toBeUndefined();
    });

    it('a task put closed holds no key', async () => {
      // Prepare
      const store = await makeStore();

      // Act
      await store.put('job', makeTask('SEC-1', 0, { dedupeKey: 'k', status: 'closed' }));

      // Assess
      expect(await store.openFor('job', 'k')).toBeUndefined();
      expect((await store.get('job', 'SEC-1'))?.status).toBe('closed');
    });

    it('a final status frees the key; the next task takes it, and an update of the old one leaves it', async () => {
      // Prepare
      const store = await makeStore();
      await store.put('job', makeTask('SEC-1', 0, { dedupeKey: 'k' }));

      // Act
      const closed = await store.update('job', 'SEC-1', { status: 'closed', updatedAt: iso(10_000) });
      const afterClose = await store.openFor('job', 'k');
      await store.put('job', makeTask('SEC-2', 20, { dedupeKey: 'k' }));
      // A late sync marks the old task deleted: the key stays with the new one.
      await store.update('job', 'SEC-1', { status: 'deleted', updatedAt: iso(30_000) });

      // Assess
      expect(closed).toMatchObject({ id: 'SEC-1', status: 'closed', updatedAt: iso(10_000) });
      expect(afterClose).toBeUndefined();
      expect((await store.openFor('job', 'k'))?.id).toBe('SEC-2');
    });

    it('an open status keeps the key; link and syncedAt are patched; the new task is answered', async () => {
      // Prepare
      const store = await makeStore();
      await store.put('job', makeTask('SEC-1', 0, { dedupeKey: 'k' }));

      // Act
      const updated = await store.update('job', 'SEC-1', {
        status: 'in_progress',
        link: 'https://tickets.example/browse/SEC-1?focus',
        syncedAt: iso(5_000),
        updatedAt: iso(5_000),
      });

      // Assess
      const expected = {
        ...makeTask('SEC-1', 0, { dedupeKey: 'k' }),
        status: 'in_progress',
        link: 'https://tickets.example/browse/SEC-1?focus',
        syncedAt: iso(5_000),
        updatedAt: iso(5_000),
      };
      expect(updated).toEqual(expected);
      expect(await store.get('job', 'SEC-1')).toEqual(expected);
      expect(await store.openFor('job', 'k')).toEqual(expected);
    });

    it('counts deduplicated alerts and keeps the newest 100 alert ids, oldest first', async () => {
      // Prepare
      const store = await makeStore();
      await store.put('job', makeTask('SEC-1', 0, { alertIds: ['a0'] }));

      // Act
      let last: StoredTask | undefined;
      for (let i = 1; i <= 130; i++) {
        last = await store.update('job', 'SEC-1', { addAlert: `a${i}`, updatedAt: iso(i * 1000) });
      }

      // Assess
      const newest = Array.from({ length: 100 }, (_, i) => `a${i + 31}`);
      expect(last).toMatchObject({ dedupeCount: 131, alertIds: newest, updatedAt: iso(130_000) });
      expect(await store.get('job', 'SEC-1')).toMatchObject({ dedupeCount: 131, alertIds: newest });
    });

    it('answers undefined for an update of a task it does not have, and creates none', async () => {
      // Prepare
      const store = await makeStore();

      // Act
      const updated = await store.update('job', 'SEC-9', { status: 'closed', updatedAt: iso(0) });

      // Assess
      expect(updated).toBeUndefined();
      expect(await store.get('job', 'SEC-9')).toBeUndefined();
    });

    it('lists newest first, filtered by status, page by page with cursors', async () => {
      // Prepare: 25 tasks, every fifth closed, another job's too
      const store = await makeStore();
      for (let i = 0; i < 25; i++) {
        await store.put('job', makeTask(`T-${String(i).padStart(2, '0')}`, i));
      }
      for (let i = 0; i < 25; i += 5) {
        await store.update('job', `T-${String(i).padStart(2, '0')}`, {
          status: 'closed',
          updatedAt: iso(100_000),
        });
      }
      await store.put('other-job', makeTask('X-1', 50));

      // Act
      const all = await allPages((page) => store.list('job', page), 7);
      const closed = await allPages((page) => store.list('job', { ...page, status: 'closed' }), 2);
      const first = await store.list('job');

      // Assess
      const ids = Array.from({ length: 25 }, (_, i) => `T-${String(24 - i).padStart(2, '0')}`);
      expect(all.items.map((t) => t.id)).toEqual(ids);
      expect(all.pages).toBeGreaterThanOrEqual(4);
      expect(closed.items.map((t) => t.id)).toEqual(['T-20', 'T-15', 'T-10', 'T-05', 'T-00']);
      expect(closed.items.every((t) => t.status === 'closed')).toBe(true);
      // 20 by default.
      expect(first.items).toHaveLength(20);
      expect(first.nextCursor).toBeDefined();
    });

    it('refuses a cursor of another job’s listing, and garbage, as invalid_cursor', async () => {
      // Prepare
      const store = await makeStore();
      for (let i = 0; i < 3; i++) {
        await store.put('job', makeTask(`T-${i}`, i));
        await store.put('other-job', makeTask(`T-${i}`, i));
      }
      const page = await store.list('other-job', { limit: 1 });

      // Act
      const errors = await Promise.all([
        store.list('job', { cursor: page.nextCursor }).catch((e: unknown) => e),
        store.list('job', { cursor: 'not-a-cursor' }).catch((e: unknown) => e),
        store.listOpen('job', { cursor: page.nextCursor }).catch((e: unknown) => e),
      ]);

      // Assess
      for (const e of errors) {
        expect(e).toBeInstanceOf(ValidationError);
        expect(e).toMatchObject({ code: 'invalid_cursor' });
      }
    });

    it('walks the open tasks only, in pages of at most 100, each once', async () => {
      // Prepare: 230 tasks, every fourth closed or deleted after it was put
      const store = await makeStore();
      const open: string[] = [];
      for (let i = 0; i < 230; i++) {
        const id = `T-${String(i).padStart(3, '0')}`;
        await store.put('job', makeTask(id, i, { dedupeKey: `k${i}` }));
        if (i % 4 === 0) {
          await store.update('job', id, { status: i % 8 === 0 ? 'closed' : 'deleted', updatedAt: iso(0) });
        } else {
          open.push(id);
        }
      }
      await store.put('other-job', makeTask('X-1', 1));

      // Act
      const walked = await allPages((page) => store.listOpen('job', page), 100);
      const big = await store.listOpen('job', { limit: 1000 });

      // Assess
      expect(walked.items.map((t) => t.id).sort()).toEqual(open);
      expect(walked.items.every((t) => t.status === 'new')).toBe(true);
      expect(walked.pages).toBeGreaterThanOrEqual(2);
      expect(big.items.length).toBeLessThanOrEqual(100);
    });
  });
};
