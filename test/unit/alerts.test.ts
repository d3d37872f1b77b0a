import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../shared/errors.ts';
import { JobSchema } from '../../shared/model/index.ts';
import type { JobInput } from '../../shared/model/index.ts';
import type { NotificationRecord } from '../../shared/ports.ts';
import { afterRun } from '../../shared/runtime/toolbox/index.ts';
import type { FinishedOutcome, ToolboxTarget } from '../../shared/runtime/toolbox/index.ts';
import { processRunMessage } from '../../shared/runtime/worker.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';
import type { FakeClock, MemoryDeps } from '../helpers/memory-deps.ts';
import { queuedRunAt } from '../helpers/runs.ts';

// Alerts that something did not run (issue 9): `job_failing` once `alertAfterFailures`
// final runs of a job failed in a row, `job_recovered` on the success that ends such a
// streak. Counted by the checkpoint write that records each run (see the store contract).

/** Fails while `failing` says so: a permanent failure, so the run ends failed on its first attempt. */
const flaky = { failing: true };
const probe = defineIntegration({
  id: 'flaky-probe',
  name: 'Flaky probe',
  version: '1.0.0',
  description: 'test',
  parameters: {},
  run: () => {
    if (flaky.failing) throw new PermanentError('target refused');
    return Promise.resolve({ message: 'ok' });
  },
});

const makeJob = (over: Partial<JobInput> = {}) =>
  JobSchema.parse({
    id: 'j1',
    name: 'J',
    integration: 'flaky-probe',
    auth: { secret: 'demo' },
    ...over,
  });

const setup = async (over: Partial<JobInput> = {}) => {
  const published: NotificationRecord[] = [];
  const deps: MemoryDeps = {
    ...memoryDeps({ integrations: [probe] }),
    publisher: {
      publish: (n) => {
        published.push(n);
        return Promise.resolve();
      },
    },
  };
  await deps.jobs.put(makeJob(over));
  return { deps, published, clock: deps.clock as FakeClock };
};

let seq = 0;
/** One webhook run of j1, queued and processed by the worker to its end; `fail` decides how it ends. */
const runOnce = async (deps: MemoryDeps, clock: FakeClock, fail: boolean): Promise<string> => {
  flaky.failing = fail;
  const id = `R${String(++seq).padStart(4, '0')}`;
  clock.advance(1_000);
  await deps.runs.create(queuedRunAt(id, 'j1', clock.now()));
  await processRunMessage(deps, {
    body: JSON.stringify({ runId: id, jobId: 'j1' }),
    receiveCount: 1,
    receiptHandle: `h-${id}`,
  });
  expect((await deps.runs.get(id))?.status).toBe(fail ? 'failed' : 'succeeded');
  return id;
};

const ofKind = (deps: MemoryDeps, kind: string) => deps.notifications.items.filter((n) => n.kind === kind);

describe('job_failing and job_recovered', () => {
  it('raises job_failing once when the third failure in a row is recorded, and job_recovered on the next success', async () => {
    // Prepare
    const { deps, published, clock } = await setup();

    // Act: two failures
    await runOnce(deps, clock, true);
    await runOnce(deps, clock, true);
    const afterTwo = ofKind(deps, 'job_failing').length;
    // the third
    const third = await runOnce(deps, clock, true);
    // a fourth: past the threshold, no second alert
    await runOnce(deps, clock, true);
    const failing = ofKind(deps, 'job_failing');
    // then a success
    const success = await runOnce(deps, clock, false);

    // Assess
    expect(afterTwo).toBe(0);
    expect(failing).toHaveLength(1);
    expect(failing[0]).toMatchObject({ jobId: 'j1', runId: third, severity: 'error' });
    expect(failing[0]?.message).toContain('3 runs in a row failed');
    expect(failing[0]?.message).toContain('target refused');
    const recovered = ofKind(deps, 'job_recovered');
    expect(recovered).toHaveLength(1);
    expect(recovered[0]).toMatchObject({ jobId: 'j1', runId: success, severity: 'info' });
    expect(recovered[0]?.message).toContain('after 4 failed runs in a row');
    // The error reaches the topic (SNS in AWS); the info does not.
    expect(published.filter((n) => n.kind === 'job_failing')).toHaveLength(1);
    expect(published.filter((n) => n.kind === 'job_recovered')).toHaveLength(0);
    // Each failed run still raised its own run_failed.
    expect(ofKind(deps, 'run_failed')).toHaveLength(4);
  });

  it('starts a new streak after a recovery: three more failures raise job_failing again', async () => {
    // Prepare
    const { deps, clock } = await setup();
    for (let i = 0; i < 3; i++) await runOnce(deps, clock, true);
    await runOnce(deps, clock, false);

    // Act
    await runOnce(deps, clock, true);
    await runOnce(deps, clock, true);
    const beforeThird = ofKind(deps, 'job_failing').length;
    await runOnce(deps, clock, true);

    // Assess
    expect(beforeThird).toBe(1);
    expect(ofKind(deps, 'job_failing')).toHaveLength(2);
  });

  it('raises nothing for a success after fewer failures than the threshold', async () => {
    // Prepare
    const { deps, clock } = await setup();
    await runOnce(deps, clock, true);
    await runOnce(deps, clock, true);

    // Act
    await runOnce(deps, clock, false);

    // Assess
    expect(ofKind(deps, 'job_failing')).toHaveLength(0);
    expect(ofKind(deps, 'job_recovered')).toHaveLength(0);
    expect((await deps.checkpoints.get('j1'))?.consecutiveFailures).toBeUndefined();
  });

  it("follows the job's alertAfterFailures", async () => {
    // Prepare
    const { deps, clock } = await setup({ alertAfterFailures: 1 });

    // Act
    const first = await runOnce(deps, clock, true);
    await runOnce(deps, clock, true);

    // Assess
    expect(ofKind(deps, 'job_failing').map((n) => n.runId)).toEqual([first]);
  });

  it("keeps the finished run as the checkpoint's lastRun", async () => {
    // Prepare
    const { deps, clock } = await setup();

    // Act
    const id = await runOnce(deps, clock, true);

    // Assess
    const run = await deps.runs.get(id);
    expect((await deps.checkpoints.get('j1'))?.lastRun).toEqual({
      id,
      status: 'failed',
      startedAt: run?.startedAt,
      endedAt: run?.endedAt,
    });
  });
});

