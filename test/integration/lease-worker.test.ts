import { describe, expect, it } from 'vitest';
import { JobSchema } from '../../shared/model/index.ts';
import type { Run } from '../../shared/model/index.ts';
import { processRunMessage } from '../../shared/runtime/worker.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import { useFixedAwsCredentials } from '../helpers/aws-credentials.ts';
import { dynaliteWorkerDeps } from '../helpers/dynalite-worker.ts';
import { queuedRunAt } from '../helpers/runs.ts';

useFixedAwsCredentials();

const gates = new Map<string, { started: () => void; open: Promise<void> }>();
const gated = defineIntegration({
  id: 'lease-gated',
  name: 'Gated',
  version: '1.0.0',
  description: 'Waits for the test to let it go, when the test holds it.',
  parameters: {},
  run: async ({ runId }) => {
    const gate = gates.get(runId);
    gate?.started();
    await gate?.open;
    return { message: 'done' };
  },
});

/** A gate for `runId`: resolves `started` when its run starts, runs on once `open` is called. */
const hold = (runId: string) => {
  let started: () => void = () => undefined;
  let open: () => void = () => undefined;
  const running = new Promise<void>((r) => (started = r));
  gates.set(runId, { started: () => started(), open: new Promise<void>((r) => (open = r)) });
  return { running, open: () => open() };
};

const scheduled = (id: string, jobId: string, at: Date, scheduledFor: string): Run => ({
  ...queuedRunAt(id, jobId, at),
  firedBy: 'schedule',
  scheduledFor,
});
const message = (runId: string, jobId: string) => ({
  body: JSON.stringify({ runId, jobId }),
  receiveCount: 1,
  receiptHandle: `rh-${runId}`,
});

describe('the schedule lease on the worker’s real deps (dynalite)', () => {
  it('never runs two scheduled runs of a job at once: the overlapping one is skipped; an expired lease is taken over', async () => {
    // Prepare
    const jobId = 'lease-job';
    const { deps, clock } = await dynaliteWorkerDeps('lease-worker', gated, jobId);
    await deps.jobs.put(
      JobSchema.parse({
        id: jobId,
        name: 'Leased',
        integration: 'lease-gated',
        auth: { secret: 'demo' },
        schedule: { frequency: 'minute' },
        timeoutSeconds: 60,
      }),
    );
    const [a, b, c] = [
      '01KXXX00000000000000000001',
      '01KXXX00000000000000000002',
      '01KXXX00000000000000000003',
    ];
    await deps.runs.create(scheduled(a, jobId, clock.now(), '2026-11-22T10:00:00.000Z'));
    await deps.runs.create(scheduled(b, jobId, clock.now(), '2026-11-22T10:01:00.000Z'));
    const gate = hold(a);

    // Act: A holds the lease while B comes
    const first = processRunMessage(deps, message(a, jobId));
    await gate.running;
    const held = await deps.leases.get(jobId, 'schedule');
    await processRunMessage(deps, message(b, jobId));
    gate.open();
    await first;
    const afterA = await deps.leases.get(jobId, 'schedule');
    // A worker that died left its lease: C takes it over once its until has passed.
    await deps.leases.acquire(
      jobId,
      'schedule',
      { holder: 'DEAD', until: '2026-11-22T10:02:00.000Z' },
      clock.now().toISOString(),
    );
    clock.advance(121_000);
    await deps.runs.create(scheduled(c, jobId, clock.now(), '2026-11-22T10:02:00.000Z'));
    await processRunMessage(deps, message(c, jobId));

    // Assess
    expect(held).toEqual({ holder: a, until: '2026-11-22T10:02:00.000Z' });
    expect(await deps.runs.get(b)).toMatchObject({ status: 'skipped', message: 'still running' });
    expect(await deps.runs.get(a)).toMatchObject({ status: 'succeeded', lagMs: 0 });
    expect(afterA).toBeUndefined();
    expect(await deps.runs.get(c)).toMatchObject({ status: 'succeeded', lagMs: 1_000 });
    expect(await deps.leases.get(jobId, 'schedule')).toBeUndefined();
    const skipped = await deps.runs.listByJob(jobId, { status: 'skipped' });
    expect(skipped.items.map((r) => r.id)).toEqual([b]);
  });
});
