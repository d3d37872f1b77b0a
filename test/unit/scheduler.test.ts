import { describe, expect, it } from 'vitest';
import { ServiceUnavailableError, ValidationError } from '../../shared/errors.ts';
import type { Run } from '../../shared/model/index.ts';
import { admin } from '../../shared/runtime/admin.ts';
import { MAX_SKIPPED_RECORDS, checkOverdueSchedules, runScheduler } from '../../shared/runtime/scheduler.ts';
import type { MemoryDeps } from '../helpers/memory-deps.ts';
import { FakeClock, memoryDeps } from '../helpers/memory-deps.ts';

const MIN = 60_000;
/** Half past a whole minute: a job applied now is first due at 10:01. */
const T0 = Date.parse('2026-12-01T10:00:30.000Z');
const minute = (m: number): string =>
  new Date(Date.parse('2026-12-01T10:00:00.000Z') + m * MIN).toISOString();

const setup = (): { deps: MemoryDeps; clock: FakeClock } => {
  const clock = new FakeClock(new Date(T0));
  return { deps: memoryDeps({ clock }), clock };
};

const apply = (deps: MemoryDeps, schedule: Record<string, unknown>, over: Record<string, unknown> = {}) =>
  admin.putJob(deps, 'sync', {
    name: 'Sync',
    integration: 'log-event',
    webhook: false,
    schedule,
    ...over,
  });

/** Job `id`, named `name`, without webhook, due every minute: another job on the schedule. */
const putEveryMinute = (deps: MemoryDeps, id: string, name: string) =>
  admin.putJob(deps, id, {
    name,
    integration: 'log-event',
    webhook: false,
    schedule: { frequency: 'minute' },
  });

/** A tick at `seconds` past minute `m` (the clock moves there too). */
const tickAt = (deps: MemoryDeps, clock: FakeClock, m: number, seconds = 2) => {
  clock.current = new Date(Date.parse(minute(m)) + seconds * 1000);
  return runScheduler(deps, { now: clock.now() });
};

const runsOf = (deps: MemoryDeps, jobId = 'sync'): Run[] =>
  [...deps.runs.items.values()]
    .filter((r) => r.jobId === jobId)
    .sort((a, b) => (a.scheduledFor ?? '').localeCompare(b.scheduledFor ?? ''));
const fired = (deps: MemoryDeps) =>
  runsOf(deps)
    .filter((r) => r.status === 'queued')
    .map((r) => r.scheduledFor);
const skipped = (deps: MemoryDeps) =>
  runsOf(deps)
    .filter((r) => r.status === 'skipped')
    .map((r) => [r.scheduledFor, r.message]);

/** The job's `schedule` lease held by an earlier run until `until`. */
const holdLease = async (deps: MemoryDeps, until: string): Promise<void> => {
  const taken = await deps.leases.acquire('sync', 'schedule', { holder: 'earlier-run', until }, minute(0));
  expect(taken.acquired).toBe(true);
};

describe('runScheduler: firing', () => {
  it('fires one run per minute of a minute schedule, whatever the number of ticks in that minute', async () => {
    // Prepare
    const { deps, clock } = setup();
    await apply(deps, { frequency: 'minute', every: 1 });

    // Act
    const results = [];
    for (let m = 1; m <= 5; m++) {
      results.push(await tickAt(deps, clock, m, 1));
      results.push(await tickAt(deps, clock, m, 30));
    }

    // Assess
    expect(fired(deps)).toEqual([minute(1), minute(2), minute(3), minute(4), minute(5)]);
    expect(skipped(deps)).toEqual([]);
    expect(results.map((r) => r.fired)).toEqual([1, 0, 1, 0, 1, 0, 1, 0, 1, 0]);
    const run = runsOf(deps)[0] as Run;
    expect(run).toMatchObject({
      firedBy: 'schedule',
      source: 'schedule',
      trigger: 'schedule',
      mode: 'async',
    });
    expect(deps.queue.sent.map((m) => m.runId)).toEqual(runsOf(deps).map((r) => r.id));
    expect(await deps.schedules.get('sync')).toMatchObject({ through: minute(5), nextRunAt: minute(6) });
  });

  it('fires nothing before the first occurrence after the job was applied (no catch-up for time before it existed)', async () => {
    // Prepare
    const { deps, clock } = setup();
    await apply(deps, { frequency: 'hourly', every: 1 });

    // Act
    const early = await tickAt(deps, clock, 30);
    const due = await tickAt(deps, clock, 60);

    // Assess
    expect(early).toEqual({ fired: 0, skipped: 0, jobs: 0 });
    expect(due).toEqual({ fired: 1, skipped: 0, jobs: 1 });
    expect(fired(deps)).toEqual([minute(60)]);
  });

  it('makes one run per occurrence from five concurrent ticks for the same minute', async () => {
    // Prepare
    const { deps, clock } = setup();
    await apply(deps, { frequency: 'minute', every: 1 });
    clock.current = new Date(Date.parse(minute(1)) + 2000);

    // Act
    const results = await Promise.all(
      Array.from({ length: 5 }, () => runScheduler(deps, { now: clock.now() })),
    );

    // Assess
    expect(fired(deps)).toEqual([minute(1)]);
    expect(results.reduce((sum, r) => sum + r.fired, 0)).toBe(1);
    expect(deps.queue.sent).toHaveLength(1);
  });
});

