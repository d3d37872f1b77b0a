import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { createAdminDeps } from '../../functions/admin/deps.ts';
import { createDeps } from '../../functions/create-deps.ts';
import { PermanentError } from '../../shared/errors.ts';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import { JobSchema } from '../../shared/model/index.ts';
import type { RunSummary } from '../../shared/model/index.ts';
import type { JobGridItem } from '../../shared/runtime/admin.ts';
import { processRunMessage } from '../../shared/runtime/worker.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import { useFixedAwsCredentials } from '../helpers/aws-credentials.ts';
import { freshResources, resourcesConfig } from '../helpers/aws.ts';
import { FakeClock, MemorySecrets } from '../helpers/memory-deps.ts';

useFixedAwsCredentials();

/**
 * Issue 9 on dynalite and fauxqs with the real SDK: run now through the admin
 * function's own deps (its SQS queue and S3 store loaded on first use), the
 * worker running the integration with the overrides, the grid's last run read
 * back with one BatchGetItem, the history filtered by firedBy; and three
 * failures in a row raising one `job_failing` stored in the table.
 */
const seen: Record<string, unknown>[] = [];
const probe = defineIntegration({
  id: 'grid-probe',
  name: 'Grid probe',
  version: '1.0.0',
  description: 'Records its params; fails when the param `fail` is true.',
  parameters: {
    greeting: { type: 'text', label: 'Greeting', mandatory: true },
    fail: { type: 'boolean', label: 'Fail', default: false },
  },
  run: (ctx) => {
    seen.push({ ...ctx.params });
    if (ctx.params.fail === true) throw new PermanentError('told to fail');
    return Promise.resolve({ message: 'ok' });
  },
});

const setup = async (name: string) => {
  const res = await freshResources(name);
  const config = resourcesConfig(res);
  const clock = new FakeClock(new Date());
  const worker = {
    ...createDeps(config, { integrations: [probe], secrets: new MemorySecrets({ demo: ['s'] }) }),
    clock,
  };
  // The admin function's own ports (its registry knows the built-in integrations only: the probe is added).
  const adminDeps = { ...createAdminDeps(config), registry: worker.registry, clock };
  await worker.jobs.put(
    JobSchema.parse({
      id: 'grid',
      name: 'Grid',
      integration: 'grid-probe',
      auth: { secret: 'demo' },
      params: { greeting: 'hello' },
    }),
  );
  const admin = createAdminApp(adminDeps);
  /** Receives what the queue holds and lets the worker process it, as the event source would. */
  const work = async (): Promise<number> => {
    const { Messages = [] } = await res.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: res.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    for (const m of Messages) {
      clock.advance(1_000);
      await processRunMessage(worker, {
        body: m.Body ?? '',
        receiveCount: 1,
        receiptHandle: m.ReceiptHandle ?? '',
      });
    }
    return Messages.length;
  };
  const runNow = async (params: Record<string, unknown>) => {
    const res = await admin.request('/admin/jobs/grid/runs', {
      method: 'POST',
      body: JSON.stringify({ params }),
    });
    expect(res.status).toBe(202);
    return ((await res.json()) as { runId: string }).runId;
  };
  return { worker, admin, work, runNow, clock };
};

describe('run now, the grid and the failing alert (dynalite, fauxqs)', () => {
  it('runs the job now with overrides, and the grid shows the run as the last run', async () => {
    // Prepare
    const { worker, admin, work, runNow } = await setup('grid-run-now');
    seen.length = 0;

    // Act
    const runId = await runNow({ greeting: 'bonjour' });
    const whileQueued = (await (await admin.request('/admin/jobs')).json()) as { items: JobGridItem[] };
    const processed = await work();
    const grid = (await (await admin.request('/admin/jobs')).json()) as { items: JobGridItem[] };
    const manual = (await (await admin.request('/admin/jobs/grid/runs?firedBy=manual')).json()) as {
      items: RunSummary[];
    };
    const webhook = (await (await admin.request('/admin/jobs/grid/runs?firedBy=webhook')).json()) as {
      items: RunSummary[];
    };

    // Assess
    expect(processed).toBe(1);
    expect(seen).toEqual([{ greeting: 'bonjour', fail: false }]);
    const run = await worker.runs.get(runId);
    expect(run).toMatchObject({
      status: 'succeeded',
      firedBy: 'manual',
      paramOverrides: { greeting: 'bonjour' },
    });
    expect(grid.items).toHaveLength(1);
    expect(grid.items[0]).toMatchObject({
      id: 'grid',
      schedule: null,
      nextRun: 'webhook',
      nextRunAt: null,
      lastRun: { id: runId, status: 'succeeded', startedAt: run?.startedAt },
      openRuns: 0,
    });
    // Counted from the open-runs index (gsi2) on the real table: the queued run, then none.
    expect(whileQueued.items[0]?.openRuns).toBe(1);
    expect(manual.items.map((r) => r.id)).toEqual([runId]);
    expect(webhook.items).toEqual([]);
  });

  it('raises one job_failing after three failures in a row, and job_recovered on the next success', async () => {
    // Prepare
    const { worker, admin, work, runNow } = await setup('grid-alerts');

    // Act
    for (let i = 0; i < 4; i++) {
      await runNow({ fail: true });
      await work();
    }
    const failingRun = (await worker.notifications.list({ jobId: 'grid' })).items.filter(
      (n) => n.kind === 'job_failing',
    );
    const recoveredBy = await runNow({ fail: false });
    await work();
    const notes = (await worker.notifications.list({ jobId: 'grid' })).items;
    const grid = (await (await admin.request('/admin/jobs')).json()) as { items: JobGridItem[] };

    // Assess
    expect(failingRun).toHaveLength(1);
    expect(failingRun[0]?.severity).toBe('error');
    expect(notes.filter((n) => n.kind === 'job_failing')).toHaveLength(1);
    expect(notes.filter((n) => n.kind === 'job_recovered').map((n) => n.runId)).toEqual([recoveredBy]);
    expect(notes.filter((n) => n.kind === 'run_failed')).toHaveLength(4);
    expect(grid.items[0]?.lastRun).toMatchObject({ id: recoveredBy, status: 'succeeded' });
    expect((await worker.checkpoints.get('grid'))?.consecutiveFailures).toBeUndefined();
  });
});
