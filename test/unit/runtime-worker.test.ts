import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../shared/errors.ts';
import type { Run } from '../../shared/model/index.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { requeueUnfinished } from '../../shared/runtime/recovery.ts';
import { backoffSeconds, processRunMessage, RetryableRunError } from '../../shared/runtime/worker.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import type { MemoryDeps } from '../helpers/memory-deps.ts';
import { FakeClock, memoryDeps } from '../helpers/memory-deps.ts';
import { queuedWebhookRun, webhookEvent } from '../helpers/runs.ts';

const event = webhookEvent({ payload: { hello: 'world' } });

const queuedRun = (): Run => queuedWebhookRun({ event });

const setup = async (integration = 'log-event', extra: Parameters<typeof memoryDeps>[0] = {}) => {
  const deps = memoryDeps(extra);
  await deps.jobs.put(
    JobSchema.parse({ id: 'j1', name: 'J', integration, auth: { secret: 'demo' }, params: {} }),
  );
  await deps.runs.create(queuedRun());
  return deps;
};
const message = (receiveCount: number) => ({
  body: JSON.stringify({ runId: 'R1', jobId: 'j1' }),
  receiveCount,
  receiptHandle: `rh-${receiveCount}`,
});

const failing = (error: Error) =>
  defineIntegration({
    id: 'failing',
    name: 'Failing',
    version: '1.0.0',
    description: 'throws',
    parameters: { token: { type: 'password' } },
    run: () => {
      throw error;
    },
  });

describe('processRunMessage', () => {
  it('runs queued → running → succeeded with log lines and two writes', async () => {
    const deps = await setup();
    deps.runs.writes = 0;
    await processRunMessage(deps, message(1));
    const run = deps.runs.items.get('R1');
    expect(run).toMatchObject({ status: 'succeeded', attempt: 1, message: 'logged generic/webhook event' });
    expect(run?.logs.some((l) => l.message.includes('{"hello":"world"}'))).toBe(true);
    expect(run?.endedAt).toBeDefined();
    expect(deps.runs.writes).toBe(2);
  });

  it('changes nothing when the run has already finished (a second delivery)', async () => {
    const deps = await setup();
    await processRunMessage(deps, message(1));
    const before = structuredClone(deps.runs.items.get('R1'));
    await processRunMessage(deps, message(1));
    expect(deps.runs.items.get('R1')).toEqual(before);
  });

  it('releases a transient failure back to queued, sets a back-off, and throws for the queue', async () => {
    const deps = await setup('failing', { integrations: [failing(new Error('HTTP 503'))] });
    await expect(processRunMessage(deps, message(1))).rejects.toBeInstanceOf(RetryableRunError);
    expect(deps.runs.items.get('R1')).toMatchObject({ status: 'queued', attempt: 1, error: 'HTTP 503' });
    expect(deps.queue.delays).toEqual([{ receiptHandle: 'rh-1', seconds: 10 }]);
  });

  it('records the last attempt as failed with the error and still throws (the DLQ gets the message)', async () => {
    const deps = await setup('failing', { integrations: [failing(new Error('HTTP 503'))] });
    await expect(processRunMessage(deps, message(1))).rejects.toThrow();
    await expect(processRunMessage(deps, message(2))).rejects.toThrow();
    await expect(processRunMessage(deps, message(3))).rejects.toThrow('last attempt');
    const run = deps.runs.items.get('R1');
    expect(run).toMatchObject({ status: 'failed', attempt: 3, error: 'HTTP 503' });
    expect(run?.logs.filter((l) => l.message.includes('HTTP 503'))).toHaveLength(3);
    expect(deps.queue.delays.at(-1)).toEqual({ receiptHandle: 'rh-3', seconds: 0 });
  });

  it("counts the store's attempts too: a requeued run (fresh message, receive count 1) gets no new budget", async () => {
    const deps = await setup('failing', { integrations: [failing(new Error('HTTP 503'))] });
    await expect(processRunMessage(deps, message(1))).rejects.toThrow();
    await expect(processRunMessage(deps, message(2))).rejects.toThrow();
    // The sweeper enqueued a new message: SQS counts from 1 again, the run is on its third attempt.
    await expect(processRunMessage(deps, message(1))).rejects.toThrow('last attempt');
    expect(deps.runs.items.get('R1')).toMatchObject({ status: 'failed', attempt: 3 });
  });

  it('does not retry a permanent failure', async () => {
    const deps = await setup('failing', {
      integrations: [failing(new PermanentError('HTTP 400: bad project'))],
    });
    await processRunMessage(deps, message(1));
    expect(deps.runs.items.get('R1')).toMatchObject({
      status: 'failed',
      attempt: 1,
      error: 'HTTP 400: bad project',
    });
    expect(deps.queue.delays).toEqual([]);
  });

  it('fails the run, without retrying, when its job was deleted', async () => {
    const deps = await setup();
    await deps.jobs.delete('j1');
    await processRunMessage(deps, message(1));
    expect(deps.runs.items.get('R1')).toMatchObject({ status: 'failed', error: 'job j1 no longer exists' });
  });

  it('loads an event kept in the payload store', async () => {
    const deps = await setup();
    const ref = await deps.payloads.put(
      'events/j1/R1.json',
      JSON.stringify({ ...event, payload: { big: true } }),
    );
    const stored = deps.runs.items.get('R1');
    if (!stored) throw new Error('no run');
    deps.runs.items.set('R1', { ...stored, event: undefined, eventRef: ref });
    await processRunMessage(deps, message(1));
    const run = deps.runs.items.get('R1');
    expect(run?.status).toBe('succeeded');
    expect(run?.logs.some((l) => l.message.includes('{"big":true}'))).toBe(true);
  });

  it('rejects a message that is not a run message', async () => {
    const deps = await setup();
    await expect(
      processRunMessage(deps, { body: 'nope', receiveCount: 1, receiptHandle: 'x' }),
    ).rejects.toThrow();
    expect(deps.runs.items.get('R1')?.status).toBe('queued');
  });

  it('doubles the back-off per attempt up to 15 minutes', () => {
    expect([1, 2, 3, 4].map((n) => backoffSeconds(n, 10))).toEqual([10, 20, 40, 80]);
    expect(backoffSeconds(20, 10)).toBe(900);
  });
});