describe('afterRun: what counts toward the streak', () => {
  const target = (deps: MemoryDeps, runId: string, startedAtMs: number): ToolboxTarget => ({
    job: makeJob(),
    runId,
    attempt: 1,
    startedAt: new Date(startedAtMs),
    deadlineAt: startedAtMs + 60_000,
    decision: false,
  });
  const T = Date.parse('2026-11-22T10:00:00.000Z');

  it('counts a timed-out run as a failure', async () => {
    // Prepare
    const { deps } = await setup();
    const outcome: FinishedOutcome = { status: 'timed_out', error: 'deadline passed' };

    // Act
    for (let i = 1; i <= 3; i++) await afterRun(deps, target(deps, `T${i}`, T + i * 1_000), outcome);

    // Assess
    expect(ofKind(deps, 'job_failing').map((n) => n.runId)).toEqual(['T3']);
  });

  it('leaves the checkpoint and the count alone for a stopped or skipped run', async () => {
    // Prepare: two failures recorded
    const { deps } = await setup();
    const failed: FinishedOutcome = { status: 'failed', error: 'boom' };
    await afterRun(deps, target(deps, 'F1', T + 1_000), failed);
    await afterRun(deps, target(deps, 'F2', T + 2_000), failed);
    const writes = deps.checkpoints.writes;

    // Act
    await afterRun(deps, target(deps, 'S1', T + 3_000), { status: 'stopped', error: 'stopped by local' });
    await afterRun(deps, target(deps, 'K1', T + 4_000), { status: 'skipped' });
    await afterRun(deps, target(deps, 'F3', T + 5_000), failed);

    // Assess: the stopped run is kept as the last run only (one write), the skipped one not at all;
    // neither moves the count: the next failure is the third in a row
    expect(deps.checkpoints.writes).toBe(writes + 2);
    expect(ofKind(deps, 'run_failed').map((n) => n.runId)).toEqual(['F1', 'F2', 'F3']);
    expect(ofKind(deps, 'job_failing').map((n) => n.runId)).toEqual(['F3']);
    expect((await deps.checkpoints.get('j1'))?.lastRun?.id).toBe('F3');
  });

  it('does not count a late, older failure that does not move the checkpoint', async () => {
    // Prepare: the runs started at 2 s and 3 s failed and are recorded
    const { deps } = await setup();
    const failed: FinishedOutcome = { status: 'failed', error: 'boom' };
    await afterRun(deps, target(deps, 'F2', T + 2_000), failed);
    await afterRun(deps, target(deps, 'F3', T + 3_000), failed);

    // Act: the run started at 1 s ends last
    await afterRun(deps, target(deps, 'F1', T + 1_000), failed);

    // Assess: still two in a row; no alert, and lastRun is the newest run
    expect(ofKind(deps, 'job_failing')).toHaveLength(0);
    expect(await deps.checkpoints.get('j1')).toMatchObject({
      consecutiveFailures: 2,
      lastRun: { id: 'F3' },
    });
  });
});
