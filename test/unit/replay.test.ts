import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../shared/errors.ts';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import type { Run } from '../../shared/model/index.ts';
import { processRunMessage } from '../../shared/runtime/worker.ts';
import { MAX_REPLAYS, MAX_REPLAY_PAGES, replayDelaySeconds } from '../../shared/runtime/replay.ts';
import { ulid } from 'ulid';
import { defineIntegration } from '../../shared/sdk/index.ts';
import { storedJob } from '../helpers/cli.ts';
import { FakeClock, memoryDeps } from '../helpers/memory-deps.ts';
import { failedRunAt, webhookEvent } from '../helpers/runs.ts';

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();

/** A finished run of `jobId` created `minutes` after T0 (run ids are ULIDs of that time). */
const finishedRun = (jobId: string, minutes: number, over: Partial<Run> = {}): Run =>
  failedRunAt(T0, jobId, minutes, {
    trigger: 'ADVANCE',
    logs: [{ ts: at(minutes), level: 'ERROR', message: 'boom' }],
    event: webhookEvent({ trigger: 'ADVANCE', payload: { ticket: minutes } }),
    ...over,
  });

/** A failed run of job b-new, `i` minutes after T0 + 10: newer than any other of these tests. */
const put5 = async (deps: ReturnType<typeof memoryDeps>, i: number): Promise<Run> => {
  const run = finishedRun('b-new', 10 + i);
  await deps.runs.create(run);
  return run;
};