describe('processRunMessage secret handling', () => {
  it('redacts a password parameter from the log, the error and the run', async () => {
    const leaky = defineIntegration({
      id: 'leaky',
      name: 'Leaky',
      version: '1.0.0',
      description: 'logs its token',
      parameters: { token: { type: 'password', mandatory: true } },
      run: ({ params, logger }) => {
        logger.info(`calling with ${params.token}`);
        throw new PermanentError(`401 for token ${params.token}`);
      },
    });
    const deps: MemoryDeps = memoryDeps({
      integrations: [leaky],
      secrets: { demo: ['x'], 'jira-token': ['tok-ABCDEF-123'] },
    });
    await deps.jobs.put(
      JobSchema.parse({
        id: 'j1',
        name: 'J',
        integration: 'leaky',
        auth: { secret: 'demo' },
        params: { token: { secret: 'jira-token' } },
      }),
    );
    await deps.runs.create(queuedRun());
    await processRunMessage(deps, message(1));
    const run = deps.runs.items.get('R1');
    expect(run?.status).toBe('failed');
    expect(JSON.stringify(run)).not.toContain('tok-ABCDEF-123');
    expect(run?.error).toBe('401 for token ***');
  });
});

describe('processRunMessage size bounds', () => {
  it('keeps a run finishable however large its output and error are', async () => {
    const huge = defineIntegration({
      id: 'huge',
      name: 'Huge',
      version: '1.0.0',
      description: 'returns too much',
      parameters: {},
      run: () => ({ message: 'm'.repeat(10_000), output: { rows: 'x'.repeat(100_000) } }),
    });
    const deps = await setup('huge', { integrations: [huge] });
    await processRunMessage(deps, message(1));
    const run = deps.runs.items.get('R1');
    expect(run?.status).toBe('succeeded');
    expect(run?.output).toEqual({ dropped: true, reason: 'too large', bytes: 100_011 });
    expect(Buffer.byteLength(run?.message ?? '')).toBeLessThanOrEqual(4096);
    expect(run?.logs.some((l) => l.level === 'WARN' && l.message.includes('output dropped'))).toBe(true);
  });
});