describe('runScheduler: catch-up', () => {
  it('latest: after three missed minutes, one run for the newest and the others recorded skipped; one overdue warning', async () => {
    // Prepare
    const { deps, clock } = setup();
    await apply(deps, { frequency: 'minute', every: 1 });
    await tickAt(deps, clock, 1);

    // Act: down from 10:01:02 to 10:05:02
    const result = await tickAt(deps, clock, 5);
    await tickAt(deps, clock, 5, 40);

    // Assess
    expect(result).toEqual({ fired: 1, skipped: 3, jobs: 1 });
    expect(fired(deps)).toEqual([minute(1), minute(5)]);
    expect(skipped(deps)).toEqual([
      [minute(2), 'missed (catch-up latest)'],
      [minute(3), 'missed (catch-up latest)'],
      [minute(4), 'missed (catch-up latest)'],
    ]);
    expect(runsOf(deps).find((r) => r.status === 'skipped')).toMatchObject({
      firedBy: 'schedule',
      endedAt: expect.any(String),
    });
    // Only the runs were enqueued.
    expect(deps.queue.sent).toHaveLength(2);
    const notes = (await deps.notifications.list({ jobId: 'sync' })).items;
    expect(notes.map((n) => [n.kind, n.severity])).toEqual([['schedule_overdue', 'warn']]);
    expect(notes[0]?.message).toContain(minute(2));
  });

  it('all: the newest maxCatchUp occurrences run oldest first, the older ones are skipped beyond maxCatchUp', async () => {
    // Prepare
    const { deps, clock } = setup();
    await apply(deps, { frequency: 'minute', every: 1, catchUp: 'all', maxCatchUp: 3 });
    await tickAt(deps, clock, 1);

    // Act: 10:02 … 10:06 due at once
    const result = await tickAt(deps, clock, 6);

    // Assess
    expect(result).toEqual({ fired: 3, skipped: 2, jobs: 1 });
    expect(fired(deps)).toEqual([minute(1), minute(4), minute(5), minute(6)]);
    expect(skipped(deps)).toEqual([
      [minute(2), 'missed (beyond maxCatchUp)'],
      [minute(3), 'missed (beyond maxCatchUp)'],
    ]);
    const sent = deps.queue.sent.slice(1).map((m) => deps.runs.items.get(m.runId)?.scheduledFor);
    expect(sent).toEqual([minute(4), minute(5), minute(6)]);
  });

  it('skip: missed occurrences are all skipped; one due within the current tick runs', async () => {
    // Prepare
    const { deps, clock } = setup();
    await apply(deps, { frequency: 'minute', every: 1, catchUp: 'skip' });
    await tickAt(deps, clock, 1);

    // Act
    const onTime = await tickAt(deps, clock, 4, 5);
    const late = await tickAt(deps, clock, 7, 0).then(() => tickAt(deps, clock, 8, 10));

    // Assess
    expect(onTime).toEqual({ fired: 1, skipped: 2, jobs: 1 });
    expect(late).toEqual({ fired: 1, skipped: 0, jobs: 1 });
    expect(fired(deps)).toEqual([minute(1), minute(4), minute(7), minute(8)]);
    expect(skipped(deps)).toEqual([
      [minute(2), 'missed (catch-up skip)'],
      [minute(3), 'missed (catch-up skip)'],
      [minute(5), 'missed (catch-up skip)'],
      [minute(6), 'missed (catch-up skip)'],
    ]);
  });

  it('skip: an occurrence more than a tick late does not run', async () => {
    // Prepare
    const { deps, clock } = setup();
    await apply(deps, { frequency: 'hourly', every: 1, catchUp: 'skip' });

    // Act: 11:00 looked at only at 11:01:30
    const result = await tickAt(deps, clock, 61, 30);

    // Assess
    expect(result).toEqual({ fired: 0, skipped: 1, jobs: 1 });
    expect(skipped(deps)).toEqual([[minute(60), 'missed (catch-up skip)']]);
  });

  it('bounds the writes of a long outage: 100 skipped records, one summary, one run', async () => {
    // Prepare
    const { deps, clock } = setup();
    await apply(deps, { frequency: 'minute', every: 1 });
    const writesBefore = deps.runs.writes;

    // Act: a week down (10,080 occurrences)
    const result = await tickAt(deps, clock, 7 * 24 * 60);

    // Assess
    expect(result).toEqual({ fired: 1, skipped: MAX_SKIPPED_RECORDS + 1, jobs: 1 });
    expect(deps.runs.writes - writesBefore).toBe(MAX_SKIPPED_RECORDS + 2);
    const week = 7 * 24 * 60;
    expect(fired(deps)).toEqual([minute(week)]);
    const skips = skipped(deps);
    expect(skips).toHaveLength(MAX_SKIPPED_RECORDS + 1);
    const summaryAt = week - MAX_SKIPPED_RECORDS - 1;
    expect(skips[0]).toEqual([
      minute(summaryAt),
      `missed ${summaryAt} more occurrences from ${minute(1)} to ${minute(summaryAt)} (catch-up latest)`,
    ]);
    expect(skips[1]).toEqual([minute(summaryAt + 1), 'missed (catch-up latest)']);
    expect(skips.at(-1)).toEqual([minute(week - 1), 'missed (catch-up latest)']);
    expect(await deps.schedules.get('sync')).toMatchObject({
      through: minute(week),
      nextRunAt: minute(week + 1),
    });
  });
  it('says "at least" when a cron outage is longer than the arithmetic counts', async () => {
    // Prepare
    const { deps, clock } = setup();
    await apply(deps, { cron: '* * * * *' });

    // Act: ten days down (14,400 occurrences; a cron is counted to 10,000)
    const result = await tickAt(deps, clock, 10 * 24 * 60);

    // Assess
    expect(result).toEqual({ fired: 1, skipped: MAX_SKIPPED_RECORDS + 1, jobs: 1 });
    expect(skipped(deps)[0]?.[1]).toMatch(
      new RegExp(`^missed at least \\d+ more occurrences from ${minute(1)} to `),
    );
  });
});

