import { ConflictError, errorMessage } from '../errors.ts';
import type { Job } from '../model/index.ts';
import { jobSchedule } from '../model/index.ts';
import type { CatchUp, Schedule } from '../model/schedule.ts';
import { isCronSchedule } from '../model/schedule.ts';
import type { ScheduleRecord } from '../ports.ts';
import {
  MAX_COUNTED_CRON,
  OVERDUE_AFTER_MS,
  TICK_MS,
  isOverdue,
  nextOccurrence,
  occurrencesBetween,
  previousOccurrence,
  scheduleHash,
} from '../schedule/index.ts';
import { DAY_MS } from '../store/keys.ts';
import type { Deps } from './deps.ts';
import { createPlatformRun } from './new-run.ts';
import { platformLogger } from './platform-logger.ts';
import { raisePlatform } from './toolbox/notifier.ts';
import { ulid } from './ulid.ts';

/** What the scheduler reads and writes: jobs, schedules, the overlap lease, runs, the queue, notifications. */
export type SchedulerDeps = Pick<
  Deps,
  'jobs' | 'runs' | 'queue' | 'clock' | 'payloads' | 'settings' | 'schedules' | 'leases' | 'notifications'
> &
  Partial<Pick<Deps, 'publisher'>>;

/** What a tick did: runs enqueued, occurrences recorded skipped, due jobs looked at. */
export interface SchedulerResult {
  fired: number;
  skipped: number;
  jobs: number;
}

/**
 * Missed occurrences a tick records skipped one by one, per job: the newest
 * ones (beside the runs). Older ones are one skipped run saying how many and
 * from when to when — a week of a minute schedule is 10,080 occurrences, and
 * never 10,080 writes.
 */
export const MAX_SKIPPED_RECORDS = 100;
/**
 * A claim this old whose run does not exist: its scheduler died between the
 * claim and the run (a tick takes well under this). The run is created under
 * the claimed id — put-if-absent, so a slow claimer and its rescuer still make one.
 */
export const CLAIM_GRACE_MS = 30_000;
/** How long an occurrence's claim is kept: far longer than any scheduler could still look at it. */
export const CLAIM_TTL_DAYS = 7;
/** Due jobs worked on at once (each job's occurrences one after the other). */
const JOB_CONCURRENCY = 8;
/** Skipped occurrences of one job recorded at once. */
const SKIP_CONCURRENCY = 8;

const iso = (d: Date): string => d.toISOString();

/**
 * The newest `keep` occurrences in (after, until], oldest first, with how many
 * there are in all (`atLeast`: a cron count stopped at its bound) and the
 * oldest. Stepping back from `until` reads only what a tick acts on: a long
 * outage's older occurrences are counted, never listed.
 */
export const newestOccurrences = (
  schedule: Schedule,
  after: Date,
  until: Date,
  keep: number,
): { tail: Date[]; total: number; atLeast: boolean; oldest?: Date } => {
  const newestFirst: Date[] = [];
  for (let at = until; newestFirst.length < keep;) {
    const previous = previousOccurrence(schedule, at);
    if (previous === undefined || previous.getTime() <= after.getTime()) break;
    newestFirst.push(previous);
    // Occurrences are whole minutes: 1 ms before one is after the one before it.
    at = new Date(previous.getTime() - 1);
  }
  const tail = newestFirst.reverse();
  const first = tail[0];
  if (first === undefined) return { tail, total: 0, atLeast: false };
  if (tail.length < keep) return { tail, total: tail.length, atLeast: false, oldest: first };
  const older = occurrencesBetween(schedule, after, new Date(first.getTime() - 1), 1);
  return {
    tail,
    total: tail.length + older.occurrences.length + older.more,
    atLeast: isCronSchedule(schedule) && older.more >= MAX_COUNTED_CRON,
    oldest: older.occurrences[0] ?? first,
  };
};

/** An occurrence recorded skipped, and why. */
export interface SkippedOccurrence {
  at: Date;
  reason: string;
}

/** What a tick does with one job's occurrences in (through, now]. */
export interface OccurrencePlan {
  /** Run, oldest first. */
  run: Date[];
  /** Recorded skipped one by one, oldest first. */
  skip: SkippedOccurrence[];
  /** The older missed ones, as one skipped run under the newest of them. */
  summary?: { at: Date; count: number; atLeast: boolean; from: Date; reason: string };
  /** The newest occurrence handled: where `through` moves. */
  newest?: Date;
}

