import { describe, expect, it } from 'vitest';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import type { Run } from '../../shared/model/index.ts';
import { processRunMessage } from '../../shared/runtime/worker.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import { useFixedAwsCredentials } from '../helpers/aws-credentials.ts';
import { dynaliteWorkerDeps } from '../helpers/dynalite-worker.ts';
import { queuedRunAt } from '../helpers/runs.ts';

useFixedAwsCredentials();

/** Released by the test: the code below never looks at its signal. */
let started: () => void = () => undefined;
let release: () => void = () => undefined;
const stubborn = defineIntegration({
  id: 'stubborn',
  name: 'Stubborn',
  version: '1.0.0',
  description: 'Ignores its signal: waits until the test lets it go, then claims success.',
  parameters: {},
  run: async (ctx) => {
    ctx.logger.info('started, not listening');
    await ctx.state.set('late', true);
    started();
    await new Promise<void>((resolve) => {
      release = resolve;
    });
    return { message: 'too late' };
  },
});

const message = (runId: string, jobId: string) => ({
  body: JSON.stringify({ runId, jobId }),
  receiveCount: 1,
  receiptHandle: `rh-${runId}`,
});

describe('stop through the admin API, on the worker’s real deps (dynalite)', () => {
  it('ends a running run whose code ignores the signal as stopped, and drops its late result', async () => {
    // Prepare: a short heartbeat and grace (timers; nothing below asserts how long they take)
    const jobId = 'stop-running';
    const { deps: real, clock } = await dynaliteWorkerDeps('stop-worker', stubborn, jobId);
    const deps = { ...real, settings: { ...real.settings, heartbeatMs: 20, stopGraceMs: 50 } };
    const admin = createAdminApp(deps);
    const runId = '01KXXX00000000000000000001';
    await deps.runs.create(queuedRunAt(runId, jobId, clock.now()));
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });

    // Act
    const processing = processRunMessage(deps, message(runId, jobId));
    await running;
    const answer = await admin.request(`/admin/runs/${runId}/stop`, { method: 'POST' });
    await processing;
    const stopped = (await (await admin.request(`/admin/runs/${runId}`)).json()) as Run;
    release();
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    const later = await deps.runs.get(runId);
    const again = await admin.request(`/admin/runs/${runId}/stop`, { method: 'POST' });

    // Assess
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ runId, status: 'stopping' });
    expect(stopped).toMatchObject({
      status: 'stopped',
      message: 'stopped by local',
      stopRequest: { by: 'local' },
    });
    expect(stopped.logs.map((l) => `[${l.level}] ${l.message}`)).toEqual([
      '[INFO] started, not listening',
      '[WARN] stopped by local',
    ]);
    expect(later).toEqual(stopped);
    expect(await deps.state.get(jobId, 'late', clock.now())).toBeUndefined();
    expect(again.status).toBe(409);
  });

  it('stops a queued run at once: its message then starts nothing', async () => {
    // Prepare
    const jobId = 'stop-queued';
    const { deps, clock } = await dynaliteWorkerDeps('stop-queued', stubborn, jobId);
    const admin = createAdminApp(deps);
    const runId = '01KXXX00000000000000000002';
    await deps.runs.create(queuedRunAt(runId, jobId, clock.now()));
    let ran = false;
    started = () => {
      ran = true;
    };

    // Act
    const stop = await admin.request(`/admin/jobs/${jobId}/stop`, { method: 'POST' });
    await processRunMessage(deps, message(runId, jobId));

    // Assess
    expect(await stop.json()).toEqual({ stopped: [runId], stopping: [] });
    expect(ran).toBe(false);
    expect(await deps.runs.get(runId)).toMatchObject({
      status: 'stopped',
      attempt: 0,
      message: 'stopped by local before it started',
    });
  });
});
