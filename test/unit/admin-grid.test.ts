import { describe, expect, it } from 'vitest';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import { JobSchema } from '../../shared/model/index.ts';
import type { JobInput } from '../../shared/model/index.ts';
import type { LeaseRecord, LeaseStore, ScheduleRecord, ScheduleStore } from '../../shared/ports.ts';
import type { JobGridItem } from '../../shared/runtime/admin.ts';
import { OPEN_RUNS_CAP, OPEN_RUNS_MAX_PAGES } from '../../shared/runtime/admin.ts';
import { FakeClock, memoryDeps } from '../helpers/memory-deps.ts';
import { queuedRunAt, RUN_AT } from '../helpers/runs.ts';

// The jobs grid (issue 9): `GET /admin/jobs` items carry the schedule as a sentence, the
// last run, `nextRunAt` and `nextRun`, read in a few batched calls per page.

const NOW = new Date('2026-11-22T10:00:30.000Z');
const SCHEDULE = {
  frequency: 'hourly',
  every: 2,
  startOn: '2026-12-01T09:00:00',
  timezone: 'Europe/Berlin',
} as const;

/** Only what the grid reads; anything else is a test mistake. */
const unused = (name: string) => () => Promise.reject(new Error(`${name}: not used by the grid`));

/** Schedule records by job, and what the grid asked for. */
const fakeSchedules = (records: Record<string, Partial<ScheduleRecord>>) => {
  const asked: string[][] = [];
  const store: ScheduleStore = {
    getMany: (ids) => {
      asked.push([...ids]);
      return Promise.resolve(
        new Map(
          ids.flatMap((id) => {
            const r = records[id];
            return r === undefined ? [] : [[id, { jobId: id, updatedAt: NOW.toISOString(), ...r }] as const];
          }),
        ),
      );
    },
    get: unused('schedules.get'),
    listDue: unused('schedules.listDue'),
    occurrence: unused('schedules.occurrence'),
    arm: unused('schedules.arm'),
    advance: unused('schedules.advance'),
    remove: unused('schedules.remove'),
    claimOccurrence: unused('schedules.claimOccurrence'),
    markOverdueNotified: unused('schedules.markOverdueNotified'),
  };
  return { store, asked };
};

/** `schedule` leases by job, and which the grid read (one batch: never a read per job). */
const fakeLeases = (leases: Record<string, LeaseRecord>) => {
  const asked: string[] = [];
  const store: LeaseStore = {
    getMany: (jobIds, name) => {
      asked.push(`${jobIds.join(',')}/${name}`);
      return Promise.resolve(
        new Map(
          jobIds.flatMap((id) => {
            const lease = name === 'schedule' ? leases[id] : undefined;
            return lease === undefined ? [] : [[id, lease] as const];
          }),
        ),
      );
    },
    get: unused('leases.get'),
    acquire: unused('leases.acquire'),
    renew: unused('leases.renew'),
    release: unused('leases.release'),
  };
  return { store, asked };
};

const job = (id: string, over: Partial<JobInput> = {}) =>
  JobSchema.parse({ id, name: `Job ${id}`, integration: 'log-event', auth: { secret: 'demo' }, ...over });

const setup = async (
  jobs: ReturnType<typeof job>[],
  o: { schedules?: Record<string, Partial<ScheduleRecord>>; leases?: Record<string, LeaseRecord> } = {},
) => {
  const schedules = fakeSchedules(o.schedules ?? {});
  const leases = fakeLeases(o.leases ?? {});
  const deps = {
    ...memoryDeps({ clock: new FakeClock(NOW) }),
    schedules: schedules.store,
    leases: leases.store,
  };
  for (const j of jobs) await deps.jobs.put(j);
  const app = createAdminApp(deps);
  const grid = async (query = ''): Promise<{ items: JobGridItem[]; nextCursor?: string }> => {
    const res = await app.request(`/admin/jobs${query}`);
    expect(res.status).toBe(200);
    return (await res.json()) as { items: JobGridItem[]; nextCursor?: string };
  };
  const row = async (id: string): Promise<JobGridItem | undefined> =>
    (await grid()).items.find((i) => i.id === id);
  return { deps, app, grid, row, schedules, leases };
};

