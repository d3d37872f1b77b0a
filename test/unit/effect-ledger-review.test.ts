import { describe, expect, it } from 'vitest';
import { EgressRefusedError, PermanentError, RunDeferredError } from '../../shared/errors.ts';
import type { Run } from '../../shared/model/index.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { createEffect } from '../../shared/runtime/toolbox/effect.ts';
import { processRunMessage, RetryableRunError } from '../../shared/runtime/worker.ts';
import type { RunContext } from '../../shared/sdk/index.ts';
import { defineIntegration, RunLogger } from '../../shared/sdk/index.ts';
import { json, loopbacksClosedAfterEach } from '../helpers/loopback-http.ts';
import { FakeClock, memoryDeps } from '../helpers/memory-deps.ts';
import { MemoryEffectLedger } from '../helpers/memory-effect-store.ts';
import { queuedRunAt } from '../helpers/runs.ts';

// The review's findings on the effect ledger (issue 8): each test drives the worker on the memory
// ports (and ctx.http against loopback targets) through the case that broke exactly-once.

const T0 = Date.parse('2026-11-22T10:00:00.000Z');

const { serve } = loopbacksClosedAfterEach();

const queuedRun = (id: string): Run => queuedRunAt(id, 'job', new Date(T0));

type Ctx = RunContext<Record<string, never>>;

/** A job (timeoutSeconds as given) whose integration does `run(ctx)`; `deliver` hands the worker one message. */
const worldOf = async (run: (ctx: Ctx) => Promise<unknown>, timeoutSeconds?: number) => {
  const probe = defineIntegration({
    id: 'effect-review',
    name: 'Effect review',
    version: '1.0.0',
    description: 'effects under review',
    parameters: {},
    run: async (ctx) => ({ message: 'done', output: await run(ctx) }),
  });
  const clock = new FakeClock(new Date(T0));
  const deps = memoryDeps({ clock, integrations: [probe] });
  await deps.jobs.put(
    JobSchema.parse({
      id: 'job',
      name: 'Job',
      integration: 'effect-review',
      auth: { secret: 'demo' },
      ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
    }),
  );
  const deliver = async (runId: string, receiveCount = 1): Promise<unknown> => {
    if (!(await deps.runs.get(runId))) await deps.runs.create(queuedRun(runId));
    return processRunMessage(deps, {
      body: JSON.stringify({ runId, jobId: 'job' }),
      receiveCount,
      receiptHandle: `rh-${runId}-${receiveCount}`,
    }).then(
      () => 'returned',
      (e: unknown) => e,
    );
  };
  const kinds = () => deps.notifications.items.map((n) => `${n.severity} ${n.kind}`);
  return { deps, clock, deliver, kinds };
};

const R1 = '01KREVAAAAAAAAAAAAAAAAAAA1';
const R2 = '01KREVAAAAAAAAAAAAAAAAAAA2';

/** Waits (bounded) until `ready()` holds. */
const until = async (ready: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 400 && !ready(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!ready()) throw new Error(`timed out waiting for ${what}`);
};

