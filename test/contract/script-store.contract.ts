import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import type { ScriptStore } from '../../shared/ports.ts';
import type { MakeStore } from './fixtures.ts';
import { iso } from './fixtures.ts';

const sha256 = (text: string): string => createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex');

/** A source with characters of 2, 3 and 4 UTF-8 bytes: its size is its bytes, not its UTF-16 length. */
const source = (n: number): string =>
  `module.exports = { run: async (args) => 'v${n} – Grüße 日本 🚀 ' + JSON.stringify(args.arguments) };\n`;

/**
 * What every ScriptStore does (shared/ports.ts), run against the in-memory
 * fake and the DynamoDB adapter (sources in S3) alike.
 */
export const describeScriptStoreContract = (name: string, makeStore: MakeStore<ScriptStore>): void => {
  describe(`ScriptStore contract: ${name}`, () => {
    it('numbers versions 1, 2, 3, records sha256, size and uploader, and gives each source back byte for byte', async () => {
      // Prepare
      const store = await makeStore();

      // Act
      const v1 = await store.put('sync', source(1), { by: 'alice', at: iso(0) });
      const v2 = await store.put('sync', source(2), { by: 'bob', at: iso(1000) });
      const v3 = await store.put('sync', source(3), { by: 'carol', at: iso(2000) });

      // Assess
      expect([v1.version, v2.version, v3.version]).toEqual([1, 2, 3]);
      expect(v2).toEqual({
        id: 'sync',
        version: 2,
        sha256: sha256(source(2)),
        bytes: Buffer.byteLength(source(2), 'utf8'),
        uploadedBy: 'bob',
        uploadedAt: iso(1000),
      });
      expect(v2.bytes).toBeGreaterThan(source(2).length);
      expect(v2.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(await store.get('sync')).toEqual(v3);
      expect(await store.get('sync', 1)).toEqual(v1);
      expect(await store.source('sync', 1)).toBe(source(1));
      expect(await store.source('sync', 3)).toBe(source(3));
      expect((await store.versions('sync')).items).toEqual([v3, v2, v1]);
    });

    it('answers undefined for a script or a version that does not exist', async () => {
      // Prepare
      const store = await makeStore();
      await store.put('sync', source(1), { by: 'alice', at: iso(0) });

      // Act / Assess
      expect(await store.get('other')).toBeUndefined();
      expect(await store.get('sync', 2)).toBeUndefined();
      expect(await store.source('sync', 2)).toBeUndefined();
      expect(await store.source('other', 1)).toBeUndefined();
      expect(await store.versions('other')).toEqual({ items: [] });
    });

    it('gives concurrent uploads of one script distinct versions, each with its own source', async () => {
      // Prepare
      const store = await makeStore();
      const sources = [1, 2, 3, 4, 5].map(source);

      // Act
      const stored = await Promise.all(sources.map((s) => store.put('race', s, { by: 'x', at: iso(0) })));

      // Assess: 1…5, each number once, and each version's source is the one its hash names
      expect(stored.map((v) => v.version).sort()).toEqual([1, 2, 3, 4, 5]);
      for (const v of stored) {
        const text = await store.source('race', v.version);
        expect(text).toBe(sources.find((s) => sha256(s) === v.sha256));
      }
      expect((await store.get('race'))?.version).toBe(5);
    });

    it('lists scripts by id with their latest version, a page at a time', async () => {
      // Prepare
      const store = await makeStore();
      await store.put('b-script', source(1), { by: 'alice', at: iso(0) });
      await store.put('a-script', source(1), { by: 'alice', at: iso(0) });
      await store.put('a-script', source(2), { by: 'bob', at: iso(5000) });

      // Act
      const first = await store.list({ limit: 1 });
      const second = await store.list({
        limit: 1,
        ...(first.nextCursor ? { cursor: first.nextCursor } : {}),
      });
      const all = await store.list();

      // Assess
      expect(first.items).toEqual([
        {
          id: 'a-script',
          latestVersion: 2,
          sha256: sha256(source(2)),
          updatedAt: iso(5000),
          updatedBy: 'bob',
        },
      ]);
      expect(first.nextCursor).toBeDefined();
      expect(second.items.map((s) => s.id)).toEqual(['b-script']);
      expect(all.items.map((s) => [s.id, s.latestVersion])).toEqual([
        ['a-script', 2],
        ['b-script', 1],
      ]);
      expect(all.nextCursor).toBeUndefined();
    });

    it('pages versions newest first, and refuses a cursor of another listing', async () => {
      // Prepare
      const store = await makeStore();
      for (const n of [1, 2, 3]) await store.put('paged', source(n), { by: 'x', at: iso(n) });
      await store.put('other', source(1), { by: 'x', at: iso(0) });
      const scripts = await store.list({ limit: 1 });

      // Act
      const first = await store.versions('paged', { limit: 2 });
      const rest = await store.versions('paged', { limit: 2, cursor: first.nextCursor ?? '' });

      // Assess
      expect(first.items.map((v) => v.version)).toEqual([3, 2]);
      expect(rest.items.map((v) => v.version)).toEqual([1]);
      expect(rest.nextCursor).toBeUndefined();
      await expect(store.versions('other', { cursor: first.nextCursor ?? '' })).rejects.toThrow(
        ValidationError,
      );
      await expect(store.versions('paged', { cursor: scripts.nextCursor ?? '' })).rejects.toThrow(
        ValidationError,
      );
    });
  });
};