const minutesFromNow = (m: number): string => new Date(NOW.getTime() + m * 60_000).toISOString();

describe('GET /admin/jobs: the grid', () => {
  it('a webhook job: no schedule, no next run time, nextRun webhook, and its definition as stored', async () => {
    // Prepare
    const { row, deps } = await setup([job('hook')]);

    // Act
    const item = await row('hook');

    // Assess
    const stored = await deps.jobs.get('hook');
    expect(item).toEqual({
      ...stored,
      schedule: null,
      lastRun: null,
      nextRunAt: null,
      nextRun: 'webhook',
      openRuns: 0,
    });
    expect(item).not.toHaveProperty('scheduleDefinition');
  });

  it("a scheduled job: the sentence, the definition, and the schedule record's next run", async () => {
    // Prepare
    const { row } = await setup([job('sync', { schedule: SCHEDULE })], {
      schedules: { sync: { nextRunAt: '2026-12-01T10:00:00.000Z' } },
    });

    // Act
    const item = await row('sync');

    // Assess
    expect(item).toMatchObject({
      schedule: 'every 2 hours from 1 Dec 2026 09:00 Europe/Berlin',
      scheduleDefinition: { ...SCHEDULE, catchUp: 'latest', overlap: 'skip', maxCatchUp: 100 },
      nextRunAt: '2026-12-01T10:00:00.000Z',
      nextRun: 'scheduled',
      lastRun: null,
    });
  });

  it('a scheduled job the scheduler has not armed yet: the next occurrence after now', async () => {
    // Prepare
    const { row } = await setup([job('tick', { schedule: { frequency: 'minute' } })]);

    // Act
    const item = await row('tick');

    // Assess
    expect(item).toMatchObject({
      schedule: 'every minute',
      nextRunAt: '2026-11-22T10:01:00.000Z',
      nextRun: 'scheduled',
    });
  });

  it('overdue once the next occurrence is more than two ticks past and unclaimed; not before', async () => {
    // Prepare
    const { grid } = await setup(
      [
        job('late', { schedule: { frequency: 'minute' } }),
        job('fine', { schedule: { frequency: 'minute' } }),
      ],
      { schedules: { late: { nextRunAt: minutesFromNow(-2.5) }, fine: { nextRunAt: minutesFromNow(-1.5) } } },
    );

    // Act
    const { items } = await grid();

    // Assess
    expect(items.map((i) => [i.id, i.nextRun, i.nextRunAt])).toEqual([
      ['fine', 'scheduled', minutesFromNow(-1.5)],
      ['late', 'overdue', minutesFromNow(-2.5)],
    ]);
  });

  it('a job re-enabled a moment ago is not overdue: its lateness counts from the re-enabling', async () => {
    // Prepare: both were due an hour ago; `back` was re-enabled 30 s ago (the scheduler catches it up
    // at its next tick), `stale` 3 minutes ago and still not fired
    const { grid } = await setup(
      [
        job('back', { schedule: { frequency: 'minute' } }),
        job('stale', { schedule: { frequency: 'minute' } }),
      ],
      {
        schedules: {
          back: { nextRunAt: minutesFromNow(-60), resumedAt: minutesFromNow(-0.5) },
          stale: { nextRunAt: minutesFromNow(-60), resumedAt: minutesFromNow(-3) },
        },
      },
    );

    // Act
    const { items } = await grid();

    // Assess
    expect(items.map((i) => [i.id, i.nextRun])).toEqual([
      ['back', 'scheduled'],
      ['stale', 'overdue'],
    ]);
  });

  it('running while its schedule lease is held and live; a lease whose holder died does not count', async () => {
    // Prepare: `busy` is held until after now, `dead`'s lease expired; both are past due
    const { grid } = await setup(
      [
        job('busy', { schedule: { frequency: 'minute' } }),
        job('dead', { schedule: { frequency: 'minute' } }),
      ],
      {
        schedules: { busy: { nextRunAt: minutesFromNow(-5) }, dead: { nextRunAt: minutesFromNow(-5) } },
        leases: {
          busy: { holder: 'R-busy', until: minutesFromNow(1) },
          dead: { holder: 'R-dead', until: minutesFromNow(-1) },
        },
      },
    );

    // Act
    const { items } = await grid();

    // Assess
    expect(items.map((i) => [i.id, i.nextRun])).toEqual([
      ['busy', 'running'],
      ['dead', 'overdue'],
    ]);
  });

  it('a disabled job: disabled, no next run time, and neither its schedule nor its lease is read', async () => {
    // Prepare
    const { row, schedules, leases } = await setup([job('off', { enabled: false, schedule: SCHEDULE })], {
      schedules: { off: { nextRunAt: minutesFromNow(-60) } },
      leases: { off: { holder: 'R', until: minutesFromNow(1) } },
    });

    // Act
    const item = await row('off');

    // Assess
    expect(item).toMatchObject({
      schedule: 'every 2 hours from 1 Dec 2026 09:00 Europe/Berlin',
      nextRunAt: null,
      nextRun: 'disabled',
    });
    expect(schedules.asked).toEqual([]);
    expect(leases.asked).toEqual([]);
  });

  it('shows the last run the checkpoint keeps', async () => {
    // Prepare
    const { row, deps } = await setup([job('hook')]);
    await deps.checkpoints.recordRun('hook', {
      runId: 'R1',
      startedAt: '2026-11-22T09:59:00.000Z',
      succeeded: false,
      at: '2026-11-22T09:59:02.000Z',
      lastRun: {
        id: 'R1',
        status: 'failed',
        startedAt: '2026-11-22T09:59:00.000Z',
        endedAt: '2026-11-22T09:59:02.000Z',
      },
    });

    // Act
    const item = await row('hook');

    // Assess
    expect(item?.lastRun).toEqual({
      id: 'R1',
      status: 'failed',
      startedAt: '2026-11-22T09:59:00.000Z',
      endedAt: '2026-11-22T09:59:02.000Z',
    });
  });

  it('reads a page in one checkpoint batch, one schedule batch and one lease batch of the enabled scheduled jobs', async () => {
    // Prepare
    const { grid, schedules, leases, deps } = await setup([
      job('a-hook'),
      job('b-sched', { schedule: { frequency: 'minute' } }),
      job('c-off', { enabled: false, schedule: { frequency: 'minute' } }),
      job('d-sched', { schedule: SCHEDULE }),
    ]);
    const reads = deps.checkpoints.reads;

    // Act
    await grid();

    // Assess
    expect(deps.checkpoints.reads - reads).toBe(1);
    expect(schedules.asked).toEqual([['b-sched', 'd-sched']]);
    expect(leases.asked).toEqual(['b-sched,d-sched/schedule']);
  });

  it('reads no schedules or leases for a page without scheduled jobs', async () => {
    // Prepare
    const { grid, schedules, leases } = await setup([job('a'), job('b')]);

    // Act
    await grid();

    // Assess
    expect(schedules.asked).toEqual([]);
    expect(leases.asked).toEqual([]);
  });

  it('pages as the job store does', async () => {
    // Prepare
    const { grid } = await setup([job('a'), job('b'), job('c')]);

    // Act
    const first = await grid('?limit=2');
    const second = await grid(`?limit=2&cursor=${encodeURIComponent(first.nextCursor ?? '')}`);

    // Assess
    expect(first.items.map((i) => i.id)).toEqual(['a', 'b']);
    expect(second.items.map((i) => i.id)).toEqual(['c']);
    expect(second.nextCursor).toBeUndefined();
  });

  it('leaves GET /admin/jobs/{id} the plain definition (jobs get > f; jobs apply f round-trips)', async () => {
    // Prepare
    const { app, deps } = await setup([job('sync', { schedule: SCHEDULE })]);

    // Act
    const res = await app.request('/admin/jobs/sync');

    // Assess
    expect(await res.json()).toEqual(await deps.jobs.get('sync'));
  });

  describe('openRuns', () => {
    it("counts the page's jobs' queued, running and deciding runs, and none of other jobs or finished runs", async () => {
      // Prepare
      const { grid, deps } = await setup([job('a'), job('b'), job('c'), job('z')]);
      await deps.runs.create(queuedRunAt('R1', 'a', RUN_AT));
      await deps.runs.create(queuedRunAt('R2', 'a', RUN_AT));
      await deps.runs.start('R2', { startedAt: RUN_AT, staleBefore: RUN_AT });
      await deps.runs.create({ ...queuedRunAt('R3', 'b', RUN_AT), mode: 'decision', status: 'running' });
      await deps.runs.create(queuedRunAt('R4', 'c', RUN_AT));
      await deps.runs.requestStop('R4', { by: 'test', at: RUN_AT });
      await deps.runs.create(queuedRunAt('R5', 'z', RUN_AT));

      // Act
      const page = await grid('?limit=3');

      // Assess
      expect(page.items.map((i) => [i.id, i.openRuns])).toEqual([
        ['a', 2],
        ['b', 1],
        ['c', 0],
      ]);
    });

    it(`stops at ${OPEN_RUNS_CAP} a job`, async () => {
      // Prepare
      const { grid, deps } = await setup([job('busy')]);
      for (let i = 0; i < OPEN_RUNS_CAP + 30; i++) {
        await deps.runs.create(queuedRunAt(`R${String(i).padStart(4, '0')}`, 'busy', RUN_AT));
      }

      // Act
      const page = await grid();

      // Assess
      expect(page.items[0]?.openRuns).toBe(OPEN_RUNS_CAP);
    });

    it(`reads at most ${OPEN_RUNS_MAX_PAGES} pages of each kind and shard, however many runs are open`, async () => {
      // Prepare: an index that never ends, of another job's runs
      const { grid, deps } = await setup([job('quiet')]);
      let calls = 0;
      deps.runs.listOpen = (request) => {
        calls++;
        const items = Array.from({ length: 100 }, (_, i) => ({
          id: `${request.kind}-${request.shard}-${calls}-${i}`,
          jobId: 'other',
          status: 'queued' as const,
          mode: 'async' as const,
          attempt: 0,
          since: RUN_AT,
          requeues: 0,
        }));
        return Promise.resolve({ items, nextCursor: 'more' });
      };

      // Act
      const page = await grid();

      // Assess
      expect(page.items[0]?.openRuns).toBe(0);
      expect(calls).toBe(3 * deps.runs.openShards * OPEN_RUNS_MAX_PAGES);
    });

    it('stops reading once every job of the page has reached the cap', async () => {
      // Prepare: an index that never ends, of the one job's runs
      const { grid, deps } = await setup([job('flood')]);
      let calls = 0;
      deps.runs.listOpen = (request) => {
        calls++;
        const items = Array.from({ length: 100 }, (_, i) => ({
          id: `${request.kind}-${request.shard}-${calls}-${i}`,
          jobId: 'flood',
          status: 'queued' as const,
          mode: 'async' as const,
          attempt: 0,
          since: RUN_AT,
          requeues: 0,
        }));
        return Promise.resolve({ items, nextCursor: 'more' });
      };

      // Act
      const page = await grid();

      // Assess: one round of every partition at most, not ten
      expect(page.items[0]?.openRuns).toBe(OPEN_RUNS_CAP);
      expect(calls).toBeLessThanOrEqual(3 * deps.runs.openShards);
    });

    it('reads no open runs for an empty page', async () => {
      // Prepare
      const { grid, deps } = await setup([]);
      let calls = 0;
      const listOpen = deps.runs.listOpen.bind(deps.runs);
      deps.runs.listOpen = (request) => {
        calls++;
        return listOpen(request);
      };

      // Act
      const page = await grid();

      // Assess
      expect(page.items).toEqual([]);
      expect(calls).toBe(0);
    });
  });
});