describe('ctx.effect: a request that may have reached the target is never sent again', () => {
  // A target that reads the POST and never answers: ctx.http's deadline cut (1 s before the run's
  // 2 s deadline) ends it with a TimeoutError that fn throws — while the target has the request.
  const slowTarget = () => serve(() => undefined);

  it('keeps the key pending after a time-out: the next attempt reconciles, the target sees one POST', async () => {
    // Prepare
    const target = await slowTarget();
    const calls = { reconcile: 0 };
    const { deps, deliver } = await worldOf(
      (ctx) =>
        ctx.effect('post', () => ctx.http.post(`${target.origin}/tickets`, { json: { a: 1 } }).json(), {
          reconcile: () => {
            calls.reconcile++;
            return { found: 'T-1' };
          },
        }),
      2,
    );

    // Act
    const first = await deliver(R1, 1);
    const second = await deliver(R1, 2);

    // Assess
    expect(first).toBeInstanceOf(RetryableRunError);
    expect(second).toBe('returned');
    expect(target.received.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(calls.reconcile).toBe(1);
    expect(await deps.runs.get(R1)).toMatchObject({
      status: 'succeeded',
      attempt: 2,
      output: { found: 'T-1' },
    });
    expect(deps.effects.items.get('job\u0000post')).toMatchObject({ status: 'done', reconciled: true });
  });

  it('without reconcile the next attempt fails the run "in doubt" with one notification, one POST', async () => {
    // Prepare
    const target = await slowTarget();
    const { deps, deliver, kinds } = await worldOf(
      (ctx) => ctx.effect('post', () => ctx.http.post(`${target.origin}/tickets`, { json: { a: 1 } }).json()),
      2,
    );

    // Act
    await deliver(R1, 1);
    const second = await deliver(R1, 2);

    // Assess: recorded failed at once (permanent, not retried), the POST made once
    expect(second).toBe('returned');
    expect(target.received.filter((r) => r.method === 'POST')).toHaveLength(1);
    const run = await deps.runs.get(R1);
    expect(run).toMatchObject({ status: 'failed', attempt: 2 });
    expect(run?.error).toMatch(/^effect post is in doubt: run 01KREVAAAAAAAAAAAAAAAAAAA1 \(attempt 1\)/);
    expect(kinds().filter((k) => k === 'error effect_in_doubt')).toHaveLength(1);
  });

  it('frees the key only for errors that show nothing reached the target', async () => {
    // Prepare: ctx.effect alone, its fn throwing each kind of error in turn
    const ledger = new MemoryEffectLedger();
    const clock = { now: () => new Date(T0) };
    const job = JobSchema.parse({ id: 'job', name: 'Job', integration: 'echo', auth: { secret: 'demo' } });
    const httpError = (status: number) =>
      Object.assign(new Error(`Request failed with status code ${status}`), {
        name: 'HTTPError',
        response: { status },
      });
    const timeout = Object.assign(new Error('Request timed out'), { name: 'TimeoutError' });
    const cases: [string, Error, 'freed' | 'pending'][] = [
      ['permanent', new PermanentError('bad input'), 'freed'],
      ['egress refused', new EgressRefusedError('h', 'not allowed'), 'freed'],
      ['deferred', new RunDeferredError(60_000), 'freed'],
      ['HTTP 400', httpError(400), 'freed'],
      ['HTTP 429', httpError(429), 'freed'],
      ['HTTP 408', httpError(408), 'pending'],
      ['HTTP 502', httpError(502), 'pending'],
      ['time-out', timeout, 'pending'],
      ['network', new TypeError('fetch failed'), 'pending'],
      ['unknown', new Error('something broke'), 'pending'],
    ];

    // Act
    const seen: Record<string, string> = {};
    for (const [name, error] of cases) {
      const runId = `run-${name}`;
      const { effect } = createEffect(
        { effects: ledger, clock },
        { job, runId, attempt: 1, startedAt: new Date(T0), deadlineAt: T0 + 60_000, decision: false },
        {
          logger: new RunLogger({ runId, jobId: 'job', clock }),
          signal: new AbortController().signal,
          redact: (s) => s,
        },
        () => Promise.resolve(),
      );
      await expect(effect(name, () => Promise.reject(error))).rejects.toBe(error);
      seen[name] = ledger.items.get(`job\u0000${name}`)?.status === 'pending' ? 'pending' : 'freed';
    }

    // Assess
    expect(seen).toEqual(Object.fromEntries(cases.map(([name, , want]) => [name, want])));
  });
});

describe('ctx.effect and deferrals', () => {
  it('a deferred attempt’s pending claim is settled by the next one (same attempt number), not refused', async () => {
    // Prepare: the effect's POST hangs while a GET beside it is deferred by a 429 past the deadline
    const target = await serve(() => undefined);
    const limited = await serve((_req, res, i) =>
      i === 0 ? json(res, 429, {}, { 'retry-after': '120' }) : json(res, 200, { ok: true }),
    );
    const { deps, clock, deliver } = await worldOf(
      (ctx) =>
        Promise.all([
          ctx.effect('post', () => ctx.http.post(`${target.origin}/tickets`, { json: {} }).json(), {
            reconcile: () => ({ found: 'T-9' }),
          }),
          ctx.http.get(`${limited.origin}/quota`).json(),
        ]),
      10,
    );

    // Act
    const first = await deliver(R1, 1);
    const after = await deps.runs.get(R1);
    clock.advance(120_000); // the deferral's delay; its message comes back fresh
    const second = await deliver(R1, 1);

    // Assess: the attempt was given back, and the claim it left was reconciled, not "already running"
    expect(first).toBe('returned');
    expect(after).toMatchObject({ status: 'queued', attempt: 0, deferrals: 1 });
    expect(second).toBe('returned');
    const run = await deps.runs.get(R1);
    expect(run?.error).toBeUndefined();
    expect(run).toMatchObject({ status: 'succeeded', attempt: 1, output: [{ found: 'T-9' }, { ok: true }] });
    expect(target.received).toHaveLength(1);
  });

  it('a deferral beside fn (not in it) does not free fn’s key: its answer is recorded, never re-sent', async () => {
    // Prepare: the POST is answered only once the GET beside it has been deferred
    let deferred: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (deferred = resolve));
    const target = await serve(async (_req, res) => {
      await gate;
      json(res, 201, { id: 'T-1' });
    });
    const limited = await serve((_req, res, i) => {
      if (i > 0) return json(res, 200, { ok: true });
      json(res, 429, {}, { 'retry-after': '120' });
      deferred();
    });
    const { deps, clock, deliver } = await worldOf(
      (ctx) =>
        Promise.all([
          ctx.effect('post', () => ctx.http.post(`${target.origin}/tickets`, { json: {} }).json()),
          ctx.http.get(`${limited.origin}/quota`).json(),
        ]),
      10,
    );

    // Act
    await deliver(R1, 1);
    await until(() => deps.effects.items.get('job\u0000post')?.status === 'done', 'the effect recorded');
    clock.advance(120_000);
    await deliver(R1, 1);

    // Assess
    expect(target.received).toHaveLength(1);
    expect(await deps.runs.get(R1)).toMatchObject({
      status: 'succeeded',
      output: [{ id: 'T-1' }, { ok: true }],
    });
  });

  it('fn that swallows a deferral frees its key: the retried run makes the request', async () => {
    // Prepare
    const target = await serve((_req, res, i) =>
      i === 0 ? json(res, 429, {}, { 'retry-after': '120' }) : json(res, 201, { id: 'T-7' }),
    );
    const { deps, clock, deliver } = await worldOf(
      (ctx) =>
        ctx.effect('post', async () => {
          try {
            return await ctx.http.post(`${target.origin}/tickets`, { json: {} }).json();
          } catch {
            return { fallback: true };
          }
        }),
      10,
    );

    // Act
    const first = await deliver(R1, 1);
    const afterFirst = { run: await deps.runs.get(R1), key: deps.effects.items.get('job\u0000post') };
    clock.advance(120_000);
    await deliver(R1, 1);

    // Assess
    expect(first).toBe('returned');
    expect(afterFirst.run).toMatchObject({ status: 'queued', deferrals: 1 });
    expect(afterFirst.key).toBeUndefined();
    expect(target.received).toHaveLength(2);
    expect(await deps.runs.get(R1)).toMatchObject({ status: 'succeeded', output: { id: 'T-7' } });
    expect(deps.effects.items.get('job\u0000post')).toMatchObject({
      status: 'done',
      resultJson: '{"id":"T-7"}',
    });
  });

  it('a key another live run holds defers the run even on its last attempt; it succeeds after the holder', async () => {
    // Prepare: R1 performs the effect and waits inside fn until released
    let release: () => void = () => undefined;
    const inside = new Promise<void>((resolve) => (release = resolve));
    const calls = { fn: 0 };
    const { deps, deliver, kinds } = await worldOf((ctx) =>
      ctx.effect('post', async () => {
        calls.fn++;
        await inside;
        return { id: 'T-3' };
      }),
    );
    const holder = deliver(R1, 1);
    await until(() => deps.effects.items.get('job\u0000post')?.status === 'pending', 'R1 holding the key');

    // Act
    const busy = await deliver(R2, deps.settings.maxReceiveCount);
    const whileHeld = await deps.runs.get(R2);
    release();
    await holder;
    const after = await deliver(R2, 1);

    // Assess: deferred until R1's hold ends (its 60 s deadline + 60 s grace; the clock stands still)
    expect(busy).toBe('returned');
    expect(whileHeld).toMatchObject({ status: 'queued', attempt: 0, deferrals: 1 });
    expect(deps.queue.later).toEqual([{ message: { runId: R2, jobId: 'job' }, delaySeconds: 120 }]);
    expect(after).toBe('returned');
    expect(calls.fn).toBe(1);
    for (const id of [R1, R2]) {
      expect(await deps.runs.get(id)).toMatchObject({ status: 'succeeded', output: { id: 'T-3' } });
    }
    expect(kinds()).toEqual([]);
  });
});
