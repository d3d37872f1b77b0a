import { describe, expect, it } from 'vitest';
import { StateConflictError, StateLimitError, ValidationError } from '../../shared/errors.ts';
import { STATE_LIMITS } from '../../shared/model/state.ts';
import type { StateStore } from '../../shared/ports.ts';
import type { MakeStore } from './fixtures.ts';
import { allPages, at } from './fixtures.ts';

/** The rejection of `promise`, which must reject. */
const rejectionOf = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
};

/** Sets `count` new keys `<prefix>0000…` at `now`, `batch` at a time. */
export const fillKeys = async (
  store: StateStore,
  jobId: string,
  prefix: string,
  count: number,
  now: Date,
  options: { ttlSeconds?: number } = {},
): Promise<void> => {
  const batch = 200;
  for (let from = 0; from < count; from += batch) {
    const calls: Promise<unknown>[] = [];
    for (let i = from; i < Math.min(count, from + batch); i++) {
      calls.push(store.set(jobId, `${prefix}${String(i).padStart(4, '0')}`, String(i), options, now));
    }
    await Promise.all(calls);
  }
};

/**
 * What every StateStore does (shared/ports.ts), run against the in-memory fake
 * and the DynamoDB adapter alike. Times are T0 + seconds (`at`); each call
 * passes its own `now`, as the toolbox passes the run's clock.
 */