/** Job `shop` (and `other`), the admin app over memory stores, the clock an hour after T0. */
const stack = async () => {
  const deps = memoryDeps({ clock: new FakeClock(new Date(T0 + 3_600_000)) });
  await deps.jobs.put(storedJob('shop'));
  await deps.jobs.put(storedJob('other'));
  const app = createAdminApp(deps);
  const post = (path: string, body?: unknown) =>
    app.request(`/admin${path}`, {
      method: 'POST',
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
  const put = async (run: Run): Promise<Run> => {
    await deps.runs.create(run);
    return run;
  };
  return { deps, app, post, put };
};

describe('POST /admin/runs/{runId}/replay', () => {
  it('makes a new queued run with the same event, source and trigger, linked by replayOf; the original is kept', async () => {
    // Prepare
    const { deps, post, put } = await stack();
    const original = await put(finishedRun('shop', 5, { paramOverrides: { label: 'x' } }));

    // Act
    const res = await post(`/runs/${original.id}/replay`);

    // Assess
    expect(res.status).toBe(202);
    const body = (await res.json()) as { runId: string; replayOf: string };
    expect(body.replayOf).toBe(original.id);
    expect(body.runId).not.toBe(original.id);
    const replay = await deps.runs.get(body.runId);
    expect(replay).toMatchObject({
      jobId: 'shop',
      status: 'queued',
      attempt: 0,
      firedBy: 'replay',
      replayOf: original.id,
      source: 'generic',
      trigger: 'ADVANCE',
      paramOverrides: { label: 'x' },
      event: original.event,
      logs: [],
    });
    expect(deps.queue.sent).toEqual([{ runId: body.runId, jobId: 'shop' }]);
    expect(await deps.runs.get(original.id)).toEqual(original);
  });

  it('copies the reference of an event kept in the payload store, without reading it', async () => {
    // Prepare
    const { deps, post, put } = await stack();
    await deps.payloads.put('events/shop/big.json', JSON.stringify(webhookEvent()));
    const original = await put(
      finishedRun('shop', 5, {
        event: undefined,
        eventRef: 'mem://events/shop/big.json',
        source: 'securechange',
      }),
    );
    let reads = 0;
    const get = deps.payloads.get.bind(deps.payloads);
    deps.payloads.get = (ref) => {
      reads++;
      return get(ref);
    };

    // Act
    const res = await post(`/runs/${original.id}/replay`);

    // Assess
    const { runId } = (await res.json()) as { runId: string };
    const replay = await deps.runs.get(runId);
    expect(replay?.eventRef).toBe('mem://events/shop/big.json');
    expect(replay?.event).toBeUndefined();
    expect(replay?.source).toBe('securechange');
    expect(reads).toBe(0);
    expect(deps.payloads.existsCalls).toBe(1);
    expect(deps.payloads.items.size).toBe(1);
  });

  it('refuses a run whose event kept in the payload store has expired: 409 run_event_expired, nothing made', async () => {
    // Prepare: the reference of an object the bucket's expiry removed
    const { deps, post, put } = await stack();
    const original = await put(
      finishedRun('shop', 5, { event: undefined, eventRef: 'mem://events/shop/expired.json' }),
    );

    // Act
    const res = await post(`/runs/${original.id}/replay`);

    // Assess
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: string }).error).toBe('run_event_expired');
    expect(deps.runs.items.size).toBe(1);
    expect(deps.queue.sent).toEqual([]);
  });

  it('answers 202 with the new run when the queue refuses its message: it is recorded queued for the sweeper', async () => {
    // Prepare
    const { deps, post, put } = await stack();
    const original = await put(finishedRun('shop', 5));
    deps.queue.send = () => Promise.reject(new Error('queue unavailable'));

    // Act
    const res = await post(`/runs/${original.id}/replay`);

    // Assess: one run made, and the answer names it (a retry after a 503 would make a second)
    expect(res.status).toBe(202);
    const body = (await res.json()) as { runId: string; replayOf: string };
    expect(body.replayOf).toBe(original.id);
    expect(await deps.runs.get(body.runId)).toMatchObject({ status: 'queued', replayOf: original.id });
    expect(deps.runs.items.size).toBe(2);
  });

  it.each([
    ['queued', { status: 'queued' }, 'run_open'],
    ['running', { status: 'running' }, 'run_open'],
    ['skipped', { status: 'skipped', event: undefined, firedBy: 'schedule' }, 'run_skipped'],
    ['a decision', { mode: 'decision', status: 'succeeded' }, 'run_decision'],
  ] as const)('refuses a %s run: 409 %s, nothing made', async (_what, over, code) => {
    // Prepare
    const { deps, post, put } = await stack();
    const original = await put(finishedRun('shop', 5, over));

    // Act
    const res = await post(`/runs/${original.id}/replay`);

    // Assess
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: string }).error).toBe(code);
    expect(deps.runs.items.size).toBe(1);
    expect(deps.queue.sent).toEqual([]);
  });

  it('answers 404 for an unknown run or a job gone, 409 job_disabled, 400 for an id that is no ULID', async () => {
    // Prepare
    const { deps, post, put } = await stack();
    const orphan = await put(finishedRun('gone', 1));
    await deps.jobs.put(storedJob('off', { enabled: false }));
    const off = await put(finishedRun('off', 2));

    // Act
    const unknown = await post(`/runs/${ulid(T0)}/replay`);
    const jobGone = await post(`/runs/${orphan.id}/replay`);
    const disabled = await post(`/runs/${off.id}/replay`);
    const badId = await post('/runs/not-a-ulid/replay');

    // Assess
    expect([unknown.status, jobGone.status, disabled.status, badId.status]).toEqual([404, 404, 409, 400]);
    expect(((await disabled.json()) as { error: string }).error).toBe('job_disabled');
    expect(deps.queue.sent).toEqual([]);
  });
});

