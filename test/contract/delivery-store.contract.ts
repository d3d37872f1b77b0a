import { describe, expect, it } from 'vitest';
import type { DeliveryStore } from '../../shared/ports.ts';
import type { MakeStore } from './fixtures.ts';
import { T0, at, makeDelivery } from './fixtures.ts';

/**
 * What every DeliveryStore does (shared/ports.ts), run against the in-memory
 * fake and the DynamoDB adapter alike.
 */
export const describeDeliveryStoreContract = (name: string, makeStore: MakeStore<DeliveryStore>): void => {
  describe(`DeliveryStore contract: ${name}`, () => {
    it('creates the first delivery of a key and answers the stored one for a repeat in the window', async () => {
      // Prepare
      const store = await makeStore();
      const first = makeDelivery('d1', 'key-window');

      // Act
      const created = await store.create(first, at(0));
      const duplicate = await store.create(makeDelivery('d2', 'key-window', 60), at(60));

      // Assess
      expect(created).toEqual({ created: true });
      expect(duplicate).toEqual({ created: false, existing: first });
    });

    it('creates again once the stored delivery’s window has passed, and dedupes against the new one', async () => {
      // Prepare
      const store = await makeStore();
      const first = makeDelivery('d3', 'key-expired', 0, 600);
      const late = makeDelivery('d4', 'key-expired', 601);
      await store.create(first, at(0));

      // Act
      const atEdge = await store.create(makeDelivery('d5', 'key-expired', 600), at(600));
      const after = await store.create(late, at(601));
      const repeatOfLate = await store.create(makeDelivery('d6', 'key-expired', 700), at(700));

      // Assess
      expect(atEdge).toEqual({ created: false, existing: first });
      expect(after).toEqual({ created: true });
      expect(repeatOfLate).toEqual({ created: false, existing: late });
    });

    it('keeps the same key of two jobs, and two keys of one job, apart', async () => {
      // Prepare
      const store = await makeStore();

      // Act
      const results = [
        await store.create(makeDelivery('d7', 'same-key', 0, 600, 'job-a'), at(0)),
        await store.create(makeDelivery('d8', 'same-key', 0, 600, 'job-b'), at(0)),
        await store.create(makeDelivery('d9', 'other-key', 0, 600, 'job-a'), at(0)),
      ];

      // Assess
      expect(results).toEqual([{ created: true }, { created: true }, { created: true }]);
    });

    it('compares windows as instants, whatever ISO form they were written in', async () => {
      // Prepare: '…10:10:00Z' sorts after '…10:10:00.500Z' as text, though it is earlier
      const store = await makeStore();
      const first = { ...makeDelivery('d11', 'key-format'), dedupeUntil: '2026-11-22T10:10:00Z' };
      await store.create(first, at(0));

      // Act
      const justBefore = await store.create(makeDelivery('d12', 'key-format', 599), new Date(T0 + 599_999));
      const justAfter = await store.create(makeDelivery('d13', 'key-format', 600), new Date(T0 + 600_500));

      // Assess
      expect(justBefore).toEqual({
        created: false,
        existing: { ...first, dedupeUntil: '2026-11-22T10:10:00.000Z' },
      });
      expect(justAfter).toEqual({ created: true });
    });

    it('keeps what was written, not the caller’s object', async () => {
      // Prepare
      const store = await makeStore();
      const first = makeDelivery('d30', 'key-copy');
      await store.create(first, at(0));

      // Act
      first.runId = 'changed by the caller';
      const duplicate = await store.create(makeDelivery('d31', 'key-copy', 1), at(1));
      if (!duplicate.created) duplicate.existing.runId = 'changed by a reader';
      const again = await store.create(makeDelivery('d32', 'key-copy', 2), at(2));

      // Assess
      expect(again).toEqual({ created: false, existing: makeDelivery('d30', 'key-copy') });
    });

    it('releases a key only for the delivery that holds it; an unknown key is no error', async () => {
      // Prepare
      const store = await makeStore();
      const held = makeDelivery('d20', 'key-release');
      await store.create(held, at(0));

      // Act
      await store.release('job', 'key-release', 'someone-else');
      const stillHeld = await store.create(makeDelivery('d14', 'key-release', 1), at(1));
      await store.release('job', 'key-release', 'd20');
      const retaken = await store.create(makeDelivery('d15', 'key-release', 2), at(2));
      await store.release('job', 'no-such-key', 'd16');
      await store.release('other-job', 'key-release', 'd15');
      const stillRetaken = await store.create(makeDelivery('d17', 'key-release', 3), at(3));

      // Assess
      expect(stillHeld).toEqual({ created: false, existing: held });
      expect(retaken).toEqual({ created: true });
      expect(stillRetaken).toMatchObject({ created: false, existing: { id: 'd15' } });
    });

    it('takes a key over only from the delivery it names, and never creates one', async () => {
      // Prepare
      const store = await makeStore();
      await store.create(makeDelivery('t1', 'key-takeover'), at(0));

      // Act
      const wrong = await store.takeOver(makeDelivery('t2', 'key-takeover', 40), 'not-t1');
      const right = await store.takeOver(makeDelivery('t3', 'key-takeover', 40), 't1');
      const stale = await store.takeOver(makeDelivery('t5', 'key-takeover', 50), 't1');
      const repeat = await store.create(makeDelivery('t4', 'key-takeover', 41), at(41));
      const absent = await store.takeOver(makeDelivery('t6', 'key-absent'), 't1');
      const afterAbsent = await store.create(makeDelivery('t7', 'key-absent', 1), at(1));

      // Assess
      expect([wrong, right, stale, absent]).toEqual([false, true, false, false]);
      expect(repeat).toEqual({ created: false, existing: makeDelivery('t3', 'key-takeover', 40) });
      expect(afterAbsent).toEqual({ created: true });
    });
  });
};
