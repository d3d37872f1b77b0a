import { afterEach, describe, expect, it } from 'vitest';
import { EffectInDoubtError, PermanentError, StateConflictError } from '../../shared/errors.ts';
import type { Run, TriggerEvent } from '../../shared/model/index.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { decide } from '../../shared/runtime/decide.ts';
import { executeIntegration } from '../../shared/runtime/execute.ts';
import type { PreparedToolbox } from '../../shared/runtime/toolbox/index.ts';
import { prepareToolbox } from '../../shared/runtime/toolbox/index.ts';
import { processRunMessage, RetryableRunError } from '../../shared/runtime/worker.ts';
import type { AnyIntegration } from '../../shared/sdk/index.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import type { Loopback } from '../helpers/loopback-http.ts';
import { json, startLoopback } from '../helpers/loopback-http.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';
import type { MemoryDeps } from '../helpers/memory-deps.ts';
import { queuedRunAt, RUN_AT, webhookEvent } from '../helpers/runs.ts';

// ctx.state as an integration sees it through the worker: kept across runs, its errors
// classified as the issue says (a broken limit is permanent, a conflict retryable), and its
// writes applied only by an attempt that succeeds: a failed attempt, retried, moves nothing.

/** What the event asks of the run. */
interface Ask {
  fail?: 'retryable' | 'permanent';
  cursor?: string;
  /** A decision's verdict (absent: none given). */
  allow?: boolean;
}

const eventOf = (id: string, ask: Ask): TriggerEvent =>
  webhookEvent({ deliveryId: `D-${id}`, payload: { ...ask } });

const queuedRun = (id: string, ask: Ask): Run => queuedRunAt(id, 'j1', RUN_AT, { ...ask });

/** Called between the run's read of `n` and its write: another writer of the job's state. */
let between: (() => Promise<void>) | undefined;
const open: Loopback[] = [];
afterEach(async () => {
  between = undefined;
  await Promise.all(open.splice(0).map((o) => o.close()));
});

const counter = defineIntegration({
  id: 'state-counter',
  name: 'State counter',
  version: '1.0.0',
  description: 'counts its runs in ctx.state; `mode` says how to write, the event how to end',
  parameters: { mode: { type: 'text', default: 'count' } },
  async run({ params, state, event }) {
    const ask = event.payload as Ask;
    await state.set('touched', true);
    if (params.mode === 'too-big') await state.set('big', 'x'.repeat(70_000));
    if (params.mode === 'conflict') await state.set('n', 99, { ifVersion: 42 });
    const entry = await state.getEntry<number>('n');
    await between?.();
    const ifVersion = params.mode === 'conditional' ? (entry?.version ?? 0) : undefined;
    await state.set('n', (entry?.value ?? 0) + 1, { ifVersion });
    // The run reads its own write back, before it is applied.
    const back = await state.getEntry<number>('n');
    if (ask.fail === 'retryable') throw new Error('the target answered 503');
    if (ask.fail === 'permanent') throw new PermanentError('told to fail');
    return {
      message: `n=${back?.value} version ${back?.version}`,
      output: await state.list(),
      ...(ask.cursor === undefined ? {} : { cursor: ask.cursor }),
      ...(ask.allow === undefined ? {} : { allow: ask.allow }),
    };
  },
});

const setup = async (mode: string, decision = false): Promise<MemoryDeps> => {
  const deps = memoryDeps({ integrations: [counter] });
  await deps.jobs.put(
    JobSchema.parse({
      id: 'j1',
      name: 'J',
      integration: 'state-counter',
      auth: { secret: 'demo' },
      params: { mode },
      ...(decision ? { mode: 'decision', onError: 'deny' } : {}),
    }),
  );
  return deps;
};

/** Delivers the run's message once, as SQS would on its `receiveCount`th receive. */
const receive = (deps: MemoryDeps, runId: string, receiveCount: number) =>
  processRunMessage(deps, {
    body: JSON.stringify({ runId, jobId: 'j1' }),
    receiveCount,
    receiptHandle: `rh-${runId}-${receiveCount}`,
  });

/** Queues a run and delivers it until it is recorded (at most maxReceiveCount receives). */
const runToEnd = async (deps: MemoryDeps, runId: string, ask: Ask = {}): Promise<Run | undefined> => {
  await deps.runs.create(queuedRun(runId, ask));
  for (let receiveCount = 1; receiveCount <= deps.settings.maxReceiveCount; receiveCount++) {
    try {
      await receive(deps, runId, receiveCount);
    } catch (e) {
      if (!(e instanceof RetryableRunError)) throw e;
    }
    const run = await deps.runs.get(runId);
    if (run?.status !== 'queued') return run;
  }
  return deps.runs.get(runId);
};

const stored = async (deps: MemoryDeps, key: string) => {
  const item = await deps.state.get('j1', key, deps.clock.now());
  return item && { value: item.value, version: item.version };
};

