import { describe, expect, it } from 'vitest';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import type { Run } from '../../shared/model/index.ts';
import { admin } from '../../shared/runtime/admin.ts';
import type { JobGridItem } from '../../shared/runtime/admin.ts';
import { HeldLeases, admitRun } from '../../shared/runtime/run-control.ts';
import { checkOverdueSchedules, runScheduler } from '../../shared/runtime/scheduler.ts';
import { fakeTicketIntegration, ticketJobBody } from '../helpers/fake-ticket-integration.ts';
import { FakeClock, memoryDeps } from '../helpers/memory-deps.ts';
import type { MemoryDeps } from '../helpers/memory-deps.ts';

/** Half past a whole minute: a job applied now with `sync.every: 15` is first due at 10:15. */
const T0 = Date.parse('2026-12-01T10:00:30.000Z');
const at = (minutes: number, seconds = 0): Date =>
  new Date(Date.parse('2026-12-01T10:00:00.000Z') + minutes * 60_000 + seconds * 1000);

const setUp = (): { deps: MemoryDeps; clock: FakeClock } => {
  const clock = new FakeClock(new Date(T0));
  const { integration } = fakeTicketIntegration();
  return { deps: memoryDeps({ clock, integrations: [integration] }), clock };
};

/** A ticket job without a `schedule`: its `tickets.sync` is what the scheduler fires. */
const applySyncJob = (deps: MemoryDeps, over: Record<string, unknown> = {}) =>
  admin.putJob(
    deps,
    'alerts',
    ticketJobBody({ tickets: { queue: '10000:Task', sync: { every: 15 } }, ...over }),
    { verify: false },
  );

const runsOf = (deps: MemoryDeps): Run[] => [...deps.runs.items.values()].filter((r) => r.jobId === 'alerts');

describe('a ticket job’s tickets.sync is its schedule (jobSchedule)', () => {
  it('applying it arms the schedule; a tick at the due time makes a scheduled run', async () => {
    // Prepare
    const { deps, clock } = setUp();
    await applySyncJob(deps);
    const armed = await deps.schedules.get('alerts');

    // Act
    clock.current = at(14, 59);
    const early = await runScheduler(deps, { now: clock.now() });
    clock.current = at(15, 2);
    const due = await runScheduler(deps, { now: clock.now() });

    // Assess
    expect(armed?.nextRunAt).toBe(at(15).toISOString());
    expect(early.fired).toBe(0);
    expect(due.fired).toBe(1);
    expect(runsOf(deps)).toEqual([
      expect.objectContaining({ firedBy: 'schedule', scheduledFor: at(15).toISOString(), status: 'queued' }),
    ]);
    expect((await deps.schedules.get('alerts'))?.nextRunAt).toBe(at(30).toISOString());
  });

  it('shows in the jobs grid as `every 15 minutes`, with its next run', async () => {
    // Prepare
    const { deps } = setUp();
    await applySyncJob(deps);
    const app = createAdminApp(deps);

    // Act
    const res = await app.request('/admin/jobs');
    const { items } = (await res.json()) as { items: JobGridItem[] };

    // Assess
    expect(items).toEqual([
      expect.objectContaining({
        id: 'alerts',
        schedule: 'every 15 minutes',
        nextRun: 'scheduled',
        nextRunAt: at(15).toISOString(),
        scheduleDefinition: expect.objectContaining({ frequency: 'minute', every: 15 }),
      }),
    ]);
    expect(items[0]).toHaveProperty('tickets.sync.every', 15);
  });

  it('is disarmed when the sync is taken out of the job', async () => {
    // Prepare
    const { deps } = setUp();
    await applySyncJob(deps);

    // Act
    await applySyncJob(deps, { tickets: { queue: '10000:Task' } });

    // Assess
    expect(await deps.schedules.get('alerts')).toBeUndefined();
  });

  it('raises schedule_overdue when its occurrence is not run', async () => {
    // Prepare
    const { deps, clock } = setUp();
    await applySyncJob(deps);

    // Act
    clock.current = at(18);
    const raised = await checkOverdueSchedules(deps);

    // Assess
    expect(raised).toBe(1);
    expect(deps.notifications.items.map((n) => n.kind)).toContain('schedule_overdue');
  });

  it('skips a sync run while the previous one holds the schedule lease (overlap skip)', async () => {
    // Prepare
    const { deps, clock } = setUp();
    await applySyncJob(deps);
    clock.current = at(15, 2);
    await runScheduler(deps, { now: clock.now() });
    const job = await deps.jobs.get('alerts');
    const [run] = runsOf(deps);
    if (job === undefined || run === undefined) throw new Error('no job or run');
    await deps.leases.acquire(
      'alerts',
      'schedule',
      { holder: 'earlier', until: at(20).toISOString() },
      at(15).toISOString(),
    );

    // Act
    const admission = await admitRun(deps, job, { ...run, attempt: 1 }, new HeldLeases(deps));

    // Assess
    expect(admission).toEqual({ kind: 'skip', message: 'still running' });
  });
});