const CATCH_UP_REASON: Record<CatchUp, string> = {
  latest: 'missed (catch-up latest)',
  all: 'missed (beyond maxCatchUp)',
  skip: 'missed (catch-up skip)',
};
const MISSED_WHILE_DISABLED = 'missed while disabled';

/**
 * Applies the job's catch-up to the occurrences in (after, now]:
 * `latest` runs the newest; `all` runs the newest `maxCatchUp` (oldest first:
 * the current occurrence always runs, and the oldest are the ones given up);
 * `skip` runs only an occurrence due within the current tick. Every other is
 * skipped — missed while disabled when it fell before `resumedAt`.
 */
export const planOccurrences = (
  schedule: Schedule,
  after: Date,
  now: Date,
  resumedAt?: Date,
): OccurrencePlan => {
  const maxRun = schedule.catchUp === 'all' ? schedule.maxCatchUp : 1;
  const { tail, total, atLeast, oldest } = newestOccurrences(
    schedule,
    after,
    now,
    maxRun + MAX_SKIPPED_RECORDS + 1,
  );
  const newest = tail.at(-1);
  if (newest === undefined || oldest === undefined) return { run: [], skip: [] };
  const runCount =
    schedule.catchUp === 'all'
      ? Math.min(total, schedule.maxCatchUp)
      : schedule.catchUp === 'latest'
        ? 1
        : now.getTime() - newest.getTime() < TICK_MS
          ? 1
          : 0;
  const reasonOf = (at: Date): string =>
    resumedAt !== undefined && at.getTime() <= resumedAt.getTime()
      ? MISSED_WHILE_DISABLED
      : CATCH_UP_REASON[schedule.catchUp];
  const before = tail.slice(0, tail.length - runCount);
  const skip = before.slice(-MAX_SKIPPED_RECORDS).map((at) => ({ at, reason: reasonOf(at) }));
  const summarized = total - runCount - skip.length;
  const plan: OccurrencePlan = { run: tail.slice(tail.length - runCount), skip, newest };
  const last = before[before.length - skip.length - 1];
  if (summarized > 0 && last !== undefined) {
    plan.summary = { at: last, count: summarized, atLeast, from: oldest, reason: reasonOf(last) };
  }
  return plan;
};

/** A reason as the summary's parenthesis: `missed (catch-up latest)` → `catch-up latest`, `missed while disabled` → `while disabled`. */
const summaryWhy = (reason: string): string => reason.replace(/^missed /, '').replace(/^\((.*)\)$/, '$1');

/** What became of one occurrence: done (run or skipped, by us or another), or left for the next tick. */
type Outcome = { done: true; fired: boolean; skipped: boolean } | { done: false };
const DONE_ELSEWHERE: Outcome = { done: true, fired: false, skipped: false };

/**
 * Fires one occurrence: claims it (one conditional write), and only the
 * claimer creates its run, under the id the claim names. A claim another
 * scheduler holds is checked: its run exists (done), it is young (its
 * scheduler is at it: left for the next tick), or its scheduler died before
 * creating it — then the run is created under the claimed id, which
 * `runs.create` (put-if-absent) keeps single.
 */
const fireOccurrence = async (
  deps: SchedulerDeps,
  job: Job,
  at: Date,
  now: Date,
  skipped?: string,
): Promise<Outcome> => {
  const scheduledFor = iso(at);
  const runId = ulid(deps.clock.now().getTime());
  const claimed = await deps.schedules.claimOccurrence(job.id, scheduledFor, {
    runId,
    at: iso(now),
    expiresAt: iso(new Date(at.getTime() + CLAIM_TTL_DAYS * DAY_MS)),
  });
  let id = runId;
  if (!claimed) {
    const claim = await deps.schedules.occurrence(job.id, scheduledFor);
    // Gone only once expired: long handled.
    if (claim === undefined || (await deps.runs.get(claim.runId)) !== undefined) return DONE_ELSEWHERE;
    if (now.getTime() - Date.parse(claim.at) < CLAIM_GRACE_MS) return { done: false };
    platformLogger.warn('an occurrence was claimed but its run never created: creating it', {
      jobId: job.id,
      runId: claim.runId,
      scheduledFor,
    });
    id = claim.runId;
  }
  try {
    // Throws only when the run was not recorded (a run recorded but not sent is answered, and the
    // sweeper sends it). Anything else it throws fails this job's tick before `advance`: the
    // occurrence stays due, and its claim, past CLAIM_GRACE_MS, gets its run under the claimed id.
    await createPlatformRun(deps, job, {
      firedBy: 'schedule',
      scheduledFor,
      runId: id,
      ...(skipped === undefined ? {} : { skipped }),
    });
  } catch (e) {
    // Another scheduler rescued (or its slow claimer made) the same run: one run all the same.
    if (e instanceof ConflictError) return DONE_ELSEWHERE;
    throw e;
  }
  return { done: true, fired: skipped === undefined, skipped: skipped !== undefined };
};

