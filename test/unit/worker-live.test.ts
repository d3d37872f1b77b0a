import { describe, expect, it } from 'vitest';
import { JobSchema } from '../../shared/model/index.ts';
import type { JobInput, LogLine, Run } from '../../shared/model/index.ts';
import type { ScriptLogLine, ScriptRunInput, ScriptRunner, ScriptRunOptions } from '../../shared/ports.ts';
import type { ScriptRunResult } from '../../shared/ports.ts';
import { processRunMessage, RetryableRunError } from '../../shared/runtime/worker.ts';
import { ChildProcessScriptRunner } from '../../shared/scripts/child-process-runner.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import type { MemoryDeps } from '../helpers/memory-deps.ts';
import { FakeClock, memoryDeps } from '../helpers/memory-deps.ts';
import { queuedWebhookRun, RUN_AT } from '../helpers/runs.ts';

/** A promise with its resolver outside, for code the test releases itself. */
const deferred = <T = void>() => {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
};

/** Waits (bounded: at most ~5 s) until `done` holds; fails the test with `what` otherwise. */
const until = async (done: () => boolean, what: string, tries = 1_000): Promise<void> => {
  for (let i = 0; i < tries; i++) {
    if (done()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
};

const messages = (lines: readonly LogLine[] | undefined) =>
  (lines ?? []).map((l) => `[${l.level}] ${l.message}`);

/**
 * An integration whose first call logs `first`, then waits for its gate (or,
 * `honours`, for its signal); every later call logs `again` and returns.
 */
const gated = () => {
  const started = deferred();
  const gate = deferred();
  let calls = 0;
  const integration = defineIntegration({
    id: 'gated',
    name: 'Gated',
    version: '1.0.0',
    description: 'waits for its gate',
    parameters: {},
    run: async (ctx) => {
      calls += 1;
      if (calls > 1) {
        ctx.logger.info('again');
        return { message: 'done' };
      }
      ctx.logger.info('first');
      started.resolve();
      await Promise.race([
        gate.promise,
        new Promise<void>((_, reject) => {
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error), { once: true });
        }),
      ]);
      ctx.logger.info('after the gate');
      return { message: 'done' };
    },
  });
  return { integration, started, gate };
};

const message = (runId = 'R1', receiveCount = 1) => ({
  body: JSON.stringify({ runId, jobId: 'j1' }),
  receiveCount,
  receiptHandle: `rh-${runId}-${receiveCount}`,
});

const setup = async (
  integration: ReturnType<typeof gated>['integration'],
  job: Partial<JobInput> = {},
  clock = new FakeClock(),
): Promise<MemoryDeps> => {
  // A 5 ms heartbeat: a timer, not a sleep; every assertion waits for what it checks.
  const deps = memoryDeps({ integrations: [integration], clock, settings: { heartbeatMs: 5 } });
  await deps.jobs.put(
    JobSchema.parse({ id: 'j1', name: 'J', integration: 'gated', auth: { secret: 'demo' }, ...job }),
  );
  return deps;
};

