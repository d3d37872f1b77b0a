import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import type { Run } from '../../shared/model/index.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { processRunMessage, TAKEOVER_GRACE_MS } from '../../shared/runtime/worker.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import { DynamoEffectLedger } from '../../shared/store/dynamo-effect-store.ts';
import { DynamoRunStore } from '../../shared/store/dynamo-run-store.ts';
import { freshResources } from '../helpers/aws.ts';
import { FakeClock, memoryDeps } from '../helpers/memory-deps.ts';
import { queuedWebhookRun, webhookEvent } from '../helpers/runs.ts';

// "Kill the worker between an effect's pending and done, restart": two worker processes on one
// dynalite table. The first runs the job until its effect's fn has been called, then dies (its
// promise is left hanging, as a killed process leaves its claim); the second receives the message
// again once the first attempt is stale and runs the job as attempt 2.

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const TIMEOUT_S = 5;

const queuedRun = (jobId: string): Run =>
  queuedWebhookRun({
    id: ulid(T0),
    jobId,
    createdAt: new Date(T0).toISOString(),
    event: webhookEvent({ receivedAt: new Date(T0).toISOString(), payload: { ticket: 'OPS-1' } }),
  });

/** The probe's counters, and the gate its fn waits at (opened only to clean up). */
const probeWorld = () => {
  let open: () => void = () => undefined;
  const gate = new Promise<void>((r) => (open = r));
  const counts = { fn: 0, reconcile: 0 };
  const integration = defineIntegration({
    id: 'effect-probe',
    name: 'Effect probe',
    version: '1.0.0',
    description: 'posts one comment through ctx.effect',
    parameters: { reconcile: { type: 'boolean', default: false } },
    run: async (ctx) => {
      const post = async () => {
        counts.fn++;
        await gate;
        return { commentId: 'from-fn' };
      };
      const reconcile = () => {
        counts.reconcile++;
        return Promise.resolve({ commentId: 'found-at-target' });
      };
      const result = await ctx.effect('post-comment', post, ctx.params.reconcile ? { reconcile } : undefined);
      return { message: 'comment posted', output: result };
    },
  });
  return { integration, counts, open };
};

/** One worker process: its own clock and SDK-backed stores on the shared table. */
const workerOn = async (
  table: Awaited<ReturnType<typeof freshResources>>,
  probe: ReturnType<typeof probeWorld>,
  nowMs: number,
  jobId: string,
  reconcile: boolean,
) => {
  const deps = memoryDeps({ clock: new FakeClock(new Date(nowMs)), integrations: [probe.integration] });
  const client = table.clients.ddb;
  Object.assign(deps, {
    runs: new DynamoRunStore({ client, tableName: table.tableName, retentionDays: 30 }),
    effects: new DynamoEffectLedger({ client, tableName: table.tableName }),
  });
  await deps.jobs.put(
    JobSchema.parse({
      id: jobId,
      name: jobId,
      integration: 'effect-probe',
      auth: { secret: 'demo' },
      params: { reconcile },
      timeoutSeconds: TIMEOUT_S,
    }),
  );
  return deps;
};

const crashThenRestart = async (jobId: string, reconcile: boolean) => {
  const table = await freshResources(`effect-crash-${jobId}`);
  const probe = probeWorld();
  const first = await workerOn(table, probe, T0, jobId, reconcile);
  const run = queuedRun(jobId);
  await first.runs.create(run);
  const message = (receiveCount: number) => ({
    body: JSON.stringify({ runId: run.id, jobId }),
    receiveCount,
    receiptHandle: `rh-${receiveCount}`,
  });

  // Process 1: runs until fn has been called (the claim is pending), then "dies".
  const dying = processRunMessage(first, message(1)).catch((e: unknown) => e);
  for (let i = 0; i < 1000 && probe.counts.fn === 0; i++) await new Promise((r) => setTimeout(r, 10));
  const pendingAtCrash = await first.effects.get(jobId, 'post-comment', new Date(T0));

  // Process 2, after the first attempt is stale: the message comes back.
  const second = await workerOn(
    table,
    probe,
    T0 + TIMEOUT_S * 1000 + TAKEOVER_GRACE_MS + 1000,
    jobId,
    reconcile,
  );
  const restarted = await processRunMessage(second, message(2)).then(
    () => 'returned',
    (e: unknown) => e,
  );
  const after = {
    run: await second.runs.get(run.id),
    record: await second.effects.get(jobId, 'post-comment', second.clock.now()),
    counts: { ...probe.counts },
    restarted,
    pendingAtCrash,
  };
  // Clean up: let the dead attempt's fn end, so that nothing of it outlives the test.
  probe.open();
  await Promise.race([dying, new Promise((r) => setTimeout(r, 10_000))]);
  return after;
};

describe('a worker killed between an effect’s pending and done, then restarted (dynalite)', () => {
  it('with reconcile: the run succeeds with reconcile’s answer; fn was called once', async () => {
    // Act
    const after = await crashThenRestart('with-reconcile', true);

    // Assess
    expect(after.pendingAtCrash).toMatchObject({ status: 'pending', attempt: 1 });
    expect(after.restarted).toBe('returned');
    expect(after.counts).toEqual({ fn: 1, reconcile: 1 });
    expect(after.run).toMatchObject({
      status: 'succeeded',
      attempt: 2,
      output: { commentId: 'found-at-target' },
    });
    expect(after.record).toMatchObject({ status: 'done', reconciled: true, attempt: 2 });
  });

  it('without reconcile: the run fails permanently "in doubt"; fn was called once; the key is marked notified', async () => {
    // Act
    const after = await crashThenRestart('no-reconcile', false);

    // Assess
    expect(after.restarted).toBe('returned'); // recorded failed, not thrown back to the queue for a retry
    expect(after.counts).toEqual({ fn: 1, reconcile: 0 });
    expect(after.run?.status).toBe('failed');
    expect(after.run?.error).toMatch(
      /^effect post-comment is in doubt: run \S+ \(attempt 1\) started it at 2026-11-22T10:00:00\.000Z/,
    );
    expect(after.record).toMatchObject({
      status: 'pending',
      attempt: 1,
      inDoubtNotifiedAt: expect.any(String),
    });
  });
});