/** Whether the job's previous scheduled run still holds the overlap lease. */
const stillRunning = async (deps: SchedulerDeps, job: Job, now: Date): Promise<boolean> => {
  try {
    const lease = await deps.leases.get(job.id, 'schedule');
    return lease !== undefined && Date.parse(lease.until) > now.getTime();
  } catch (e) {
    // The worker takes the lease before it runs and skips the run itself when it is held: fire it.
    platformLogger.warn('could not read the overlap lease; the worker checks it', {
      jobId: job.id,
      error: errorMessage(e),
    });
    return false;
  }
};

/** One due job's tick. */
const scheduleJob = async (
  deps: SchedulerDeps,
  listed: ScheduleRecord,
  now: Date,
  result: SchedulerResult,
): Promise<void> => {
  // The due index projects the whole record: no second read of it. The index is eventually
  // consistent, but a stale record is harmless where it is used: its `through` is older, so its
  // occurrences were claimed already (each one is claimed, run or skipped: no second run), and
  // `advance` is conditional on `through` (it moves nothing back). Only `arm` is not conditional.
  let record: ScheduleRecord | undefined = listed;
  if (record.nextRunAt === undefined || Date.parse(record.nextRunAt) > now.getTime()) return;
  result.jobs++;
  const at = iso(now);
  const job = await deps.jobs.get(record.jobId);
  // A ticket job's `tickets.sync` is a schedule too (jobSchedule).
  const schedule = job === undefined ? undefined : jobSchedule(job);
  if (job === undefined || schedule === undefined) {
    await deps.schedules.remove(record.jobId);
    return;
  }
  if (!job.enabled) {
    // Disarmed where it stands: re-enabling catches the disabled period up from here.
    await deps.schedules.advance(job.id, { from: record.through, through: record.through ?? at, at });
    return;
  }
  const hash = scheduleHash(schedule);
  if (record.scheduleHash !== hash) {
    // Rare (an apply just changed the schedule): re-read before the unconditional `arm`, which on a
    // stale record would move an apply's fresh `through` on and lose an occurrence it armed.
    record = await deps.schedules.get(job.id);
    if (record?.nextRunAt === undefined || Date.parse(record.nextRunAt) > now.getTime()) return;
  }
  if (record.scheduleHash !== hash) {
    // The schedule changed and was not re-armed (an apply cut short): from now, as an apply does.
    const next = nextOccurrence(schedule, now);
    await deps.schedules.arm(job.id, {
      through: at,
      ...(next === undefined ? {} : { nextRunAt: iso(next) }),
      scheduleHash: hash,
      at,
    });
    return;
  }
  if (isOverdue(record, now)) {
    // This scheduler was not running (or failed on this job): caught up now, so a warning.
    if (await deps.schedules.markOverdueNotified(job.id, record.nextRunAt)) {
      await raisePlatform(deps, {
        jobId: job.id,
        kind: 'schedule_overdue',
        severity: 'warn',
        message: `schedule of job ${job.id}: the occurrence due at ${record.nextRunAt} is ${Math.round(
          (now.getTime() - Date.parse(record.nextRunAt)) / TICK_MS,
        )} minutes late (the scheduler was not running); catching up: ${schedule.catchUp}`,
      });
    }
  }

  const after = new Date(
    record.through === undefined ? Date.parse(record.nextRunAt) - 1 : Date.parse(record.through),
  );
  const plan = planOccurrences(
    schedule,
    after,
    now,
    record.resumedAt === undefined ? undefined : new Date(record.resumedAt),
  );
  let complete = true;
  const count = (o: Outcome): void => {
    if (!o.done) complete = false;
    else {
      if (o.fired) result.fired++;
      if (o.skipped) result.skipped++;
    }
  };
  if (plan.summary !== undefined) {
    const s = plan.summary;
    count(
      await fireOccurrence(
        deps,
        job,
        s.at,
        now,
        `missed ${s.atLeast ? 'at least ' : ''}${s.count} more occurrences from ${iso(s.from)} to ${iso(
          s.at,
        )} (${summaryWhy(s.reason)})`,
      ),
    );
  }
  for (let i = 0; i < plan.skip.length; i += SKIP_CONCURRENCY) {
    const outcomes = await Promise.all(
      plan.skip.slice(i, i + SKIP_CONCURRENCY).map((s) => fireOccurrence(deps, job, s.at, now, s.reason)),
    );
    outcomes.forEach(count);
  }
  const overlapping =
    plan.run.length > 0 && schedule.overlap === 'skip' && (await stillRunning(deps, job, now));
  // Oldest first, one after the other: the queue gets them in occurrence order.
  for (const o of plan.run) {
    count(await fireOccurrence(deps, job, o, now, overlapping ? 'still running' : undefined));
  }
  if (!complete) return; // a young claim without its run yet: looked at again next tick
  const through = plan.newest ?? new Date(record.through ?? at);
  const next = nextOccurrence(schedule, new Date(Math.max(now.getTime(), through.getTime())));
  await deps.schedules.advance(job.id, {
    from: record.through,
    through: iso(through),
    ...(next === undefined ? {} : { nextRunAt: iso(next) }),
    at,
  });
};

