import { describe, expect, it } from 'vitest';
import { processRunMessage, RetryableRunError } from '../../shared/runtime/worker.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import { useFixedAwsCredentials } from '../helpers/aws-credentials.ts';
import { dynaliteWorkerDeps } from '../helpers/dynalite-worker.ts';
import { queuedRunAt } from '../helpers/runs.ts';

useFixedAwsCredentials();

/**
 * Issue 8, "Done when" 3, in the worker on dynalite with the real SDK and the
 * real ctx.state: two runs that count in ctx.state and return a cursor leave
 * the counter at 2 and the checkpoint at the second cursor; a third that
 * counts and then fails on each of its attempts moves neither. Another writer
 * between a run's read and its conditional write is found when the run's
 * writes are applied: the attempt is retried, and the retry counts on top.
 */
let between: (() => Promise<void>) | undefined;
const counter = defineIntegration({
  id: 'state-commit-probe',
  name: 'State commit probe',
  version: '1.0.0',
  description: 'Counts its runs in ctx.state, returns the count as its cursor; fails when the event says so.',
  parameters: {},
  run: async ({ state, event }) => {
    const entry = await state.getEntry<number>('count');
    await between?.();
    const n = (entry?.value ?? 0) + 1;
    await state.set('count', n, { ifVersion: entry?.version ?? 0 });
    if ((event.payload as { fail?: boolean }).fail === true) throw new Error('the target answered 503');
    return { message: `count ${n}`, cursor: String(n) };
  },
});

describe('ctx.state writes apply only when the run succeeds (dynalite)', () => {
  it('counts to 2 over two runs; a third failing on all its attempts moves neither counter nor cursor; a conflict at apply retries', async () => {
    // Prepare
    const jobId = 'state-counter';
    const { deps, clock } = await dynaliteWorkerDeps('state-commit', counter, jobId);
    /** Delivers the run until it is recorded, as SQS would (at most maxReceiveCount receives). */
    const runToEnd = async (id: string, fail: boolean) => {
      clock.advance(1_000);
      await deps.runs.create(queuedRunAt(id, jobId, clock.now(), { fail }));
      for (let receiveCount = 1; receiveCount <= deps.settings.maxReceiveCount; receiveCount++) {
        try {
          await processRunMessage(deps, {
            body: JSON.stringify({ runId: id, jobId }),
            receiveCount,
            receiptHandle: `rh-${id}-${receiveCount}`,
          });
        } catch (e) {
          if (!(e instanceof RetryableRunError)) throw e;
        }
        const run = await deps.runs.get(id);
        if (run?.status !== 'queued') return run;
      }
      return deps.runs.get(id);
    };
    const count = async () => {
      const item = await deps.state.get(jobId, 'count', clock.now());
      return item && { value: item.value, version: item.version };
    };

    // Act
    const first = await runToEnd('01KXXX00000000000000000001', false);
    const second = await runToEnd('01KXXX00000000000000000002', false);
    const afterTwo = { count: await count(), checkpoint: await deps.checkpoints.get(jobId) };
    const third = await runToEnd('01KXXX00000000000000000003', true);
    const afterThree = { count: await count(), checkpoint: await deps.checkpoints.get(jobId) };
    let wrote = 0;
    // Once: an operator's write lands between the fourth run's read (version 2) and its apply.
    between = async () => {
      if (wrote++ === 0) await deps.state.set(jobId, 'count', '10', {}, clock.now());
    };
    const fourth = await runToEnd('01KXXX00000000000000000004', false);
    between = undefined;

    // Assess
    expect([first?.status, second?.status, third?.status]).toEqual(['succeeded', 'succeeded', 'failed']);
    expect(afterTwo).toMatchObject({ count: { value: 2, version: 2 }, checkpoint: { cursor: '2' } });
    expect(third).toMatchObject({ attempt: 3, error: 'the target answered 503' });
    expect(afterThree).toMatchObject({ count: { value: 2, version: 2 }, checkpoint: { cursor: '2' } });
    expect(fourth).toMatchObject({ status: 'succeeded', attempt: 2, message: 'count 11' });
    expect(fourth?.logs.map((l) => l.message)).toContain(
      'run failed: state key "count" is at version 3, not the expected 2',
    );
    expect(await count()).toEqual({ value: 11, version: 4 });
    expect(await deps.checkpoints.get(jobId)).toMatchObject({ cursor: '11' });
  });
});
