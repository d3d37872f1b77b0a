import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, ValidationError } from '../../shared/errors.ts';
import type { LogLine, Run } from '../../shared/model/index.ts';
import type { OpenRun, RunFinish } from '../../shared/ports.ts';
import { DynamoRunStore } from '../../shared/store/dynamo-run-store.ts';
import type { TestResources } from '../helpers/aws.ts';
import { freshResources } from '../helpers/aws.ts';

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const iso = (offsetMs: number): string => new Date(T0 + offsetMs).toISOString();

/** Run ids are ULIDs; a seed time orders them. */
const makeRun = (jobId: string, over: Partial<Run> = {}, seconds = 0): Run => ({
  id: ulid(T0 + seconds * 1000),
  jobId,
  source: 'generic',
  trigger: 'webhook',
  mode: 'async',
  status: 'queued',
  attempt: 0,
  createdAt: iso(seconds * 1000),
  logs: [],
  ...over,
});

const line = (message: string, level: LogLine['level'] = 'INFO'): LogLine => ({
  ts: iso(5_000),
  level,
  message,
});

const finishOf = (attempt: number, over: Partial<RunFinish> = {}): RunFinish => ({
  attempt,
  status: 'succeeded',
  endedAt: iso(10_000),
  durationMs: 1234,
  message: 'done',
  logs: [line('hello')],
  ...over,
});

