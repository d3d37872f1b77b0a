import { describe, expect, it } from 'vitest';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { MAX_SWEEP_REQUEUES, sweepSettings, sweepStaleRuns } from '../../shared/runtime/recovery.ts';
import { processRunMessage } from '../../shared/runtime/worker.ts';
import { apiEvent } from '../helpers/api-event.ts';
import { FakeClock, memoryDeps } from '../helpers/memory-deps.ts';
import { queuedWebhookRun } from '../helpers/runs.ts';

const R = (n: number) => `01KXXX0000000000000000000${n}`;
const ARN = 'arn:aws:sts::123456789012:assumed-role/ops/alice';

const setup = async () => {
  const deps = memoryDeps();
  await deps.jobs.put(
    JobSchema.parse({ id: 'j1', name: 'J', integration: 'log-event', auth: { secret: 'demo' } }),
  );
  return { deps, app: createAdminApp(deps) };
};
const post = (
  app: ReturnType<typeof createAdminApp>,
  path: string,
  env?: Parameters<typeof app.request>[2],
) => app.request(path, { method: 'POST' }, env);
const running = { startedAt: '2026-11-22T10:00:00.000Z', staleBefore: '2026-11-22T10:00:00.000Z' };

describe('POST /admin/runs/{runId}/stop', () => {
  it('stops a queued run at once (200 stopped), recording who: the IAM caller', async () => {
    // Prepare
    const { deps, app } = await setup();
    await deps.runs.create(queuedWebhookRun({ id: R(1) }));
    const event = apiEvent({ method: 'POST', rawPath: `/admin/runs/${R(1)}/stop` });
    const env = {
      event: { ...event, requestContext: { ...event.requestContext, authorizer: { iam: { userArn: ARN } } } },
    };

    // Act
    const res = await post(app, `/admin/runs/${R(1)}/stop`, env);

    // Assess
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ runId: R(1), status: 'stopped' });
    expect(deps.runs.items.get(R(1))).toMatchObject({
      status: 'stopped',
      message: `stopped by ${ARN} before it started`,
      stopRequest: { by: ARN, at: '2026-11-22T10:00:00.000Z' },
    });
  });

  it('asks a running run to stop (200 stopping); 409 run_finished once it has ended; 404 for an unknown run; 400 for a bad id', async () => {
    // Prepare
    const { deps, app } = await setup();
    await deps.runs.create(queuedWebhookRun({ id: R(1) }));
    await deps.runs.start(R(1), running);

    // Act
    const stopping = await post(app, `/admin/runs/${R(1)}/stop`);
    await deps.runs.finish(R(1), {
      attempt: 1,
      status: 'stopped',
      endedAt: '2026-11-22T10:00:05.000Z',
      durationMs: 5000,
      logs: [],
    });
    const finished = await post(app, `/admin/runs/${R(1)}/stop`);
    const unknown = await post(app, `/admin/runs/${R(9)}/stop`);
    const bad = await post(app, '/admin/runs/not-a-run/stop');

    // Assess
    expect(stopping.status).toBe(200);
    expect(await stopping.json()).toEqual({ runId: R(1), status: 'stopping' });
    expect(finished.status).toBe(409);
    expect(await finished.json()).toMatchObject({ error: 'run_finished' });
    expect(unknown.status).toBe(404);
    expect(bad.status).toBe(400);
  });
});

describe('POST /admin/jobs/{id}/stop', () => {
  it('stops every open run of the job: queued ones stopped, running ones stopping, finished and other jobs’ untouched', async () => {
    // Prepare: 25 queued (more than one page), one running, one finished, one of another job
    const { deps, app } = await setup();
    await deps.jobs.put(
      JobSchema.parse({ id: 'j2', name: 'J2', integration: 'log-event', auth: { secret: 'demo' } }),
    );
    const queued = Array.from({ length: 25 }, (_, i) => `01KXXX00000000000000000${String(100 + i)}`);
    for (const id of queued) await deps.runs.create(queuedWebhookRun({ id }));
    await deps.runs.create(queuedWebhookRun({ id: R(1) }));
    await deps.runs.start(R(1), running);
    await deps.runs.create(queuedWebhookRun({ id: R(2) }));
    await deps.runs.start(R(2), running);
    await deps.runs.finish(R(2), {
      attempt: 1,
      status: 'succeeded',
      endedAt: running.startedAt,
      durationMs: 0,
      logs: [],
    });
    await deps.runs.create(queuedWebhookRun({ id: R(3), jobId: 'j2' }));

    // Act
    const res = await post(app, '/admin/jobs/j1/stop');

    // Assess
    expect(res.status).toBe(200);
    const body = (await res.json()) as { stopped: string[]; stopping: string[] };
    expect([...body.stopped].sort()).toEqual(queued);
    expect(body.stopping).toEqual([R(1)]);
    expect(deps.runs.items.get(R(2))?.status).toBe('succeeded');
    expect(deps.runs.items.get(R(3))?.status).toBe('queued');
    expect((await post(app, '/admin/jobs/nope/stop')).status).toBe(404);
  });
});

