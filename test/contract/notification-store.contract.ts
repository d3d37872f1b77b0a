import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import type { NotificationRecord, NotificationStore, Severity } from '../../shared/ports.ts';
import { ulidFactory } from '../../shared/runtime/ulid.ts';
import type { MakeStore } from './fixtures.ts';
import { T0, iso } from './fixtures.ts';

const ulid = ulidFactory();

/** The n-th notification raised, at T0 + n seconds (ids, ULIDs of that time, sort like it). */
export const makeNotification = (n: number, over: Partial<NotificationRecord> = {}): NotificationRecord => ({
  id: ulid(T0 + n * 1000),
  jobId: 'job-a',
  runId: ulid(T0 + n * 1000),
  severity: 'info',
  kind: 'integration',
  message: `message ${n}`,
  createdAt: iso(n * 1000),
  ...over,
});

/**
 * What every NotificationStore does (shared/ports.ts), run against the
 * in-memory fake and the DynamoDB adapter alike.
 */
export const describeNotificationStoreContract = (
  name: string,
  makeStore: MakeStore<NotificationStore>,
): void => {
  describe(`NotificationStore contract: ${name}`, () => {
    it('lists every job’s notifications newest first, or one job’s', async () => {
      // Prepare
      const store = await makeStore();
      const a1 = makeNotification(1);
      const b2 = makeNotification(2, { jobId: 'job-b', severity: 'error', kind: 'run_failed' });
      const a3 = makeNotification(3, { severity: 'warn' });
      const { runId: _none, ...noRun } = makeNotification(4, { jobId: 'job-b', kind: 'payload_too_large' });
      for (const n of [a1, b2, a3, noRun]) await store.add(n);

      // Act
      const all = await store.list({});
      const ofA = await store.list({ jobId: 'job-a' });
      const none = await store.list({ jobId: 'job-c' });

      // Assess
      expect(all).toEqual({ items: [noRun, a3, b2, a1] });
      expect(ofA).toEqual({ items: [a3, a1] });
      expect(none).toEqual({ items: [] });
    });

    it('filters by severity across pages, every match once, in order', async () => {
      // Prepare: 30 notifications, every third an error
      const store = await makeStore();
      const all = Array.from({ length: 30 }, (_, i) =>
        makeNotification(i, { severity: (i % 3 === 0 ? 'error' : 'info') as Severity }),
      );
      for (const n of all) await store.add(n);
      const errors = all.filter((n) => n.severity === 'error').reverse();

      // Act: pages of 4 until the listing ends (bounded)
      const seen: NotificationRecord[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.list({
          jobId: 'job-a',
          severity: 'error',
          limit: 4,
          ...(cursor ? { cursor } : {}),
        });
        seen.push(...page.items);
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== undefined && pages < 20);

      // Assess
      expect(seen).toEqual(errors);
      expect(pages).toBeGreaterThanOrEqual(3);
      expect(seen.every((n) => n.severity === 'error')).toBe(true);
    });

    it('ends a listing whose filter matches nothing', async () => {
      // Prepare
      const store = await makeStore();
      for (let i = 0; i < 25; i++) await store.add(makeNotification(i));

      // Act: follow the cursors (a page may come back empty with one), bounded
      let cursor: string | undefined;
      let found = 0;
      let pages = 0;
      do {
        const page = await store.list({ severity: 'error', limit: 2, ...(cursor ? { cursor } : {}) });
        found += page.items.length;
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== undefined && pages < 50);

      // Assess
      expect(found).toBe(0);
      expect(cursor).toBeUndefined();
    });

    it('refuses a cursor of another job’s listing, or of the listing of all', async () => {
      // Prepare
      const store = await makeStore();
      for (let i = 0; i < 3; i++) {
        await store.add(makeNotification(i));
        await store.add(makeNotification(10 + i, { jobId: 'job-b' }));
      }
      const ofA = await store.list({ jobId: 'job-a', limit: 1 });
      const ofAll = await store.list({ limit: 1 });
      expect(ofA.nextCursor).toBeDefined();
      expect(ofAll.nextCursor).toBeDefined();

      // Act & Assess
      await expect(store.list({ jobId: 'job-b', cursor: ofA.nextCursor })).rejects.toBeInstanceOf(
        ValidationError,
      );
      await expect(store.list({ jobId: 'job-b', cursor: ofAll.nextCursor })).rejects.toBeInstanceOf(
        ValidationError,
      );
      await expect(store.list({ cursor: ofA.nextCursor })).rejects.toBeInstanceOf(ValidationError);
      await expect(store.list({ cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(ValidationError);
    });

    it('pages 20 by default and at most 100', async () => {
      // Prepare
      const store = await makeStore();
      for (let i = 0; i < 25; i++) await store.add(makeNotification(i));

      // Act
      const first = await store.list({});
      const rest = await store.list({ cursor: first.nextCursor });
      const big = await store.list({ limit: 1000 });

      // Assess
      expect(first.items).toHaveLength(20);
      expect(rest.items).toHaveLength(5);
      expect(rest.nextCursor).toBeUndefined();
      expect(big.items).toHaveLength(25);
    });
  });
};
