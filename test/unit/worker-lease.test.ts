import { describe, expect, it } from 'vitest';
import { JobSchema } from '../../shared/model/index.ts';
import type { JobInput, Run } from '../../shared/model/index.ts';
import { processRunMessage, RetryableRunError } from '../../shared/runtime/worker.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import type { MemoryDeps } from '../helpers/memory-deps.ts';
import { FakeClock, memoryDeps } from '../helpers/memory-deps.ts';
import { queuedWebhookRun, RUN_AT } from '../helpers/runs.ts';

const deferred = <T = void>() => {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
};

/** An integration whose runs each wait until the test lets them go (by run id), or end at once when not held. */
const gated = () => {
  const started = new Map<string, ReturnType<typeof deferred<void>>>();
  const gates = new Map<string, ReturnType<typeof deferred<void>>>();
  const startedOf = (runId: string) => started.get(runId) ?? started.set(runId, deferred()).get(runId)!;
  const gateOf = (runId: string) => gates.get(runId) ?? gates.set(runId, deferred()).get(runId)!;
  const integration = defineIntegration({
    id: 'gated',
    name: 'Gated',
    version: '1.0.0',
    description: 'waits for its gate',
    parameters: {},
    run: async ({ runId, logger }) => {
      logger.info('running');
      startedOf(runId).resolve();
      await gateOf(runId).promise;
      return { message: 'done' };
    },
  });
  return { integration, started: startedOf, open: (runId: string) => gateOf(runId).resolve() };
};

const setup = async (job: Partial<JobInput>, clock = new FakeClock()) => {
  const g = gated();
  const deps = memoryDeps({ integrations: [g.integration], clock, settings: { heartbeatMs: 5 } });
  await deps.jobs.put(
    JobSchema.parse({ id: 'j1', name: 'J', integration: 'gated', auth: { secret: 'demo' }, ...job }),
  );
  return { deps, ...g };
};

const scheduled = (id: string, scheduledFor = RUN_AT): Run =>
  queuedWebhookRun({ id, firedBy: 'schedule', scheduledFor, source: 'schedule', trigger: 'schedule' });
const message = (runId: string, receiveCount = 1) => ({
  body: JSON.stringify({ runId, jobId: 'j1' }),
  receiveCount,
  receiptHandle: `rh-${runId}-${receiveCount}`,
});
const statusOf = (deps: MemoryDeps, id: string) => deps.runs.items.get(id)?.status;

