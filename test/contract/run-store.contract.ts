import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { ConflictError, ValidationError } from '../../shared/errors.ts';
import type { Run } from '../../shared/model/index.ts';
import { summarizeRun } from '../../shared/model/index.ts';
import type { OpenKind, OpenRun, RunListQuery, RunStore } from '../../shared/ports.ts';
import { MAX_SWEEP_REQUEUES } from '../../shared/runtime/recovery.ts';
import type { MakeStore } from './fixtures.ts';
import { allPages, finishOf, iso, line, makeRun, T0 } from './fixtures.ts';

const startAt = (ms: number) => ({ startedAt: iso(ms), staleBefore: iso(ms) });

const KINDS: readonly OpenKind[] = ['queued', 'running', 'decision'];

/**
 * The whole index of open runs, partition by partition (every kind, every
 * shard, page by page): each run with the kind it is filed under, oldest
 * move first.
 */
const openIndex = async (
  store: RunStore,
  before?: string,
): Promise<(OpenRun & { kind: OpenKind; shard: number })[]> => {
  const all: (OpenRun & { kind: OpenKind; shard: number })[] = [];
  for (const kind of KINDS) {
    for (let shard = 0; shard < store.openShards; shard++) {
      const { items } = await allPages((p) => store.listOpen({ ...p, kind, shard, before }), 2);
      all.push(...items.map((r) => ({ ...r, kind, shard })));
    }
  }
  const key = (r: OpenRun) => `${r.since}#${r.id}`;
  return all.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
};
/** Where each open run is filed: [id, kind, since]. */
const filed = async (store: RunStore, before?: string) =>
  (await openIndex(store, before)).map((r) => [r.id, r.kind, r.since]);

/**
 * What every RunStore does (shared/ports.ts), run against the in-memory fake
 * and the DynamoDB adapter alike.
 */