/** `visit` on every item, at most `limit` at a time; `visit` must not throw. */
const eachBounded = async <T>(items: readonly T[], limit: number, visit: (item: T) => Promise<void>) => {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await visit(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
};

/**
 * One scheduler tick — EventBridge's every minute in AWS, a timer under
 * `npm start`, the same code: every armed schedule due by `now` fires its
 * occurrences since it last moved (`through`), per the job's catch-up and
 * overlap, then moves on. Any number of ticks for the same minute (two
 * schedulers, a retried invocation, another region on the same table) make
 * one run per occurrence: each is claimed with one conditional write first.
 * One job's failure leaves that job for the next tick; the others go on.
 */
export const runScheduler = async (
  deps: SchedulerDeps,
  options: { now?: Date } = {},
): Promise<SchedulerResult> => {
  const now = options.now ?? deps.clock.now();
  const result: SchedulerResult = { fired: 0, skipped: 0, jobs: 0 };
  let cursor: string | undefined;
  do {
    const page = await deps.schedules.listDue(iso(now), { limit: 100, cursor });
    await eachBounded(page.items, JOB_CONCURRENCY, async (record) => {
      try {
        await scheduleJob(deps, record, now, result);
      } catch (e) {
        platformLogger.error('could not schedule job; the next tick tries again', {
          jobId: record.jobId,
          error: errorMessage(e),
        });
      }
    });
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  if (result.fired + result.skipped > 0) platformLogger.info('scheduler tick', { ...result });
  return result;
};

/**
 * The sweeper's check that the scheduler runs: an armed schedule whose
 * occurrence is more than two ticks past and unclaimed raises
 * `schedule_overdue` (an error: SNS in AWS), once per occurrence.
 */
export const checkOverdueSchedules = async (
  deps: Pick<SchedulerDeps, 'schedules' | 'jobs' | 'clock' | 'notifications'> &
    Partial<Pick<SchedulerDeps, 'publisher'>>,
): Promise<number> => {
  const now = deps.clock.now();
  let raised = 0;
  let cursor: string | undefined;
  do {
    const page = await deps.schedules.listDue(iso(new Date(now.getTime() - OVERDUE_AFTER_MS)), {
      limit: 100,
      cursor,
    });
    for (const record of page.items) {
      const due = record.nextRunAt;
      if (due === undefined || !isOverdue(record, now)) continue;
      if (record.overdueNotifiedFor === due) continue;
      try {
        // Claimed: a scheduler is at it (or its run was made; the record moves at its next tick).
        if ((await deps.schedules.occurrence(record.jobId, due)) !== undefined) continue;
        const job = await deps.jobs.get(record.jobId);
        if (job === undefined || jobSchedule(job) === undefined || !job.enabled) continue;
        if (!(await deps.schedules.markOverdueNotified(record.jobId, due))) continue;
        raised++;
        await raisePlatform(deps, {
          jobId: record.jobId,
          kind: 'schedule_overdue',
          severity: 'error',
          message: `schedule of job ${record.jobId}: the occurrence due at ${due} has not run, ${Math.round(
            (now.getTime() - Date.parse(due)) / TICK_MS,
          )} minutes late: is the scheduler running?`,
        });
      } catch (e) {
        platformLogger.error('could not check an overdue schedule', {
          jobId: record.jobId,
          error: errorMessage(e),
        });
      }
    }
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return raised;
};
