import { describe, expect, it } from 'vitest';
import type { Run } from '../../shared/model/index.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { sweepSettings, sweepStaleRuns } from '../../shared/runtime/recovery.ts';
import { FakeClock, memoryDeps } from '../helpers/memory-deps.ts';

const T0 = '2026-11-22T10:00:00.000Z';
const MIN = 60_000;
// Visibility 30 min, worker 5 min: queued runs count as stuck after 50 min, running ones after 40.
const settings = sweepSettings(1800, 300);

const run = (id: string, over: Partial<Run> = {}): Run => ({
  id,
  jobId: 'j',
  source: 'generic',
  trigger: 'webhook',
  mode: 'async',
  status: 'queued',
  attempt: 0,
  createdAt: T0,
  logs: [],
  ...over,
});

const setup = async (runs: Run[]) => {
  const clock = new FakeClock(new Date(T0));
  const deps = memoryDeps({ clock });
  await deps.jobs.put(
    JobSchema.parse({ id: 'j', name: 'J', integration: 'log-event', auth: { secret: 'demo' } }),
  );
  for (const r of runs) await deps.runs.create(r);
  return { deps, clock };
};

describe('sweepStaleRuns', () => {
  it('derives its thresholds from the queue', () => {
    expect(settings).toEqual({ queuedAfterMs: 50 * MIN, runningAfterMs: 40 * MIN, decisionAfterMs: 5 * MIN });
  });

  it('leaves runs alone while a live message may still move them', async () => {
    const { deps, clock } = await setup([
      run('Q'),
      run('R', { status: 'running', attempt: 1, startedAt: T0 }),
      run('D', { mode: 'decision', status: 'running', attempt: 1, startedAt: T0 }),
    ]);
    clock.advance(4 * MIN);
    expect(await sweepStaleRuns(deps, settings)).toEqual({ requeued: 0, failed: 0 });
    expect(deps.queue.sent).toEqual([]);
  });

  it('fails a decision that never recorded its verdict', async () => {
    const { deps, clock } = await setup([
      run('D', { mode: 'decision', status: 'running', attempt: 1, startedAt: T0 }),
    ]);
    clock.advance(6 * MIN);
    expect(await sweepStaleRuns(deps, settings)).toEqual({ requeued: 0, failed: 1 });
    expect(deps.runs.items.get('D')).toMatchObject({
      status: 'failed',
      error: 'no verdict was recorded: its bookkeeping failed or its attempt died; onError=deny: denied',
      verdict: { allow: false, fallback: true },
    });
  });

  it.each([
    ['allow', 'allow', true],
    ['deny', 'deny', false],
    ['a deleted job', undefined, false],
  ] as const)(
    "records an unrecorded decision with its job's onError verdict (%s)",
    async (_label, onError, allow) => {
      const { deps, clock } = await setup([
        run('D', { jobId: 'gate', mode: 'decision', status: 'running', attempt: 1, startedAt: T0 }),
      ]);
      if (onError !== undefined) {
        await deps.jobs.put(
          JobSchema.parse({
            id: 'gate',
            name: 'Gate',
            integration: 'log-event',
            mode: 'decision',
            onError,
            auth: { secret: 'demo' },
          }),
        );
      }
      clock.advance(6 * MIN);
      expect(await sweepStaleRuns(deps, settings)).toEqual({ requeued: 0, failed: 1 });
      const recorded = deps.runs.items.get('D');
      expect(recorded).toMatchObject({ status: 'failed', verdict: { allow, fallback: true } });
      expect(recorded?.verdict?.message).toContain(`onError=${onError ?? 'deny'}`);
    },
  );

  it('enqueues again a run stuck queued (its message was lost)', async () => {
    const { deps, clock } = await setup([run('Q')]);
    clock.advance(51 * MIN);
    expect(await sweepStaleRuns(deps, settings)).toEqual({ requeued: 1, failed: 0 });
    expect(deps.queue.sent).toEqual([{ runId: 'Q', jobId: 'j' }]);
  });

  it('hands a run whose attempt died to a new attempt while attempts remain', async () => {
    const { deps, clock } = await setup([run('R', { status: 'running', attempt: 2, startedAt: T0 })]);
    clock.advance(41 * MIN);
    expect(await sweepStaleRuns(deps, settings)).toEqual({ requeued: 1, failed: 0 });
    expect(deps.runs.items.get('R')).toMatchObject({
      status: 'queued',
      attempt: 2,
      error: expect.stringContaining('attempt 2 died') as unknown,
    });
    expect(deps.queue.sent).toEqual([{ runId: 'R', jobId: 'j' }]);
  });

  it('records failed a run whose last attempt died, naming the dead-letter queue', async () => {
    const { deps, clock } = await setup([
      run('R', {
        status: 'running',
        attempt: 3,
        startedAt: T0,
        logs: [{ ts: T0, level: 'INFO', message: 'started' }],
      }),
    ]);
    clock.advance(41 * MIN);
    expect(await sweepStaleRuns(deps, settings)).toEqual({ requeued: 0, failed: 1 });
    expect(deps.runs.items.get('R')).toMatchObject({
      status: 'failed',
      error: 'the last attempt (3) died (worker crash or time-out); its message is in the dead-letter queue',
      logs: [{ ts: T0, level: 'INFO', message: 'started' }],
    });
    expect(deps.queue.sent).toEqual([]);
  });

  it('changes nothing once every run has finished', async () => {
    const { deps, clock } = await setup([run('S', { status: 'succeeded', attempt: 1 })]);
    clock.advance(600 * MIN);
    expect(await sweepStaleRuns(deps, settings)).toEqual({ requeued: 0, failed: 0 });
  });
});

describe('sweepStaleRuns over repeated sweeps', () => {
  it('sends a stuck queued run again at most once per threshold, and fails it after the last requeue', async () => {
    const { deps, clock } = await setup([run('Q')]);
    const sent = () => deps.queue.sent.length;
    clock.advance(51 * MIN);
    await sweepStaleRuns(deps, settings);
    expect(sent()).toBe(1);
    // Five minutes later the run has just moved: nothing is sent again.
    clock.advance(5 * MIN);
    await sweepStaleRuns(deps, settings);
    expect(sent()).toBe(1);
    // Each further threshold without a worker moving it: sent again, up to the cap, then failed.
    for (let i = 0; i < 3; i++) {
      clock.advance(51 * MIN);
      await sweepStaleRuns(deps, settings);
    }
    expect(sent()).toBe(3);
    expect(deps.runs.items.get('Q')).toMatchObject({
      status: 'failed',
      error: 'no message moved it after 3 requeues (is the worker failing?)',
    });
  });
});
