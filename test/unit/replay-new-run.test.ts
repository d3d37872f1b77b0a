import { describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from '../../shared/errors.ts';
import { createPlatformRun, recordPlatformRun } from '../../shared/runtime/new-run.ts';
import { storedJob } from '../helpers/cli.ts';
import { FakeClock, memoryDeps } from '../helpers/memory-deps.ts';

/** The memory stack with job `shop`, its queue refusing every message. */
const refusingQueue = async () => {
  const deps = memoryDeps({ clock: new FakeClock(new Date('2026-11-22T10:00:00.000Z')) });
  await deps.jobs.put(storedJob('shop'));
  deps.queue.send = () => Promise.reject(new Error('queue unavailable'));
  deps.queue.sendLater = () => Promise.reject(new Error('queue unavailable'));
  return deps;
};

describe('a platform run the queue refused', () => {
  it('recordPlatformRun answers it recorded queued, enqueued: false with why', async () => {
    // Prepare
    const deps = await refusingQueue();
    const job = await deps.jobs.get('shop');

    // Act
    const recorded = await recordPlatformRun(deps, job!, { firedBy: 'manual', delaySeconds: 3 });

    // Assess: the sweeper finds it queued and sends it
    expect(recorded).toMatchObject({ enqueued: false, error: 'queue unavailable' });
    expect(await deps.runs.get(recorded.run.id)).toMatchObject({ status: 'queued', firedBy: 'manual' });
  });

  it('createPlatformRun (run now, the scheduler) answers the recorded run instead of throwing: a retry would make a second', async () => {
    // Prepare
    const deps = await refusingQueue();
    const job = await deps.jobs.get('shop');

    // Act
    const run = await createPlatformRun(deps, job!, { firedBy: 'manual', paramOverrides: { n: 1 } });

    // Assess
    expect(await deps.runs.get(run.id)).toMatchObject({ status: 'queued', paramOverrides: { n: 1 } });
    expect(deps.runs.items.size).toBe(1);
  });

  it('still throws what fails before the run is recorded, and records nothing', async () => {
    // Prepare
    const deps = await refusingQueue();
    const job = await deps.jobs.get('shop');
    deps.runs.create = () => Promise.reject(new ServiceUnavailableError('table unavailable'));

    // Act
    const made = createPlatformRun(deps, job!, { firedBy: 'manual' });

    // Assess
    await expect(made).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(deps.runs.items.size).toBe(0);
  });
});
