import { describe, expect, it } from 'vitest';
import { JobSchema } from '../../shared/model/index.ts';
import { processRunMessage, RetryableRunError } from '../../shared/runtime/worker.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';
import type { MemoryDeps } from '../helpers/memory-deps.ts';
import { queuedRunAt, RUN_AT } from '../helpers/runs.ts';

let between: (() => Promise<void>) | undefined;
const twoKeys = defineIntegration({
  id: 'two-keys',
  name: 'Two keys',
  version: '1.0.0',
  description: 'increments a, then b conditionally',
  parameters: {},
  async run({ state }) {
    const a = (await state.get<number>('a')) ?? 0;
    await state.set('a', a + 1);
    const b = await state.getEntry<number>('b');
    await between?.();
    await state.set('b', (b?.value ?? 0) + 1, { ifVersion: b?.version ?? 0 });
    return { message: 'ok' };
  },
});

const setup = async (): Promise<MemoryDeps> => {
  const deps = memoryDeps({ integrations: [twoKeys] });
  await deps.jobs.put(
    JobSchema.parse({ id: 'j1', name: 'J', integration: 'two-keys', auth: { secret: 'demo' } }),
  );
  return deps;
};

describe('ctx.state commit: the conditional writes first, so a conflict leaves nothing applied for the retry to repeat', () => {
  it('one run increments a once', async () => {
    const deps = await setup();
    let once = true;
    between = async () => {
      if (!once) return;
      once = false;
      await deps.state.set('j1', 'b', '10', {}, deps.clock.now());
    };
    await deps.runs.create(queuedRunAt('R1', 'j1', RUN_AT, {}));
    for (let rc = 1; rc <= deps.settings.maxReceiveCount; rc++) {
      try {
        await processRunMessage(deps, {
          body: JSON.stringify({ runId: 'R1', jobId: 'j1' }),
          receiveCount: rc,
          receiptHandle: `rh${rc}`,
        });
      } catch (e) {
        if (!(e instanceof RetryableRunError)) throw e;
      }
      if ((await deps.runs.get('R1'))?.status !== 'queued') break;
    }
    expect((await deps.runs.get('R1'))?.status).toBe('succeeded');
    expect((await deps.state.get('j1', 'a', deps.clock.now()))?.value).toBe(1);
  });
});

describe('ctx.state commit: a failure after some writes are in', () => {
  it('stops the run (not retried), so that no write is applied twice, and says what was applied', async () => {
    // Prepare: b's write (conditional, first) goes in; a's then fails for a reason that is not a conflict.
    const deps = await setup();
    between = undefined;
    const set = deps.state.set.bind(deps.state);
    deps.state.set = (jobId, key, ...rest) =>
      key === 'a' ? Promise.reject(new Error('table unavailable')) : set(jobId, key, ...rest);
    await deps.runs.create(queuedRunAt('R2', 'j1', RUN_AT, {}));

    // Act
    await processRunMessage(deps, {
      body: JSON.stringify({ runId: 'R2', jobId: 'j1' }),
      receiveCount: 1,
      receiptHandle: 'rh1',
    }).catch(() => undefined);

    // Assess
    const run = await deps.runs.get('R2');
    expect(run?.status).toBe('failed');
    expect(run?.error).toContain('1 of 2 writes applied');
    expect(run?.error).toContain('not retried');
    expect((await deps.state.get('j1', 'b', deps.clock.now()))?.value).toBe(1);
  });
});
