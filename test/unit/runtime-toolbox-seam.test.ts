import { afterEach, describe, expect, it, vi } from 'vitest';
import { EffectInDoubtError, PermanentError } from '../../shared/errors.ts';
import type { Run, TriggerEvent } from '../../shared/model/index.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { decide } from '../../shared/runtime/decide.ts';
import { executeIntegration } from '../../shared/runtime/execute.ts';
import type { PreparedToolbox, RunScope } from '../../shared/runtime/toolbox/index.ts';
import * as toolbox from '../../shared/runtime/toolbox/index.ts';
import { processRunMessage, RetryableRunError } from '../../shared/runtime/worker.ts';
import type { RunContext } from '../../shared/sdk/index.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import { FakeClock, memoryDeps } from '../helpers/memory-deps.ts';
import { queuedWebhookRun, webhookEvent } from '../helpers/runs.ts';

// The toolbox's two entry points, passed through but observed: which run they served and when.
vi.mock('../../shared/runtime/toolbox/index.ts', async (importOriginal) => {
  const original = await importOriginal<typeof toolbox>();
  return { ...original, prepareToolbox: vi.fn(original.prepareToolbox), afterRun: vi.fn(original.afterRun) };
});
const prepareToolbox = vi.mocked(toolbox.prepareToolbox);
const afterRun = vi.mocked(toolbox.afterRun);
afterEach(() => {
  vi.clearAllMocks();
});

const event: TriggerEvent = webhookEvent();
const job = (over: Record<string, unknown> = {}) =>
  JobSchema.parse({ id: 'j1', name: 'J', integration: 'probe', auth: { secret: 'demo' }, ...over });

const MASKED = 'masked-canary-7f3a';

/** A prepared toolbox of fixed members, recording the scope execute builds it with. */
const fakeToolbox = (o: { inDoubt?: EffectInDoubtError } = {}) => {
  const scopes: RunScope[] = [];
  const prepared: PreparedToolbox = {
    secretValues: [MASKED],
    globals: { region: 'eu', apiKey: MASKED },
    checkpoint: { cursor: 'c0' },
    build(scope) {
      scopes.push(scope);
      const empty = toolbox.emptyToolbox().build(scope);
      return {
        ...empty,
        members: { ...empty.members, globals: this.globals, checkpoint: this.checkpoint },
        inDoubt: () => o.inDoubt,
        // What settle awaits is written before the outcome takes the run's log.
        settle: () => {
          scope.logger.info('notifications settled');
          return Promise.resolve();
        },
      };
    },
  };
  return { prepared, scopes };
};

const probe = (body: (ctx: RunContext<Record<string, never>>) => unknown) =>
  defineIntegration({
    id: 'probe',
    name: 'Probe',
    version: '1.0.0',
    description: 'test',
    parameters: {},
    run: async (ctx) => (await body(ctx)) as { cursor?: string },
  });

const execute = (integration: ReturnType<typeof probe>, prepared?: PreparedToolbox) =>
  executeIntegration({
    integration,
    job: job(),
    runId: 'R1',
    event,
    entry: 'run',
    secrets: { getVersions: () => Promise.resolve([]) },
    clock: new FakeClock(),
    ...(prepared ? { toolbox: prepared } : {}),
  });

describe('execute with a prepared toolbox', () => {
  it('hands the members to ctx, keeps the cursor, redacts masked globals, settles before the outcome', async () => {
    // Prepare
    const { prepared, scopes } = fakeToolbox();
    const integration = probe((ctx) => {
      ctx.logger.info(`key ${ctx.globals.apiKey ?? ''} from ${ctx.checkpoint.cursor ?? ''}`);
      return { message: `region ${ctx.globals.region ?? ''}`, cursor: 'c1' };
    });
    // Act
    const outcome = await execute(integration, prepared);
    // Assess
    expect(outcome).toMatchObject({ status: 'succeeded', message: 'region eu', cursor: 'c1' });
    const lines = outcome.logs.map((l) => l.message);
    expect(lines).toEqual(['key *** from c0', 'notifications settled']);
    expect(scopes).toHaveLength(1);
    expect(scopes[0]?.redact(`x${MASKED}x`)).toBe('x***x');
  });

  it('an effect in doubt fails the run permanently even when the integration caught it', async () => {
    // Prepare
    const inDoubt = new EffectInDoubtError('create:7', {
      runId: 'R0',
      attempt: 1,
      since: '2026-11-22T09:00:00.000Z',
    });
    const { prepared } = fakeToolbox({ inDoubt });
    const integration = probe(() => ({ message: 'looked fine', cursor: 'c9' }));
    // Act
    const outcome = await execute(integration, prepared);
    // Assess
    expect(outcome).toMatchObject({ status: 'failed', retryable: false, inDoubt: true });
    expect(outcome.error).toContain('effect create:7 is in doubt');
    expect(outcome.cursor).toBeUndefined();
  });

  it('a cursor longer than 8192 characters is an invalid result, not a silent loss', async () => {
    const outcome = await execute(probe(() => ({ cursor: 'x'.repeat(8193) })));
    expect(outcome).toMatchObject({ status: 'failed', retryable: false });
    expect(outcome.error).toContain('cursor');
    expect((await execute(probe(() => ({ cursor: 'x'.repeat(8192) })))).cursor).toHaveLength(8192);
  });

  // ctx.http needs no toolbox (only the job): it works in any execution (test/unit/runtime-http.test.ts).
  it('without a toolbox: empty checkpoint and globals; state, effect and notifier refuse', async () => {
    // Prepare
    const seen: string[] = [];
    const integration = probe(async (ctx) => {
      seen.push(JSON.stringify([ctx.checkpoint, ctx.globals]));
      for (const call of [
        () => ctx.state.get('k'),
        () => ctx.effect('k', () => 1),
        () => ctx.notifier.info('hi'),
      ]) {
        const e = await Promise.resolve()
          .then(call)
          .then(
            () => undefined,
            (error: unknown) => error,
          );
        seen.push(e instanceof PermanentError ? e.message : 'no refusal');
      }
      return {};
    });
    // Act
    const outcome = await execute(integration);
    // Assess
    expect(outcome.status).toBe('succeeded');
    expect(seen).toEqual([
      '[{},{}]',
      'ctx.state is not available outside a run',
      'ctx.effect is not available outside a run',
      'ctx.notifier is not available outside a run',
    ]);
  });
});