describe('runScheduler: overlap', () => {
  it('skip: while the previous scheduled run holds the lease, the occurrence is recorded skipped, still running', async () => {
    // Prepare
    const { deps, clock } = setup();
    await apply(deps, { frequency: 'minute', every: 1 });
    await holdLease(deps, minute(3));

    // Act
    await tickAt(deps, clock, 1);
    await tickAt(deps, clock, 2);
    await tickAt(deps, clock, 3); // the lease ran out at 10:03:00

    // Assess
    expect(skipped(deps)).toEqual([
      [minute(1), 'still running'],
      [minute(2), 'still running'],
    ]);
    expect(fired(deps)).toEqual([minute(3)]);
  });

  it('queue: the occurrence is enqueued all the same (the worker waits for the lease)', async () => {
    // Prepare
    const { deps, clock } = setup();
    await apply(deps, { frequency: 'minute', every: 1, overlap: 'queue' });
    await holdLease(deps, minute(30));

    // Act
    await tickAt(deps, clock, 1);

    // Assess
    expect(fired(deps)).toEqual([minute(1)]);
  });

  it('fires when the lease cannot be read: the worker checks it before running', async () => {
    // Prepare
    const { deps, clock } = setup();
    await apply(deps, { frequency: 'minute', every: 1 });
    await holdLease(deps, minute(30));
    deps.leases.get = () => Promise.reject(new Error('lease store down'));

    // Act
    await tickAt(deps, clock, 1);

    // Assess
    expect(fired(deps)).toEqual([minute(1)]);
  });
});

