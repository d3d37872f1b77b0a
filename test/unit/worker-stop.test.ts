import { describe, expect, it } from 'vitest';
import { JobSchema } from '../../shared/model/index.ts';
import type { LogLine } from '../../shared/model/index.ts';
import { processRunMessage } from '../../shared/runtime/worker.ts';
import { requeueUnfinished } from '../../shared/runtime/recovery.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import type { MemoryDeps } from '../helpers/memory-deps.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';
import { queuedWebhookRun } from '../helpers/runs.ts';

/** A promise with its resolver outside, for code the test releases itself. */
const deferred = <T = void>() => {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
};

/**
 * An integration that logs a line, says it started, then waits: for its signal
 * (`honours`), or — having staged a ctx.state write — for the test to let it
 * go, and then returns a success (`ignores`).
 */
const slow = (mode: 'honours' | 'ignores') => {
  const started = deferred();
  const release = deferred();
  const integration = defineIntegration({
    id: `slow-${mode}`,
    name: 'Slow',
    version: '1.0.0',
    description: 'waits',
    parameters: {},
    run: async (ctx) => {
      ctx.logger.info('working on it');
      // Staged before the stop: applied only if the attempt's success is recorded.
      if (mode === 'ignores') await ctx.state.set('late', 'staged by a stopped attempt');
      started.resolve();
      if (mode === 'honours') {
        await new Promise<void>((_, reject) => {
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error), { once: true });
        });
      } else {
        await release.promise;
      }
      return { message: 'finished anyway' };
    },
  });
  return { integration, started, release };
};

/** A heartbeat of 5 ms and a stop grace of 20 ms: timers, not sleeps; no assertion depends on how long they take. */
const setup = async (integration: ReturnType<typeof slow>['integration']): Promise<MemoryDeps> => {
  const deps = memoryDeps({ integrations: [integration], settings: { heartbeatMs: 5, stopGraceMs: 20 } });
  await deps.jobs.put(
    JobSchema.parse({ id: 'j1', name: 'J', integration: integration.manifest.id, auth: { secret: 'demo' } }),
  );
  await deps.runs.create(queuedWebhookRun());
  return deps;
};
const message = {
  body: JSON.stringify({ runId: 'R1', jobId: 'j1' }),
  receiveCount: 1,
  receiptHandle: 'rh-1',
};
const who = { by: 'alice', at: '2026-11-22T10:00:01.000Z' };
const messages = (lines: readonly LogLine[]) => lines.map((l) => `[${l.level}] ${l.message}`);