describe('the sweeper and stop requests', () => {
  it('ends a stale running run that was asked to stop as stopped, not retried', async () => {
    // Prepare: its attempt died after the request; an hour later the sweeper finds it
    const clock = new FakeClock();
    const deps = memoryDeps({ clock });
    await deps.runs.create(queuedWebhookRun({ id: R(1) }));
    await deps.runs.start(R(1), running);
    await deps.runs.requestStop(R(1), { by: 'alice', at: '2026-11-22T10:00:01.000Z' });
    clock.advance(3_600_000);

    // Act
    const result = await sweepStaleRuns(deps, sweepSettings(1800, 300));

    // Assess
    expect(result).toEqual({ requeued: 0, failed: 0 });
    expect(deps.queue.sent).toEqual([]);
    expect(deps.queue.batches).toEqual([]);
    const run = deps.runs.items.get(R(1));
    expect(run).toMatchObject({ status: 'stopped', message: 'stopped by alice' });
    expect(run?.logs.at(-1)).toMatchObject({ level: 'WARN', message: 'stopped by alice' });
  });

  it('sends a stale queued run that carries a stop request (released before its attempt saw it) like any other: its message ends it stopped, unrun', async () => {
    // Prepare
    const clock = new FakeClock();
    const deps = memoryDeps({ clock });
    await deps.jobs.put(
      JobSchema.parse({ id: 'j1', name: 'J', integration: 'log-event', auth: { secret: 'demo' } }),
    );
    await deps.runs.create(queuedWebhookRun({ id: R(1) }));
    await deps.runs.start(R(1), running);
    await deps.runs.requestStop(R(1), { by: 'alice', at: '2026-11-22T10:00:01.000Z' });
    await deps.runs.release(R(1), { attempt: 1, error: 'boom' });
    clock.advance(3_600_000);
    deps.runs.controlReads = 0;

    // Act
    await sweepStaleRuns(deps, sweepSettings(1800, 300));
    const sent = deps.queue.sent.splice(0);
    for (const m of sent) {
      await processRunMessage(deps, { body: JSON.stringify(m), receiveCount: 1, receiptHandle: 'rh' });
    }

    // Assess: the sweep read nothing more for it; the worker never ran the integration
    expect(deps.runs.controlReads).toBe(0);
    expect(sent).toEqual([{ runId: R(1), jobId: 'j1' }]);
    const run = deps.runs.items.get(R(1));
    expect(run).toMatchObject({ status: 'stopped', stopRequest: { by: 'alice' } });
    expect(run?.logs.map((l) => l.message)).toEqual(['stopped by alice']);
  });

  it('ends a queued run asked to stop as stopped rather than failed once its requeues are spent', async () => {
    // Prepare: a stop-requested run that came back queued and was requeued MAX_SWEEP_REQUEUES times
    const clock = new FakeClock();
    const deps = memoryDeps({ clock });
    await deps.runs.create(queuedWebhookRun({ id: R(1) }));
    await deps.runs.start(R(1), running);
    await deps.runs.requestStop(R(1), { by: 'alice', at: '2026-11-22T10:00:01.000Z' });
    await deps.runs.release(R(1), { attempt: 1, error: 'boom' });
    for (let i = 0; i < MAX_SWEEP_REQUEUES; i++)
      await deps.runs.markRequeued(R(1), '2026-11-22T10:00:02.000Z');
    clock.advance(3_600_000);

    // Act
    const result = await sweepStaleRuns(deps, sweepSettings(1800, 300));

    // Assess
    expect(result).toEqual({ requeued: 0, failed: 0 });
    expect(deps.queue.batches).toEqual([]);
    expect(deps.runs.items.get(R(1))).toMatchObject({ status: 'stopped', message: 'stopped by alice' });
  });
});