export const describeStateStoreContract = (name: string, makeStore: MakeStore<StateStore>): void => {
  describe(`StateStore contract: ${name}`, () => {
    it('sets, reads back and overwrites a key, the version counting from 1, the JSON text kept as given', async () => {
      // Prepare
      const store = await makeStore();
      const json = '{"n":1.50,"tags":["a","b"],"deep":{"x":null}}';

      // Act
      const first = await store.set('job', 'k', json, {}, at(0));
      const read = await store.get('job', 'k', at(1));
      const second = await store.set('job', 'k', '2', {}, at(2));
      const reread = await store.get('job', 'k', at(3));

      // Assess
      expect(first).toEqual({ version: 1 });
      expect(read).toEqual({
        key: 'k',
        value: { n: 1.5, tags: ['a', 'b'], deep: { x: null } },
        valueJson: json,
        version: 1,
        updatedAt: at(0).toISOString(),
      });
      expect(second).toEqual({ version: 2 });
      expect(reread).toEqual({
        key: 'k',
        value: 2,
        valueJson: '2',
        version: 2,
        updatedAt: at(2).toISOString(),
      });
    });

    it('answers undefined for an unknown key, deletes a key once, and keeps jobs apart', async () => {
      // Prepare
      const store = await makeStore();
      await store.set('job-a', 'k', '"a"', {}, at(0));
      await store.set('job-b', 'k', '"b"', {}, at(0));

      // Act
      const unknown = await store.get('job-a', 'nope', at(1));
      const deleted = await store.delete('job-a', 'k', {}, at(1));
      const deletedAgain = await store.delete('job-a', 'k', {}, at(1));
      const recreated = await store.set('job-a', 'k', '"again"', {}, at(2));

      // Assess
      expect(unknown).toBeUndefined();
      expect(deleted).toBe(true);
      expect(deletedAgain).toBe(false);
      expect((await store.get('job-b', 'k', at(2)))?.value).toBe('b');
      expect(recreated).toEqual({ version: 1 });
      expect(await store.keys('job-a', '', at(2))).toEqual(['k']);
    });

    it('sets with ifVersion only over that live version, and says which version it found', async () => {
      // Prepare
      const store = await makeStore();
      await store.set('job', 'k', '1', {}, at(0));
      await store.set('job', 'k', '2', {}, at(0));

      // Act
      const stale = await rejectionOf(store.set('job', 'k', '"stale"', { ifVersion: 1 }, at(1)));
      const absent = await rejectionOf(store.set('job', 'nope', '"x"', { ifVersion: 3 }, at(1)));
      const current = await store.set('job', 'k', '3', { ifVersion: 2 }, at(1));

      // Assess
      expect(stale).toBeInstanceOf(StateConflictError);
      expect(stale).toMatchObject({ key: 'k', expected: 1, actual: 2, retryable: true });
      expect(absent).toMatchObject({ key: 'nope', expected: 3, actual: undefined });
      expect(current).toEqual({ version: 3 });
      expect((await store.get('job', 'k', at(2)))?.value).toBe(3);
      expect(await store.get('job', 'nope', at(2))).toBeUndefined();
    });

    it('takes ifVersion 0 as "must not exist"', async () => {
      // Prepare
      const store = await makeStore();

      // Act
      const created = await store.set('job', 'once', '"first"', { ifVersion: 0 }, at(0));
      const again = await rejectionOf(store.set('job', 'once', '"second"', { ifVersion: 0 }, at(1)));

      // Assess
      expect(created).toEqual({ version: 1 });
      expect(again).toBeInstanceOf(StateConflictError);
      expect(again).toMatchObject({ key: 'once', expected: 0, actual: 1 });
      expect((await store.get('job', 'once', at(2)))?.value).toBe('first');
    });

    it('deletes with ifVersion only that live version', async () => {
      // Prepare
      const store = await makeStore();
      await store.set('job', 'k', '1', {}, at(0));

      // Act
      const wrong = await rejectionOf(store.delete('job', 'k', { ifVersion: 2 }, at(1)));
      const absent = await rejectionOf(store.delete('job', 'nope', { ifVersion: 1 }, at(1)));
      const right = await store.delete('job', 'k', { ifVersion: 1 }, at(1));

      // Assess
      expect(wrong).toMatchObject({ name: 'StateConflictError', key: 'k', expected: 2, actual: 1 });
      expect(absent).toMatchObject({
        name: 'StateConflictError',
        key: 'nope',
        expected: 1,
        actual: undefined,
      });
      expect(right).toBe(true);
      expect(await store.get('job', 'k', at(2))).toBeUndefined();
    });

    it('forgets a key once its TTL has passed, however long the table takes to delete it', async () => {
      // Prepare
      const store = await makeStore();
      await store.set('job', 'short', '"s"', { ttlSeconds: 60 }, at(0));
      await store.set('job', 'kept', '"k"', {}, at(0));

      // Act
      const before = await store.get('job', 'short', at(59));
      const after = await store.get('job', 'short', at(60));
      const keysBefore = await store.keys('job', '', at(59));
      const keysAfter = await store.keys('job', '', at(60));
      const listAfter = await store.list('job', {}, at(60));
      const conflict = await rejectionOf(store.set('job', 'short', '"x"', { ifVersion: 1 }, at(61)));
      const deleted = await store.delete('job', 'short', {}, at(61));

      // Assess
      expect(before).toMatchObject({ value: 's', expiresAt: at(60).toISOString() });
      expect(after).toBeUndefined();
      expect(keysBefore).toEqual(['kept', 'short']);
      expect(keysAfter).toEqual(['kept']);
      expect(listAfter.items.map((i) => i.key)).toEqual(['kept']);
      expect(conflict).toMatchObject({ name: 'StateConflictError', expected: 1, actual: undefined });
      expect(deleted).toBe(false);
    });

    it('sets over an expired key as over an absent one, and a set without TTL keeps the key for good', async () => {
      // Prepare
      const store = await makeStore();
      await store.set('job', 'k', '1', { ttlSeconds: 10 }, at(0));

      // Act
      const revived = await store.set('job', 'k', '2', { ifVersion: 0 }, at(20));
      const kept = await store.get('job', 'k', at(100_000));
      await store.set('job', 'k', '3', { ttlSeconds: 5 }, at(100_000));
      await store.set('job', 'k', '4', {}, at(100_001));
      const forGood = await store.get('job', 'k', at(200_000));

      // Assess
      expect(revived.version).toBeGreaterThanOrEqual(1);
      expect(kept).toMatchObject({ value: 2, version: revived.version });
      expect(kept?.expiresAt).toBeUndefined();
      expect(forGood).toMatchObject({ value: 4 });
      expect(forGood?.expiresAt).toBeUndefined();
    });

    it('lists keys by prefix in UTF-8 order, with values, page by page', async () => {
      // Prepare
      const store = await makeStore();
      const keys = ['a/2', 'a/1', 'a/10', 'b', 'a', 'a/é', 'a/z', 'a/😀', 'a/\uFFFD'];
      for (const [i, key] of keys.entries()) await store.set('job', key, String(i), {}, at(0));
      await store.set('other-job', 'a/0', '0', {}, at(0));

      // Act
      const all = await store.keys('job', '', at(1));
      const underA = await store.keys('job', 'a/', at(1));
      const paged = await allPages((page) => store.list('job', { prefix: 'a/', ...page }, at(1)), 2);

      // Assess
      // UTF-8 byte order: U+FFFD (EF BF BD) sorts before U+1F600 (F0 …), unlike UTF-16 order.
      const utf8Order = ['a/1', 'a/10', 'a/2', 'a/z', 'a/é', 'a/\uFFFD', 'a/😀'];
      expect(underA).toEqual(utf8Order);
      expect(all).toEqual(['a', ...utf8Order, 'b']);
      expect(paged.items.map((i) => i.key)).toEqual(utf8Order);
      expect(paged.items.find((i) => i.key === 'a/10')).toMatchObject({ value: 2, version: 1 });
      expect(paged.pages).toBeGreaterThanOrEqual(4);
    });

    it('refuses a cursor from another job, another prefix or nowhere', async () => {
      // Prepare
      const store = await makeStore();
      for (const key of ['p/1', 'p/2', 'p/3']) {
        await store.set('job-a', key, '1', {}, at(0));
        await store.set('job-b', key, '1', {}, at(0));
      }
      const first = await store.list('job-a', { prefix: 'p/', limit: 1 }, at(1));
      const cursor = first.nextCursor;

      // Act
      const otherJob = await rejectionOf(store.list('job-b', { prefix: 'p/', limit: 1, cursor }, at(1)));
      const otherPrefix = await rejectionOf(store.list('job-a', { prefix: 'q/', limit: 1, cursor }, at(1)));
      const garbage = await rejectionOf(store.list('job-a', { cursor: 'not-a-cursor' }, at(1)));
      const next = await store.list('job-a', { prefix: 'p/', limit: 1, cursor }, at(1));

      // Assess
      expect(cursor).toEqual(expect.any(String));
      for (const e of [otherJob, otherPrefix, garbage]) {
        expect(e).toBeInstanceOf(ValidationError);
        expect(e).toMatchObject({ code: 'invalid_cursor' });
      }
      expect(next.items.map((i) => i.key)).toEqual(['p/2']);
    });

    it('keeps keys with slashes, percent signs, quotes and any Unicode exactly', async () => {
      // Prepare
      const store = await makeStore();
      const keys = ['a/b/c', '%2F', '100%', 'quote"d', 'tab\\t', '../up', 'ünï/cødé 😀', ' '];

      // Act
      for (const key of keys) await store.set('job', key, JSON.stringify(key), {}, at(0));
      const read = await Promise.all(keys.map((k) => store.get('job', k, at(1))));

      // Assess
      expect(read.map((r) => r?.value)).toEqual(keys);
      expect([...(await store.keys('job', '', at(1)))].sort()).toEqual([...keys].sort());
    });

    it(`holds at most ${STATE_LIMITS.keysPerJob} live keys per job, and admits again after a delete or an expiry`, async () => {
      // Prepare
      const store = await makeStore();
      const max = STATE_LIMITS.keysPerJob;
      await fillKeys(store, 'job', 'k', max - 3, at(0));
      await fillKeys(store, 'job', 'ttl', 3, at(0), { ttlSeconds: 60 });
      await store.set('other-job', 'k', '1', {}, at(0));

      // Act
      const full = await rejectionOf(store.set('job', 'one-more', '1', {}, at(1)));
      const overwrite = await store.set('job', 'k0000', '"still fine"', {}, at(1));
      await store.delete('job', 'k0001', {}, at(2));
      const afterDelete = await store.set('job', 'after-delete', '1', {}, at(2));
      const fullAgain = await rejectionOf(store.set('job', 'one-more', '1', {}, at(3)));
      const afterExpiry = await Promise.all(
        ['x1', 'x2', 'x3'].map((k) => store.set('job', k, '1', {}, at(61))),
      );
      const fullOnceMore = await rejectionOf(store.set('job', 'x4', '1', {}, at(62)));

      // Assess
      expect(full).toBeInstanceOf(StateLimitError);
      expect(full).toMatchObject({ limit: 'keys', retryable: false });
      expect((full as Error).message).toContain(`${max}`);
      expect(await store.get('job', 'one-more', at(3))).toBeUndefined();
      expect(overwrite).toEqual({ version: 2 });
      expect(afterDelete).toEqual({ version: 1 });
      expect(fullAgain).toMatchObject({ limit: 'keys' });
      expect(afterExpiry).toEqual([{ version: 1 }, { version: 1 }, { version: 1 }]);
      expect(fullOnceMore).toMatchObject({ limit: 'keys' });
      expect(await store.keys('job', '', at(62))).toHaveLength(max);
      expect(await store.set('other-job', 'k2', '1', {}, at(62))).toEqual({ version: 1 });
    }, 60_000); // ~2 000 writes and 4 recounts: seconds on dynalite, more on a loaded machine
  });
};