describe('live run log', () => {
  it('the heartbeat writes a running attempt’s lines to the run, once per new line, and the finish writes the whole log', async () => {
    // Prepare
    const { integration, started, gate } = gated();
    const deps = await setup(integration);
    await deps.runs.create(queuedWebhookRun());

    // Act: the attempt logs one line and waits; several beats pass
    const processing = processRunMessage(deps, message());
    await started.promise;
    await until(() => deps.runs.items.get('R1')?.logs.length === 1, 'the live log');
    const live = structuredClone(deps.runs.items.get('R1'));
    const beatsThen = deps.runs.controlReads;
    await until(() => deps.runs.controlReads >= beatsThen + 3, 'three more beats');
    const writesWithoutNewLines = deps.runs.logWrites;
    gate.resolve();
    await processing;

    // Assess: readable while it ran, written once (no new line, no write), then the finish's log
    expect(live?.status).toBe('running');
    expect(messages(live?.logs)).toEqual(['[INFO] first']);
    expect(writesWithoutNewLines).toBe(1);
    const run = deps.runs.items.get('R1');
    expect(run?.status).toBe('succeeded');
    expect(messages(run?.logs)).toEqual(['[INFO] first', '[INFO] after the gate']);
  });

  it('a run shorter than the heartbeat writes no live log', async () => {
    // Prepare: the default heartbeat (3 s)
    const deps = memoryDeps();
    await deps.jobs.put(
      JobSchema.parse({ id: 'j1', name: 'J', integration: 'log-event', auth: { secret: 'demo' } }),
    );
    await deps.runs.create(queuedWebhookRun());

    // Act
    await processRunMessage(deps, message());

    // Assess
    expect(deps.runs.items.get('R1')?.status).toBe('succeeded');
    expect(deps.runs.logWrites).toBe(0);
  });

  it('a crashed attempt’s lines survive in the run, and the next attempt keeps them before its own', async () => {
    // Prepare: the job's timeout is 60 s; the run's earlier attempt left a line
    const clock = new FakeClock();
    const { integration, started } = gated();
    const deps = await setup(integration, { timeoutSeconds: 60 }, clock);
    const earlier: LogLine = { ts: RUN_AT, level: 'INFO', message: 'from before' };
    await deps.runs.create(queuedWebhookRun({ logs: [earlier] }));

    // Act: attempt 1 logs and its heartbeat saves the line; then it "dies" (never returns by itself)
    const dying = processRunMessage(deps, message());
    await started.promise;
    await until(() => deps.runs.items.get('R1')?.logs.length === 2, 'the live log');
    const saved = structuredClone(deps.runs.items.get('R1'));
    // Past its deadline and the grace, another delivery takes the run over
    clock.advance(121_000);
    await processRunMessage(deps, message('R1', 2));
    // The dead attempt's heartbeat sees the run is no longer its own and aborts it
    await dying;

    // Assess
    expect(saved).toMatchObject({ status: 'running', attempt: 1 });
    expect(messages(saved?.logs)).toEqual(['[INFO] from before', '[INFO] first']);
    const run = deps.runs.items.get('R1');
    expect(run).toMatchObject({ status: 'succeeded', attempt: 2 });
    expect(messages(run?.logs)).toEqual([
      '[INFO] from before',
      '[INFO] first',
      '[INFO] attempt 2',
      '[INFO] again',
    ]);
  });
});

/** A ScriptRunner that streams one line, waits for the test, then answers with every line. */
class StreamingRunner implements ScriptRunner {
  readonly streamed = deferred();
  readonly gate = deferred();
  async run(
    _input: ScriptRunInput,
    _signal: AbortSignal,
    options?: ScriptRunOptions,
  ): Promise<ScriptRunResult> {
    const lines: ScriptLogLine[] = [
      { ts: '2026-11-22T10:00:00.100Z', level: 'LOG', message: 'step 1' },
      { ts: '2026-11-22T10:00:00.200Z', level: 'LOG', message: 'step 2' },
    ];
    options?.onLog?.(lines[0] as ScriptLogLine);
    this.streamed.resolve();
    await this.gate.promise;
    // The second line was not streamed: the result brings it (and the first again, as kept).
    return { status: 'succeeded', message: 'ok', logs: lines };
  }
}

describe('live log of a script run', () => {
  it('a streamed script line reaches the run log while the script runs, and is kept once', async () => {
    // Prepare
    const runner = new StreamingRunner();
    const deps = memoryDeps({ settings: { heartbeatMs: 5 } });
    deps.scriptRunner = runner;
    await deps.scripts.put('sync', "module.exports = { run: async () => 'ok' };\n", {
      by: 'local',
      at: '2026-11-22T09:00:00.000Z',
    });
    await deps.jobs.put(
      JobSchema.parse({ id: 'j1', name: 'J', script: { id: 'sync' }, auth: { secret: 'demo' } }),
    );
    await deps.runs.create(queuedWebhookRun());

    // Act
    const processing = processRunMessage(deps, message());
    await runner.streamed.promise;
    await until(() => (deps.runs.items.get('R1')?.logs.length ?? 0) > 0, 'the live log');
    const live = structuredClone(deps.runs.items.get('R1'));
    runner.gate.resolve();
    await processing;

    // Assess
    expect(live?.status).toBe('running');
    expect(messages(live?.logs)).toEqual(['[LOG] step 1']);
    const run = deps.runs.items.get('R1');
    expect(run?.status).toBe('succeeded');
    expect(messages(run?.logs)).toEqual(['[LOG] step 1', '[LOG] step 2']);
  });
});