describe('runScheduler: the job changes', () => {
  it('a disabled job fires nothing; re-enabled, its disabled period is caught up as missed while disabled', async () => {
    // Prepare
    const { deps, clock } = setup();
    await apply(deps, { frequency: 'minute', every: 1 });
    await tickAt(deps, clock, 1);
    clock.current = new Date(Date.parse(minute(1)) + 20_000);
    await apply(deps, { frequency: 'minute', every: 1 }, { enabled: false });

    // Act
    const whileDisabled = [
      await tickAt(deps, clock, 2),
      await tickAt(deps, clock, 3),
      await tickAt(deps, clock, 4),
    ];
    clock.current = new Date(Date.parse(minute(4)) + 30_000);
    await apply(deps, { frequency: 'minute', every: 1 });
    const after = await tickAt(deps, clock, 5);

    // Assess
    expect(whileDisabled).toEqual([
      { fired: 0, skipped: 0, jobs: 0 },
      { fired: 0, skipped: 0, jobs: 0 },
      { fired: 0, skipped: 0, jobs: 0 },
    ]);
    expect(after).toEqual({ fired: 1, skipped: 3, jobs: 1 });
    expect(fired(deps)).toEqual([minute(1), minute(5)]);
    expect(skipped(deps)).toEqual([
      [minute(2), 'missed while disabled'],
      [minute(3), 'missed while disabled'],
      [minute(4), 'missed while disabled'],
    ]);
    // Re-enabling is no outage: no overdue warning.
    expect((await deps.notifications.list({ jobId: 'sync' })).items).toEqual([]);
  });

  it('a job found disabled while armed is disarmed where it stands', async () => {
    // Prepare
    const { deps, clock } = setup();
    await apply(deps, { frequency: 'minute', every: 1 });
    const job = await deps.jobs.get('sync');
    await deps.jobs.put({ ...job!, enabled: false }); // past admin: the record stays armed

    // Act
    const result = await tickAt(deps, clock, 1);

    // Assess
    expect(result.fired).toBe(0);
    expect(await deps.schedules.get('sync')).toEqual({
      jobId: 'sync',
      through: new Date(T0).toISOString(),
      scheduleHash: expect.any(String),
      updatedAt: expect.any(String),
    });
  });

  it('a changed schedule re-arms from now: nothing of the old schedule is caught up', async () => {
    // Prepare
    const { deps, clock } = setup();
    await apply(deps, { frequency: 'minute', every: 1 });
    await tickAt(deps, clock, 1);
    clock.current = new Date(Date.parse(minute(10)) + 30_000); // 10:02 … 10:10 missed

    // Act
    await apply(deps, { frequency: 'minute', every: 5 });
    const result = await tickAt(deps, clock, 15);

    // Assess
    expect(result).toEqual({ fired: 1, skipped: 0, jobs: 1 });
    expect(fired(deps)).toEqual([minute(1), minute(15)]);
    expect(skipped(deps)).toEqual([]);
  });

  it('an unchanged apply leaves the schedule where it stands', async () => {
    // Prepare
    const { deps, clock } = setup();
    await apply(deps, { frequency: 'minute', every: 1 });
    await tickAt(deps, clock, 1);
    const before = await deps.schedules.get('sync');

    // Act
    clock.current = new Date(Date.parse(minute(3)) + 30_000);
    await apply(deps, { frequency: 'minute', every: 1 }, { description: 'changed, not the schedule' });

    // Assess
    expect(await deps.schedules.get('sync')).toEqual(before);
  });

  it('deleting the job, or dropping its schedule, removes its record; a record without its job is removed by the tick', async () => {
    // Prepare
    const { deps, clock } = setup();
    await apply(deps, { frequency: 'minute', every: 1 });
    await putEveryMinute(deps, 'other', 'Other');
    await putEveryMinute(deps, 'third', 'Third');

    // Act
    await admin.deleteJob(deps, 'sync');
    await admin.putJob(deps, 'other', { name: 'Other', integration: 'log-event', auth: { secret: 'demo' } });
    await deps.jobs.delete('third'); // past admin
    const result = await tickAt(deps, clock, 1);

    // Assess
    expect(await deps.schedules.get('sync')).toBeUndefined();
    expect(await deps.schedules.get('other')).toBeUndefined();
    expect(await deps.schedules.get('third')).toBeUndefined();
    expect(result.fired).toBe(0);
    expect(deps.runs.items.size).toBe(0);
  });

  it('refuses a schedule the arithmetic rejects, as a 400 naming the schedule', async () => {
    // Prepare
    const { deps } = setup();

    // Act
    const error = await apply(deps, { cron: '61 * * * *' }).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/^invalid job: schedule: /);
    expect(await deps.schedules.get('sync')).toBeUndefined();
  });
});

