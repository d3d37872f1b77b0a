import { describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../shared/errors.ts';
import type { PayloadStore } from '../../shared/ports.ts';
import type { MakeStore } from './fixtures.ts';

/**
 * What every PayloadStore does (shared/ports.ts): the in-memory fake, the
 * local file store and the S3 adapter alike. A missing payload is a
 * NotFoundError, which the worker treats as permanent (no retries).
 */
export const describePayloadStoreContract = (name: string, makeStore: MakeStore<PayloadStore>): void => {
  describe(`PayloadStore contract: ${name}`, () => {
    it('reads back what it kept, byte for byte, through the reference it answered', async () => {
      // Prepare
      const store = await makeStore();
      const body = JSON.stringify({ note: 'émoji ✓ – utf-8', data: 'x'.repeat(100_000), nul: '\u0000' });

      // Act
      const ref = await store.put('events/job/01JBODY.json', body);
      const read = await store.get(ref);

      // Assess
      expect(ref).toEqual(expect.any(String));
      expect(read).toBe(body);
    });

    it('replaces a payload put again under the same key', async () => {
      // Prepare
      const store = await makeStore();
      const first = await store.put('events/job/01JAGAIN.json', '{"v":1}');

      // Act
      const second = await store.put('events/job/01JAGAIN.json', '{"v":2}');

      // Assess
      expect(second).toBe(first);
      expect(await store.get(first)).toBe('{"v":2}');
    });

    it('answers NotFoundError for a reference of its own form whose payload is not there', async () => {
      // Prepare
      const store = await makeStore();
      const ref = await store.put('events/job/01JHERE.json', '{}');
      const missing = ref.replace('01JHERE.json', '01JGONE.json');

      // Act & Assess
      expect(missing).not.toBe(ref);
      await expect(store.get(missing)).rejects.toThrow(NotFoundError);
    });

    it('tells whether a payload is kept without reading it (a replay checks its event did not expire)', async () => {
      // Prepare
      const store = await makeStore();
      const ref = await store.put('events/job/01JKEPT.json', '{}');
      const missing = ref.replace('01JKEPT.json', '01JLOST.json');

      // Act
      const exists = store.exists?.bind(store);

      // Assess: every store the stacks use answers it
      expect(exists).toBeDefined();
      expect(await exists?.(ref)).toBe(true);
      expect(await exists?.(missing)).toBe(false);
      await expect(exists?.('https://example.com/events/job/x.json')).rejects.toThrow(ValidationError);
    });

    it('refuses a reference it could not have written', async () => {
      // Prepare
      const store = await makeStore();

      // Act & Assess
      await expect(store.get('https://example.com/events/job/x.json')).rejects.toThrow(ValidationError);
      await expect(store.get('')).rejects.toThrow(ValidationError);
    });
  });
};
