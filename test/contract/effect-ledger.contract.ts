import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import type { EffectClaim, EffectLedger, EffectRecord } from '../../shared/ports.ts';
import type { MakeStore } from './fixtures.ts';
import { at } from './fixtures.ts';

const DAY_S = 86_400;

/** A claim by run `runId` attempt `attempt` at T0 + `seconds`, live for 2 minutes, kept for a day. */
const claimOf = (key: string, runId = 'run-a', attempt = 1, seconds = 0): EffectClaim => ({
  key,
  runId,
  attempt,
  startedAt: at(seconds).toISOString(),
  heldUntil: at(seconds + 120).toISOString(),
  expiresAt: at(seconds + DAY_S).toISOString(),
});

const pendingOf = (c: EffectClaim): EffectRecord => ({
  key: c.key,
  status: 'pending',
  runId: c.runId,
  attempt: c.attempt,
  startedAt: c.startedAt,
  heldUntil: c.heldUntil,
  expiresAt: c.expiresAt,
});

/**
 * What every EffectLedger does (shared/ports.ts), run against the in-memory
 * fake and the DynamoDB adapter alike.
 */
export const describeEffectLedgerContract = (name: string, makeLedger: MakeStore<EffectLedger>): void => {
  describe(`EffectLedger contract: ${name}`, () => {
    it('claims an absent key, and answers the record held to a second claim without changing it', async () => {
      // Prepare
      const ledger = await makeLedger();
      const first = claimOf('k1');

      // Act
      const claimed = await ledger.claim('job', first, at(0));
      const second = await ledger.claim('job', claimOf('k1', 'run-b', 1, 5), at(5));

      // Assess
      expect(claimed).toEqual({ claimed: true });
      expect(second).toEqual({ claimed: false, existing: pendingOf(first) });
      expect(await ledger.get('job', 'k1', at(5))).toEqual(pendingOf(first));
    });

    it('claims over an expired record, which reads and lists as absent until then', async () => {
      // Prepare
      const ledger = await makeLedger();
      await ledger.claim('job', claimOf('k-exp'), at(0));
      const later = claimOf('k-exp', 'run-b', 1, DAY_S + 1);

      // Act
      const gone = await ledger.get('job', 'k-exp', at(DAY_S + 1));
      const listed = await ledger.list('job', {}, at(DAY_S + 1));
      const claimed = await ledger.claim('job', later, at(DAY_S + 1));

      // Assess
      expect(gone).toBeUndefined();
      expect(listed.items).toEqual([]);
      expect(claimed).toEqual({ claimed: true });
      expect(await ledger.get('job', 'k-exp', at(DAY_S + 1))).toEqual(pendingOf(later));
    });

    it('completes only for the holder, once, with the result recorded', async () => {
      // Prepare
      const ledger = await makeLedger();
      const c = claimOf('k-done');
      await ledger.claim('job', c, at(0));
      const done = { doneAt: at(3).toISOString(), resultJson: '{"id":42}' };

      // Act
      const byOther = await ledger.complete('job', 'k-done', { runId: 'run-b', attempt: 1 }, done);
      const byOtherAttempt = await ledger.complete('job', 'k-done', { runId: 'run-a', attempt: 2 }, done);
      const byHolder = await ledger.complete('job', 'k-done', { runId: 'run-a', attempt: 1 }, done);
      const again = await ledger.complete('job', 'k-done', { runId: 'run-a', attempt: 1 }, done);
      const replay = await ledger.claim('job', claimOf('k-done', 'run-c'), at(4));

      // Assess
      expect([byOther, byOtherAttempt, byHolder, again]).toEqual([false, false, true, false]);
      const record = { ...pendingOf(c), status: 'done', doneAt: done.doneAt, resultJson: '{"id":42}' };
      expect(replay).toEqual({ claimed: false, existing: record });
    });

    it('records a reconciled answer, a problem, and a result-less completion as given', async () => {
      // Prepare
      const ledger = await makeLedger();
      for (const k of ['k-r', 'k-p', 'k-u']) await ledger.claim('job', claimOf(k), at(0));
      const holder = { runId: 'run-a', attempt: 1 };
      const doneAt = at(1).toISOString();

      // Act
      await ledger.complete('job', 'k-r', holder, { doneAt, resultJson: '"found"', reconciled: true });
      await ledger.complete('job', 'k-p', holder, { doneAt, resultProblem: 'result too large' });
      await ledger.complete('job', 'k-u', holder, { doneAt });

      // Assess
      const [r, p, u] = await Promise.all(['k-r', 'k-p', 'k-u'].map((k) => ledger.get('job', k, at(2))));
      expect(r).toMatchObject({ status: 'done', resultJson: '"found"', reconciled: true });
      expect(p).toMatchObject({ status: 'done', resultProblem: 'result too large' });
      expect(p).not.toHaveProperty('resultJson');
      expect(u).toMatchObject({ status: 'done', doneAt });
      expect(u).not.toHaveProperty('resultJson');
      expect(u).not.toHaveProperty('reconciled');
    });

    it('releases a pending claim for its holder only, freeing the key', async () => {
      // Prepare
      const ledger = await makeLedger();
      await ledger.claim('job', claimOf('k-rel'), at(0));

      // Act
      const byOther = await ledger.release('job', 'k-rel', { runId: 'run-b', attempt: 1 });
      const keptAfterOther = await ledger.get('job', 'k-rel', at(1));
      const byHolder = await ledger.release('job', 'k-rel', { runId: 'run-a', attempt: 1 });
      const reclaimed = await ledger.claim('job', claimOf('k-rel', 'run-b'), at(2));

      // Assess
      expect(byOther).toBe(false);
      expect(keptAfterOther?.runId).toBe('run-a');
      expect(byHolder).toBe(true);
      expect(reclaimed).toEqual({ claimed: true });
    });

    it('never releases a done record', async () => {
      // Prepare
      const ledger = await makeLedger();
      const holder = { runId: 'run-a', attempt: 1 };
      await ledger.claim('job', claimOf('k-kept'), at(0));
      await ledger.complete('job', 'k-kept', holder, { doneAt: at(1).toISOString(), resultJson: '1' });

      // Act
      const released = await ledger.release('job', 'k-kept', holder);

      // Assess
      expect(released).toBe(false);
      expect((await ledger.get('job', 'k-kept', at(2)))?.status).toBe('done');
    });

    it('takes over from the holder named, once, clearing the in-doubt mark', async () => {
      // Prepare
      const ledger = await makeLedger();
      const c = claimOf('k-take');
      await ledger.claim('job', c, at(0));
      await ledger.markNotified('job', 'k-take', { runId: 'run-a', attempt: 1 }, at(200).toISOString());
      const to = {
        runId: 'run-b',
        attempt: 1,
        startedAt: at(300).toISOString(),
        heldUntil: at(420).toISOString(),
      };

      // Act
      const first = await ledger.takeOver('job', 'k-take', { runId: 'run-a', attempt: 1 }, to);
      const loser = await ledger.takeOver(
        'job',
        'k-take',
        { runId: 'run-a', attempt: 1 },
        { ...to, runId: 'run-c' },
      );

      // Assess
      expect([first, loser]).toEqual([true, false]);
      expect(await ledger.get('job', 'k-take', at(301))).toEqual({ ...pendingOf(c), ...to });
    });

    it('marks a pending record notified once, for its holder only', async () => {
      // Prepare
      const ledger = await makeLedger();
      await ledger.claim('job', claimOf('k-n'), at(0));
      const holder = { runId: 'run-a', attempt: 1 };

      // Act
      const byOther = await ledger.markNotified(
        'job',
        'k-n',
        { runId: 'run-b', attempt: 1 },
        at(1).toISOString(),
      );
      const results = [
        await ledger.markNotified('job', 'k-n', holder, at(2).toISOString()),
        await ledger.markNotified('job', 'k-n', holder, at(3).toISOString()),
      ];
      const absent = await ledger.markNotified('job', 'k-none', holder, at(3).toISOString());

      // Assess
      expect(byOther).toBe(false);
      expect(results).toEqual([true, false]);
      expect(absent).toBe(false);
      expect((await ledger.get('job', 'k-n', at(4)))?.inDoubtNotifiedAt).toBe(at(2).toISOString());
    });

    it('forgets a record whatever its state, and says when there was none', async () => {
      // Prepare
      const ledger = await makeLedger();
      await ledger.claim('job', claimOf('k-f'), at(0));

      // Act
      const first = await ledger.forget('job', 'k-f');
      const second = await ledger.forget('job', 'k-f');
      const reclaimed = await ledger.claim('job', claimOf('k-f', 'run-b'), at(1));

      // Assess
      expect([first, second]).toEqual([true, false]);
      expect(reclaimed).toEqual({ claimed: true });
    });

    it('keeps the same key of two jobs apart, and keys with /, # and non-ASCII intact', async () => {
      // Prepare
      const ledger = await makeLedger();
      const odd = 'tickets/OPS-12#comment é ✓';

      // Act
      const a = await ledger.claim('job-a', claimOf(odd), at(0));
      const b = await ledger.claim('job-b', claimOf(odd, 'run-b'), at(0));

      // Assess
      expect([a, b]).toEqual([{ claimed: true }, { claimed: true }]);
      expect((await ledger.get('job-a', odd, at(1)))?.runId).toBe('run-a');
      expect((await ledger.list('job-b', {}, at(1))).items.map((r) => [r.key, r.runId])).toEqual([
        [odd, 'run-b'],
      ]);
    });

    it('lists by key, ascending, by prefix, one page at a time', async () => {
      // Prepare
      const ledger = await makeLedger();
      for (const k of ['b/2', 'a', 'b/1', 'b/3', 'c']) await ledger.claim('job', claimOf(k), at(0));
      await ledger.claim('other', claimOf('b/0'), at(0));

      // Act
      const all = await ledger.list('job', {}, at(1));
      const first = await ledger.list('job', { prefix: 'b/', limit: 2 }, at(1));
      const rest = await ledger.list('job', { prefix: 'b/', limit: 2, cursor: first.nextCursor }, at(1));

      // Assess
      expect(all.items.map((r) => r.key)).toEqual(['a', 'b/1', 'b/2', 'b/3', 'c']);
      expect(all.nextCursor).toBeUndefined();
      expect(first.items.map((r) => r.key)).toEqual(['b/1', 'b/2']);
      expect(first.nextCursor).toEqual(expect.any(String));
      // A page may end with a cursor that leads to nothing more; what matters is that nothing repeats or is lost.
      const seen = [...first.items, ...rest.items].map((r) => r.key);
      expect(seen).toEqual(['b/1', 'b/2', 'b/3']);
    });

    it('refuses a cursor from another job or another prefix', async () => {
      // Prepare
      const ledger = await makeLedger();
      for (const k of ['a1', 'a2', 'b1']) {
        await ledger.claim('job', claimOf(k), at(0));
        await ledger.claim('other', claimOf(k), at(0));
      }
      const { nextCursor } = await ledger.list('job', { limit: 1 }, at(1));

      // Act
      const ofOtherJob = ledger.list('other', { limit: 1, cursor: nextCursor }, at(1));
      const ofOtherPrefix = ledger.list('job', { prefix: 'b', limit: 1, cursor: nextCursor }, at(1));
      const garbage = ledger.list('job', { cursor: 'not-a-cursor' }, at(1));

      // Assess
      await expect(ofOtherJob).rejects.toBeInstanceOf(ValidationError);
      await expect(ofOtherPrefix).rejects.toBeInstanceOf(ValidationError);
      await expect(garbage).rejects.toBeInstanceOf(ValidationError);
    });
  });
};
