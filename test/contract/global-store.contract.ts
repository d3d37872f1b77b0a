import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../shared/errors.ts';
import type { GlobalStore } from '../../shared/ports.ts';
import type { MakeStore } from './fixtures.ts';
import { iso } from './fixtures.ts';

/**
 * What every GlobalStore does (shared/ports.ts), run against the in-memory
 * fake and the DynamoDB adapter alike.
 */
export const describeGlobalStoreContract = (name: string, makeStore: MakeStore<GlobalStore>): void => {
  describe(`GlobalStore contract: ${name}`, () => {
    it('creates, reads, lists, replaces and deletes an unmasked global, keeping when it was created', async () => {
      // Prepare
      const store = await makeStore();

      // Act
      const first = await store.put({ name: 'region', masked: false, value: 'eu', at: iso(0), by: 'alice' });
      const second = await store.put({ name: 'region', masked: false, value: 'us', at: iso(1000) });
      const read = await store.get('region');
      const listed = await store.list();
      const deleted = await store.delete('region');
      const deletedAgain = await store.delete('region');

      // Assess
      expect(first).toEqual({ created: true });
      expect(second).toEqual({ created: false });
      expect(read).toEqual({
        name: 'region',
        masked: false,
        value: 'us',
        createdAt: iso(0),
        updatedAt: iso(1000),
      });
      expect(listed).toEqual([read]);
      expect(deleted).toBe(true);
      expect(deletedAgain).toBe(false);
      expect(await store.get('region')).toBeUndefined();
      expect(await store.list()).toEqual([]);
    });

    it('never keeps a masked global’s value, even when one is handed to it', async () => {
      // Prepare
      const store = await makeStore();

      // Act
      await store.put({ name: 'token', masked: true, value: 'canary-value', at: iso(0), by: 'bob' });
      const read = await store.get('token');

      // Assess
      expect(read).toEqual({
        name: 'token',
        masked: true,
        createdAt: iso(0),
        updatedAt: iso(0),
        updatedBy: 'bob',
      });
      expect(JSON.stringify(await store.list())).not.toContain('canary-value');
    });

    it('refuses to unmask a masked global (409 global_masked) and leaves it masked', async () => {
      // Prepare
      const store = await makeStore();
      await store.put({ name: 'token', masked: true, at: iso(0) });

      // Act
      const unmask = store.put({ name: 'token', masked: false, value: 'plain', at: iso(1000) });

      // Assess
      await expect(unmask).rejects.toBeInstanceOf(ConflictError);
      await expect(unmask).rejects.toMatchObject({ code: 'global_masked', status: 409 });
      expect(await store.get('token')).toEqual({
        name: 'token',
        masked: true,
        createdAt: iso(0),
        updatedAt: iso(0),
      });
    });

    it('masks an unmasked global, dropping its stored value', async () => {
      // Prepare
      const store = await makeStore();
      await store.put({ name: 'proxy', masked: false, value: 'http://user:pw@proxy:3128', at: iso(0) });

      // Act
      const masked = await store.put({ name: 'proxy', masked: true, at: iso(1000) });

      // Assess
      expect(masked).toEqual({ created: false });
      expect(await store.get('proxy')).toEqual({
        name: 'proxy',
        masked: true,
        createdAt: iso(0),
        updatedAt: iso(1000),
      });
    });

    it('lists every global, sorted by name', async () => {
      // Prepare
      const store = await makeStore();
      for (const n of ['b', 'A', 'c-1', 'a_2'])
        await store.put({ name: n, masked: false, value: n, at: iso(0) });

      // Act
      const names = (await store.list()).map((g) => g.name);

      // Assess: byte order, as DynamoDB sorts sort keys
      expect(names).toEqual(['A', 'a_2', 'b', 'c-1']);
    });

    it('keeps what was put, not the caller’s object', async () => {
      // Prepare
      const store = await makeStore();
      await store.put({ name: 'x', masked: false, value: 'one', at: iso(0) });

      // Act
      const read = await store.get('x');
      if (read) read.value = 'changed after get';

      // Assess
      expect((await store.get('x'))?.value).toBe('one');
    });
  });
};