const queuedRun = (): Run => queuedWebhookRun({ event });
const message = (receiveCount: number) => ({
  body: JSON.stringify({ runId: 'R1', jobId: 'j1' }),
  receiveCount,
  receiptHandle: `rh-${receiveCount}`,
});
const workerSetup = async (run: () => unknown) => {
  const deps = memoryDeps({ integrations: [probe(run)] });
  await deps.jobs.put(job());
  await deps.runs.create(queuedRun());
  return deps;
};

describe('worker: prepare beside the event, afterRun only by the attempt that recorded the run', () => {
  it('a run that succeeds: prepared for its attempt, then afterRun with the outcome', async () => {
    // Prepare
    const deps = await workerSetup(() => ({ cursor: 'next' }));
    // Act
    await processRunMessage(deps, message(1));
    // Assess
    expect(prepareToolbox).toHaveBeenCalledOnce();
    expect(prepareToolbox.mock.calls[0]?.[1]).toMatchObject({ runId: 'R1', attempt: 1, decision: false });
    expect(afterRun).toHaveBeenCalledOnce();
    expect(afterRun.mock.calls[0]?.[2]).toMatchObject({ status: 'succeeded', cursor: 'next' });
    expect((await deps.runs.get('R1'))?.status).toBe('succeeded');
  });

  it('a retryable failure released for another attempt, or a finish refused: no afterRun', async () => {
    // Prepare
    const retried = await workerSetup(() => {
      throw new Error('flaky');
    });
    const superseded = await workerSetup(() => ({}));
    superseded.runs.finish = () => Promise.resolve(false);
    // Act
    await expect(processRunMessage(retried, message(1))).rejects.toBeInstanceOf(RetryableRunError);
    await processRunMessage(superseded, message(1));
    // Assess
    expect(prepareToolbox).toHaveBeenCalledTimes(2);
    expect(afterRun).not.toHaveBeenCalled();
  });

  it('a toolbox that cannot be loaded: the run is released and retried, the integration never runs', async () => {
    // Prepare
    const ran = vi.fn(() => ({}));
    const deps = await workerSetup(ran);
    prepareToolbox.mockRejectedValueOnce(new Error('table throttled'));
    // Act
    const error = await processRunMessage(deps, message(1)).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(RetryableRunError);
    expect((error as Error).message).toBe('could not prepare the run: table throttled');
    expect(ran).not.toHaveBeenCalled();
    expect((await deps.runs.get('R1'))?.status).toBe('queued');
  });
});

describe('decide: prepare beside the create, afterRun beside the finish', () => {
  const decisionJob = () => job({ mode: 'decision', onError: 'deny' });

  it('a decision is prepared as one and committed after', async () => {
    // Prepare
    const deps = memoryDeps({ integrations: [probe(() => ({ allow: true, message: 'ok' }))] });
    // Act
    const answer = await decide(deps, decisionJob(), 'R1', event);
    // Assess
    expect(answer.kind).toBe('verdict');
    expect(prepareToolbox.mock.calls[0]?.[1]).toMatchObject({ runId: 'R1', attempt: 1, decision: true });
    expect(afterRun).toHaveBeenCalledOnce();
    expect(afterRun.mock.calls[0]?.[2]).toMatchObject({ status: 'succeeded' });
  });

  it('a toolbox that cannot be loaded: onError, without running the integration', async () => {
    // Prepare
    const ran = vi.fn(() => ({ allow: true, message: 'ok' }));
    const deps = memoryDeps({ integrations: [probe(ran)] });
    prepareToolbox.mockRejectedValueOnce(new Error('table throttled'));
    // Act
    await decide(deps, decisionJob(), 'R1', event);
    // Assess
    expect(ran).not.toHaveBeenCalled();
    const run = await deps.runs.get('R1');
    expect(run?.status).toBe('failed');
    expect(run?.verdict).toMatchObject({ allow: false, fallback: true });
    expect(run?.error).toBe('could not prepare the run: table throttled');
  });
});