describe('ctx.state in a run', () => {
  it('keeps what one run set for the next run of the job, and reads its own writes back', async () => {
    // Prepare
    const deps = await setup('count');

    // Act
    const first = await runToEnd(deps, 'R1');
    const second = await runToEnd(deps, 'R2');

    // Assess
    expect(first).toMatchObject({ status: 'succeeded', message: 'n=1 version 1', output: ['n', 'touched'] });
    expect(second).toMatchObject({ status: 'succeeded', message: 'n=2 version 2' });
    expect(await stored(deps, 'n')).toEqual({ value: 2, version: 2 });
  });

  it('issue 8 "Done when" 3: two runs count to 2 and leave the second cursor; a third that fails on every attempt moves neither', async () => {
    // Prepare
    const deps = await setup('count');
    await runToEnd(deps, 'R1', { cursor: 'c1' });
    await runToEnd(deps, 'R2', { cursor: 'c2' });
    const afterTwo = { n: await stored(deps, 'n'), checkpoint: await deps.checkpoints.get('j1') };

    // Act
    const third = await runToEnd(deps, 'R3', { fail: 'retryable', cursor: 'c3' });

    // Assess
    expect(afterTwo).toMatchObject({ n: { value: 2, version: 2 }, checkpoint: { cursor: 'c2' } });
    expect(third).toMatchObject({ status: 'failed', attempt: 3, error: 'the target answered 503' });
    // Each of its three attempts counted 2 → 3 and failed: none of them reached the store.
    expect(await stored(deps, 'n')).toEqual({ value: 2, version: 2 });
    expect(await deps.checkpoints.get('j1')).toMatchObject({ cursor: 'c2' });
  });

  it('applies nothing of a run that fails permanently after its writes', async () => {
    // Prepare
    const deps = await setup('count');
    await runToEnd(deps, 'R1');

    // Act
    const failed = await runToEnd(deps, 'R2', { fail: 'permanent' });

    // Assess
    expect(failed).toMatchObject({ status: 'failed', attempt: 1, error: 'told to fail' });
    expect(await stored(deps, 'n')).toEqual({ value: 1, version: 1 });
    expect(await stored(deps, 'touched')).toEqual({ value: true, version: 1 });
  });

  it('fails a run that breaks a limit at once, naming the limit, without a retry or a write', async () => {
    // Prepare
    const deps = await setup('too-big');

    // Act
    const run = await runToEnd(deps, 'R1');

    // Assess
    expect(run).toMatchObject({
      status: 'failed',
      attempt: 1,
      error: 'value of state key "big" is 70002 bytes of JSON; at most 65536 (64 KiB)',
    });
    expect(deps.queue.delays).toEqual([]);
    expect(await deps.state.keys('j1', '', deps.clock.now())).toEqual([]);
  });

  it('retries a run whose ifVersion conflict (found when it wrote) it did not catch, its other writes not applied', async () => {
    // Prepare
    const deps = await setup('conflict');
    await deps.runs.create(queuedRun('R1', {}));

    // Act
    const outcome = receive(deps, 'R1', 1);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(RetryableRunError);
    expect(await deps.runs.get('R1')).toMatchObject({
      status: 'queued',
      error: new StateConflictError('n', 42).message,
    });
    expect(await deps.state.keys('j1', '', deps.clock.now())).toEqual([]);
  });

  it('retries a run whose ifVersion write meets another writer’s when it is applied; the retry counts on top', async () => {
    // Prepare
    const deps = await setup('conditional');
    await runToEnd(deps, 'R1');
    let wrote = 0;
    // Once, in the first attempt only: someone else moves n from 1 to 10 between its read and its write.
    between = async () => {
      if (wrote++ > 0) return;
      await deps.state.set('j1', 'n', '10', {}, deps.clock.now());
    };

    // Act
    await deps.runs.create(queuedRun('R2', {}));
    const firstAttempt = receive(deps, 'R2', 1);
    await expect(firstAttempt).rejects.toBeInstanceOf(RetryableRunError);
    const released = await deps.runs.get('R2');
    await receive(deps, 'R2', 2);

    // Assess
    expect(released).toMatchObject({
      status: 'queued',
      error: 'state key "n" is at version 2, not the expected 1',
    });
    expect(released?.logs.map((l) => l.message)).toContainEqual(
      'ctx.state: 0 of 2 writes applied; key "n" and the rest not: state key "n" is at version 2, not the expected 1',
    );
    expect(await deps.runs.get('R2')).toMatchObject({
      status: 'succeeded',
      attempt: 2,
      message: 'n=11 version 3',
    });
    expect(await stored(deps, 'n')).toEqual({ value: 11, version: 3 });
  });

  it('applies a decision’s writes when it gives a verdict (allow or deny), never when it fails', async () => {
    // Prepare
    const deps = await setup('count', true);
    const job = await deps.jobs.get('j1');
    if (!job) throw new Error('job not stored');

    // Act
    const allowed = await decide(deps, job, 'R1', eventOf('R1', { allow: true }));
    const denied = await decide(deps, job, 'R2', eventOf('R2', { allow: false }));
    const noVerdict = await decide(deps, job, 'R3', eventOf('R3', {}));
    const thrown = await decide(deps, job, 'R4', eventOf('R4', { allow: true, fail: 'retryable' }));

    // Assess
    expect([allowed.kind, denied.kind, noVerdict.kind, thrown.kind]).toEqual([
      'verdict',
      'verdict',
      'verdict',
      'verdict',
    ]);
    expect(await deps.runs.get('R2')).toMatchObject({ status: 'succeeded', message: 'n=2 version 2' });
    expect(await deps.runs.get('R3')).toMatchObject({
      status: 'failed',
      verdict: { allow: false, fallback: true },
    });
    expect(await deps.runs.get('R4')).toMatchObject({
      status: 'failed',
      verdict: { allow: false, fallback: true },
    });
    expect(await stored(deps, 'n')).toEqual({ value: 2, version: 2 });
  });
});

