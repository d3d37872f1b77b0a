import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../shared/errors.ts';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import { processRunMessage } from '../../shared/runtime/worker.ts';
import type { Checkpoint } from '../../shared/sdk/index.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import { useFixedAwsCredentials } from '../helpers/aws-credentials.ts';
import { dynaliteWorkerDeps } from '../helpers/dynalite-worker.ts';
import { queuedRunAt } from '../helpers/runs.ts';

useFixedAwsCredentials();

/**
 * Issue 8, "Done when" 3, in the worker on dynalite with the real SDK: two runs
 * that increment a counter in ctx.state and return it as their cursor leave the
 * counter at 2 and the checkpoint at the second cursor; a failing third (it
 * reads the counter, then fails before writing it) moves neither the counter,
 * the cursor nor the last success (only the last run).
 */
const seen: Readonly<Checkpoint>[] = [];
const counts: (number | undefined)[] = [];
const probe = defineIntegration({
  id: 'checkpoint-probe',
  name: 'Checkpoint probe',
  version: '1.0.0',
  description:
    'Counts its runs in ctx.state and returns the count as its cursor; fails when the event says so.',
  parameters: {},
  run: async (ctx) => {
    seen.push(ctx.checkpoint);
    const count = await ctx.state.get<number>('count');
    counts.push(count);
    const payload = ctx.event.payload as { fail?: boolean };
    if (payload.fail === true) throw new PermanentError('told to fail');
    const n = (count ?? 0) + 1;
    await ctx.state.set('count', n);
    return { message: `run ${n}`, cursor: String(n) };
  },
});

describe('the worker records the checkpoint (dynalite)', () => {
  it('leaves the counter at 2 and the cursor at the second run’s after two runs; a failing third moves neither', async () => {
    // Prepare
    const jobId = 'counter';
    const { deps, clock } = await dynaliteWorkerDeps('checkpoint-worker', probe, jobId);
    const starts: string[] = [];
    const runOnce = async (id: string, fail: boolean) => {
      clock.advance(1_000);
      starts.push(clock.now().toISOString());
      await deps.runs.create(queuedRunAt(id, jobId, clock.now(), { fail }));
      await processRunMessage(deps, {
        body: JSON.stringify({ runId: id, jobId }),
        receiveCount: 1,
        receiptHandle: `rh-${id}`,
      });
      return deps.runs.get(id);
    };

    // Act
    const first = await runOnce('01KXXX00000000000000000001', false);
    const second = await runOnce('01KXXX00000000000000000002', false);
    const afterTwo = await deps.checkpoints.get(jobId);
    const third = await runOnce('01KXXX00000000000000000003', true);
    const afterThree = await deps.checkpoints.get(jobId);
    const admin = createAdminApp(deps);
    const shown = await admin.request(`/admin/jobs/${jobId}/checkpoint`);
    const state = await admin.request(`/admin/jobs/${jobId}/state`);

    // Assess
    expect([first?.status, second?.status, third?.status]).toEqual(['succeeded', 'succeeded', 'failed']);
    // Each run read the counter the runs before it left; the failing third did not write it.
    expect(counts).toEqual([undefined, 1, 2]);
    expect((await deps.state.get(jobId, 'count', clock.now()))?.value).toBe(2);
    expect(afterTwo).toMatchObject({ cursor: '2', lastRunAt: starts[1], lastSuccessfulRunAt: starts[1] });
    expect(afterThree).toMatchObject({ cursor: '2', lastRunAt: starts[2], lastSuccessfulRunAt: starts[1] });
    // Each run saw the checkpoint the runs before it left, as Dates.
    expect(seen.map((c) => ({ ...c }))).toEqual([
      {},
      { cursor: '1', lastRunAt: new Date(starts[0] ?? ''), lastSuccessfulRunAt: new Date(starts[0] ?? '') },
      { cursor: '2', lastRunAt: new Date(starts[1] ?? ''), lastSuccessfulRunAt: new Date(starts[1] ?? '') },
    ]);
    expect(shown.status).toBe(200);
    expect(await shown.json()).toMatchObject({ jobId, cursor: '2', lastRunAt: starts[2] });
    expect(state.status).toBe(200);
    expect(await state.json()).toEqual({
      items: [expect.objectContaining({ key: 'count', value: 2, version: 2 })],
    });
  });
});