describe('processRunMessage with two messages for one run', () => {
  it('leaves a run alone while another attempt runs it, and takes it over once that attempt is stale', async () => {
    let executions = 0;
    const counting = defineIntegration({
      id: 'counting',
      name: 'Counting',
      version: '1.0.0',
      description: 'counts',
      parameters: {},
      run: () => {
        executions++;
        return { message: 'ran' };
      },
    });
    const clock = new FakeClock();
    const deps = await setup('counting', { integrations: [counting], clock });
    // Attempt 1 holds the run (it started, then went quiet).
    await deps.runs.start('R1', {
      startedAt: clock.now().toISOString(),
      staleBefore: clock.now().toISOString(),
    });

    // A duplicate message within the job's deadline (60 s) plus grace: ignored.
    clock.advance(100_000);
    await processRunMessage(deps, message(1));
    expect(executions).toBe(0);
    expect(deps.runs.items.get('R1')).toMatchObject({ status: 'running', attempt: 1 });

    // After deadline + grace the holder is dead: the next message takes over as attempt 2.
    clock.advance(30_000);
    await processRunMessage(deps, message(2));
    expect(executions).toBe(1);
    expect(deps.runs.items.get('R1')).toMatchObject({ status: 'succeeded', attempt: 2 });
  });
});

describe('requeueUnfinished (local start-up)', () => {
  it('releases interrupted runs, requeues queued ones, and fails interrupted decisions', async () => {
    const deps = await setup();
    await deps.runs.start('R1', {
      startedAt: '2026-11-22T10:00:01.000Z',
      staleBefore: '2026-11-22T10:00:01.000Z',
    });
    await deps.runs.create({ ...queuedRun(), id: 'R2' });
    // As decide() records one: a running run always has its start time (the store's takeover compares it).
    await deps.runs.create({
      ...queuedRun(),
      id: 'R3',
      mode: 'decision',
      status: 'running',
      attempt: 1,
      startedAt: '2026-11-22T10:00:00.000Z',
    });

    const count = await requeueUnfinished(deps);

    expect(count).toBe(2);
    expect(deps.queue.sent.map((m) => m.runId).sort()).toEqual(['R1', 'R2']);
    expect(deps.runs.items.get('R1')).toMatchObject({
      status: 'queued',
      attempt: 1,
      error: expect.stringContaining('interrupted') as unknown,
    });
    expect(deps.runs.items.get('R3')).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('interrupted') as unknown,
    });
    await processRunMessage(deps, message(1));
    expect(deps.runs.items.get('R1')).toMatchObject({ status: 'succeeded', attempt: 2 });
  });
});

describe('processRunMessage output redaction', () => {
  it('redacts a password value the integration returns in its output', async () => {
    const echo = defineIntegration({
      id: 'echo-token',
      name: 'Echo token',
      version: '1.0.0',
      description: 'returns its token',
      parameters: { token: { type: 'password', mandatory: true } },
      run: ({ params }) => ({
        message: 'ok',
        output: { headers: { authorization: `Bearer ${params.token}` }, n: 1 },
      }),
    });
    const deps = memoryDeps({ integrations: [echo], secrets: { demo: ['x'], tok: ['tok-"quoted"-SECRET'] } });
    await deps.jobs.put(
      JobSchema.parse({
        id: 'j1',
        name: 'J',
        integration: 'echo-token',
        auth: { secret: 'demo' },
        params: { token: { secret: 'tok' } },
      }),
    );
    await deps.runs.create(queuedRun());
    await processRunMessage(deps, message(1));
    const run = deps.runs.items.get('R1');
    expect(run?.output).toEqual({ headers: { authorization: 'Bearer ***' }, n: 1 });
    expect(JSON.stringify(run)).not.toContain('SECRET');
  });
});

describe('processRunMessage output redaction by structure', () => {
  it('keeps a succeeded run succeeded when a secret shows inside a number or next to an escape', async () => {
    let executions = 0;
    const numbers = defineIntegration({
      id: 'numbers',
      name: 'Numbers',
      version: '1.0.0',
      description: 'returns numbers',
      parameters: { token: { type: 'password', mandatory: true } },
      run: () => {
        executions++;
        return { message: 'ok', output: { count: 12345, note: 'line\nnimda', nimda: 1 } };
      },
    });
    const deps = memoryDeps({ integrations: [numbers], secrets: { demo: ['x'], a: ['1234'], b: ['nimda'] } });
    await deps.jobs.put(
      JobSchema.parse({
        id: 'j1',
        name: 'J',
        integration: 'numbers',
        auth: { secret: 'demo' },
        params: { token: { secret: 'a' } },
      }),
    );
    await deps.runs.create(queuedRun());
    await processRunMessage(deps, message(1));
    expect(executions).toBe(1);
    expect(deps.runs.items.get('R1')).toMatchObject({
      status: 'succeeded',
      output: { count: '***5', note: 'line\nnimda', nimda: 1 },
    });
  });
});