describe('a replay does not repeat the effects the original did', () => {
  it('the effect fn runs once in all: the original fails after it, the cause is fixed, the replay succeeds', async () => {
    // Prepare: an integration that creates x through ctx.effect, then fails until fixed
    const world = { fixed: false, created: 0 };
    const probe = defineIntegration({
      id: 'effect-then-fail',
      name: 'Effect then fail',
      version: '1.0.0',
      description: '',
      parameters: {},
      run: async (ctx) => {
        const x = await ctx.effect('create-x', () => {
          world.created++;
          return Promise.resolve({ id: 'x-1' });
        });
        if (!world.fixed) throw new PermanentError('the next step is misconfigured');
        return { message: `done with ${x.id}` };
      },
    });
    const deps = memoryDeps({ integrations: [probe], clock: new FakeClock(new Date(T0)) });
    await deps.jobs.put(storedJob('shop', { integration: 'effect-then-fail' }));
    const app = createAdminApp(deps);
    const original = finishedRun('shop', 0, {
      status: 'queued',
      attempt: 0,
      error: undefined,
      message: undefined,
    });
    await deps.runs.create(original);
    const deliver = (runId: string) =>
      processRunMessage(deps, {
        body: JSON.stringify({ runId, jobId: 'shop' }),
        receiveCount: 1,
        receiptHandle: 'h',
      });

    // Act
    await deliver(original.id);
    const failed = await deps.runs.get(original.id);
    world.fixed = true;
    const res = await app.request(`/admin/runs/${original.id}/replay`, { method: 'POST' });
    const { runId } = (await res.json()) as { runId: string };
    await deliver(runId);

    // Assess
    expect(failed?.status).toBe('failed');
    expect(await deps.runs.get(runId)).toMatchObject({ status: 'succeeded', message: 'done with x-1' });
    expect(world.created).toBe(1);
  });
});