export const describeRunStoreContract = (name: string, makeStore: MakeStore<RunStore>): void => {
  describe(`RunStore contract: ${name}`, () => {
    describe('create / get', () => {
      it('stores a run that reads back equal, event included', async () => {
        // Prepare
        const store = await makeStore();
        const run = makeRun('create-job', {
          deliveryId: 'd-1',
          event: {
            source: 'generic',
            trigger: 'webhook',
            deliveryId: 'd-1',
            receivedAt: iso(0),
            headers: { 'content-type': 'application/json' },
            query: {},
            payload: { hello: 'world', n: [1, 2, 3], nested: { deeper: [{ a: null }] } },
          },
        });

        // Act
        await store.create(run);
        const read = await store.get(run.id);

        // Assess
        expect(read).toEqual(run);
      });

      it('is put-if-absent: a second run with the same id is a ConflictError and changes nothing', async () => {
        // Prepare
        const store = await makeStore();
        const run = makeRun('conflict-job');
        await store.create(run);

        // Act
        const error = await store.create({ ...run, trigger: 'other' }).then(
          () => undefined,
          (e: unknown) => e,
        );

        // Assess
        expect(error).toBeInstanceOf(ConflictError);
        expect((error as ConflictError).code).toBe('run_exists');
        expect((await store.get(run.id))?.trigger).toBe('webhook');
      });

      it('answers undefined for an unknown run', async () => {
        // Prepare
        const store = await makeStore();

        // Act & Assess
        expect(await store.get(ulid())).toBeUndefined();
      });

      it('keeps what was written, not the caller’s object', async () => {
        // Prepare
        const store = await makeStore();
        const run = makeRun('copy-job', { logs: [line('first')] });
        await store.create(run);

        // Act
        run.logs.push(line('pushed by the caller'));
        const read = await store.get(run.id);
        read?.logs.push(line('pushed by a reader'));

        // Assess
        expect((await store.get(run.id))?.logs).toEqual([line('first')]);
      });
    });

    describe('listByJob', () => {
      it('lists a job’s runs newest first, page by page, and only that job’s', async () => {
        // Prepare: created out of order, ids ordered by their seed time
        const store = await makeStore();
        const runs = [3, 0, 4, 1, 2].map((s) => makeRun('history-job', {}, s));
        for (const run of runs) await store.create(run);
        await store.create(makeRun('other-history-job', {}, 5));
        const newestFirst = [...runs].sort((a, b) => (a.id < b.id ? 1 : -1)).map((r) => r.id);

        // Act
        const page1 = await store.listByJob('history-job', { limit: 2 });
        const page2 = await store.listByJob('history-job', { limit: 2, cursor: page1.nextCursor });
        const page3 = await store.listByJob('history-job', { limit: 2, cursor: page2.nextCursor });
        const all = await store.listByJob('history-job');

        // Assess
        expect([...page1.items, ...page2.items, ...page3.items].map((r) => r.id)).toEqual(newestFirst);
        expect(page1.items.map((r) => r.createdAt)).toEqual([iso(4000), iso(3000)]);
        expect(page1.nextCursor).toEqual(expect.any(String));
        expect(page3.items).toHaveLength(1);
        expect(page3.nextCursor).toBeUndefined();
        expect(all.items.map((r) => r.id)).toEqual(newestFirst);
        expect(all.nextCursor).toBeUndefined();
      });

      it('pages by 20 by default', async () => {
        // Prepare
        const store = await makeStore();
        for (let s = 0; s < 21; s++) await store.create(makeRun('many-job', {}, s));

        // Act
        const first = await store.listByJob('many-job');
        const rest = await store.listByJob('many-job', { cursor: first.nextCursor });

        // Assess
        expect(first.items).toHaveLength(20);
        expect(rest.items.map((r) => r.createdAt)).toEqual([iso(0)]);
      });

      it('answers an empty page for a job with no runs', async () => {
        // Prepare
        const store = await makeStore();

        // Act & Assess
        expect(await store.listByJob('no-runs-job')).toEqual({ items: [] });
      });

      it('lists summaries: a listed run carries no log, event or output (get has them)', async () => {
        // Prepare: a run with all three, finished so that it has an output
        const store = await makeStore();
        const run = makeRun('summary-job', {
          deliveryId: 'd-1',
          logs: [line('from ingest')],
          event: {
            source: 'generic',
            trigger: 'webhook',
            deliveryId: 'd-1',
            receivedAt: iso(0),
            headers: {},
            query: {},
            payload: { big: 'x'.repeat(1000) },
          },
        });
        await store.create(run);
        await store.start(run.id, startAt(1000));
        await store.finish(
          run.id,
          finishOf(1, { output: { ticket: 'SEC-1' }, verdict: { allow: true, message: 'ok' } }),
        );
        const full = await store.get(run.id);

        // Act
        const { items } = await store.listByJob('summary-job');

        // Assess
        expect(full).toMatchObject({ logs: [line('hello')], output: { ticket: 'SEC-1' } });
        expect(full?.event).toBeDefined();
        expect(items).toEqual([summarizeRun(full!)]);
        expect(items[0]).toMatchObject({ status: 'succeeded', message: 'done', verdict: { allow: true } });
        expect(items[0]).not.toHaveProperty('logs');
        expect(items[0]).not.toHaveProperty('event');
        expect(items[0]).not.toHaveProperty('output');
      });

      it('refuses a cursor of another job’s history, or none of its own', async () => {
        // Prepare
        const store = await makeStore();
        for (const s of [0, 1]) await store.create(makeRun('cursor-job-a', {}, s));
        const page = await store.listByJob('cursor-job-a', { limit: 1 });

        // Act & Assess
        expect(page.nextCursor).toEqual(expect.any(String));
        await expect(store.listByJob('cursor-job-b', { cursor: page.nextCursor })).rejects.toThrow(
          ValidationError,
        );
        await expect(store.listByJob('cursor-job-a', { cursor: 'garbage' })).rejects.toThrow(
          'invalid cursor',
        );
      });
    });

    describe('start', () => {
      it('moves a queued run to running as attempt 1 and answers it as it now is', async () => {
        // Prepare
        const store = await makeStore();
        const run = makeRun('start-job');
        await store.create(run);

        // Act
        const started = await store.start(run.id, startAt(1000));

        // Assess
        expect(started).toEqual({ ...run, status: 'running', attempt: 1, startedAt: iso(1000) });
        expect(await store.get(run.id)).toEqual(started);
      });

      it('does not start a finished run again (a repeated delivery)', async () => {
        // Prepare
        const store = await makeStore();
        const run = makeRun('repeat-job');
        await store.create(run);
        await store.start(run.id, startAt(1000));
        await store.finish(run.id, finishOf(1, { status: 'failed', error: 'boom' }));

        // Act
        const again = await store.start(run.id, { startedAt: iso(9e9), staleBefore: iso(9e9) });

        // Assess
        expect(again).toBeUndefined();
        expect(await store.get(run.id)).toMatchObject({ status: 'failed', attempt: 1, error: 'boom' });
      });

      it('does not start a run that does not exist, nor create it', async () => {
        // Prepare
        const store = await makeStore();
        const id = ulid();

        // Act
        const started = await store.start(id, startAt(0));

        // Assess
        expect(started).toBeUndefined();
        expect(await store.get(id)).toBeUndefined();
      });

      it('takes a running run over only when its attempt started before staleBefore', async () => {
        // Prepare
        const store = await makeStore();
        const run = makeRun('takeover-job');
        await store.create(run);
        await store.start(run.id, startAt(1000));

        // Act
        const atLimit = await store.start(run.id, { startedAt: iso(1500), staleBefore: iso(1000) });
        const noLimit = await store.start(run.id, { startedAt: iso(1500), staleBefore: '' });
        const afterLimit = await store.start(run.id, { startedAt: iso(2000), staleBefore: iso(1001) });

        // Assess
        expect(atLimit).toBeUndefined(); // started exactly at the limit: still alive, left alone
        expect(noLimit).toBeUndefined();
        expect(afterLimit).toEqual({ ...run, status: 'running', attempt: 2, startedAt: iso(2000) });
      });

      it('leaves an attempt that was taken over unable to finish or release the run', async () => {
        // Prepare
        const store = await makeStore();
        const run = makeRun('takeover-finish-job');
        await store.create(run);
        await store.start(run.id, startAt(1000));
        await store.start(run.id, { startedAt: iso(2000), staleBefore: iso(1001) });

        // Act
        const staleFinish = await store.finish(run.id, finishOf(1, { message: 'from attempt 1' }));
        const staleRelease = await store.release(run.id, { attempt: 1, error: 'late', logs: [] });
        const currentFinish = await store.finish(run.id, finishOf(2, { message: 'from attempt 2' }));

        // Assess
        expect([staleFinish, staleRelease, currentFinish]).toEqual([false, false, true]);
        expect(await store.get(run.id)).toMatchObject({
          status: 'succeeded',
          attempt: 2,
          message: 'from attempt 2',
        });
      });
    });

    describe('saveLogs (live log)', () => {
      it('writes a running attempt’s log, read back by get and handed to the next attempt by start', async () => {
        // Prepare
        const store = await makeStore();
        const run = makeRun('live-log-job');
        await store.create(run);
        await store.start(run.id, startAt(1000));

        // Act
        const saved = await store.saveLogs(run.id, 1, [line('step 1'), line('step 2')], true);
        const read = await store.get(run.id);
        // The attempt dies; the next one takes the run over
        const next = await store.start(run.id, { startedAt: iso(90_000), staleBefore: iso(1001) });

        // Assess
        expect(saved).toBe(true);
        expect(read).toMatchObject({ status: 'running', attempt: 1, logsTruncated: true });
        expect(read?.logs.map((l) => l.message)).toEqual(['step 1', 'step 2']);
        expect(next?.attempt).toBe(2);
        expect(next?.logs.map((l) => l.message)).toEqual(['step 1', 'step 2']);
      });

      it('writes nothing for another attempt, a queued or a finished run, or an unknown one', async () => {
        // Prepare
        const store = await makeStore();
        const queued = makeRun('live-log-refused-job', {}, 1);
        const running = makeRun('live-log-refused-job', {}, 2);
        const done = makeRun('live-log-refused-job', {}, 3);
        for (const r of [queued, running, done]) await store.create(r);
        await store.start(running.id, startAt(1000));
        await store.start(done.id, startAt(1000));
        await store.finish(done.id, finishOf(1, { logs: [line('final')] }));

        // Act
        const answers = [
          await store.saveLogs(queued.id, 0, [line('late')]),
          await store.saveLogs(running.id, 2, [line('late')]),
          await store.saveLogs(done.id, 1, [line('late')]),
          await store.saveLogs(ulid(T0 + 99_000), 1, [line('late')]),
        ];

        // Assess
        expect(answers).toEqual([false, false, false, false]);
        expect((await store.get(queued.id))?.logs).toEqual([]);
        expect((await store.get(running.id))?.logs).toEqual([]);
        expect((await store.get(done.id))?.logs.map((l) => l.message)).toEqual(['final']);
        expect(await store.get(ulid(T0 + 99_000))).toBeUndefined();
      });
    });

    describe('finish', () => {
      it('lets the attempt that started the run finish it with everything it recorded', async () => {
        // Prepare
        const store = await makeStore();
        const run = makeRun('finish-job');
        await store.create(run);
        await store.start(run.id, startAt(1000));
        const finish = finishOf(1, {
          output: { ticket: 'SEC-1', skipped: undefined },
          verdict: { allow: true, message: 'ok' },
          logsTruncated: true,
        });

        // Act
        const finished = await store.finish(run.id, finish);
        const read = await store.get(run.id);

        // Assess
        expect(finished).toBe(true);
        expect(read).toEqual({
          ...run,
          status: 'succeeded',
          attempt: 1,
          startedAt: iso(1000),
          endedAt: iso(10_000),
          durationMs: 1234,
          message: 'done',
          output: { ticket: 'SEC-1' },
          verdict: { allow: true, message: 'ok' },
          logs: [line('hello')],
          logsTruncated: true,
        });
      });

      it('refuses another attempt, a queued run, a finished run and an unknown run', async () => {
        // Prepare
        const store = await makeStore();
        const queued = makeRun('finish-refused-job', {}, 0);
        const running = makeRun('finish-refused-job', {}, 1);
        await store.create(queued);
        await store.create(running);
        await store.start(running.id, startAt(1000));

        // Act
        const wrongAttempt = await store.finish(running.id, finishOf(2));
        const notRunning = await store.finish(queued.id, finishOf(0));
        const once = await store.finish(running.id, finishOf(1, { message: 'first' }));
        const twice = await store.finish(running.id, finishOf(1, { message: 'second' }));
        const unknown = await store.finish(ulid(), finishOf(1));

        // Assess
        expect([wrongAttempt, notRunning, once, twice, unknown]).toEqual([false, false, true, false, false]);
        expect(await store.get(queued.id)).toEqual(queued);
        expect((await store.get(running.id))?.message).toBe('first');
      });

      it('removes what a finish leaves undefined rather than keeping an earlier attempt’s value', async () => {
        // Prepare: attempt 1 fails and is released with an error and truncated logs
        const store = await makeStore();
        const run = makeRun('remove-job');
        await store.create(run);
        await store.start(run.id, startAt(1000));
        await store.release(run.id, {
          attempt: 1,
          error: 'transient',
          logs: [line('x')],
          logsTruncated: true,
        });
        await store.start(run.id, startAt(2000));

        // Act
        const finished = await store.finish(run.id, finishOf(2, { message: undefined }));
        const read = await store.get(run.id);

        // Assess
        expect(finished).toBe(true);
        expect(read).toBeDefined();
        expect(read).not.toHaveProperty('error');
        expect(read).not.toHaveProperty('message');
        expect(read).not.toHaveProperty('logsTruncated');
        expect(read).not.toHaveProperty('output');
        expect(read).not.toHaveProperty('verdict');
        expect(read?.logs).toEqual([line('hello')]);
      });

      it('stores integration output that JSON can hold, as JSON would', async () => {
        // Prepare
        const store = await makeStore();
        const run = makeRun('output-job');
        await store.create(run);
        await store.start(run.id, startAt(1000));
        const output = {
          when: new Date(Date.parse(iso(0))),
          ratio: Number.NaN,
          fn: () => 1,
          nested: [{ a: undefined, b: 'b' }],
        };

        // Act
        const finished = await store.finish(run.id, finishOf(1, { output }));

        // Assess
        expect(finished).toBe(true);
        expect((await store.get(run.id))?.output).toEqual({
          when: iso(0),
          ratio: null,
          nested: [{ b: 'b' }],
        });
      });
    });

    describe('release', () => {
      it('moves the running attempt back to queued with its error and log, for the next attempt', async () => {
        // Prepare
        const store = await makeStore();
        const run = makeRun('release-job');
        await store.create(run);
        await store.start(run.id, startAt(1000));

        // Act
        const released = await store.release(run.id, {
          attempt: 1,
          error: 'HTTP 503 from target',
          logs: [line('calling target'), line('HTTP 503', 'ERROR')],
          logsTruncated: true,
        });
        const afterRelease = await store.get(run.id);
        const restarted = await store.start(run.id, startAt(3000));

        // Assess
        expect(released).toBe(true);
        expect(afterRelease).toEqual({
          ...run,
          status: 'queued',
          attempt: 1,
          startedAt: iso(1000),
          error: 'HTTP 503 from target',
          logs: [line('calling target'), line('HTTP 503', 'ERROR')],
          logsTruncated: true,
        });
        expect(restarted).toMatchObject({ status: 'running', attempt: 2, error: 'HTTP 503 from target' });
      });

      it('keeps the stored log when the release brings none, and drops a stale truncation mark when it does', async () => {
        // Prepare
        const store = await makeStore();
        const run = makeRun('release-logs-job', { logs: [line('from ingest')] });
        await store.create(run);
        await store.start(run.id, startAt(1000));
        await store.release(run.id, { attempt: 1, error: 'first', logs: [line('a')], logsTruncated: true });
        await store.start(run.id, startAt(2000));

        // Act
        const withoutLogs = await store.release(run.id, { attempt: 2, error: 'second' });
        const kept = await store.get(run.id);
        await store.start(run.id, startAt(3000));
        const withLogs = await store.release(run.id, { attempt: 3, error: 'third', logs: [line('b')] });
        const replaced = await store.get(run.id);

        // Assess
        expect([withoutLogs, withLogs]).toEqual([true, true]);
        expect(kept).toMatchObject({ error: 'second', logs: [line('a')], logsTruncated: true });
        expect(replaced).toMatchObject({ error: 'third', logs: [line('b')] });
        expect(replaced).not.toHaveProperty('logsTruncated');
      });

      it('refuses another attempt, a queued run, a finished run and an unknown run', async () => {
        // Prepare
        const store = await makeStore();
        const queued = makeRun('release-refused-job', {}, 0);
        const running = makeRun('release-refused-job', {}, 1);
        const finished = makeRun('release-refused-job', {}, 2);
        for (const r of [queued, running, finished]) await store.create(r);
        await store.start(running.id, startAt(1000));
        await store.start(finished.id, startAt(1000));
        await store.finish(finished.id, finishOf(1));

        // Act
        const results = [
          await store.release(running.id, { attempt: 2, error: 'x' }),
          await store.release(queued.id, { attempt: 0, error: 'x' }),
          await store.release(finished.id, { attempt: 1, error: 'x' }),
          await store.release(ulid(), { attempt: 1, error: 'x' }),
        ];

        // Assess
        expect(results).toEqual([false, false, false, false]);
        expect((await store.get(running.id))?.status).toBe('running');
        expect((await store.get(finished.id))?.status).toBe('succeeded');
        expect(await store.get(queued.id)).toEqual(queued);
      });

      it('deferred (a rate limit): keeps the attempt number, counts the deferral, files the run from when its message shows', async () => {
        // Prepare: attempt 1 running
        const store = await makeStore();
        const run = makeRun('release-deferred-job');
        await store.create(run);
        await store.start(run.id, startAt(1000));

        // Act: deferred twice, the second time marking the rate-limit notice as raised
        const first = await store.release(run.id, {
          attempt: 1,
          error: 'rate limited by api.example.com: retrying in 120 s',
          deferred: true,
          visibleAt: iso(121_000),
        });
        const afterFirst = await store.get(run.id);
        const filedFirst = await filed(store);
        const again = await store.start(run.id, startAt(122_000));
        const second = await store.release(run.id, {
          attempt: 1,
          error: 'rate limited again',
          deferred: true,
          rateLimited: true,
          visibleAt: iso(300_000),
        });
        const afterSecond = await store.get(run.id);
        const third = await store.start(run.id, startAt(301_000));

        // Assess: the start after a deferral is the same attempt again
        expect([first, second]).toEqual([true, true]);
        expect(afterFirst).toMatchObject({ status: 'queued', attempt: 0, deferrals: 1 });
        expect(afterFirst).not.toHaveProperty('rateLimited');
        expect(filedFirst).toEqual([[run.id, 'queued', iso(121_000)]]);
        expect(again).toMatchObject({ status: 'running', attempt: 1, deferrals: 1 });
        expect(afterSecond).toMatchObject({ status: 'queued', attempt: 0, deferrals: 2, rateLimited: true });
        expect(third).toMatchObject({ attempt: 1, deferrals: 2, rateLimited: true });
      });

      it('deferred uncounted (a turn in an order line): keeps the attempt number, counts no deferral', async () => {
        // Prepare: attempt 1 running, deferred once by a rate limit already
        const store = await makeStore();
        const run = makeRun('release-uncounted-job');
        await store.create(run);
        await store.start(run.id, startAt(1000));
        await store.release(run.id, {
          attempt: 1,
          error: 'rate limited',
          deferred: true,
          visibleAt: iso(2_000),
        });
        await store.start(run.id, startAt(3000));

        // Act
        const released = await store.release(run.id, {
          attempt: 1,
          error: 'waiting for its turn',
          deferred: true,
          uncounted: true,
          visibleAt: iso(10_000),
        });
        const after = await store.get(run.id);
        const again = await store.start(run.id, startAt(11_000));

        // Assess
        expect(released).toBe(true);
        expect(after).toMatchObject({ status: 'queued', attempt: 0, deferrals: 1 });
        expect(again).toMatchObject({ status: 'running', attempt: 1, deferrals: 1 });
      });

      it('an ordinary release keeps the rate-limit mark and spends the attempt', async () => {
        // Prepare
        const store = await makeStore();
        const run = makeRun('release-ratelimited-job');
        await store.create(run);
        await store.start(run.id, startAt(1000));

        // Act
        await store.release(run.id, { attempt: 1, error: 'HTTP 429', rateLimited: true });
        const released = await store.get(run.id);
        await store.start(run.id, startAt(2000));
        await store.release(run.id, { attempt: 2, error: 'HTTP 503' });
        const again = await store.get(run.id);

        // Assess
        expect(released).toMatchObject({ attempt: 1, rateLimited: true });
        expect(released).not.toHaveProperty('deferrals');
        expect(again).toMatchObject({ attempt: 2, rateLimited: true });
      });
    });

    describe('markRequeued', () => {
      it('counts each requeue of a queued run and moves it in the open listing to `at`', async () => {
        // Prepare
        const store = await makeStore();
        const run = makeRun('requeue-job');
        await store.create(run);

        // Act
        const first = await store.markRequeued(run.id, iso(60_000));
        const second = await store.markRequeued(run.id, iso(120_000));
        const open = await openIndex(store);

        // Assess
        expect([first, second]).toEqual([1, 2]);
        expect(open).toEqual([
          {
            id: run.id,
            jobId: 'requeue-job',
            status: 'queued',
            mode: 'async',
            attempt: 0,
            since: iso(120_000),
            requeues: 2,
            kind: 'queued',
            shard: expect.any(Number) as unknown,
          },
        ]);
      });

      it('answers undefined for a run that is not queued (running, finished, unknown)', async () => {
        // Prepare
        const store = await makeStore();
        const running = makeRun('requeue-refused-job', {}, 0);
        const finished = makeRun('requeue-refused-job', {}, 1);
        for (const r of [running, finished]) await store.create(r);
        await store.start(running.id, startAt(1000));
        await store.start(finished.id, startAt(1000));
        await store.finish(finished.id, finishOf(1));

        // Act
        const results = [
          await store.markRequeued(running.id, iso(60_000)),
          await store.markRequeued(finished.id, iso(60_000)),
          await store.markRequeued(ulid(), iso(60_000)),
        ];

        // Assess
        expect(results).toEqual([undefined, undefined, undefined]);
        expect(await filed(store)).toEqual([[running.id, 'running', iso(1000)]]);
      });

      it('keeps counting across attempts: a start does not reset the count', async () => {
        // The sweeper records a run failed once it has requeued it more than
        // MAX_SWEEP_REQUEUES times in all; a count that restarted at every
        // attempt would let a run that keeps getting stuck come back forever.
        // Prepare
        const store = await makeStore();
        const run = makeRun('requeue-count-job');
        await store.create(run);

        // Act
        const counts: (number | undefined)[] = [];
        for (let attempt = 1; attempt <= MAX_SWEEP_REQUEUES; attempt++) {
          counts.push(await store.markRequeued(run.id, iso(attempt * 60_000)));
          await store.start(run.id, startAt(attempt * 60_000 + 1000));
          await store.release(run.id, { attempt, error: `attempt ${attempt} died` });
        }
        const listed = (await openIndex(store))[0]?.requeues;
        counts.push(await store.markRequeued(run.id, iso(3_600_000)));

        // Assess
        expect(counts).toEqual([1, 2, 3, MAX_SWEEP_REQUEUES + 1]);
        expect(listed).toBe(MAX_SWEEP_REQUEUES);
      });
    });

    describe('listOpen', () => {
      /** Queued (created at 0, 1, 2 s), running (created at 3, 4 s; started at 7 s), finished (5, 6 s). */
      const openTable = async (store: RunStore) => {
        const queued = [makeRun('job-a', {}, 0), makeRun('job-b', {}, 1), makeRun('job-a', {}, 2)];
        const running = [makeRun('job-b', {}, 3), makeRun('job-b', {}, 4)];
        const finished = [makeRun('job-a', {}, 5), makeRun('job-c', {}, 6)];
        for (const run of [...queued, ...running, ...finished]) await store.create(run);
        for (const run of [...running, ...finished]) await store.start(run.id, startAt(7000));
        for (const run of finished) await store.finish(run.id, finishOf(1));
        return { queued, running, finished };
      };
      const open = (run: Run, over: Partial<OpenRun>): OpenRun => ({
        id: run.id,
        jobId: run.jobId,
        status: 'queued',
        mode: run.mode,
        attempt: 0,
        since: run.createdAt,
        requeues: 0,
        ...over,
      });
      const strip = ({ kind: _k, shard: _s, ...run }: OpenRun & { kind: OpenKind; shard: number }) => run;

      it('lists every queued or running run, each in one partition, page by page, and no finished one', async () => {
        // Prepare
        const store = await makeStore();
        const { queued, running } = await openTable(store);

        // Act
        const index = await openIndex(store);
        const pages = await allPages(
          (p) => store.listOpen({ ...p, kind: 'queued', shard: index[0]!.shard }),
          1,
        );

        // Assess
        expect(index.map(strip)).toEqual([
          ...queued.map((r) => open(r, {})),
          ...running.map((r) => open(r, { status: 'running', attempt: 1, since: iso(7000) })),
        ]);
        expect(index.map((r) => r.kind)).toEqual(['queued', 'queued', 'queued', 'running', 'running']);
        expect(pages.items.length).toBe(
          index.filter((r) => r.kind === 'queued' && r.shard === index[0]!.shard).length,
        );
        expect(pages.pages).toBeGreaterThanOrEqual(pages.items.length);
      });

      it('spreads the runs of a kind over its shards by run id', async () => {
        // Prepare: enough runs that every shard holds some (about 1 in 10^6 to fail by chance with 4 shards)
        const store = await makeStore();
        const runs = Array.from({ length: 60 }, (_, s) => makeRun('shard-job', {}, s));
        for (const run of runs) await store.create(run);

        // Act
        const index = await openIndex(store);
        const again = await openIndex(store);

        // Assess
        expect(index).toHaveLength(runs.length);
        expect(new Set(index.map((r) => r.shard)).size).toBe(store.openShards);
        expect(again.map((r) => [r.id, r.shard])).toEqual(index.map((r) => [r.id, r.shard]));
      });

      it('lists with `before` only the runs that last moved earlier', async () => {
        // Prepare
        const store = await makeStore();
        const { queued, running } = await openTable(store);

        // Act
        const beforeStart = await openIndex(store, iso(5000));
        const atStart = await openIndex(store, iso(7000));
        const after = await openIndex(store, iso(7001));

        // Assess
        expect(beforeStart.map((r) => r.id)).toEqual(queued.map((r) => r.id));
        expect(atStart.map((r) => r.id)).toEqual(queued.map((r) => r.id));
        expect(after.map((r) => r.id)).toEqual([...queued, ...running].map((r) => r.id));
      });

      it('moves a run between kinds as it moves: queued → running → queued (released) → running → none', async () => {
        // Prepare
        const store = await makeStore();
        const run = makeRun('moves-job');
        await store.create(run);
        const created = await filed(store);

        // Act
        await store.start(run.id, startAt(1000));
        const started = await filed(store);
        await store.release(run.id, { attempt: 1, error: 'transient' });
        const released = await filed(store);
        await store.markRequeued(run.id, iso(1500));
        const requeued = await filed(store);
        await store.start(run.id, startAt(2000));
        const restarted = await openIndex(store);
        await store.finish(run.id, finishOf(2));
        const finished = await filed(store);

        // Assess: a released run keeps the time its last start gave it
        expect(created).toEqual([[run.id, 'queued', iso(0)]]);
        expect(started).toEqual([[run.id, 'running', iso(1000)]]);
        expect(released).toEqual([[run.id, 'queued', iso(1000)]]);
        expect(requeued).toEqual([[run.id, 'queued', iso(1500)]]);
        expect(restarted.map(strip)).toEqual([
          open(run, { status: 'running', attempt: 2, since: iso(2000), requeues: 1 }),
        ]);
        expect(restarted[0]?.kind).toBe('running');
        expect(finished).toEqual([]);
      });

      it('files an open decision under `decision`, a finished run nowhere', async () => {
        // Prepare: decisions are created running; a finished run (recorded at once) never enters the index
        const store = await makeStore();
        const decision = makeRun('gate-job', {
          mode: 'decision',
          status: 'running',
          attempt: 1,
          startedAt: iso(0),
        });
        const done = makeRun(
          'gate-job',
          { mode: 'decision', status: 'succeeded', attempt: 1, startedAt: iso(0) },
          1,
        );
        await store.create(decision);
        await store.create(done);

        // Act
        const index = await openIndex(store);
        await store.finish(decision.id, finishOf(1));
        const after = await filed(store);

        // Assess
        expect(index.map(strip)).toEqual([open(decision, { status: 'running', attempt: 1, since: iso(0) })]);
        expect(index[0]?.kind).toBe('decision');
        expect(after).toEqual([]);
      });

      it('refuses a cursor that is not one of its own partition’s, and a shard out of range', async () => {
        // Prepare
        const store = await makeStore();
        const runs = Array.from({ length: 12 }, (_, s) => makeRun('cursor-open-job', {}, s));
        for (const run of runs) await store.create(run);
        const index = await openIndex(store);
        // The fullest shard: 12 runs over the shards put at least 2 there, so a 1-run page has a next cursor
        // (the oldest run's shard may hold only that one run).
        const perShard = new Map<number, number>();
        for (const r of index) perShard.set(r.shard, (perShard.get(r.shard) ?? 0) + 1);
        const [shard] = [...perShard].reduce((a, b) => (b[1] > a[1] ? b : a));
        const page = await store.listOpen({ kind: 'queued', shard, limit: 1 });

        // Act & Assess
        expect(page.nextCursor).toEqual(expect.any(String));
        await expect(store.listOpen({ kind: 'queued', shard, cursor: 'garbage' })).rejects.toThrow(
          ValidationError,
        );
        await expect(store.listOpen({ kind: 'running', shard, cursor: page.nextCursor })).rejects.toThrow(
          ValidationError,
        );
        await expect(
          store.listOpen({ kind: 'queued', shard: (shard + 1) % store.openShards, cursor: page.nextCursor }),
        ).rejects.toThrow(ValidationError);
        await expect(store.listOpen({ kind: 'queued', shard: store.openShards })).rejects.toThrow(
          ValidationError,
        );
      });
    });

    describe('scanOpen', () => {
      it('finds every queued or running run, dated by creation or latest start, and no finished one', async () => {
        // Prepare
        const store = await makeStore();
        const queued = makeRun('scan-job', {}, 0);
        const requeued = makeRun('scan-job', {}, 1);
        const running = makeRun('scan-job', { mode: 'decision' }, 2);
        const finished = makeRun('scan-job', {}, 3);
        for (const r of [queued, requeued, running, finished]) await store.create(r);
        await store.markRequeued(requeued.id, iso(60_000));
        for (const r of [running, finished]) await store.start(r.id, startAt(7000));
        await store.finish(finished.id, finishOf(1));

        // Act: the table is read as it is, not the index, so the requeue time does not show
        const { items } = await allPages((p) => store.scanOpen(p), 2);

        // Assess
        expect([...items].sort((a, b) => (a.id < b.id ? -1 : 1))).toEqual([
          {
            id: queued.id,
            jobId: 'scan-job',
            status: 'queued',
            mode: 'async',
            attempt: 0,
            since: iso(0),
            requeues: 0,
          },
          {
            id: requeued.id,
            jobId: 'scan-job',
            status: 'queued',
            mode: 'async',
            attempt: 0,
            since: iso(1000),
            requeues: 1,
          },
          {
            id: running.id,
            jobId: 'scan-job',
            status: 'running',
            mode: 'decision',
            attempt: 1,
            since: iso(7000),
            requeues: 0,
          },
        ]);
      });
    });

    describe('requestStop / control', () => {
      const who = { by: 'alice', at: iso(20_000) };

      it('stops a queued run at once: final, with who, a WARN line, out of the open runs, never started', async () => {
        // Prepare: a run that was released once (an earlier attempt's log kept)
        const store = await makeStore();
        const run = makeRun('stop-job');
        await store.create(run);
        await store.start(run.id, startAt(1000));
        await store.release(run.id, { attempt: 1, error: 'boom', logs: [line('first try')] });

        // Act
        const answer = await store.requestStop(run.id, who);
        const read = await store.get(run.id);

        // Assess
        expect(answer).toBe('stopped');
        expect(read).toMatchObject({
          status: 'stopped',
          endedAt: who.at,
          message: 'stopped by alice before it started',
          stopRequest: who,
          logs: [
            line('first try'),
            { ts: who.at, level: 'WARN', message: 'stopped by alice before it started' },
          ],
        });
        expect(await filed(store)).toEqual([]);
        expect(await store.start(run.id, startAt(30_000))).toBeUndefined();
        expect(await store.control(run.id)).toEqual({
          status: 'stopped',
          attempt: 1,
          startedAt: startAt(1000).startedAt,
          stopRequest: who,
        });
      });

      it('asks a running run to stop: it stays running with the request, which control shows; a second stop keeps the first', async () => {
        // Prepare
        const store = await makeStore();
        const run = makeRun('stop-running-job');
        await store.create(run);
        await store.start(run.id, startAt(1000));
        const before = await store.control(run.id);

        // Act
        const answer = await store.requestStop(run.id, who);
        const again = await store.requestStop(run.id, { by: 'bob', at: iso(21_000) });

        // Assess
        // control carries the latest attempt's start: the order gate's wait (shared/runtime/turns.ts).
        expect(before).toEqual({ status: 'running', attempt: 1, startedAt: startAt(1000).startedAt });
        expect(answer).toBe('stopping');
        expect(again).toBe('stopping');
        expect(await store.control(run.id)).toEqual({
          status: 'running',
          attempt: 1,
          startedAt: startAt(1000).startedAt,
          stopRequest: who,
        });
        expect((await store.get(run.id))?.status).toBe('running');
        // Its attempt then finishes it stopped, the request kept on the run.
        expect(
          await store.finish(
            run.id,
            finishOf(1, { status: 'stopped', stopRequest: who, message: 'stopped by alice' }),
          ),
        ).toBe(true);
        expect(await store.get(run.id)).toMatchObject({ status: 'stopped', stopRequest: who });
        expect(await filed(store)).toEqual([]);
      });

      it('answers undefined for a finished or unknown run, and changes nothing', async () => {
        // Prepare
        const store = await makeStore();
        const run = makeRun('stop-final-job');
        await store.create(run);
        await store.start(run.id, startAt(1000));
        await store.finish(run.id, finishOf(1));
        const before = await store.get(run.id);

        // Act & Assess
        expect(await store.requestStop(run.id, who)).toBeUndefined();
        expect(await store.requestStop(ulid(T0), who)).toBeUndefined();
        expect(await store.get(run.id)).toEqual(before);
        expect(await store.control(ulid(T0))).toBeUndefined();
      });
    });

    describe('listByJob filters', () => {
      /** Five runs a second apart: [0] webhook succeeded, [1] schedule skipped, [2] manual failed, [3] schedule succeeded, [4] old webhook (no firedBy) queued. */
      const seed = async (store: RunStore): Promise<Run[]> => {
        const runs = [
          makeRun('filter-job', { firedBy: 'webhook' }, 0),
          makeRun(
            'filter-job',
            { firedBy: 'schedule', status: 'skipped', scheduledFor: iso(1000), message: 'still running' },
            1,
          ),
          makeRun('filter-job', { firedBy: 'manual', paramOverrides: { n: 1 } }, 2),
          makeRun('filter-job', { firedBy: 'schedule', scheduledFor: iso(3000) }, 3),
          makeRun('filter-job', {}, 4),
        ];
        for (const r of runs) await store.create(r);
        for (const [i, status] of [
          [0, 'succeeded'],
          [2, 'failed'],
          [3, 'succeeded'],
        ] as const) {
          await store.start(runs[i]!.id, startAt(5000));
          await store.finish(runs[i]!.id, finishOf(1, { status }));
        }
        await store.create(makeRun('other-filter-job', { firedBy: 'schedule' }, 3));
        return runs;
      };
      const ids = (runs: readonly { id: string }[]) => runs.map((r) => r.id);

      it('filters by status and firedBy (a run without firedBy counts as a webhook run), newest first', async () => {
        // Prepare
        const store = await makeStore();
        const runs = await seed(store);

        // Act
        const succeeded = await allPages(
          (p) => store.listByJob('filter-job', { ...p, status: 'succeeded' }),
          2,
        );
        const skipped = await allPages((p) => store.listByJob('filter-job', { ...p, status: 'skipped' }), 2);
        const scheduled = await allPages(
          (p) => store.listByJob('filter-job', { ...p, firedBy: 'schedule' }),
          2,
        );
        const webhook = await allPages((p) => store.listByJob('filter-job', { ...p, firedBy: 'webhook' }), 2);
        const both = await allPages(
          (p) => store.listByJob('filter-job', { ...p, firedBy: 'schedule', status: 'succeeded' }),
          2,
        );

        // Assess
        expect(ids(succeeded.items)).toEqual([runs[3]!.id, runs[0]!.id]);
        expect(skipped.items).toEqual([
          expect.objectContaining({ id: runs[1]!.id, scheduledFor: iso(1000), message: 'still running' }),
        ]);
        expect(ids(scheduled.items)).toEqual([runs[3]!.id, runs[1]!.id]);
        expect(ids(webhook.items)).toEqual([runs[4]!.id, runs[0]!.id]);
        expect(ids(both.items)).toEqual([runs[3]!.id]);
      });

      it('filters by creation time within [from, to], both ends included, with the other filters', async () => {
        // Prepare
        const store = await makeStore();
        const runs = await seed(store);

        // Act
        const window = await allPages(
          (p) => store.listByJob('filter-job', { ...p, from: iso(1000), to: iso(3000) }),
          2,
        );
        const since = await allPages((p) => store.listByJob('filter-job', { ...p, from: iso(2500) }), 2);
        const until = await allPages((p) => store.listByJob('filter-job', { ...p, to: iso(999) }), 2);
        const mixed = await allPages(
          (p) =>
            store.listByJob('filter-job', {
              ...p,
              from: iso(1000),
              firedBy: 'schedule',
              status: 'succeeded',
            }),
          2,
        );

        // Assess
        expect(ids(window.items)).toEqual([runs[3]!.id, runs[2]!.id, runs[1]!.id]);
        expect(ids(since.items)).toEqual([runs[4]!.id, runs[3]!.id]);
        expect(ids(until.items)).toEqual([runs[0]!.id]);
        expect(ids(mixed.items)).toEqual([runs[3]!.id]);
      });

      it('refuses a bad filter value (400) before reading anything', async () => {
        // Prepare
        const store = await makeStore();

        // Act & Assess
        for (const query of [
          { status: 'done' },
          { firedBy: 'cron' },
          { from: 'yesterday' },
          { to: '2026-13-45T99:00:00Z' },
          { from: iso(2000), to: iso(1000) },
        ]) {
          await expect(store.listByJob('filter-job', query as RunListQuery)).rejects.toThrow(ValidationError);
        }
      });
    });

    describe('start with lag', () => {
      it('records a scheduled run’s lagMs when it starts', async () => {
        // Prepare
        const store = await makeStore();
        const run = makeRun('lag-job', { firedBy: 'schedule', scheduledFor: iso(0) });
        await store.create(run);

        // Act
        const started = await store.start(run.id, { ...startAt(1500), lagMs: 1500 });

        // Assess
        expect(started).toMatchObject({ status: 'running', lagMs: 1500 });
        expect((await store.listByJob('lag-job')).items[0]).toMatchObject({
          lagMs: 1500,
          firedBy: 'schedule',
        });
      });
    });
  });
};
