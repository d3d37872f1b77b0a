import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import type { CheckpointStore } from '../../shared/ports.ts';
import type { MakeStore } from './fixtures.ts';
import { T0, iso } from './fixtures.ts';

/** A run of `jobId` whose final attempt started `seconds` after T0. */
const run = (
  seconds: number,
  succeeded: boolean,
  cursor?: string,
): { runId: string; startedAt: string; succeeded: boolean; cursor?: string; at: string } => ({
  runId: ulid(T0 + seconds * 1000),
  startedAt: iso(seconds * 1000),
  succeeded,
  ...(cursor === undefined ? {} : { cursor }),
  at: iso(seconds * 1000 + 500),
});

/**
 * What every CheckpointStore does (shared/ports.ts), run against the in-memory
 * fake and the DynamoDB adapter alike: the cursor and the last success move
 * only with a success, nothing moves backwards, and a rewind holds against
 * runs that started before it.
 */
export const describeCheckpointStoreContract = (
  name: string,
  makeStore: MakeStore<CheckpointStore>,
): void => {
  describe(`CheckpointStore contract: ${name}`, () => {
    it('has no checkpoint for a job that never finished a run', async () => {
      // Prepare
      const store = await makeStore();

      // Act
      const found = await store.get('job-none');

      // Assess
      expect(found).toBeUndefined();
    });

    it('records a success: last run, last success and cursor all move, with the time of the write', async () => {
      // Prepare
      const store = await makeStore();

      // Act
      const result = await store.recordRun('job-a', run(10, true, 'c-10'));

      // Assess
      expect(result).toEqual({ advanced: true, failures: 0, previousFailures: 0 });
      expect(await store.get('job-a')).toEqual({
        jobId: 'job-a',
        lastRunAt: iso(10_000),
        lastSuccessfulRunAt: iso(10_000),
        cursor: 'c-10',
        updatedAt: iso(10_500),
      });
    });

    it('records a failure as the last run only: the cursor and the last success stay', async () => {
      // Prepare
      const store = await makeStore();
      await store.recordRun('job-a', run(10, true, 'c-10'));

      // Act
      const result = await store.recordRun('job-a', run(20, false, 'ignored'));

      // Assess
      expect(result).toEqual({ advanced: true, failures: 1, previousFailures: 0 });
      expect(await store.get('job-a')).toMatchObject({
        lastRunAt: iso(20_000),
        lastSuccessfulRunAt: iso(10_000),
        cursor: 'c-10',
      });
    });

    it('keeps the cursor when a success returns none', async () => {
      // Prepare
      const store = await makeStore();
      await store.recordRun('job-a', run(10, true, 'c-10'));

      // Act
      await store.recordRun('job-a', run(20, true));

      // Assess
      expect(await store.get('job-a')).toMatchObject({
        lastRunAt: iso(20_000),
        lastSuccessfulRunAt: iso(20_000),
        cursor: 'c-10',
      });
    });

    it('keeps an empty cursor as a cursor (a run may return "")', async () => {
      // Prepare
      const store = await makeStore();
      await store.recordRun('job-a', run(10, true, 'c-10'));

      // Act
      await store.recordRun('job-a', run(20, true, ''));
      const rewound = await store.rewind('job-b', { cursor: '', by: 'local', at: iso(30_000) });

      // Assess
      expect((await store.get('job-a'))?.cursor).toBe('');
      expect(rewound.cursor).toBe('');
    });

    it('refuses a late, older success: nothing moves backwards', async () => {
      // Prepare
      const store = await makeStore();
      await store.recordRun('job-a', run(20, true, 'c-20'));

      // Act
      const late = await store.recordRun('job-a', run(10, true, 'c-10'));

      // Assess
      expect(late).toEqual({ advanced: false });
      expect(await store.get('job-a')).toMatchObject({
        lastRunAt: iso(20_000),
        lastSuccessfulRunAt: iso(20_000),
        cursor: 'c-20',
      });
    });

    it('moves the cursor past a newer failure without moving the last run back', async () => {
      // Prepare: the run started at 20 failed first; the one started at 10 succeeds after it
      const store = await makeStore();
      await store.recordRun('job-a', run(5, true, 'c-5'));
      await store.recordRun('job-a', run(20, false));

      // Act
      const result = await store.recordRun('job-a', run(10, true, 'c-10'));

      // Assess
      expect(result).toEqual({ advanced: true });
      expect(await store.get('job-a')).toMatchObject({
        lastRunAt: iso(20_000),
        lastSuccessfulRunAt: iso(10_000),
        cursor: 'c-10',
      });
    });

    it('does not move the last run back for a late, older failure', async () => {
      // Prepare
      const store = await makeStore();
      await store.recordRun('job-a', run(20, false));

      // Act
      const late = await store.recordRun('job-a', run(10, false));

      // Assess
      expect(late).toEqual({ advanced: false });
      expect((await store.get('job-a'))?.lastRunAt).toBe(iso(20_000));
    });

    it('orders two successes started in the same millisecond by run id', async () => {
      // Prepare
      const store = await makeStore();
      const first = { ...run(10, true, 'first'), runId: `${ulid(T0 + 10_000).slice(0, 10)}0000000000000000` };
      const second = {
        ...run(10, true, 'second'),
        runId: `${ulid(T0 + 10_000).slice(0, 10)}ZZZZZZZZZZZZZZZZ`,
      };
      await store.recordRun('job-a', second);

      // Act
      const earlierId = await store.recordRun('job-a', first);

      // Assess
      expect(earlierId).toEqual({ advanced: false });
      expect((await store.get('job-a'))?.cursor).toBe('second');
    });

    it('compares instants in one form, whatever ISO spelling they came in', async () => {
      // Prepare: '…10:00:10Z' sorts after '…10:00:10.500Z' as text, though it is earlier
      const store = await makeStore();
      await store.recordRun('job-a', { ...run(10, true, 'c-10.5'), startedAt: iso(10_500) });

      // Act
      const earlier = await store.recordRun('job-a', {
        ...run(10, true, 'c-10'),
        startedAt: '2026-11-22T10:00:10Z',
      });

      // Assess
      expect(earlier).toEqual({ advanced: false });
      expect(await store.get('job-a')).toMatchObject({ lastRunAt: iso(10_500), cursor: 'c-10.5' });
    });

    it('keeps the checkpoints of two jobs apart', async () => {
      // Prepare
      const store = await makeStore();

      // Act
      await store.recordRun('job-a', run(10, true, 'a'));
      await store.recordRun('job-b', run(5, true, 'b'));

      // Assess
      expect((await store.get('job-a'))?.cursor).toBe('a');
      expect((await store.get('job-b'))?.cursor).toBe('b');
    });

    it('rewinds: both fields replaced, who and when recorded, the last run kept', async () => {
      // Prepare
      const store = await makeStore();
      await store.recordRun('job-a', run(10, true, 'c-10'));

      // Act
      const rewound = await store.rewind('job-a', {
        cursor: 'c-0',
        lastSuccessfulRunAt: '2026-11-22T09:00:00Z',
        by: 'arn:aws:iam::123456789012:user/ops',
        at: iso(30_000),
      });

      // Assess
      const expected = {
        jobId: 'job-a',
        lastRunAt: iso(10_000),
        lastSuccessfulRunAt: '2026-11-22T09:00:00.000Z',
        cursor: 'c-0',
        updatedAt: iso(30_000),
        rewoundAt: iso(30_000),
        rewoundBy: 'arn:aws:iam::123456789012:user/ops',
      };
      expect(rewound).toEqual(expected);
      expect(await store.get('job-a')).toEqual(expected);
    });

    it('clears a field the rewind leaves out: {} starts over', async () => {
      // Prepare
      const store = await makeStore();
      await store.recordRun('job-a', run(10, true, 'c-10'));

      // Act
      const rewound = await store.rewind('job-a', { by: 'local', at: iso(30_000) });

      // Assess
      expect(rewound).toEqual({
        jobId: 'job-a',
        lastRunAt: iso(10_000),
        updatedAt: iso(30_000),
        rewoundAt: iso(30_000),
        rewoundBy: 'local',
      });
    });

    it('rewinds a job that has no checkpoint yet', async () => {
      // Prepare
      const store = await makeStore();

      // Act
      const rewound = await store.rewind('job-new', { cursor: 'start', by: 'local', at: iso(1_000) });

      // Assess
      expect(rewound).toEqual({
        jobId: 'job-new',
        cursor: 'start',
        updatedAt: iso(1_000),
        rewoundAt: iso(1_000),
        rewoundBy: 'local',
      });
    });

    it('holds a rewind against a run that started before it, which still counts as the last run', async () => {
      // Prepare: the run started at 20, the rewind came at 25, the run succeeds at 40
      const store = await makeStore();
      await store.recordRun('job-a', run(10, true, 'c-10'));
      await store.rewind('job-a', { cursor: 'rewound', by: 'local', at: iso(25_000) });

      // Act
      const inFlight = await store.recordRun('job-a', run(20, true, 'c-20'));

      // Assess
      expect(inFlight).toEqual({ advanced: false, failures: 0, previousFailures: 0 });
      expect(await store.get('job-a')).toMatchObject({ cursor: 'rewound', lastRunAt: iso(20_000) });
      expect((await store.get('job-a'))?.lastSuccessfulRunAt).toBeUndefined();
    });

    it('lets the first run started after a rewind move on from it', async () => {
      // Prepare: a success at 50 recorded, then rewound at 60 to an earlier point
      const store = await makeStore();
      await store.recordRun('job-a', run(50, true, 'c-50'));
      await store.rewind('job-a', { cursor: 'c-0', by: 'local', at: iso(60_000) });

      // Act
      const next = await store.recordRun('job-a', run(70, true, 'c-1'));

      // Assess
      expect(next).toEqual({ advanced: true, failures: 0, previousFailures: 0 });
      expect(await store.get('job-a')).toMatchObject({
        cursor: 'c-1',
        lastRunAt: iso(70_000),
        lastSuccessfulRunAt: iso(70_000),
        rewoundAt: iso(60_000),
        rewoundBy: 'local',
      });
    });

    it('counts failures in a row in the write that records them, and a success resets the count', async () => {
      // Prepare
      const store = await makeStore();

      // Act
      const first = await store.recordRun('job-a', run(10, false));
      const second = await store.recordRun('job-a', run(20, false));
      const third = await store.recordRun('job-a', run(30, false));
      const failing = await store.get('job-a');
      const success = await store.recordRun('job-a', run(40, true, 'c-40'));

      // Assess
      expect([first, second, third]).toEqual([
        { advanced: true, failures: 1, previousFailures: 0 },
        { advanced: true, failures: 2, previousFailures: 1 },
        { advanced: true, failures: 3, previousFailures: 2 },
      ]);
      expect(failing?.consecutiveFailures).toBe(3);
      expect(success).toEqual({ advanced: true, failures: 0, previousFailures: 3 });
      expect((await store.get('job-a'))?.consecutiveFailures).toBeUndefined();
    });

    it('keeps the newest run as lastRun, in the same write', async () => {
      // Prepare
      const store = await makeStore();
      const r = run(10, false);
      const lastRun = {
        id: r.runId,
        status: 'failed' as const,
        startedAt: r.startedAt,
        endedAt: r.at,
        firedBy: 'schedule' as const,
      };

      // Act
      await store.recordRun('job-a', { ...r, lastRun });

      // Assess
      expect(await store.get('job-a')).toEqual({
        jobId: 'job-a',
        lastRun,
        consecutiveFailures: 1,
        lastRunAt: iso(10_000),
        updatedAt: iso(10_500),
      });
    });

    it('neither counts nor shows a late, older run that does not move the last run', async () => {
      // Prepare: the run started at 20 failed and is recorded; those started at 10 and 15 end after it
      const store = await makeStore();
      const newer = run(20, false);
      const newerLast = { id: newer.runId, status: 'failed' as const, startedAt: newer.startedAt };
      await store.recordRun('job-a', { ...newer, lastRun: newerLast });

      // Act
      const lateFailure = await store.recordRun('job-a', {
        ...run(10, false),
        lastRun: { id: 'late-failure', status: 'failed' },
      });
      const lateSuccess = await store.recordRun('job-a', {
        ...run(15, true, 'c-15'),
        lastRun: { id: 'late-success', status: 'succeeded' },
      });

      // Assess: the late failure is not counted, the late success moves the cursor but resets nothing
      expect(lateFailure).toEqual({ advanced: false });
      expect(lateSuccess).toEqual({ advanced: true });
      expect(await store.get('job-a')).toMatchObject({
        lastRun: newerLast,
        consecutiveFailures: 1,
        cursor: 'c-15',
      });
    });

    it('gives each of several failures recorded at once a count of its own', async () => {
      // Prepare
      const store = await makeStore();
      const runs = [1, 2, 3, 4, 5].map((s) => run(s, false));

      // Act
      const results = await Promise.all(runs.map((r) => store.recordRun('job-a', r)));

      // Assess: the counts handed out are 1…n, each once, n the stored count (a late, older one is not counted)
      const counted = results.flatMap((r) => (r.failures === undefined ? [] : [r.failures]));
      expect(counted.length).toBeGreaterThan(0);
      expect([...counted].sort((a, b) => a - b)).toEqual(
        Array.from({ length: counted.length }, (_, i) => i + 1),
      );
      expect((await store.get('job-a'))?.consecutiveFailures).toBe(counted.length);
    });

    it('keeps the last run and the failure count through a rewind', async () => {
      // Prepare
      const store = await makeStore();
      const r = run(10, false);
      await store.recordRun('job-a', { ...r, lastRun: { id: r.runId, status: 'failed' } });

      // Act
      const rewound = await store.rewind('job-a', { cursor: 'c-0', by: 'local', at: iso(30_000) });

      // Assess
      expect(rewound).toMatchObject({ lastRun: { id: r.runId, status: 'failed' }, consecutiveFailures: 1 });
      expect(await store.get('job-a')).toMatchObject({
        lastRun: { id: r.runId, status: 'failed' },
        consecutiveFailures: 1,
      });
    });

    it('keeps a stopped run as the last run alone: lastRunAt, cursor, last success and count stay', async () => {
      // Prepare: a success, then a failure (count 1)
      const store = await makeStore();
      await store.recordRun('job-stopped', run(10, true, 'c-1'));
      await store.recordRun('job-stopped', run(20, false));
      const before = await store.get('job-stopped');
      const stopped = { id: ulid(T0 + 30_000), status: 'stopped' as const, startedAt: iso(30_000) };

      // Act
      const written = await store.recordLastRun('job-stopped', { lastRun: stopped, at: iso(31_000) });

      // Assess
      expect(written).toBe(true);
      expect(await store.get('job-stopped')).toEqual({
        ...before,
        lastRun: stopped,
        updatedAt: iso(31_000),
      });
    });

    it('keeps a stopped run as the last run only when it is the newest', async () => {
      // Prepare: a run recorded at 20 s, a stopped one kept at 40 s
      const store = await makeStore();
      await store.recordRun('job-stopped-old', run(20, false));
      const newest = { id: ulid(T0 + 40_000), status: 'stopped' as const, startedAt: iso(40_000) };
      await store.recordLastRun('job-stopped-old', { lastRun: newest, at: iso(41_000) });

      // Act: stopped runs that started before each of them
      const older = await store.recordLastRun('job-stopped-old', {
        lastRun: { id: ulid(T0 + 10_000), status: 'stopped', startedAt: iso(10_000) },
        at: iso(42_000),
      });
      const between = await store.recordLastRun('job-stopped-old', {
        lastRun: { id: ulid(T0 + 30_000), status: 'stopped', startedAt: iso(30_000) },
        at: iso(43_000),
      });
      // A job with no checkpoint yet gets one holding the last run alone
      const first = await store.recordLastRun('job-stopped-new', { lastRun: newest, at: iso(41_000) });

      // Assess
      expect([older, between, first]).toEqual([false, false, true]);
      expect((await store.get('job-stopped-old'))?.lastRun).toEqual(newest);
      expect(await store.get('job-stopped-new')).toEqual({
        jobId: 'job-stopped-new',
        lastRun: newest,
        updatedAt: iso(41_000),
      });
    });

    it('reads many checkpoints at once, leaving out jobs that have none', async () => {
      // Prepare: 130 ids (more than one batch of 100), three with a checkpoint
      const store = await makeStore();
      const ids = Array.from({ length: 130 }, (_, i) => `job-${String(i).padStart(3, '0')}`);
      await store.recordRun('job-000', run(10, true, 'a'));
      await store.recordRun('job-101', run(10, false));
      await store.recordRun('job-129', run(10, true, 'c'));

      // Act
      const found = await store.getMany([...ids, 'job-000']);
      const none = await store.getMany([]);

      // Assess
      expect([...found.keys()].sort()).toEqual(['job-000', 'job-101', 'job-129']);
      expect(found.get('job-000')).toEqual(await store.get('job-000'));
      expect(found.get('job-101')).toMatchObject({ jobId: 'job-101', consecutiveFailures: 1 });
      expect(found.get('job-129')).toMatchObject({ jobId: 'job-129', cursor: 'c' });
      expect(none.size).toBe(0);
    });
  });
};
