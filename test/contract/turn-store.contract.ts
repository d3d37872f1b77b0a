import { describe, expect, it } from 'vitest';
import type { TurnStore } from '../../shared/ports.ts';
import type { MakeStore } from './fixtures.ts';
import { iso } from './fixtures.ts';

/** ULID-like run ids: they sort as they were made. */
const R1 = '01KXXX00000000000000000001';
const R2 = '01KXXX00000000000000000002';
const R3 = '01KXXX00000000000000000003';
const DAY = iso(86_400_000);

/**
 * What every TurnStore does (shared/ports.ts), run against the in-memory fake
 * (unit) and the DynamoDB adapter (integration, dynalite) alike.
 */
export const describeTurnStoreContract = (name: string, makeStore: MakeStore<TurnStore>): void => {
  describe(`TurnStore contract: ${name}`, () => {
    it('answers an empty line for a key nobody entered', async () => {
      // Prepare
      const store = await makeStore();

      // Act
      const head = await store.head('job', '1234', 2);

      // Assess
      expect(head).toEqual([]);
    });

    it('lines runs up by id whatever order they entered in, at most `limit` of them', async () => {
      // Prepare
      const store = await makeStore();
      await store.enter('job', '1234', R3, DAY);
      await store.enter('job', '1234', R1, DAY);
      await store.enter('job', '1234', R2, DAY);

      // Act
      const two = await store.head('job', '1234', 2);
      const all = await store.head('job', '1234', 10);

      // Assess
      expect(two).toEqual([R1, R2]);
      expect(all).toEqual([R1, R2, R3]);
    });

    it('leaves the line (twice is once; an unknown run is nothing), entering twice is one place', async () => {
      // Prepare
      const store = await makeStore();
      await store.enter('job', '1234', R1, DAY);
      await store.enter('job', '1234', R1, DAY);
      await store.enter('job', '1234', R2, DAY);

      // Act
      await store.leave('job', '1234', R1);
      await store.leave('job', '1234', R1);
      await store.leave('job', '1234', R3);

      // Assess
      expect(await store.head('job', '1234', 5)).toEqual([R2]);
    });

    it('keeps each job’s and each key’s line apart, keys that prefix one another included', async () => {
      // Prepare: `12` is a prefix of `123`, `a#b` holds the separator
      const store = await makeStore();
      await store.enter('job', '12', R2, DAY);
      await store.enter('job', '123', R1, DAY);
      await store.enter('job', 'a', R3, DAY);
      await store.enter('job', 'a#b', R1, DAY);
      await store.enter('other-job', '12', R1, DAY);

      // Act
      const heads = await Promise.all([
        store.head('job', '12', 5),
        store.head('job', '123', 5),
        store.head('job', 'a', 5),
        store.head('job', 'a#b', 5),
        store.head('other-job', '12', 5),
      ]);

      // Assess
      expect(heads).toEqual([[R2], [R1], [R3], [R1], [R1]]);
    });
  });
};
