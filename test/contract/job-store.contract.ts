import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import type { JobStore } from '../../shared/ports.ts';
import type { MakeStore } from './fixtures.ts';
import { allPages, makeJob } from './fixtures.ts';

/**
 * What every JobStore does (shared/ports.ts), run against the in-memory fake
 * and the DynamoDB adapter alike.
 */
export const describeJobStoreContract = (name: string, makeStore: MakeStore<JobStore>): void => {
  describe(`JobStore contract: ${name}`, () => {
    it('creates, reads back, replaces and deletes a job, saying whether it created or found one', async () => {
      // Prepare
      const store = await makeStore();
      const job = makeJob('crud', {
        params: { project: 'SEC', labels: ['a', 'b'] },
        dedupeWindowSeconds: 60,
      });

      // Act
      const first = await store.put(job);
      const read = await store.get('crud');
      const second = await store.put({ ...job, name: 'Renamed', enabled: false });
      const replaced = await store.get('crud');
      const deleted = await store.delete('crud');
      const deletedAgain = await store.delete('crud');

      // Assess
      expect(first).toEqual({ created: true });
      expect(read).toEqual(job);
      expect(second).toEqual({ created: false });
      expect(replaced).toEqual({ ...job, name: 'Renamed', enabled: false });
      expect(deleted).toBe(true);
      expect(deletedAgain).toBe(false);
      expect(await store.get('crud')).toBeUndefined();
    });

    it('answers undefined for an unknown job and false for deleting one', async () => {
      // Prepare
      const store = await makeStore();

      // Act & Assess
      expect(await store.get('nope')).toBeUndefined();
      expect(await store.delete('nope')).toBe(false);
    });

    it('keeps what was put, not the caller’s object', async () => {
      // Prepare
      const store = await makeStore();
      const job = makeJob('copied', { params: { labels: ['a'] } });
      await store.put(job);

      // Act
      job.name = 'changed after put';
      const read = await store.get('copied');
      if (read) read.name = 'changed after get';

      // Assess
      expect((await store.get('copied'))?.name).toBe('Job copied');
    });

    it('lists jobs sorted by id, page by page', async () => {
      // Prepare
      const store = await makeStore();
      for (const id of ['e-job', 'b-job', 'd-job', 'a-job', 'c-job']) await store.put(makeJob(id));

      // Act
      const page1 = await store.list({ limit: 2 });
      const page2 = await store.list({ limit: 2, cursor: page1.nextCursor });
      const page3 = await store.list({ limit: 2, cursor: page2.nextCursor });

      // Assess
      expect(page1.items.map((j) => j.id)).toEqual(['a-job', 'b-job']);
      expect(page2.items.map((j) => j.id)).toEqual(['c-job', 'd-job']);
      expect(page3.items.map((j) => j.id)).toEqual(['e-job']);
      expect(page1.nextCursor).toEqual(expect.any(String));
      expect(page3.nextCursor).toBeUndefined();
      expect(page1.items[0]).toEqual(makeJob('a-job'));
    });

    it('answers an empty page when there are no jobs', async () => {
      // Prepare
      const store = await makeStore();

      // Act
      const page = await store.list();

      // Assess
      expect(page).toEqual({ items: [] });
    });

    it('pages by 20 by default and by 100 at most', async () => {
      // Prepare
      const store = await makeStore();
      for (let i = 0; i < 21; i++) await store.put(makeJob(`job-${String(i).padStart(2, '0')}`));

      // Act
      const byDefault = await store.list();
      const rest = await store.list({ cursor: byDefault.nextCursor });
      const huge = await store.list({ limit: 1000 });
      const walked = await allPages((p) => store.list(p), 7);

      // Assess
      expect(byDefault.items).toHaveLength(20);
      expect(byDefault.nextCursor).toEqual(expect.any(String));
      expect(rest.items.map((j) => j.id)).toEqual(['job-20']);
      expect(huge.items).toHaveLength(21);
      expect(huge.nextCursor).toBeUndefined();
      expect(walked.items.map((j) => j.id)).toEqual(huge.items.map((j) => j.id));
    });

    it('refuses a cursor that is not one of its own, and a limit below 1', async () => {
      // Prepare
      const store = await makeStore();
      await store.put(makeJob('a-job'));

      // Act & Assess
      await expect(store.list({ cursor: 'not-a-cursor' })).rejects.toThrow(ValidationError);
      await expect(store.list({ cursor: 'not-a-cursor' })).rejects.toThrow('invalid cursor');
      await expect(store.list({ limit: 0 })).rejects.toThrow(ValidationError);
      await expect(store.list({ limit: 1.5 })).rejects.toThrow(ValidationError);
    });
  });
};