describe('ctx.state of an attempt that does not succeed', () => {
  /** A job `j1` of `integration`, and one executed attempt of it with the real toolbox. */
  const attempt = async (
    integration: AnyIntegration,
    options: { timeoutMs?: number; inDoubt?: EffectInDoubtError } = {},
  ) => {
    const deps = memoryDeps({ integrations: [integration] });
    const job = JobSchema.parse({
      id: 'j1',
      name: 'J',
      integration: integration.manifest.id,
      auth: { secret: 'demo' },
    });
    const target = {
      job,
      runId: 'R1',
      attempt: 1,
      startedAt: deps.clock.now(),
      deadlineAt: deps.clock.now().getTime() + 60_000,
      decision: false,
    };
    const real = await prepareToolbox(deps, target);
    const { inDoubt } = options;
    const toolbox: PreparedToolbox =
      inDoubt === undefined
        ? real
        : { ...real, build: (scope) => ({ ...real.build(scope), inDoubt: () => inDoubt }) };
    const outcome = await executeIntegration({
      integration,
      job,
      runId: 'R1',
      event: eventOf('R1', {}),
      entry: 'run',
      secrets: deps.secrets,
      clock: deps.clock,
      toolbox,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
    return { outcome, keys: await deps.state.keys('j1', '', deps.clock.now()) };
  };

  const writer = (then: (ctx: Parameters<NonNullable<AnyIntegration['run']>>[0]) => Promise<unknown>) =>
    defineIntegration({
      id: 'writer',
      name: 'Writer',
      version: '1.0.0',
      description: 'sets a key, then does what the test says',
      parameters: { url: { type: 'text', default: 'http://127.0.0.1:9/' } },
      async run(ctx) {
        await ctx.state.set('written', true);
        return (await then(ctx)) as { message?: string };
      },
    });

  it('applies the writes of one that succeeds (the control)', async () => {
    // Act
    const { outcome, keys } = await attempt(writer(() => Promise.resolve({ message: 'ok' })));

    // Assess
    expect(outcome.status).toBe('succeeded');
    expect(keys).toEqual(['written']);
  });

  it('applies nothing of one that times out', async () => {
    // Act: the run waits for its own deadline (50 ms), bounded by it
    const { outcome, keys } = await attempt(
      writer(
        ({ signal }) =>
          new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error))),
      ),
      { timeoutMs: 50 },
    );

    // Assess
    expect(outcome).toMatchObject({ status: 'timed_out', retryable: true });
    expect(keys).toEqual([]);
  });

  it('applies nothing of one whose effect is in doubt, though the integration caught it and returned', async () => {
    // Prepare
    const inDoubt = new EffectInDoubtError('order-1', {
      runId: 'R0',
      attempt: 1,
      since: '2026-11-22T09:00:00.000Z',
    });

    // Act
    const { outcome, keys } = await attempt(
      writer(() => Promise.resolve({ message: 'all good' })),
      { inDoubt },
    );

    // Assess
    expect(outcome).toMatchObject({ status: 'failed', retryable: false, inDoubt: true });
    expect(keys).toEqual([]);
  });

  it('applies nothing of one deferred by a rate limit, though the integration swallowed it and returned', async () => {
    // Prepare: the API asks for a 120 s wait, past the run's 5 s deadline
    const api = await startLoopback((_req, res) =>
      json(res, 429, { error: 'slow down' }, { 'retry-after': '120' }),
    );
    open.push(api);
    const swallow = writer(async (ctx) => {
      await ctx.http.get(ctx.params.url as string).catch(() => undefined);
      return { message: 'all good, honest' };
    });
    const deps = memoryDeps({ integrations: [swallow] });
    await deps.jobs.put(
      JobSchema.parse({
        id: 'j1',
        name: 'J',
        integration: 'writer',
        auth: { secret: 'demo' },
        params: { url: `${api.origin}/items` },
        timeoutSeconds: 5,
      }),
    );
    await deps.runs.create(queuedRun('R1', {}));

    // Act
    await receive(deps, 'R1', 1);

    // Assess
    expect(deps.queue.later).toHaveLength(1);
    expect(await deps.runs.get('R1')).toMatchObject({ status: 'queued', deferrals: 1 });
    expect(await deps.state.keys('j1', '', deps.clock.now())).toEqual([]);
  });
});