describe('live log of a script under the real runner', () => {
  it('the child process’s lines are in the run while the script still runs', async () => {
    // Prepare: the runner of npm start; a script that says what it starts, then waits a minute
    const deps = memoryDeps({ settings: { heartbeatMs: 20, stopGraceMs: 2_000 } });
    deps.scriptRunner = new ChildProcessScriptRunner();
    await deps.scripts.put(
      'sync',
      "exports.run = async () => { console.log('step 1'); await new Promise((r) => setTimeout(r, 60000)); };",
      { by: 'local', at: '2026-11-22T09:00:00.000Z' },
    );
    await deps.jobs.put(
      JobSchema.parse({
        id: 'j1',
        name: 'J',
        script: { id: 'sync' },
        auth: { secret: 'demo' },
        timeoutSeconds: 120,
      }),
    );
    await deps.runs.create(queuedWebhookRun());

    // Act: once its line shows in the run (bounded: a child's start-up on a loaded machine), stop it
    const processing = processRunMessage(deps, message());
    let live: Run | undefined;
    try {
      await until(
        () => messages(deps.runs.items.get('R1')?.logs).includes('[LOG] step 1'),
        'the script’s line in the run',
        6_000,
      );
      live = structuredClone(deps.runs.items.get('R1'));
    } finally {
      // Whatever happened, the script's process is ended.
      await deps.runs.requestStop('R1', { by: 'alice', at: '2026-11-22T10:00:01.000Z' });
      await processing;
    }

    // Assess: seen while running; the stopped run keeps the line once
    expect(live?.status).toBe('running');
    const run = deps.runs.items.get('R1');
    expect(run?.status).toBe('stopped');
    expect(messages(run?.logs).filter((m) => m === '[LOG] step 1')).toHaveLength(1);
  }, 60_000);
});

describe('stopped runs in the grid', () => {
  const who = { by: 'alice', at: '2026-11-22T10:00:01.000Z' };

  it('a stopped run becomes the job’s lastRun; the cursor, lastRunAt and the failure count stay', async () => {
    // Prepare: an integration that waits for its signal; the job has a recorded failure (count 1)
    let started = deferred();
    const integration = defineIntegration({
      id: 'gated',
      name: 'Waits',
      version: '1.0.0',
      description: 'waits for its stop',
      parameters: {},
      run: async (ctx) => {
        started.resolve();
        await new Promise<void>((_, reject) => {
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error), { once: true });
        });
      },
    });
    const clock = new FakeClock();
    const deps = await setup(integration, {}, clock);
    await deps.checkpoints.recordRun('j1', {
      runId: 'R0',
      startedAt: '2026-11-22T09:00:00.000Z',
      succeeded: false,
      at: '2026-11-22T09:00:01.000Z',
      lastRun: { id: 'R0', status: 'failed', startedAt: '2026-11-22T09:00:00.000Z' },
    });
    const before = await deps.checkpoints.get('j1');

    // Act: each run is stopped while it runs
    for (const id of ['R1', 'R2']) {
      started = deferred();
      await deps.runs.create(queuedWebhookRun({ id }));
      const processing = processRunMessage(deps, message(id));
      await started.promise;
      await deps.runs.requestStop(id, who);
      await processing;
      clock.advance(1_000);
    }

    // Assess
    expect(deps.runs.items.get('R2')?.status).toBe('stopped');
    const after = await deps.checkpoints.get('j1');
    expect(after?.lastRun).toMatchObject({ id: 'R2', status: 'stopped' });
    expect(after?.lastRunAt).toBe(before?.lastRunAt);
    expect(after?.consecutiveFailures).toBe(1);
  });
});

describe('retry of a scheduled run', () => {
  const scheduled = (id: string, scheduledFor = RUN_AT): Run =>
    queuedWebhookRun({ id, firedBy: 'schedule', scheduledFor, source: 'schedule', trigger: 'schedule' });

  it('a retry (attempt 2) that finds the next occurrence holding the lease waits for it; it is not skipped', async () => {
    // Prepare: A's attempt 1 was released for a retry; B (the next occurrence) runs and holds the lease
    const { integration, started, gate } = gated();
    const deps = await setup(integration, { schedule: { frequency: 'minute' } });
    await deps.runs.create(scheduled('A'));
    await deps.runs.create(scheduled('B', '2026-11-22T10:01:00.000Z'));
    await deps.runs.start('A', { startedAt: RUN_AT, staleBefore: RUN_AT });
    await deps.runs.release('A', { attempt: 1, error: 'timed out', logs: [] });
    const holding = processRunMessage(deps, message('B'));
    await started.promise;

    // Act: A's retry comes while B runs
    await processRunMessage(deps, message('A', 2)).catch((e: unknown) => {
      if (!(e instanceof RetryableRunError)) throw e;
    });
    const waiting = structuredClone(deps.runs.items.get('A'));
    gate.resolve();
    await holding;

    // Assess: A is queued again, its attempt given back, sent again delayed — never `skipped`
    expect(waiting).toMatchObject({ status: 'queued', attempt: 1, deferrals: 1 });
    expect(waiting?.message).toBeUndefined();
    expect(deps.queue.delays.length + deps.queue.later.length).toBeGreaterThan(0);
    expect(deps.runs.items.get('B')?.status).toBe('succeeded');
  });
});
