import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Run } from '../../shared/model/index.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { SWEEP_CONCURRENCY, sweepSettings, sweepStaleRuns } from '../../shared/runtime/recovery.ts';
import { FakeClock, memoryDeps } from '../helpers/memory-deps.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

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

describe('sweepStaleRuns at scale: work grows with the stale runs, not the backlog', () => {
  it('with 1,000 young queued runs and 3 stale ones, reads and touches only the 3, and sends them in one batch', async () => {
    // Prepare: the young ones were created 20 minutes ago (older than the decision threshold, younger
    // than the queued one: what a single listing from the smallest threshold re-read every sweep)
    const stale = ['S1', 'S2', 'S3'].map((id) => run(id));
    const young = Array.from({ length: 1000 }, (_, i) =>
      run(`Y${String(i).padStart(4, '0')}`, { createdAt: new Date(Date.parse(T0) + 31 * MIN).toISOString() }),
    );
    const { deps, clock } = await setup([...stale, ...young]);
    clock.advance(51 * MIN);
    const listOpen = vi.spyOn(deps.runs, 'listOpen');
    const markRequeued = vi.spyOn(deps.runs, 'markRequeued');
    const start = vi.spyOn(deps.runs, 'start');
    const send = vi.spyOn(deps.queue, 'send');

    // Act
    const result = await sweepStaleRuns(deps, settings);

    // Assess: one Query per kind and shard, the 3 stale runs their only items
    const read = await Promise.all(
      listOpen.mock.results.map((r) => r.value as ReturnType<typeof deps.runs.listOpen>),
    );
    expect(result).toEqual({ requeued: 3, failed: 0 });
    expect(listOpen).toHaveBeenCalledTimes(3 * deps.runs.openShards);
    expect(read.flatMap((page) => page.items.map((r) => r.id)).sort()).toEqual(['S1', 'S2', 'S3']);
    expect(markRequeued.mock.calls.map(([id]) => id).sort()).toEqual(['S1', 'S2', 'S3']);
    expect(start).not.toHaveBeenCalled();
    expect(send).not.toHaveBeenCalled();
    expect(deps.queue.batches).toHaveLength(1);
    expect([...deps.queue.batches[0]!].sort((a, b) => (a.runId < b.runId ? -1 : 1))).toEqual(
      ['S1', 'S2', 'S3'].map((runId) => ({ runId, jobId: 'j' })),
    );
  });

  it('leaves a run whose batch entry the queue refused queued and unmarked, and sends it at the next sweep', async () => {
    // Prepare
    const { deps, clock } = await setup([run('Q1'), run('Q2'), run('Q3')]);
    clock.advance(51 * MIN);
    deps.queue.refuse.add('Q2');

    // Act
    const first = await sweepStaleRuns(deps, settings);
    const afterFirst = { run: deps.runs.items.get('Q2'), requeues: deps.runs.requeues.get('Q2') };
    deps.queue.refuse.clear();
    clock.advance(5 * MIN);
    const second = await sweepStaleRuns(deps, settings);

    // Assess: not lost — still queued, not counted, still stale; the next sweep sends it alone
    expect(first).toEqual({ requeued: 2, failed: 0 });
    expect(afterFirst).toEqual({
      run: expect.objectContaining({ status: 'queued' }) as unknown,
      requeues: undefined,
    });
    expect(second).toEqual({ requeued: 1, failed: 0 });
    expect(deps.queue.batches.at(-1)).toEqual([{ runId: 'Q2', jobId: 'j' }]);
    expect(deps.queue.sent.map((m) => m.runId).sort()).toEqual(['Q1', 'Q2', 'Q3']);
    expect(deps.runs.requeues.get('Q2')).toBe(1);
  });

  it('releases stale running runs at most SWEEP_CONCURRENCY at a time, and sends them in batches', async () => {
    // Prepare: 200 running runs (about 50 a shard) whose attempt died; each release waits for a turn of the event loop
    const runs = Array.from({ length: 200 }, (_, i) =>
      run(`R${String(i).padStart(3, '0')}`, { status: 'running', attempt: 1, startedAt: T0 }),
    );
    const { deps, clock } = await setup(runs);
    clock.advance(41 * MIN);
    const release = deps.runs.release.bind(deps.runs);
    let inFlight = 0;
    let most = 0;
    vi.spyOn(deps.runs, 'release').mockImplementation(async (id, retry) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return release(id, retry);
    });

    // Act
    const result = await sweepStaleRuns(deps, settings);

    // Assess
    expect(result).toEqual({ requeued: 200, failed: 0 });
    expect(most).toBe(SWEEP_CONCURRENCY);
    expect(deps.queue.batches.flat()).toHaveLength(200);
    expect(deps.queue.batches.length).toBeLessThanOrEqual(deps.runs.openShards);
    expect([...deps.runs.items.values()].every((r) => r.status === 'queued')).toBe(true);
  });

  it('still fails as a decision one it took over but could not finish (filed with the running runs meanwhile)', async () => {
    // Prepare: a decision whose takeover by an earlier sweep was cut off between start and finish
    const { deps, clock } = await setup([
      run('D', { mode: 'decision', status: 'running', attempt: 1, startedAt: T0 }),
    ]);
    await deps.runs.start('D', { startedAt: T0, staleBefore: '9999-12-31T23:59:59.999Z' });
    clock.advance(41 * MIN);

    // Act
    const result = await sweepStaleRuns(deps, settings);

    // Assess
    expect(result).toEqual({ requeued: 0, failed: 1 });
    expect(deps.runs.items.get('D')).toMatchObject({
      status: 'failed',
      verdict: { allow: false, fallback: true },
    });
    expect(deps.queue.sent).toEqual([]);
  });
});

describe('sweepStaleRuns ordering', () => {
  it('sends a released run once, even when the running threshold is the queued one (a 15-minute worker)', async () => {
    // Prepare: released, the run joins the queued runs with its old start time — stale for them too
    const equal = sweepSettings(1800, 900);
    const { deps, clock } = await setup([run('R', { status: 'running', attempt: 1, startedAt: T0 })]);
    clock.advance(51 * MIN);

    // Act
    const result = await sweepStaleRuns(deps, equal);

    // Assess
    expect(equal.runningAfterMs).toBe(equal.queuedAfterMs);
    expect(result).toEqual({ requeued: 1, failed: 0 });
    expect(deps.queue.sent).toEqual([{ runId: 'R', jobId: 'j' }]);
    expect(deps.runs.requeues.get('R')).toBe(1);
  });
});
