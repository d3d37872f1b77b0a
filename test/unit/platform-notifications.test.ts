import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../shared/errors.ts';
import type { Run } from '../../shared/model/index.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { ingest } from '../../shared/runtime/ingest.ts';
import { sweepSettings, sweepStaleRuns } from '../../shared/runtime/recovery.ts';
import { PAYLOAD_TOO_LARGE_EVERY_MS } from '../../shared/runtime/toolbox/notifier.ts';
import { processRunMessage } from '../../shared/runtime/worker.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import { FakeClock, memoryDeps } from '../helpers/memory-deps.ts';
import { queuedWebhookRun, webhookEvent } from '../helpers/runs.ts';

// The notifications the platform raises itself: a payload over the job's limit (ingest, after
// authentication, throttled) and a run that failed for good (worker and sweeper, once per run).

const T0 = '2026-11-22T10:00:00.000Z';
const SECRET = 's3cr3t-value';

const jobOf = (id: string, over: Record<string, unknown> = {}) =>
  JobSchema.parse({ id, name: id, integration: 'log-event', auth: { secret: 'demo' }, ...over });

const queuedRun = (id: string, jobId: string, over: Partial<Run> = {}): Run =>
  queuedWebhookRun({ id, jobId, createdAt: T0, event: webhookEvent({ receivedAt: T0 }), ...over });

const message = (runId: string, jobId: string, receiveCount = 1) => ({
  body: JSON.stringify({ runId, jobId }),
  receiveCount,
  receiptHandle: `rh-${receiveCount}`,
});

describe('payload_too_large (ingest)', () => {
  it('is raised after authentication only, once per job per 5 minutes', async () => {
    // Prepare: a job id of this test's own (the throttle is the process's)
    const clock = new FakeClock(new Date(T0));
    const deps = memoryDeps({ clock });
    await deps.jobs.put(jobOf('big-body', { maxBodyBytes: 10 }));
    // A write that ends on a later turn: the refusal waits for it (a Lambda may freeze once it answers).
    const add = deps.notifications.add.bind(deps.notifications);
    deps.notifications.add = (n) => new Promise((resolve) => setImmediate(resolve)).then(() => add(n));
    const send = (secret: string) =>
      ingest(deps, {
        jobId: 'big-body',
        body: '{"n":"0123456789"}',
        headers: { 'content-type': 'application/json', 'x-shared-secret': secret },
        query: {},
      }).catch((e: unknown) => (e as { status: number }).status);

    // Act
    const stranger = await send('wrong');
    const answers = [await send(SECRET), await send(SECRET)];
    clock.advance(PAYLOAD_TOO_LARGE_EVERY_MS);
    answers.push(await send(SECRET));

    // Assess
    expect(stranger).toBe(401);
    expect(answers).toEqual([413, 413, 413]);
    expect(deps.notifications.items.map((n) => [n.jobId, n.kind, n.severity, n.runId])).toEqual([
      ['big-body', 'payload_too_large', 'warn', undefined],
      ['big-body', 'payload_too_large', 'warn', undefined],
    ]);
    expect(deps.notifications.items[0]?.message).toContain('limit of 10 bytes');
  });
});

describe('run_failed (worker)', () => {
  it('is raised once when the integration fails for good, with the run and its error', async () => {
    // Prepare
    const failing = defineIntegration({
      id: 'failing-for-good',
      name: 'Failing',
      version: '1.0.0',
      description: 'throws a permanent error',
      parameters: {},
      run: () => {
        throw new PermanentError('target said 403');
      },
    });
    const deps = memoryDeps({ integrations: [failing] });
    await deps.jobs.put(jobOf('fails', { integration: 'failing-for-good' }));
    await deps.runs.create(queuedRun('R1', 'fails'));

    // Act
    await processRunMessage(deps, message('R1', 'fails'));
    await processRunMessage(deps, message('R1', 'fails', 2)).catch(() => undefined);

    // Assess
    expect(deps.runs.items.get('R1')?.status).toBe('failed');
    expect(deps.notifications.items.map((n) => [n.kind, n.severity, n.jobId, n.runId])).toEqual([
      ['run_failed', 'error', 'fails', 'R1'],
    ]);
    expect(deps.notifications.items[0]?.message).toContain('target said 403');
  });

  it('is raised when the run fails before its integration runs (its job was deleted)', async () => {
    // Prepare
    const deps = memoryDeps();
    await deps.runs.create(queuedRun('R2', 'gone'));

    // Act
    await processRunMessage(deps, message('R2', 'gone'));

    // Assess
    expect(deps.runs.items.get('R2')?.status).toBe('failed');
    expect(deps.notifications.items.map((n) => [n.kind, n.runId, n.message])).toEqual([
      ['run_failed', 'R2', 'run R2 failed: job gone no longer exists'],
    ]);
  });

  it('is not raised for a run that will be retried, nor for one that succeeds', async () => {
    // Prepare
    const flaky = defineIntegration({
      id: 'flaky',
      name: 'Flaky',
      version: '1.0.0',
      description: 'throws a retryable error',
      parameters: {},
      run: () => {
        throw new Error('503 from target');
      },
    });
    const deps = memoryDeps({ integrations: [flaky] });
    await deps.jobs.put(jobOf('flaky-job', { integration: 'flaky' }));
    await deps.jobs.put(jobOf('fine'));
    await deps.runs.create(queuedRun('R3', 'flaky-job'));
    await deps.runs.create(queuedRun('R4', 'fine'));

    // Act
    await processRunMessage(deps, message('R3', 'flaky-job')).catch(() => undefined);
    await processRunMessage(deps, message('R4', 'fine'));

    // Assess
    expect(deps.runs.items.get('R3')?.status).toBe('queued');
    expect(deps.runs.items.get('R4')?.status).toBe('succeeded');
    expect(deps.notifications.items).toEqual([]);
  });
});

describe('run_failed (sweeper)', () => {
  it('is not raised when the failure could not be recorded (another writer got there first)', async () => {
    // Prepare
    const clock = new FakeClock(new Date(T0));
    const deps = memoryDeps({ clock });
    await deps.runs.create(queuedRun('R6', 'j', { status: 'running', attempt: 3, startedAt: T0 }));
    deps.runs.finish = () => Promise.resolve(false);
    clock.advance(60 * 60_000);

    // Act
    const swept = await sweepStaleRuns(deps, sweepSettings(1800, 300));

    // Assess
    expect(swept.failed).toBe(0);
    expect(deps.notifications.items).toEqual([]);
  });

  it('is raised for a run the sweep records failed, and only when it recorded it', async () => {
    // Prepare: a run whose last attempt died long ago
    const clock = new FakeClock(new Date(T0));
    const deps = memoryDeps({ clock });
    await deps.jobs.put(jobOf('j'));
    await deps.runs.create(queuedRun('R5', 'j', { status: 'running', attempt: 3, startedAt: T0 }));
    clock.advance(60 * 60_000);

    // Act
    const first = await sweepStaleRuns(deps, sweepSettings(1800, 300));
    const second = await sweepStaleRuns(deps, sweepSettings(1800, 300));

    // Assess
    expect(first.failed).toBe(1);
    expect(second.failed).toBe(0);
    expect(deps.notifications.items.map((n) => [n.kind, n.severity, n.jobId, n.runId])).toEqual([
      ['run_failed', 'error', 'j', 'R5'],
    ]);
    expect(deps.notifications.items[0]?.message).toContain('its message is in the dead-letter queue');
  });
});