describe('overlap lease of scheduled runs', () => {
  it('overlap skip: a scheduled run that finds the previous one running ends skipped, "still running"', async () => {
    // Prepare
    const { deps, started, open } = await setup({ schedule: { frequency: 'minute' } });
    await deps.runs.create(scheduled('A'));
    await deps.runs.create(scheduled('B', '2026-11-22T10:01:00.000Z'));

    // Act: A runs and holds the lease while B's message comes
    const first = processRunMessage(deps, message('A'));
    await started('A').promise;
    await processRunMessage(deps, message('B'));
    open('A');
    await first;

    // Assess
    expect(deps.runs.items.get('B')).toMatchObject({
      status: 'skipped',
      message: 'still running',
      scheduledFor: '2026-11-22T10:01:00.000Z',
      firedBy: 'schedule',
    });
    expect(statusOf(deps, 'A')).toBe('succeeded');
    // Every lease is given back at the end.
    expect(deps.leases.items.size).toBe(0);
    expect(deps.queue.later).toEqual([]);
  });

  it('overlap queue: the second run waits (released, sent again delayed, attempt not spent) and runs after the first', async () => {
    // Prepare
    const { deps, started, open } = await setup({ schedule: { frequency: 'minute', overlap: 'queue' } });
    await deps.runs.create(scheduled('A'));
    await deps.runs.create(scheduled('B', '2026-11-22T10:01:00.000Z'));

    // Act
    const first = processRunMessage(deps, message('A'));
    await started('A').promise;
    await processRunMessage(deps, message('B'));
    const waiting = structuredClone(deps.runs.items.get('B'));
    open('A');
    await first;
    open('B');
    await processRunMessage(deps, message('B'));

    // Assess
    expect(waiting).toMatchObject({ status: 'queued', attempt: 0, deferrals: 1 });
    expect(deps.queue.later).toEqual([{ message: { runId: 'B', jobId: 'j1' }, delaySeconds: 15 }]);
    expect(statusOf(deps, 'A')).toBe('succeeded');
    expect(deps.runs.items.get('B')).toMatchObject({ status: 'succeeded', attempt: 1 });
    expect(deps.leases.items.size).toBe(0);
  });

  it('takes over a lease whose holder died once its until has passed', async () => {
    // Prepare: a dead run's lease, expired a moment ago
    const clock = new FakeClock();
    const { deps, open } = await setup({ schedule: { frequency: 'minute' } }, clock);
    await deps.leases.acquire(
      'j1',
      'schedule',
      { holder: 'DEAD', until: '2026-11-22T09:59:59.999Z' },
      '2026-11-22T09:00:00.000Z',
    );
    await deps.runs.create(scheduled('A'));
    open('A');

    // Act
    await processRunMessage(deps, message('A'));

    // Assess
    expect(statusOf(deps, 'A')).toBe('succeeded');
    expect(deps.leases.items.size).toBe(0);
  });

  it('refuses a live lease of a dead holder until it expires (skip), then takes it over', async () => {
    // Prepare
    const clock = new FakeClock();
    const { deps, open } = await setup({ schedule: { frequency: 'minute' } }, clock);
    await deps.leases.acquire(
      'j1',
      'schedule',
      { holder: 'DEAD', until: '2026-11-22T10:00:30.000Z' },
      '2026-11-22T09:59:00.000Z',
    );
    await deps.runs.create(scheduled('A'));
    await deps.runs.create(scheduled('B', '2026-11-22T10:01:00.000Z'));
    open('A');
    open('B');

    // Act
    await processRunMessage(deps, message('A'));
    clock.advance(60_000);
    await processRunMessage(deps, message('B'));

    // Assess
    expect(deps.runs.items.get('A')).toMatchObject({ status: 'skipped', message: 'still running' });
    expect(statusOf(deps, 'B')).toBe('succeeded');
    expect(deps.leases.items.size).toBe(0);
  });

  it('records a scheduled run’s lag behind its occurrence', async () => {
    // Prepare: due 2.5 s before the worker starts it
    const { deps, open } = await setup({ schedule: { frequency: 'minute' } });
    await deps.runs.create(scheduled('A', '2026-11-22T09:59:57.500Z'));
    open('A');

    // Act
    await processRunMessage(deps, message('A'));

    // Assess
    expect(deps.runs.items.get('A')).toMatchObject({ status: 'succeeded', lagMs: 2500 });
  });

  it('renews the lease on the heartbeat while the run goes on', async () => {
    // Prepare: every renewal is seen by the test
    const clock = new FakeClock();
    const { deps, started, open } = await setup(
      { schedule: { frequency: 'minute' }, timeoutSeconds: 60 },
      clock,
    );
    await deps.runs.create(scheduled('A'));
    const renewed = deferred<string>();
    const renew = deps.leases.renew.bind(deps.leases);
    deps.leases.renew = (jobId, name, holder, until) => {
      renewed.resolve(until);
      return renew(jobId, name, holder, until);
    };

    // Act
    const processing = processRunMessage(deps, message('A'));
    await started('A').promise;
    const before = await deps.leases.get('j1', 'schedule');
    clock.advance(30_000);
    const until = await renewed.promise;
    open('A');
    await processing;

    // Assess: taken for the timeout plus a minute, moved on by the clock's 30 s
    expect(before).toEqual({ holder: 'A', until: '2026-11-22T10:02:00.000Z' });
    expect(until).toBe('2026-11-22T10:02:30.000Z');
    expect(deps.leases.items.size).toBe(0);
  });

  it('gives the lease back when the attempt fails and is retried', async () => {
    // Prepare: an integration that fails transiently
    const deps = memoryDeps({
      integrations: [
        defineIntegration({
          id: 'flaky',
          name: 'Flaky',
          version: '1.0.0',
          description: '',
          parameters: {},
          run: () => {
            throw new Error('ECONNRESET');
          },
        }),
      ],
    });
    await deps.jobs.put(
      JobSchema.parse({
        id: 'j1',
        name: 'J',
        integration: 'flaky',
        auth: { secret: 'demo' },
        schedule: { frequency: 'minute' },
      }),
    );
    await deps.runs.create(scheduled('A'));

    // Act
    const error = await processRunMessage(deps, message('A')).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(RetryableRunError);
    expect(statusOf(deps, 'A')).toBe('queued');
    expect(deps.leases.items.size).toBe(0);
  });
});

describe('concurrency slots of other runs', () => {
  it('concurrency 1: a second webhook run waits for the slot, then runs', async () => {
    // Prepare
    const { deps, started, open } = await setup({ concurrency: 1 });
    await deps.runs.create(queuedWebhookRun({ id: 'A' }));
    await deps.runs.create(queuedWebhookRun({ id: 'B' }));

    // Act
    const first = processRunMessage(deps, message('A'));
    await started('A').promise;
    await processRunMessage(deps, message('B'));
    const waiting = structuredClone(deps.runs.items.get('B'));
    const slot = await deps.leases.get('j1', 'slot#0');
    open('A');
    await first;
    open('B');
    await processRunMessage(deps, message('B'));

    // Assess
    expect(slot?.holder).toBe('A');
    expect(waiting).toMatchObject({
      status: 'queued',
      attempt: 0,
      error: 'waiting for a free concurrency slot',
    });
    expect(deps.queue.later).toEqual([{ message: { runId: 'B', jobId: 'j1' }, delaySeconds: 15 }]);
    expect(statusOf(deps, 'A')).toBe('succeeded');
    expect(statusOf(deps, 'B')).toBe('succeeded');
    expect(deps.leases.items.size).toBe(0);
  });

  it('concurrency 2: two runs at once, each in its own slot; webhook runs of a job without concurrency take none', async () => {
    // Prepare
    const { deps, started, open } = await setup({ concurrency: 2 });
    await deps.runs.create(queuedWebhookRun({ id: 'A' }));
    await deps.runs.create(queuedWebhookRun({ id: 'B' }));

    // Act
    const a = processRunMessage(deps, message('A'));
    const b = processRunMessage(deps, message('B'));
    await Promise.all([started('A').promise, started('B').promise]);
    const holders = [
      (await deps.leases.get('j1', 'slot#0'))?.holder,
      (await deps.leases.get('j1', 'slot#1'))?.holder,
    ];
    open('A');
    open('B');
    await Promise.all([a, b]);

    // Assess
    expect(holders.sort()).toEqual(['A', 'B']);
    expect(deps.queue.later).toEqual([]);
    expect(deps.leases.items.size).toBe(0);
  });
});