describe('DynamoRunStore', () => {
  let res: TestResources;
  let store: DynamoRunStore;

  beforeAll(async () => {
    res = await freshResources('store-runs');
    store = new DynamoRunStore({ client: res.clients.ddb, tableName: res.tableName, retentionDays: 30 });
  });

  describe('create', () => {
    it('stores a run that reads back equal, expiring retentionDays after its creation', async () => {
      // Prepare
      const run = makeRun('create-job', {
        deliveryId: 'd-1',
        event: {
          source: 'generic',
          trigger: 'webhook',
          deliveryId: 'd-1',
          receivedAt: iso(0),
          headers: { 'content-type': 'application/json' },
          query: {},
          payload: { hello: 'world', n: [1, 2, 3] },
        },
      });

      // Act
      await store.create(run);
      const read = await store.get(run.id);
      const { Item } = await res.clients.ddb.send(
        new GetCommand({ TableName: res.tableName, Key: { pk: `RUN#${run.id}`, sk: 'RUN' } }),
      );

      // Assess
      expect(read).toEqual(run);
      expect(Item).toMatchObject({ gsi1pk: 'JOB#create-job', gsi1sk: `RUN#${run.id}` });
      expect(Item?.expiresAt).toBe(T0 / 1000 + 30 * 86_400);
      // The event is JSON text: DynamoDB maps nest at most 32 levels, payloads may nest deeper.
      expect(typeof Item?.eventJson).toBe('string');
      expect(Item?.event).toBeUndefined();
    });

    it('round-trips an event nested deeper than DynamoDB maps allow', async () => {
      // Prepare
      let payload: unknown = 'leaf';
      for (let i = 0; i < 50; i++) payload = { [`k${i}`]: payload, '': i };
      const event = {
        source: 'generic' as const,
        trigger: 'webhook',
        deliveryId: 'd',
        receivedAt: iso(0),
        headers: {},
        query: {},
        payload,
      };
      const run = makeRun('deep-job', { event });

      // Act
      await store.create(run);

      // Assess
      expect((await store.get(run.id))?.event).toEqual(event);
    });

    it('refuses a second run with the same id', async () => {
      // Prepare
      const run = makeRun('conflict-job');
      await store.create(run);

      // Act + Assess
      await expect(store.create({ ...run, trigger: 'other' })).rejects.toThrow(ConflictError);
      expect((await store.get(run.id))?.trigger).toBe('webhook');
    });

    it('answers undefined for an unknown run', async () => {
      expect(await store.get(ulid())).toBeUndefined();
    });
  });

  describe('listByJob', () => {
    it('lists a job’s runs newest first, page by page, and only that job’s', async () => {
      // Prepare: created out of order, ids ordered by their seed time
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
      expect(page3.items).toHaveLength(1);
      expect(page3.nextCursor).toBeUndefined();
      expect(all.items.map((r) => r.id)).toEqual(newestFirst);
    });

    it('refuses a cursor of another job’s history', async () => {
      // Prepare
      for (const s of [0, 1]) await store.create(makeRun('cursor-job-a', {}, s));
      const page = await store.listByJob('cursor-job-a', { limit: 1 });

      // Act + Assess
      expect(page.nextCursor).toEqual(expect.any(String));
      await expect(store.listByJob('cursor-job-b', { cursor: page.nextCursor })).rejects.toThrow(
        ValidationError,
      );
    });
  });

  describe('start / finish / release', () => {
    it('starts a queued run as attempt 1 and lets that attempt finish it', async () => {
      // Prepare
      const run = makeRun('lifecycle-job');
      await store.create(run);
      const finish = finishOf(1, {
        output: { ticket: 'SEC-1', skipped: undefined },
        verdict: { allow: true, message: 'ok' },
        logsTruncated: true,
      });

      // Act
      const started = await store.start(run.id, { startedAt: iso(1000), staleBefore: iso(1000) });
      const finished = await store.finish(run.id, finish);
      const read = await store.get(run.id);

      // Assess
      expect(started).toEqual({ ...run, status: 'running', attempt: 1, startedAt: iso(1000) });
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

    it('does not start a finished run again (a repeated delivery)', async () => {
      // Prepare
      const run = makeRun('repeat-job');
      await store.create(run);
      await store.start(run.id, { startedAt: iso(1000), staleBefore: iso(1000) });
      await store.finish(run.id, finishOf(1, { status: 'failed', error: 'boom' }));

      // Act
      const again = await store.start(run.id, { startedAt: iso(2000), staleBefore: iso(2000) });

      // Assess
      expect(again).toBeUndefined();
      expect(await store.get(run.id)).toMatchObject({ status: 'failed', attempt: 1, error: 'boom' });
    });

    it('does not start a run that does not exist, nor create it', async () => {
      // Prepare
      const id = ulid();

      // Act
      const started = await store.start(id, { startedAt: iso(0), staleBefore: iso(0) });

      // Assess
      expect(started).toBeUndefined();
      expect(await store.get(id)).toBeUndefined();
    });

    it('takes over a running run only once its attempt is stale; attempt 1 can no longer finish it', async () => {
      // Prepare
      const run = makeRun('takeover-job');
      await store.create(run);
      await store.start(run.id, { startedAt: iso(1000), staleBefore: iso(1000) });

      // Act
      const fresh = await store.start(run.id, { startedAt: iso(1500), staleBefore: iso(1000) });
      const second = await store.start(run.id, { startedAt: iso(2000), staleBefore: iso(1001) });
      const staleFinish = await store.finish(run.id, finishOf(1, { message: 'from attempt 1' }));
      const staleRelease = await store.release(run.id, { attempt: 1, error: 'late', logs: [] });
      const currentFinish = await store.finish(run.id, finishOf(2, { message: 'from attempt 2' }));

      // Assess
      expect(fresh).toBeUndefined(); // attempt 1 started at the stale limit: still alive, left alone
      expect(second).toMatchObject({ status: 'running', attempt: 2, startedAt: iso(2000) });
      expect(staleFinish).toBe(false);
      expect(staleRelease).toBe(false);
      expect(currentFinish).toBe(true);
      expect(await store.get(run.id)).toMatchObject({
        status: 'succeeded',
        attempt: 2,
        message: 'from attempt 2',
      });
    });

    it('releases a running attempt back to queued with its error, for the next attempt', async () => {
      // Prepare
      const run = makeRun('release-job');
      await store.create(run);
      await store.start(run.id, { startedAt: iso(1000), staleBefore: iso(1000) });

      // Act
      const released = await store.release(run.id, {
        attempt: 1,
        error: 'HTTP 503 from target',
        logs: [line('calling target'), line('HTTP 503', 'ERROR')],
        logsTruncated: true,
      });
      const afterRelease = await store.get(run.id);
      const restarted = await store.start(run.id, { startedAt: iso(3000), staleBefore: iso(3000) });

      // Assess
      expect(released).toBe(true);
      expect(afterRelease).toMatchObject({
        status: 'queued',
        attempt: 1,
        error: 'HTTP 503 from target',
        logs: [line('calling target'), line('HTTP 503', 'ERROR')],
        logsTruncated: true,
      });
      expect(restarted).toMatchObject({ status: 'running', attempt: 2, error: 'HTTP 503 from target' });
    });

    it('removes what a finish leaves undefined rather than keeping an earlier attempt’s value', async () => {
      // Prepare: attempt 1 fails and is released with an error and truncated logs
      const run = makeRun('remove-job');
      await store.create(run);
      await store.start(run.id, { startedAt: iso(1000), staleBefore: iso(1000) });
      await store.release(run.id, { attempt: 1, error: 'transient', logs: [line('x')], logsTruncated: true });
      await store.start(run.id, { startedAt: iso(2000), staleBefore: iso(2000) });

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
      expect(read?.logs).toEqual([line('hello')]);
    });

    it('does not release or finish a queued run', async () => {
      // Prepare
      const run = makeRun('queued-job');
      await store.create(run);

      // Act
      const finished = await store.finish(run.id, finishOf(0));
      const released = await store.release(run.id, { attempt: 0, error: 'x', logs: [] });

      // Assess
      expect(finished).toBe(false);
      expect(released).toBe(false);
      expect((await store.get(run.id))?.status).toBe('queued');
    });

    it('stores integration output that JSON can hold, as JSON would', async () => {
      // Prepare
      const run = makeRun('output-job');
      await store.create(run);
      await store.start(run.id, { startedAt: iso(1000), staleBefore: iso(1000) });
      const output = {
        when: new Date(T0),
        ratio: Number.NaN,
        fn: () => 1,
        nested: [{ a: undefined, b: 'b' }],
      };

      // Act
      const finished = await store.finish(run.id, finishOf(1, { output }));

      // Assess
      expect(finished).toBe(true);
      expect((await store.get(run.id))?.output).toEqual({ when: iso(0), ratio: null, nested: [{ b: 'b' }] });
    });
  });

  describe('listOpen (sparse index gsi2)', () => {
    it('lists every queued or running run across pages, oldest move first, and no finished one', async () => {
      // Prepare: a table of its own
      const own = await freshResources('store-runs-open');
      const runs = new DynamoRunStore({
        client: own.clients.ddb,
        tableName: own.tableName,
        retentionDays: 1,
      });
      const queued = [makeRun('job-a', {}, 0), makeRun('job-b', {}, 1), makeRun('job-a', {}, 2)];
      const running = [makeRun('job-b', {}, 3), makeRun('job-c', {}, 4)];
      const finished = [makeRun('job-a', {}, 5), makeRun('job-c', {}, 6)];
      for (const run of [...queued, ...running, ...finished]) await runs.create(run);
      for (const run of [...running, ...finished])
        await runs.start(run.id, { startedAt: iso(7000), staleBefore: iso(7000) });
      for (const run of finished) await runs.finish(run.id, finishOf(1));

      // Act
      const found: OpenRun[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await runs.listOpen({ limit: 2, cursor });
        found.push(...page.items);
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor !== undefined && pages < 20);
      const before = await runs.listOpen({ before: iso(5000) });

      // Assess
      expect(found.map((r) => r.id)).toEqual([...queued, ...running].map((r) => r.id));
      expect(found.filter((r) => r.status === 'running')).toEqual(
        running.map((r) => ({
          id: r.id,
          jobId: r.jobId,
          status: 'running',
          mode: 'async',
          attempt: 1,
          since: iso(7000),
        })),
      );
      expect(found[0]).toEqual({
        id: queued[0]?.id,
        jobId: 'job-a',
        status: 'queued',
        mode: 'async',
        attempt: 0,
        since: queued[0]?.createdAt,
      });
      expect(before.items.map((r) => r.id)).toEqual(queued.map((r) => r.id));
      expect(pages).toBeGreaterThan(1);
      expect(cursor).toBeUndefined();
    });
  });

  describe('markRequeued and scanOpen', () => {
    it('moves a queued run in the open index and counts it; refuses a run that is not queued', async () => {
      // Prepare
      const run = makeRun('requeue-job');
      const running = makeRun('requeue-job', {}, 1);
      await store.create(run);
      await store.create(running);
      await store.start(running.id, { startedAt: iso(1000), staleBefore: iso(1000) });

      // Act
      const first = await store.markRequeued(run.id, iso(60_000));
      const second = await store.markRequeued(run.id, iso(120_000));
      const notQueued = await store.markRequeued(running.id, iso(60_000));
      const open = await store.listOpen({ limit: 100 });
      const scanned = await store.scanOpen({ limit: 100 });

      // Assess
      expect([first, second, notQueued]).toEqual([1, 2, undefined]);
      expect(open.items.find((r) => r.id === run.id)?.since).toBe(iso(120_000));
      expect(scanned.items.map((r) => r.id)).toEqual(expect.arrayContaining([run.id, running.id]));
      expect(scanned.items.find((r) => r.id === running.id)).toMatchObject({
        status: 'running',
        attempt: 1,
        since: iso(1000),
      });
    });
  });
});
