import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../shared/errors.ts';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import { processRunMessage } from '../../shared/runtime/worker.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import { useFixedAwsCredentials } from '../helpers/aws-credentials.ts';
import { dynaliteWorkerDeps } from '../helpers/dynalite-worker.ts';
import { queuedRunAt } from '../helpers/runs.ts';

useFixedAwsCredentials();

/** The effect's fn calls by key, and whether the step after it is fixed yet. */
const world = { fixed: false, created: new Map<string, number>() };
const probe = defineIntegration({
  id: 'create-then-fail',
  name: 'Create, then a step that fails until fixed',
  version: '1.0.0',
  description: 'ctx.effect(create-x) then fails permanently until fixed',
  parameters: {},
  run: async (ctx) => {
    const { order } = ctx.event.payload as { order: string };
    const x = await ctx.effect(`create-x:${order}`, () => {
      world.created.set(order, (world.created.get(order) ?? 0) + 1);
      return Promise.resolve({ id: `x-${order}` });
    });
    if (!world.fixed) throw new PermanentError('the next step is misconfigured');
    return { message: `done with ${x.id}` };
  },
});

/**
 * Replays on dynalite with the real stores: effects the original did are
 * found in the ledger (keyed by job and key) and not repeated, for one replay
 * and for a bulk replay selected by status and error.
 */
describe('replay keeps effects single (dynalite)', () => {
  it('single and bulk replays of failed runs succeed once fixed, each effect fn called once in all', async () => {
    // Prepare: three runs that create x then fail
    const jobId = 'orders';
    const { deps, clock } = await dynaliteWorkerDeps('replay-effects', probe, jobId);
    const admin = createAdminApp(deps);
    const deliver = (runId: string) =>
      processRunMessage(deps, {
        body: JSON.stringify({ runId, jobId }),
        receiveCount: 1,
        receiptHandle: `rh-${runId}`,
      });
    const ids = ['01KXXX00000000000000000001', '01KXXX00000000000000000002', '01KXXX00000000000000000003'];
    for (const [i, id] of ids.entries()) {
      clock.advance(1_000);
      await deps.runs.create(queuedRunAt(id, jobId, clock.now(), { order: `o${i}` }));
      await deliver(id);
    }
    world.fixed = true;
    clock.advance(1_000);

    // Act: one replayed alone, then the failed ones in bulk (dry run first)
    const one = await admin.request(`/admin/runs/${ids[0]}/replay`, { method: 'POST' });
    const { runId: single } = (await one.json()) as { runId: string };
    await deliver(single);
    const dry = await admin.request('/admin/replays', {
      method: 'POST',
      body: JSON.stringify({ jobId, status: 'failed', errorContains: 'MISCONFIGURED', dryRun: true }),
    });
    const bulk = await admin.request('/admin/replays', {
      method: 'POST',
      body: JSON.stringify({ jobId, status: 'failed', errorContains: 'misconfigured' }),
    });
    const { runIds } = (await bulk.json()) as { runIds: string[] };
    for (const id of runIds) await deliver(id);

    // Assess
    expect(await deps.runs.get(single)).toMatchObject({
      status: 'succeeded',
      replayOf: ids[0],
      message: 'done with x-o0',
    });
    expect(dry.status).toBe(200);
    expect(((await dry.json()) as { runIds: string[] }).runIds).toEqual(ids);
    expect(bulk.status).toBe(202);
    const replays = await Promise.all(runIds.map((id) => deps.runs.get(id)));
    expect(replays.map((r) => [r?.replayOf, r?.status, r?.firedBy])).toEqual(
      ids.map((id) => [id, 'succeeded', 'replay']),
    );
    expect(Object.fromEntries(world.created)).toEqual({ o0: 1, o1: 1, o2: 1 });
    // the originals are kept as they were
    expect((await Promise.all(ids.map((id) => deps.runs.get(id)))).map((r) => r?.status)).toEqual([
      'failed',
      'failed',
      'failed',
    ]);
  });
});