describe('stop', () => {
  it('a queued run stopped before its message comes never starts: the message is consumed and nothing runs', async () => {
    // Prepare
    const { integration, started } = slow('honours');
    const deps = await setup(integration);
    let ran = false;
    void started.promise.then(() => (ran = true));

    // Act
    const answer = await deps.runs.requestStop('R1', who);
    await processRunMessage(deps, message);
    await Promise.resolve();

    // Assess
    expect(answer).toBe('stopped');
    expect(ran).toBe(false);
    expect(deps.runs.items.get('R1')).toMatchObject({
      status: 'stopped',
      attempt: 0,
      message: 'stopped by alice before it started',
      stopRequest: who,
    });
    expect(messages(deps.runs.items.get('R1')?.logs ?? [])).toEqual([
      '[WARN] stopped by alice before it started',
    ]);
    expect(deps.queue.delays).toEqual([]);
  });

  it('a running run whose code honours the signal ends stopped with its log and who stopped it; no retry, no checkpoint, no alert', async () => {
    // Prepare
    const { integration, started } = slow('honours');
    const deps = await setup(integration);

    // Act: the attempt runs; once it has started, an operator stops it
    const processing = processRunMessage(deps, message);
    await started.promise;
    expect(await deps.runs.requestStop('R1', who)).toBe('stopping');
    await processing;

    // Assess
    const run = deps.runs.items.get('R1');
    expect(run).toMatchObject({
      status: 'stopped',
      attempt: 1,
      message: 'stopped by alice',
      stopRequest: who,
    });
    expect(messages(run?.logs ?? [])).toEqual([
      '[INFO] working on it',
      // Not "[ERROR] run failed: stopped by alice": a stop is no failure.
      '[WARN] stopped by alice',
    ]);
    expect(deps.queue.delays).toEqual([]);
    expect(deps.queue.later).toEqual([]);
    // The checkpoint keeps it as the last run only (it ran): no lastRunAt, cursor nor failure count.
    expect(await deps.checkpoints.get('j1')).toEqual({
      jobId: 'j1',
      lastRun: expect.objectContaining({ id: 'R1', status: 'stopped' }) as unknown,
      updatedAt: expect.any(String) as unknown,
    });
    expect((await deps.notifications.list({ jobId: 'j1' })).items).toEqual([]);
  });

  it('a running run whose code ignores the signal ends stopped after the grace; its late result is discarded', async () => {
    // Prepare
    const { integration, started, release } = slow('ignores');
    const deps = await setup(integration);

    // Act: stopped while the code waits; the worker gives up on it after the grace
    const processing = processRunMessage(deps, message);
    await started.promise;
    await deps.runs.requestStop('R1', who);
    await processing;
    const stopped = structuredClone(deps.runs.items.get('R1'));
    // The code then returns a success, its state write staged: too late, nothing is applied.
    release.resolve();
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));

    // Assess
    expect(stopped).toMatchObject({ status: 'stopped', message: 'stopped by alice', stopRequest: who });
    expect(messages(stopped?.logs ?? [])).toEqual(['[INFO] working on it', '[WARN] stopped by alice']);
    expect(deps.runs.items.get('R1')).toEqual(stopped);
    expect(await deps.state.get('j1', 'late', new Date())).toBeUndefined();
    expect((await deps.checkpoints.get('j1'))?.lastRunAt).toBeUndefined();
  });

  it('a run asked to stop while it waited for a retry ends stopped when its message comes, without running', async () => {
    // Prepare: running when asked (stopping), then released by its attempt before the heartbeat saw it
    const { integration, started } = slow('honours');
    const deps = await setup(integration);
    await deps.runs.start('R1', {
      startedAt: '2026-11-22T10:00:00.000Z',
      staleBefore: '2026-11-22T10:00:00.000Z',
    });
    await deps.runs.requestStop('R1', who);
    await deps.runs.release('R1', { attempt: 1, error: 'boom' });
    let ran = false;
    void started.promise.then(() => (ran = true));

    // Act
    await processRunMessage(deps, { ...message, receiveCount: 2 });
    await Promise.resolve();

    // Assess
    expect(ran).toBe(false);
    expect(deps.runs.items.get('R1')).toMatchObject({ status: 'stopped', attempt: 2, stopRequest: who });
    expect(messages(deps.runs.items.get('R1')?.logs ?? [])).toEqual(['[WARN] stopped by alice']);
  });

  it('a run shorter than the heartbeat reads nothing: no control read, two writes as before', async () => {
    // Prepare
    const deps = memoryDeps();
    await deps.jobs.put(
      JobSchema.parse({ id: 'j1', name: 'J', integration: 'log-event', auth: { secret: 'demo' } }),
    );
    await deps.runs.create(queuedWebhookRun());
    deps.runs.writes = 0;

    // Act
    await processRunMessage(deps, message);

    // Assess
    expect(deps.runs.items.get('R1')?.status).toBe('succeeded');
    expect(deps.runs.controlReads).toBe(0);
    expect(deps.runs.writes).toBe(2);
    expect(deps.leases.writes).toBe(0);
  });

  it('the local start-up requeue sends a stop-requested running run, which the worker then ends stopped', async () => {
    // Prepare
    const { integration } = slow('honours');
    const deps = await setup(integration);
    await deps.runs.start('R1', {
      startedAt: '2026-11-22T10:00:00.000Z',
      staleBefore: '2026-11-22T10:00:00.000Z',
    });
    await deps.runs.requestStop('R1', who);

    // Act
    await requeueUnfinished(deps);
    await processRunMessage(deps, message);

    // Assess
    expect(deps.runs.items.get('R1')).toMatchObject({ status: 'stopped', stopRequest: who });
  });

  it('an attempt taken over by another one is aborted on its heartbeat, and its result is not recorded', async () => {
    // Prepare
    const { integration, started } = slow('honours');
    const deps = await setup(integration);

    // Act: while attempt 1 runs, another attempt takes the run over (its holder looked dead)
    const processing = processRunMessage(deps, message);
    await started.promise;
    const takenOver = await deps.runs.start('R1', {
      startedAt: '2026-11-22T10:30:00.000Z',
      staleBefore: '2026-11-22T10:30:00.000Z',
    });
    await processing;

    // Assess: the code saw its signal; attempt 2 still holds the run, untouched
    expect(takenOver?.attempt).toBe(2);
    expect(deps.runs.items.get('R1')).toMatchObject({ status: 'running', attempt: 2 });
    expect(deps.runs.items.get('R1')?.logs).toEqual([]);
  });
});
