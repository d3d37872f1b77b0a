import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../shared/model/index.ts';
import type { InProcessStack } from '../helpers/local-stack.ts';
import { startInProcessStack } from '../helpers/local-stack.ts';

const MIN = 60_000;

/**
 * A minute schedule under `npm start`, minutes passing in seconds: the stack's
 * scheduler timer ticks every 100 ms (`schedulerIntervalMs`) and takes as now
 * a time the test moves (`schedulerNow`), a whole minute at a time — so each
 * simulated minute gets dozens of ticks, and must still get one run. Then the
 * stack stops, three minutes pass, and it starts again on the same data: its
 * start-up tick catches up (`latest`): one run, three skipped.
 */
describe('a minute schedule under npm start', () => {
  let dataDir = '';
  let stack: InProcessStack | undefined;
  /** The scheduler's now; the rest of the stack keeps the real clock. */
  let simulated = Date.now();
  const options = () => ({
    dataDir,
    examples: false,
    schedulerIntervalMs: 100,
    schedulerNow: () => new Date(simulated),
  });
  afterAll(async () => {
    await stack?.stop();
    if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
  });

  const runs = async (): Promise<RunSummary[]> => {
    if (stack === undefined) throw new Error('no stack');
    const res = await fetch(`${stack.url}/admin/jobs/tick/runs?limit=100`);
    expect(res.status).toBe(200);
    const { items } = (await res.json()) as { items: RunSummary[] };
    return items.sort((a, b) => (a.scheduledFor ?? '').localeCompare(b.scheduledFor ?? ''));
  };
  /** The runs once `done` holds of them (polled, bounded). */
  const runsWhen = async (done: (runs: RunSummary[]) => boolean): Promise<RunSummary[]> => {
    let last: RunSummary[] = [];
    for (let i = 0; i < 200; i++) {
      last = await runs();
      if (done(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(
      `the runs never got there: ${JSON.stringify(last.map((r) => [r.scheduledFor, r.status]))}`,
    );
  };
  const finished = (r: RunSummary): boolean => r.status !== 'queued' && r.status !== 'running';

  it('runs once a minute for five minutes; stopped for three minutes, it runs once for them and shows the others skipped', async () => {
    // Prepare: a stack, and a job applied through the admin API
    dataDir = await mkdtemp(join(tmpdir(), 'triggerhub-schedule-'));
    stack = await startInProcessStack(options());
    const put = await fetch(`${stack.url}/admin/jobs/tick`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Every minute',
        integration: 'log-event',
        webhook: false,
        schedule: { frequency: 'minute', every: 1 },
      }),
    });
    expect(put.status).toBe(201);
    // Armed when applied: its first occurrence is the next whole minute.
    const first = Date.parse((await stack.deps.schedules.get('tick'))?.nextRunAt ?? '');
    expect(first % MIN).toBe(0);

    // Act: five minutes, each a few seconds past its whole minute
    for (let m = 0; m < 5; m++) {
      simulated = first + m * MIN + 2_000;
      // Finished before the next minute: a run still holding the overlap lease would make it skipped.
      await runsWhen((r) => r.length === m + 1 && r.every(finished));
    }
    const fiveMinutes = await runsWhen((r) => r.length === 5 && r.every(finished));
    // Stopped; three minutes pass; started again on the same data
    await stack.stop();
    stack = undefined;
    simulated = first + 8 * MIN + 2_000;
    stack = await startInProcessStack(options());
    const afterRestart = await runsWhen((r) => r.length === 9 && r.every(finished));

    // Assess: one run per minute, each for its own minute, fired by the schedule
    const minute = (m: number) => new Date(first + m * MIN).toISOString();
    expect(fiveMinutes.map((r) => [r.scheduledFor, r.status, r.firedBy])).toEqual(
      [0, 1, 2, 3, 4].map((m) => [minute(m), 'succeeded', 'schedule']),
    );
    // …and after the restart: minutes 5, 6 and 7 skipped, 8 run (catch-up latest)
    expect(afterRestart.slice(5).map((r) => [r.scheduledFor, r.status, r.message ?? null])).toEqual([
      [minute(5), 'skipped', 'missed (catch-up latest)'],
      [minute(6), 'skipped', 'missed (catch-up latest)'],
      [minute(7), 'skipped', 'missed (catch-up latest)'],
      [minute(8), 'succeeded', expect.anything()],
    ]);
    // The history filtered by status lists the skipped ones.
    const skipped = await stack.deps.runs.listByJob('tick', { status: 'skipped' });
    expect(skipped.items.map((r) => r.scheduledFor).sort()).toEqual([minute(5), minute(6), minute(7)]);
    // The late start is a warning (the scheduler was not running), raised once.
    const notes = await fetch(`${stack.url}/admin/notifications?jobId=tick`);
    expect(notes.status).toBe(200);
    const { items } = (await notes.json()) as { items: { kind: string; severity: string }[] };
    expect(items.map((n) => [n.kind, n.severity])).toEqual([['schedule_overdue', 'warn']]);
  });
});
