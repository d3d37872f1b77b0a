import { describe, expect, it } from 'vitest';
import { StateConflictError } from '../../shared/errors.ts';
import type { Run } from '../../shared/model/index.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { processRunMessage, RetryableRunError } from '../../shared/runtime/worker.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';
import type { MemoryDeps } from '../helpers/memory-deps.ts';

// ctx.state as an integration sees it through the worker: kept across runs, its errors
// classified as the issue says (a broken limit is permanent, a conflict retryable).

const queuedRun = (id: string): Run => ({
  id,
  jobId: 'j1',
  source: 'generic',
  trigger: 'webhook',
  mode: 'async',
  status: 'queued',
  attempt: 0,
  createdAt: '2026-11-22T10:00:00.000Z',
  logs: [],
  event: {
    source: 'generic',
    trigger: 'webhook',
    deliveryId: `D-${id}`,
    receivedAt: '2026-11-22T10:00:00.000Z',
    headers: {},
    query: {},
    payload: {},
  },
});

const counter = defineIntegration({
  id: 'state-counter',
  name: 'State counter',
  version: '1.0.0',
  description: 'counts its runs in ctx.state; `mode` says how to misbehave',
  parameters: { mode: { type: 'text', default: 'count' } },
  async run({ params, state }) {
    if (params.mode === 'too-big') await state.set('big', 'x'.repeat(70_000));
    if (params.mode === 'conflict') await state.set('n', 99, { ifVersion: 42 });
    const seen = (await state.get<number>('n')) ?? 0;
    await state.set('n', seen + 1);
    return { message: `n=${seen + 1}`, output: await state.list() };
  },
});

const setup = async (mode: string): Promise<MemoryDeps> => {
  const deps = memoryDeps({ integrations: [counter] });
  await deps.jobs.put(
    JobSchema.parse({
      id: 'j1',
      name: 'J',
      integration: 'state-counter',
      auth: { secret: 'demo' },
      params: { mode },
    }),
  );
  return deps;
};

const deliver = async (deps: MemoryDeps, runId: string) => {
  await deps.runs.create(queuedRun(runId));
  return processRunMessage(deps, {
    body: JSON.stringify({ runId, jobId: 'j1' }),
    receiveCount: 1,
    receiptHandle: `rh-${runId}`,
  });
};

describe('ctx.state in a run', () => {
  it('keeps what one run set for the next run of the job', async () => {
    // Prepare
    const deps = await setup('count');

    // Act
    await deliver(deps, 'R1');
    await deliver(deps, 'R2');

    // Assess
    expect(deps.runs.items.get('R1')).toMatchObject({ status: 'succeeded', message: 'n=1', output: ['n'] });
    expect(deps.runs.items.get('R2')).toMatchObject({ status: 'succeeded', message: 'n=2' });
    expect(await deps.state.get('j1', 'n', deps.clock.now())).toMatchObject({ value: 2, version: 2 });
  });

  it('fails a run that breaks a limit at once, naming the limit, without a retry', async () => {
    // Prepare
    const deps = await setup('too-big');

    // Act
    await deliver(deps, 'R1');

    // Assess
    expect(deps.runs.items.get('R1')).toMatchObject({
      status: 'failed',
      attempt: 1,
      error: 'value of state key "big" is 70002 bytes of JSON; at most 65536 (64 KiB)',
    });
    expect(deps.queue.delays).toEqual([]);
    expect(await deps.state.keys('j1', '', deps.clock.now())).toEqual([]);
  });

  it('retries a run whose ifVersion conflict it did not catch', async () => {
    // Prepare
    const deps = await setup('conflict');

    // Act
    const outcome = deliver(deps, 'R1');

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(RetryableRunError);
    expect(deps.runs.items.get('R1')).toMatchObject({
      status: 'queued',
      error: new StateConflictError('n', 42).message,
    });
  });
});