describe('POST /admin/replays', () => {
  /** shop: failed at 1, 2 (one with another error), succeeded at 3, skipped at 4, queued at 5; other: failed at 6. */
  const history = async () => {
    const s = await stack();
    const runs = {
      f1: await s.put(finishedRun('shop', 1)),
      f2: await s.put(
        finishedRun('shop', 2, { error: 'Connection RESET by peer', message: 'Connection RESET by peer' }),
      ),
      ok: await s.put(finishedRun('shop', 3, { status: 'succeeded', error: undefined, message: 'fine' })),
      skipped: await s.put(
        finishedRun('shop', 4, { status: 'skipped', event: undefined, message: 'still running' }),
      ),
      open: await s.put(finishedRun('shop', 5, { status: 'queued' })),
      other: await s.put(finishedRun('other', 6)),
    };
    return { ...s, runs };
  };

  it('dryRun answers the original runs a filter selects, makes nothing', async () => {
    // Prepare
    const { deps, post, runs } = await history();

    // Act
    const failed = await post('/replays', { jobId: 'shop', status: 'failed', dryRun: true });
    const reset = await post('/replays', { jobId: 'shop', errorContains: 'connection reset', dryRun: true });
    const window = await post('/replays', { jobId: 'shop', from: at(2), to: at(3), dryRun: true });
    const everyJob = await post('/replays', { status: 'failed', dryRun: true });

    // Assess
    expect(failed.status).toBe(200);
    expect(await failed.json()).toEqual({ count: 2, runIds: [runs.f1.id, runs.f2.id] });
    expect(await reset.json()).toEqual({ count: 1, runIds: [runs.f2.id] });
    expect(await window.json()).toEqual({ count: 2, runIds: [runs.f2.id, runs.ok.id] });
    // every job's failed runs
    expect(((await everyJob.json()) as { runIds: string[] }).runIds.sort()).toEqual(
      [runs.f1.id, runs.f2.id, runs.other.id].sort(),
    );
    expect(deps.runs.items.size).toBe(6);
    expect(deps.queue.sent).toEqual([]);
  });

  it('replays what it selects as new runs, answering their ids', async () => {
    // Prepare
    const { deps, post, runs } = await history();

    // Act
    const res = await post('/replays', { jobId: 'shop', status: 'failed' });

    // Assess
    expect(res.status).toBe(202);
    const body = (await res.json()) as { count: number; runIds: string[] };
    expect(body.count).toBe(2);
    const made = await Promise.all(body.runIds.map((id) => deps.runs.get(id)));
    expect(made.map((r) => r?.replayOf).sort()).toEqual([runs.f1.id, runs.f2.id].sort());
    expect(made.every((r) => r?.firedBy === 'replay' && r.status === 'queued')).toBe(true);
    expect(deps.queue.sent.map((m) => m.runId).sort()).toEqual([...body.runIds].sort());
  });

  it('paces the new runs, 10 a second: the i-th is delayed floor(i / 10) seconds, oldest first', async () => {
    // Prepare: 25 failed runs
    const { deps, post, put } = await stack();
    const originals: Run[] = [];
    for (let i = 0; i < 25; i++) originals.push(await put(finishedRun('shop', i)));

    // Act
    const res = await post('/replays', { jobId: 'shop' });

    // Assess: the first ten at once, then ten after 1 s, five after 2 s
    expect(res.status).toBe(202);
    expect(deps.queue.sent).toHaveLength(10);
    expect(deps.queue.later.map((l) => l.delaySeconds).sort()).toEqual([
      ...Array(10).fill(1),
      ...Array(5).fill(2),
    ]);
    const delayOf = new Map(deps.queue.later.map((l) => [l.message.runId, l.delaySeconds]));
    const replayOfOldest = [...deps.runs.items.values()].find((r) => r.replayOf === originals[0]?.id);
    const replayOfNewest = [...deps.runs.items.values()].find((r) => r.replayOf === originals[24]?.id);
    expect(delayOf.get(replayOfOldest?.id ?? '')).toBeUndefined();
    expect(delayOf.get(replayOfNewest?.id ?? '')).toBe(2);
    expect(replayDelaySeconds(99_999)).toBe(900);
  });

  it('takes at most 1,000 per call and says truncated', async () => {
    // Prepare: 1,001 failed runs
    const { deps, post } = await stack();
    for (let i = 0; i <= MAX_REPLAYS; i++) {
      await deps.runs.create(finishedRun('shop', 0, { id: ulid(T0 + i) }));
    }

    // Act
    const dry = await post('/replays', { jobId: 'shop', dryRun: true });
    const real = await post('/replays', { jobId: 'shop' });

    // Assess
    expect(await dry.json()).toMatchObject({ count: 1000, truncated: true });
    const body = (await real.json()) as { count: number; truncated: boolean; runIds: string[] };
    expect(body).toMatchObject({ count: 1000, truncated: true });
    expect(new Set(body.runIds).size).toBe(1000);
    expect(Math.max(...deps.queue.later.map((l) => l.delaySeconds))).toBe(99);
  });

  it.each([
    ['an unknown key', { jobId: 'shop', since: '2h' }],
    ['a status no run is replayed from', { status: 'queued' }],
    ['a time that is not ISO', { from: 'yesterday' }],
    ['from after to', { from: at(5), to: at(1) }],
    ['a job id no job can have', { jobId: 'Shop!' }],
    // every final run of every job, succeeded ones too: never what is meant
    ['neither a job nor a status', {}],
    ['only a time window and a text', { from: at(1), errorContains: 'reset', dryRun: true }],
    ['no body', undefined],
  ])('refuses %s: 400', async (_what, body) => {
    // Prepare
    const { deps, post } = await history();

    // Act
    const res = await post('/replays', body);

    // Assess
    expect(res.status).toBe(400);
    expect(deps.queue.sent).toEqual([]);
  });

  it('answers 404 for an unknown job and 409 job_disabled for a disabled one', async () => {
    // Prepare
    const { deps, post } = await history();
    await deps.jobs.put(storedJob('off', { enabled: false }));

    // Act
    const unknown = await post('/replays', { jobId: 'nope' });
    const off = await post('/replays', { jobId: 'off' });

    // Assess
    expect(unknown.status).toBe(404);
    expect(off.status).toBe(409);
  });

  it('answers every run it recorded when the queue fails half way, the refused ones too (the sweeper sends them)', async () => {
    // Prepare: 7 failed runs of shop, the queue failing after two sends
    const { deps, post } = await history();
    let sends = 0;
    const send = deps.queue.send.bind(deps.queue);
    deps.queue.send = (m) => (++sends > 2 ? Promise.reject(new Error('queue unavailable')) : send(m));
    for (let i = 10; i < 15; i++) await deps.runs.create(finishedRun('shop', i));

    // Act
    const res = await post('/replays', { jobId: 'shop', status: 'failed' });

    // Assess: 202 naming each replay run recorded, and the error
    expect(res.status).toBe(202);
    const body = (await res.json()) as { count: number; runIds: string[]; error?: string };
    const recorded = [...deps.runs.items.values()].filter((r) => r.firedBy === 'replay');
    expect(recorded.length).toBeGreaterThan(2);
    expect(body.count).toBe(recorded.length);
    expect([...body.runIds].sort()).toEqual(recorded.map((r) => r.id).sort());
    expect(recorded.every((r) => r.status === 'queued')).toBe(true);
    expect(body.error).toContain('queue unavailable');
  });

  it('answers the runs it made when the run store fails half way', async () => {
    // Prepare: the run store refuses new runs after two
    const { deps, post } = await history();
    let creates = 0;
    const create = deps.runs.create.bind(deps.runs);
    deps.runs.create = (run, options) =>
      ++creates > 2 ? Promise.reject(new Error('table unavailable')) : create(run, options);
    for (let i = 10; i < 15; i++) await create(finishedRun('shop', i));

    // Act
    const res = await post('/replays', { jobId: 'shop', status: 'failed' });

    // Assess
    expect(res.status).toBe(202);
    const body = (await res.json()) as { count: number; runIds: string[]; error?: string };
    expect(body.count).toBe(2);
    expect(body.error).toContain('table unavailable');
  });

  it('passes over a run whose event expired from the payload store', async () => {
    // Prepare: two failed runs of shop, one kept by reference to an expired object
    const { deps, post, runs } = await history();
    await deps.runs.create(
      finishedRun('shop', 7, { event: undefined, eventRef: 'mem://events/shop/expired.json' }),
    );

    // Act
    const res = await post('/replays', { jobId: 'shop', status: 'failed' });

    // Assess
    const body = (await res.json()) as { count: number; runIds: string[] };
    const made = await Promise.all(body.runIds.map((id) => deps.runs.get(id)));
    expect(made.map((r) => r?.replayOf).sort()).toEqual([runs.f1.id, runs.f2.id].sort());
  });

  it('reads at most MAX_REPLAY_PAGES listing pages, then answers truncated', async () => {
    // Prepare: a job with endless pages of runs the filter does not select
    const { deps, post } = await stack();
    let listed = 0;
    deps.runs.listByJob = (jobId) => {
      // Bounded: a scan with no cap fails the test instead of looping on.
      if (++listed > 1_000) return Promise.reject(new Error('read on past the cap'));
      const items = Array.from({ length: 100 }, (_, i) => finishedRun(jobId, -listed - i / 1000));
      return Promise.resolve({ items, nextCursor: `page-${listed}` });
    };

    // Act
    const res = await post('/replays', { jobId: 'shop', errorContains: 'matches nothing', dryRun: true });

    // Assess
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ count: 0, runIds: [], truncated: true });
    expect(listed).toBe(MAX_REPLAY_PAGES);
  });

  it('takes the newest 1,000 across every job, not the first jobs listed', async () => {
    // Prepare: job a-old (listed first) with 1,000 old failed runs, job b-new with 5 newer ones
    const { deps, post } = await stack();
    await deps.jobs.put(storedJob('a-old'));
    await deps.jobs.put(storedJob('b-new'));
    const older: string[] = [];
    for (let i = 0; i < MAX_REPLAYS; i++) {
      const run = finishedRun('a-old', 0, { id: ulid(T0 + i), createdAt: new Date(T0 + i).toISOString() });
      await deps.runs.create(run);
      older.push(run.id);
    }
    const newer: string[] = [];
    for (let i = 0; i < 5; i++) newer.push((await put5(deps, i)).id);

    // Act
    const res = await post('/replays', { status: 'failed', dryRun: true });

    // Assess: b-new's five are in, a-old's five oldest out
    const body = (await res.json()) as { count: number; runIds: string[]; truncated?: boolean };
    expect(body).toMatchObject({ count: MAX_REPLAYS, truncated: true });
    expect([...body.runIds].sort()).toEqual([...older.slice(5), ...newer].sort());
  });
});