describe('runScheduler: a scheduler that died between claim and run', () => {
  it('creates the claimed run under the claimed id once the claim is older than the grace; a young claim is left to its scheduler', async () => {
    // Prepare
    const { deps, clock } = setup();
    await apply(deps, { frequency: 'minute', every: 1 });
    await deps.schedules.claimOccurrence('sync', minute(1), {
      runId: 'run-of-the-dead-scheduler',
      at: new Date(Date.parse(minute(1)) + 1000).toISOString(),
      expiresAt: minute(10_000),
    });

    // Act
    const young = await tickAt(deps, clock, 1, 11);
    const youngRecord = await deps.schedules.get('sync');
    const old = await tickAt(deps, clock, 1, 45);

    // Assess
    expect(young.fired).toBe(0);
    expect(youngRecord?.nextRunAt).toBe(minute(1));
    expect(old.fired).toBe(1);
    expect(runsOf(deps).map((r) => [r.id, r.scheduledFor, r.status])).toEqual([
      ['run-of-the-dead-scheduler', minute(1), 'queued'],
    ]);
    expect(await deps.schedules.get('sync')).toMatchObject({ through: minute(1), nextRunAt: minute(2) });
  });

  it('moves on when the claimed run exists (the claimer died before it advanced)', async () => {
    // Prepare
    const { deps, clock } = setup();
    await apply(deps, { frequency: 'minute', every: 1 });
    await tickAt(deps, clock, 1);
    const record = await deps.schedules.get('sync');
    await deps.schedules.arm('sync', {
      ...record!,
      through: new Date(T0).toISOString(),
      nextRunAt: minute(1),
      at: minute(1),
    });

    // Act
    const again = await tickAt(deps, clock, 1, 50);

    // Assess
    expect(again.fired).toBe(0);
    expect(fired(deps)).toEqual([minute(1)]);
    expect(await deps.schedules.get('sync')).toMatchObject({ through: minute(1), nextRunAt: minute(2) });
  });

  it('leaves a job whose run cannot be created for the next tick, and goes on with the others', async () => {
    // Prepare
    const { deps, clock } = setup();
    await apply(deps, { frequency: 'minute', every: 1 });
    await putEveryMinute(deps, 'other', 'Other');
    const create = deps.runs.create.bind(deps.runs);
    deps.runs.create = (run: Run) =>
      run.jobId === 'sync' ? Promise.reject(new Error('table down')) : create(run);

    // Act
    const failing = await tickAt(deps, clock, 1);
    deps.runs.create = create;
    const recovered = await tickAt(deps, clock, 2);

    // Assess
    expect(failing).toMatchObject({ fired: 1 });
    expect(runsOf(deps, 'other')).toHaveLength(2);
    // The next tick runs 10:02 (catch-up latest) and records 10:01, whose claim is past the grace,
    // under the id its claim named.
    expect(recovered).toEqual({ fired: 2, skipped: 1, jobs: 2 });
    expect(fired(deps)).toEqual([minute(2)]);
    expect(skipped(deps)).toEqual([[minute(1), 'missed (catch-up latest)']]);
  });
});

