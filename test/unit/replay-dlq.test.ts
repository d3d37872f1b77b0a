import { describe, expect, it } from 'vitest';
import { RetryableRunError, ServiceUnavailableError } from '../../shared/errors.ts';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import type { Run } from '../../shared/model/index.ts';
import { redriveDeadLetters, redriveKey } from '../../shared/runtime/dlq.ts';
import { ulid } from 'ulid';
import { processRunMessage } from '../../shared/runtime/worker.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import { MemoryDeadLetterQueue } from '../../shared/testing/memory-dead-letter-queue.ts';
import { storedJob } from '../helpers/cli.ts';
import { FakeClock, memoryDeps } from '../helpers/memory-deps.ts';
import { failedRunAt, webhookEvent } from '../helpers/runs.ts';

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
/** A run id no run has (its run expired). */
const GONE = ulid(T0 - 86_400_000);

/** A run that used up its attempts (`maxReceiveCount` 3) and was recorded failed: what the DLQ holds the message of. */
const deadRun = (jobId: string, minutes: number, over: Partial<Run> = {}): Run =>
  failedRunAt(T0, jobId, minutes, { event: webhookEvent({ payload: { order: minutes } }), ...over });

/** Jobs shop, other and off (disabled); the admin app with a memory DLQ on the stack's clock. */
const stack = async (integrations: Parameters<typeof memoryDeps>[0] = {}) => {
  const clock = new FakeClock(new Date(T0 + 3_600_000));
  const deps = memoryDeps({ ...integrations, clock });
  const dlq = new MemoryDeadLetterQueue(clock);
  deps.deadLetters = dlq;
  await deps.jobs.put(storedJob('shop'));
  await deps.jobs.put(storedJob('other'));
  await deps.jobs.put(storedJob('off', { enabled: false }));
  const app = createAdminApp(deps);
  /** A dead run stored and its message in the DLQ. */
  const dead = async (run: Run, receiveCount = 3): Promise<Run> => {
    await deps.runs.create(run);
    dlq.add({ runId: run.id, jobId: run.jobId }, { sentAt: run.createdAt, receiveCount });
    return run;
  };
  const redrive = async (body?: unknown) => {
    const res = await app.request('/admin/dlq/redrive', {
      method: 'POST',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return { deps, dlq, app, clock, dead, redrive };
};

describe('GET /admin/dlq', () => {
  it('lists each message with its run’s status and last error, and leaves them visible for a redrive', async () => {
    // Prepare
    const { dlq, app, dead } = await stack();
    const a = await dead(deadRun('shop', 1));
    const b = await dead(deadRun('other', 2, { error: 'timeout', status: 'timed_out' }));
    dlq.add('garbage');
    dlq.add({ runId: GONE, jobId: 'shop' });

    // Act
    const res = await app.request('/admin/dlq');
    const oneJob = await app.request('/admin/dlq?jobId=other');
    const limited = await app.request('/admin/dlq?limit=1');

    // Assess
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: Record<string, unknown>[]; count: number };
    expect(body.count).toBe(4);
    expect(body.items).toEqual([
      {
        messageId: expect.any(String),
        runId: a.id,
        jobId: 'shop',
        status: 'failed',
        error: 'target answered 503',
        sentAt: a.createdAt,
        receiveCount: 4,
      },
      expect.objectContaining({ runId: b.id, jobId: 'other', status: 'timed_out', error: 'timeout' }),
      { messageId: expect.any(String), status: 'invalid', sentAt: expect.any(String), receiveCount: 1 },
      expect.objectContaining({ runId: GONE, status: 'missing' }),
    ]);
    expect(await oneJob.json()).toMatchObject({ count: 1, items: [{ runId: b.id }] });
    expect(((await limited.json()) as { items: unknown[] }).items).toHaveLength(1);
    // shown again at once: a redrive right after the listing sees every message
    expect(await dlq.peek(10)).toHaveLength(4);
  });

  it('refuses a bad limit or job id (400), and answers 503 when the stack has no DLQ', async () => {
    // Prepare
    const { deps, app } = await stack();

    // Act
    const badLimit = await app.request('/admin/dlq?limit=101');
    const badJob = await app.request('/admin/dlq?jobId=NOPE!');
    deps.deadLetters = undefined;
    const none = await app.request('/admin/dlq');

    // Assess
    expect([badLimit.status, badJob.status, none.status]).toEqual([400, 400, 503]);
  });
});

describe('POST /admin/dlq/redrive', () => {
  it('runs each dead run again as a new run with a fresh attempt budget, deletes its message, keeps the dead run', async () => {
    // Prepare: an integration that fails retryably (it would be retried while attempts remain)
    const flaky = defineIntegration({
      id: 'flaky',
      name: 'Flaky',
      version: '1.0.0',
      description: '',
      parameters: {},
      run: () => Promise.reject(new Error('target answered 503')),
    });
    const { deps, dlq, dead, redrive } = await stack({ integrations: [flaky] });
    await deps.jobs.put(storedJob('shop', { integration: 'flaky' }));
    const original = await dead(deadRun('shop', 1));

    // Act
    const { status, body } = await redrive();
    const runId = (body.runIds as string[])[0] ?? '';
    const made = await deps.runs.get(runId);
    const attempt = processRunMessage(deps, {
      body: JSON.stringify({ runId, jobId: 'shop' }),
      receiveCount: 1,
      receiptHandle: 'h1',
    });

    // Assess
    expect(status).toBe(202);
    expect(body).toEqual({ count: 1, runIds: [runId], dropped: 0, left: [] });
    expect(made).toMatchObject({
      status: 'queued',
      attempt: 0,
      firedBy: 'replay',
      replayOf: original.id,
      event: original.event,
    });
    expect(deps.queue.sent).toEqual([{ runId, jobId: 'shop' }]);
    expect(dlq.size).toBe(0);
    expect(await deps.runs.get(original.id)).toEqual(original);
    // its first attempt is not its last: the failure is retried, not recorded final
    await expect(attempt).rejects.toBeInstanceOf(RetryableRunError);
    expect((await deps.runs.get(runId))?.status).toBe('queued');
  });

  it('drops what cannot be redriven, leaves what may be later, and redrives by job', async () => {
    // Prepare
    const { deps, dlq, dead, redrive } = await stack();
    const shop = await dead(deadRun('shop', 1));
    const other = await dead(deadRun('other', 2));
    dlq.add('garbage'); // not a run message: dropped
    dlq.add({ runId: GONE, jobId: 'shop' }); // its run expired: dropped
    await dead(deadRun('shop', 3, { status: 'succeeded', error: undefined })); // ended otherwise: dropped
    const open = await dead(deadRun('shop', 4, { status: 'running' })); // the sweeper's: left
    const disabled = await dead(deadRun('off', 5)); // left until the job is enabled
    await dead(deadRun('gone', 6)); // its job deleted: dropped

    // Act
    const byJob = await redrive({ jobId: 'shop' });
    const rest = await redrive({});

    // Assess
    expect(byJob.status).toBe(202);
    expect(byJob.body).toMatchObject({ count: 1, dropped: 3 });
    expect(byJob.body.left).toEqual([{ runId: open.id, jobId: 'shop', reason: 'run still open' }]);
    const [byJobRun] = byJob.body.runIds as string[];
    expect((await deps.runs.get(byJobRun ?? ''))?.replayOf).toBe(shop.id);
    expect(rest.body).toMatchObject({ count: 1, dropped: 1 });
    const [otherRun] = rest.body.runIds as string[];
    expect((await deps.runs.get(otherRun ?? ''))?.replayOf).toBe(other.id);
    expect(rest.body.left).toEqual(
      expect.arrayContaining([
        { runId: open.id, jobId: 'shop', reason: 'run still open' },
        { runId: disabled.id, jobId: 'off', reason: 'job disabled' },
      ]),
    );
    // the two left are in the queue, visible again
    expect((await dlq.peek(10)).map((d) => d.message?.runId).sort()).toEqual([open.id, disabled.id].sort());
  });

  it('a message redriven but not deleted (a crash, a lost delete) makes no second run', async () => {
    // Prepare: the first delete is lost
    const { deps, dlq, clock, dead } = await stack();
    const original = await dead(deadRun('shop', 1));
    const realDelete = dlq.delete.bind(dlq);
    let deletes = 0;
    dlq.delete = (handle) =>
      ++deletes === 1 ? Promise.reject(new Error('connection reset')) : realDelete(handle);

    // Act
    await expect(redriveDeadLetters(deps, {})).rejects.toThrow('connection reset');
    clock.advance(600_000); // its hiding is over
    const second = await redriveDeadLetters(deps, {});

    // Assess: one new run in all, the one the first redrive made; the message gone
    const replays = [...deps.runs.items.values()].filter((r) => r.replayOf === original.id);
    expect(replays).toHaveLength(1);
    expect(second.runIds).toEqual([replays[0]?.id]);
    expect(deps.queue.sent).toHaveLength(1);
    expect(dlq.size).toBe(0);
  });

  it('a redrive that claimed a message and died before its run makes that run, once, the next time', async () => {
    // Prepare: the run store refuses the first create (after the claim)
    const { deps, dlq, clock, dead } = await stack();
    const original = await dead(deadRun('shop', 1));
    const realCreate = deps.runs.create.bind(deps.runs);
    let creates = 0;
    deps.runs.create = (run: Run) =>
      ++creates === 1 ? Promise.reject(new Error('table unavailable')) : realCreate(run);

    // Act
    await expect(redriveDeadLetters(deps, {})).rejects.toThrow('table unavailable');
    clock.advance(600_000); // its hiding is over
    const claim = deps.deliveries.items.get(`shop#${redriveKey((await dlq.peek(1, 1))[0]?.messageId ?? '')}`);
    clock.advance(600_000);
    const second = await redriveDeadLetters(deps, {});

    // Assess: the run made has the id the claim named
    expect(claim?.runId).toBeTruthy();
    expect(second.runIds).toEqual([claim?.runId]);
    expect((await deps.runs.get(claim?.runId ?? ''))?.replayOf).toBe(original.id);
    expect(dlq.size).toBe(0);
  });

  it('refuses a body with unknown keys or a bad job id: 400, nothing redriven', async () => {
    // Prepare
    const { dlq, dead, redrive } = await stack();
    await dead(deadRun('shop', 1));

    // Act
    const unknown = await redrive({ job: 'shop' });
    const bad = await redrive({ jobId: 'NOPE!' });

    // Assess
    expect([unknown.status, bad.status]).toEqual([400, 400]);
    expect(dlq.size).toBe(1);
  });

  it('one message’s error stops the redrive: 202 with what was done and the error; that message stays for the next call', async () => {
    // Prepare: three dead runs, the run store failing on the second
    const { deps, dlq, dead, redrive } = await stack();
    const first = await dead(deadRun('shop', 1));
    const broken = await dead(deadRun('shop', 2));
    const third = await dead(deadRun('shop', 3));
    const get = deps.runs.get.bind(deps.runs);
    deps.runs.get = (id) =>
      id === broken.id ? Promise.reject(new ServiceUnavailableError('table unavailable')) : get(id);

    // Act
    const stopped = await redrive();
    deps.runs.get = get;
    const again = await redrive();

    // Assess: the two done are answered; the third is redriven by the next call, once
    expect(stopped.status).toBe(202);
    expect(stopped.body).toMatchObject({ count: 2, dropped: 0 });
    expect(stopped.body.error).toContain('table unavailable');
    const replayed = async (ids: unknown) =>
      Promise.all((ids as string[]).map(async (id) => (await deps.runs.get(id))?.replayOf));
    expect((await replayed(stopped.body.runIds)).sort()).toEqual([first.id, third.id].sort());
    expect(again.body).toMatchObject({ count: 1 });
    expect(again.body.error).toBeUndefined();
    expect(await replayed(again.body.runIds)).toEqual([broken.id]);
    expect(dlq.size).toBe(0);
  });

  it('answers the error itself (503) when it stops before doing anything, and leaves the messages', async () => {
    // Prepare
    const { deps, dlq, dead, redrive } = await stack();
    await dead(deadRun('shop', 1));
    deps.runs.get = () => Promise.reject(new ServiceUnavailableError('table unavailable'));

    // Act
    const { status } = await redrive();

    // Assess
    expect(status).toBe(503);
    expect(dlq.size).toBe(1);
    expect((await dlq.peek(10)).length).toBe(1);
  });

  it('counts a new run the queue refused as redriven (recorded queued, the sweeper sends it), deletes its message, and says the error', async () => {
    // Prepare
    const { deps, dlq, dead, redrive } = await stack();
    const original = await dead(deadRun('shop', 1));
    deps.queue.send = () => Promise.reject(new Error('queue unavailable'));

    // Act
    const { status, body } = await redrive();

    // Assess
    expect(status).toBe(202);
    expect(body).toMatchObject({ count: 1, dropped: 0 });
    expect(body.error).toContain('queue unavailable');
    const [runId] = body.runIds as string[];
    expect(await deps.runs.get(runId ?? '')).toMatchObject({ status: 'queued', replayOf: original.id });
    expect(dlq.size).toBe(0);
  });

  it('drops a message whose run’s event expired from the payload store', async () => {
    // Prepare: the run kept its event by reference, and the object is gone
    const { deps, dlq, dead, redrive } = await stack();
    await dead(deadRun('shop', 1, { event: undefined, eventRef: 'mem://events/shop/expired.json' }));

    // Act
    const { status, body } = await redrive();

    // Assess
    expect(status).toBe(202);
    expect(body).toMatchObject({ count: 0, dropped: 1 });
    expect(dlq.size).toBe(0);
    expect(deps.runs.items.size).toBe(1);
  });
});
