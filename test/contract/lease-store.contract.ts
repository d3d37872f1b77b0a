import { describe, expect, it } from 'vitest';
import type { LeaseStore } from '../../shared/ports.ts';
import type { MakeStore } from './fixtures.ts';
import { iso } from './fixtures.ts';

/**
 * What every LeaseStore does (shared/ports.ts), run against the in-memory fake
 * and the DynamoDB adapter alike.
 */
export const describeLeaseStoreContract = (name: string, makeStore: MakeStore<LeaseStore>): void => {
  describe(`LeaseStore contract: ${name}`, () => {
    it('takes a free lease, and reads it back', async () => {
      // Prepare
      const store = await makeStore();

      // Act
      const result = await store.acquire('job', 'schedule', { holder: 'run-a', until: iso(60_000) }, iso(0));

      // Assess
      expect(result).toEqual({ acquired: true });
      expect(await store.get('job', 'schedule')).toEqual({ holder: 'run-a', until: iso(60_000) });
      expect(await store.get('job', 'slot#0')).toBeUndefined();
      expect(await store.get('other-job', 'schedule')).toBeUndefined();
    });

    it('refuses a live lease of another holder, answering who holds it until when, and changes nothing', async () => {
      // Prepare
      const store = await makeStore();
      await store.acquire('job', 'schedule', { holder: 'run-a', until: iso(60_000) }, iso(0));

      // Act
      const result = await store.acquire(
        'job',
        'schedule',
        { holder: 'run-b', until: iso(90_000) },
        iso(30_000),
      );
      const atTheEdge = await store.acquire(
        'job',
        'schedule',
        { holder: 'run-b', until: iso(90_000) },
        iso(60_000),
      );

      // Assess
      expect(result).toEqual({ acquired: false, current: { holder: 'run-a', until: iso(60_000) } });
      expect(atTheEdge.acquired).toBe(false);
      expect(await store.get('job', 'schedule')).toEqual({ holder: 'run-a', until: iso(60_000) });
    });

    it('lets its own holder acquire again (renewed to the new until)', async () => {
      // Prepare
      const store = await makeStore();
      await store.acquire('job', 'schedule', { holder: 'run-a', until: iso(60_000) }, iso(0));

      // Act
      const result = await store.acquire(
        'job',
        'schedule',
        { holder: 'run-a', until: iso(120_000) },
        iso(30_000),
      );

      // Assess
      expect(result).toEqual({ acquired: true });
      expect(await store.get('job', 'schedule')).toEqual({ holder: 'run-a', until: iso(120_000) });
    });

    it('hands an expired lease to the next one who asks (its holder died)', async () => {
      // Prepare
      const store = await makeStore();
      await store.acquire('job', 'schedule', { holder: 'dead-run', until: iso(60_000) }, iso(0));

      // Act
      const result = await store.acquire(
        'job',
        'schedule',
        { holder: 'run-b', until: iso(150_000) },
        iso(60_001),
      );
      const lateRenew = await store.renew('job', 'schedule', 'dead-run', iso(200_000));
      const lateRelease = await store.release('job', 'schedule', 'dead-run');

      // Assess: the dead holder can neither renew nor release what was taken over
      expect(result).toEqual({ acquired: true });
      expect(lateRenew).toBe(false);
      expect(lateRelease).toBe(false);
      expect(await store.get('job', 'schedule')).toEqual({ holder: 'run-b', until: iso(150_000) });
    });

    it('renews only for its holder', async () => {
      // Prepare
      const store = await makeStore();
      await store.acquire('job', 'slot#0', { holder: 'run-a', until: iso(60_000) }, iso(0));

      // Act
      const own = await store.renew('job', 'slot#0', 'run-a', iso(90_000));
      const other = await store.renew('job', 'slot#0', 'run-b', iso(500_000));
      const absent = await store.renew('job', 'slot#1', 'run-a', iso(90_000));

      // Assess
      expect(own).toBe(true);
      expect(other).toBe(false);
      expect(absent).toBe(false);
      expect(await store.get('job', 'slot#0')).toEqual({ holder: 'run-a', until: iso(90_000) });
      expect(await store.get('job', 'slot#1')).toBeUndefined();
    });

    it('releases only for its holder; a released lease is free for anyone', async () => {
      // Prepare
      const store = await makeStore();
      await store.acquire('job', 'schedule', { holder: 'run-a', until: iso(60_000) }, iso(0));

      // Act
      const other = await store.release('job', 'schedule', 'run-b');
      const own = await store.release('job', 'schedule', 'run-a');
      const twice = await store.release('job', 'schedule', 'run-a');
      const next = await store.acquire('job', 'schedule', { holder: 'run-b', until: iso(70_000) }, iso(1000));

      // Assess
      expect(other).toBe(false);
      expect(own).toBe(true);
      expect(twice).toBe(false);
      expect(next).toEqual({ acquired: true });
    });

    it('gives exactly one of many concurrent contenders a free lease', async () => {
      // Prepare
      const store = await makeStore();
      const holders = Array.from({ length: 8 }, (_, i) => `run-${i}`);

      // Act
      const results = await Promise.all(
        holders.map((holder) => store.acquire('job', 'schedule', { holder, until: iso(60_000) }, iso(0))),
      );

      // Assess
      const winners = holders.filter((_, i) => results[i]?.acquired);
      expect(winners).toHaveLength(1);
      expect((await store.get('job', 'schedule'))?.holder).toBe(winners[0]);
    });

    it('reads one lease name of many jobs at once: the held ones, expired or not, keyed by job', async () => {
      // Prepare: 130 jobs (more than one batch), every third holding `schedule`, one a slot only.
      const store = await makeStore();
      const ids = Array.from({ length: 130 }, (_, i) => `job-${String(i).padStart(3, '0')}`);
      const held = ids.filter((_, i) => i % 3 === 0);
      for (const [i, id] of held.entries()) {
        await store.acquire(id, 'schedule', { holder: `run-${id}`, until: iso(i * 1000) }, iso(0));
      }
      await store.acquire('job-001', 'slot#0', { holder: 'slot-holder', until: iso(60_000) }, iso(0));

      // Act
      const found = await store.getMany([...ids, 'job-000', 'never-held'], 'schedule');
      const slots = await store.getMany(['job-000', 'job-001'], 'slot#0');
      const none = await store.getMany([], 'schedule');

      // Assess
      expect([...found.keys()].sort()).toEqual(held);
      expect(found.get('job-003')).toEqual({ holder: 'run-job-003', until: iso(1000) });
      expect(found.get(held.at(-1)!)).toEqual({
        holder: `run-${held.at(-1)}`,
        until: iso((held.length - 1) * 1000),
      });
      expect([...slots.entries()]).toEqual([['job-001', { holder: 'slot-holder', until: iso(60_000) }]]);
      expect(none.size).toBe(0);
    });
  });
};
