import { describe, expect, it } from 'vitest';
import type { ScheduleStore } from '../../shared/ports.ts';
import type { MakeStore } from './fixtures.ts';
import { allPages, iso } from './fixtures.ts';

const MIN = 60_000;

/**
 * What every ScheduleStore does (shared/ports.ts), run against the in-memory
 * fake and the DynamoDB adapter alike: only armed records are due, `advance`
 * moves a record only from the `through` its caller read, and each occurrence
 * is claimed exactly once.
 */
export const describeScheduleStoreContract = (name: string, makeStore: MakeStore<ScheduleStore>): void => {
  describe(`ScheduleStore contract: ${name}`, () => {
    it('has no record for a job never armed', async () => {
      // Prepare
      const store = await makeStore();

      // Act
      const found = await store.get('none');

      // Assess
      expect(found).toBeUndefined();
      expect((await store.getMany(['none'])).size).toBe(0);
    });

    it('arms a record and reads it back whole, alone or among several', async () => {
      // Prepare
      const store = await makeStore();

      // Act
      await store.arm('job-a', {
        through: iso(0),
        nextRunAt: iso(MIN),
        scheduleHash: 'h1',
        resumedAt: iso(0),
        at: iso(1),
      });
      await store.arm('job-b', { through: iso(0), scheduleHash: 'h2', at: iso(2) });

      // Assess
      const a = {
        jobId: 'job-a',
        through: iso(0),
        nextRunAt: iso(MIN),
        scheduleHash: 'h1',
        resumedAt: iso(0),
        updatedAt: iso(1),
      };
      const b = { jobId: 'job-b', through: iso(0), scheduleHash: 'h2', updatedAt: iso(2) };
      expect(await store.get('job-a')).toEqual(a);
      const many = await store.getMany(['job-a', 'job-b', 'job-c', 'job-a']);
      expect(Object.fromEntries(many)).toEqual({ 'job-a': a, 'job-b': b });
    });

    it('lists due only the armed records with nextRunAt at or before the time, earliest first', async () => {
      // Prepare
      const store = await makeStore();
      await store.arm('late', { through: iso(0), nextRunAt: iso(3 * MIN), at: iso(0) });
      await store.arm('exact', { through: iso(0), nextRunAt: iso(2 * MIN), at: iso(0) });
      await store.arm('early', { through: iso(0), nextRunAt: iso(MIN), at: iso(0) });
      await store.arm('disarmed', { through: iso(0), at: iso(0) });

      // Act
      const due = await store.listDue(iso(2 * MIN));

      // Assess
      expect(due.items.map((r) => r.jobId)).toEqual(['early', 'exact']);
      expect(due.items[0]).toMatchObject({ through: iso(0), nextRunAt: iso(MIN) });
      expect(due.nextCursor).toBeUndefined();
    });

    it('pages the due listing with a cursor', async () => {
      // Prepare
      const store = await makeStore();
      for (let i = 0; i < 5; i++) {
        await store.arm(`job-${i}`, { through: iso(0), nextRunAt: iso(i * 1000), at: iso(0) });
      }

      // Act
      const { items } = await allPages((page) => store.listDue(iso(MIN), page), 2);

      // Assess
      expect(items.map((r) => r.jobId)).toEqual(['job-0', 'job-1', 'job-2', 'job-3', 'job-4']);
    });

    it('disarms by arming without nextRunAt: the record stays, out of the due listing', async () => {
      // Prepare
      const store = await makeStore();
      await store.arm('job', { through: iso(0), nextRunAt: iso(MIN), scheduleHash: 'h', at: iso(0) });

      // Act
      await store.arm('job', { through: iso(0), scheduleHash: 'h', at: iso(5) });

      // Assess
      expect((await store.listDue(iso(10 * MIN))).items).toEqual([]);
      expect(await store.get('job')).toEqual({
        jobId: 'job',
        through: iso(0),
        scheduleHash: 'h',
        updatedAt: iso(5),
      });
    });

    it('advances only from the through its caller read: the second of two schedulers is refused', async () => {
      // Prepare
      const store = await makeStore();
      await store.arm('job', { through: iso(0), nextRunAt: iso(MIN), scheduleHash: 'h', at: iso(0) });

      // Act
      const first = await store.advance('job', {
        from: iso(0),
        through: iso(MIN),
        nextRunAt: iso(2 * MIN),
        at: iso(MIN + 1),
      });
      const second = await store.advance('job', {
        from: iso(0),
        through: iso(MIN),
        nextRunAt: iso(2 * MIN),
        at: iso(MIN + 2),
      });

      // Assess
      expect([first, second]).toEqual([true, false]);
      expect(await store.get('job')).toEqual({
        jobId: 'job',
        through: iso(MIN),
        nextRunAt: iso(2 * MIN),
        scheduleHash: 'h',
        updatedAt: iso(MIN + 1),
      });
      expect((await store.listDue(iso(MIN))).items).toEqual([]);
      expect((await store.listDue(iso(2 * MIN))).items.map((r) => r.nextRunAt)).toEqual([iso(2 * MIN)]);
    });

    it('advances a record armed without through only from undefined, and never a record that is gone', async () => {
      // Prepare
      const store = await makeStore();
      await store.arm('job', { nextRunAt: iso(MIN), at: iso(0) });

      // Act
      const fromWrong = await store.advance('job', { from: iso(0), through: iso(MIN), at: iso(1) });
      const fromNone = await store.advance('job', { from: undefined, through: iso(MIN), at: iso(2) });
      const absent = await store.advance('gone', { from: undefined, through: iso(MIN), at: iso(3) });

      // Assess
      expect([fromWrong, fromNone, absent]).toEqual([false, true, false]);
      expect(await store.get('gone')).toBeUndefined();
      // No nextRunAt given: out of the due listing.
      expect(await store.get('job')).toEqual({ jobId: 'job', through: iso(MIN), updatedAt: iso(2) });
      expect((await store.listDue(iso(10 * MIN))).items).toEqual([]);
    });

    it('removes a record', async () => {
      // Prepare
      const store = await makeStore();
      await store.arm('job', { through: iso(0), nextRunAt: iso(MIN), at: iso(0) });

      // Act
      await store.remove('job');
      await store.remove('never');

      // Assess
      expect(await store.get('job')).toBeUndefined();
      expect((await store.listDue(iso(MIN))).items).toEqual([]);
    });

    it('claims an occurrence once: concurrent claims, one winner, whose run the claim names', async () => {
      // Prepare
      const store = await makeStore();

      // Act
      const results = await Promise.all(
        ['r1', 'r2', 'r3', 'r4', 'r5'].map((runId) =>
          store.claimOccurrence('job', iso(MIN), {
            runId,
            at: iso(MIN + 1),
            expiresAt: iso(MIN + 7 * 86_400_000),
          }),
        ),
      );
      const other = await store.claimOccurrence('job', iso(2 * MIN), {
        runId: 'r6',
        at: iso(2 * MIN),
        expiresAt: iso(2 * MIN + 1000),
      });

      // Assess
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = ['r1', 'r2', 'r3', 'r4', 'r5'][results.indexOf(true)];
      expect(await store.occurrence('job', iso(MIN))).toEqual({
        runId: winner,
        at: iso(MIN + 1),
        expiresAt: iso(MIN + 7 * 86_400_000),
      });
      expect(other).toBe(true);
      expect(await store.occurrence('job', iso(3 * MIN))).toBeUndefined();
      expect(await store.occurrence('other-job', iso(MIN))).toBeUndefined();
    });

    it('marks an occurrence overdue-notified once, and the next occurrence again', async () => {
      // Prepare
      const store = await makeStore();
      await store.arm('job', { through: iso(0), nextRunAt: iso(MIN), at: iso(0) });

      // Act
      const results = [
        await store.markOverdueNotified('job', iso(MIN)),
        await store.markOverdueNotified('job', iso(MIN)),
        await store.markOverdueNotified('job', iso(2 * MIN)),
        await store.markOverdueNotified('gone', iso(MIN)),
      ];

      // Assess
      expect(results).toEqual([true, false, true, false]);
      expect((await store.get('job'))?.overdueNotifiedFor).toBe(iso(2 * MIN));
      expect(await store.get('gone')).toBeUndefined();
    });
  });
};