describe('runScheduler: reads', () => {
  it('works from the due index’s record: no read of the schedule record per due job', async () => {
    // Prepare
    const { deps, clock } = setup();
    await apply(deps, { frequency: 'minute', every: 1 });
    let reads = 0;
    const get = deps.schedules.get.bind(deps.schedules);
    deps.schedules.get = (jobId: string) => {
      reads++;
      return get(jobId);
    };

    // Act
    const tick = await tickAt(deps, clock, 1);

    // Assess
    expect(tick.fired).toBe(1);
    expect(reads).toBe(0);
  });

  it('a stale index record (an older through) makes no second run and moves nothing back', async () => {
    // Prepare: the index still lists the record as it was before the 10:01 tick.
    const { deps, clock } = setup();
    await apply(deps, { frequency: 'minute', every: 1 });
    const stale = (await deps.schedules.get('sync'))!;
    await tickAt(deps, clock, 1);
    const listDue = deps.schedules.listDue.bind(deps.schedules);
    deps.schedules.listDue = async (dueBy, page) => {
      const fresh = await listDue(dueBy, page);
      return { ...fresh, items: [stale] };
    };

    // Act
    const again = await tickAt(deps, clock, 1, 50);

    // Assess
    expect(again.fired).toBe(0);
    expect(fired(deps)).toEqual([minute(1)]);
    expect(await deps.schedules.get('sync')).toMatchObject({ through: minute(1), nextRunAt: minute(2) });
  });

  it('a stale index record of a schedule just changed is re-read: the apply’s arming stands', async () => {
    // Prepare: the index still lists the old schedule's record; the job now runs every 5 minutes.
    const { deps, clock } = setup();
    await apply(deps, { frequency: 'minute', every: 1 });
    const stale = (await deps.schedules.get('sync'))!;
    clock.current = new Date(Date.parse(minute(1)) + 1000);
    await apply(deps, { frequency: 'minute', every: 5 });
    const armed = await deps.schedules.get('sync');
    deps.schedules.listDue = () => Promise.resolve({ items: [stale] });

    // Act
    const tick = await tickAt(deps, clock, 1, 30);

    // Assess: not re-armed from the tick's time (that would have moved `through` past the apply's).
    expect(tick.fired).toBe(0);
    expect(await deps.schedules.get('sync')).toEqual(armed);
  });
});

describe('runScheduler: a run that could not be recorded', () => {
  it('does not advance past an occurrence whose run was not recorded; its claim gets the run after the grace', async () => {
    // Prepare: the run store answers 503 (throttled) once.
    const { deps, clock } = setup();
    await apply(deps, { frequency: 'minute', every: 1, catchUp: 'all', maxCatchUp: 5 });
    const create = deps.runs.create.bind(deps.runs);
    let refuse = true;
    deps.runs.create = (run: Run, options?: { retentionDays?: number }) => {
      if (refuse) {
        refuse = false;
        return Promise.reject(new ServiceUnavailableError('throttled'));
      }
      return create(run, options);
    };

    // Act
    const failing = await tickAt(deps, clock, 1);
    const recordAfterFailure = await deps.schedules.get('sync');
    const young = await tickAt(deps, clock, 1, 20);
    const rescued = await tickAt(deps, clock, 1, 45);

    // Assess
    expect(failing.fired).toBe(0);
    expect(recordAfterFailure).toMatchObject({ nextRunAt: minute(1) });
    expect(young.fired).toBe(0);
    expect(rescued.fired).toBe(1);
    const claim = await deps.schedules.occurrence('sync', minute(1));
    expect(runsOf(deps).map((r) => [r.id, r.scheduledFor, r.status])).toEqual([
      [claim!.runId, minute(1), 'queued'],
    ]);
    expect(await deps.schedules.get('sync')).toMatchObject({ through: minute(1), nextRunAt: minute(2) });
  });
});

describe('checkOverdueSchedules (the sweeper)', () => {
  it('raises one error per unclaimed occurrence more than two ticks past; none for a claimed or disabled one', async () => {
    // Prepare
    const { deps, clock } = setup();
    await apply(deps, { frequency: 'minute', every: 1 });
    await putEveryMinute(deps, 'claimed', 'C');
    await deps.schedules.claimOccurrence('claimed', minute(1), {
      runId: 'r',
      at: minute(1),
      expiresAt: minute(99),
    });

    // Act
    clock.current = new Date(Date.parse(minute(3)));
    const onTime = await checkOverdueSchedules(deps);
    clock.current = new Date(Date.parse(minute(3)) + 1000);
    const late = await checkOverdueSchedules(deps);
    const again = await checkOverdueSchedules(deps);

    // Assess
    expect([onTime, late, again]).toEqual([0, 1, 0]);
    const notes = (await deps.notifications.list({})).items;
    expect(notes.map((n) => [n.jobId, n.kind, n.severity])).toEqual([['sync', 'schedule_overdue', 'error']]);
    expect(notes[0]?.message).toContain('is the scheduler running?');
  });
});
