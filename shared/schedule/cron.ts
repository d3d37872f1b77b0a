import { Cron } from 'croner';
import type { CronSchedule } from '../model/schedule.ts';

/**
 * Cron schedules through croner, in the schedule's zone, minute precision
 * (`mode: "5-part"` forces the seconds to 0). Daylight saving, croner's rules (those
 * of Vixie cron) with `fixedTimeRule: "no-wildcard"`:
 * - a fixed-time expression (no `*` and no step in minute and hour, so `30 2 * * *`
 *   and also `0 9,17 * * *` or `30 1-3 * * *`) whose time falls in a spring-forward gap
 *   runs at the first valid time after the gap, and one whose time happens twice
 *   (fall back) runs once, at the first: as our daily/weekly/monthly schedules do;
 * - an interval expression (`*` or a step in minute or hour, e.g. `*\/30 2 * * *`,
 *   `0 *\/2 * * *`) skips times in a gap and runs on both passes of a repeated hour.
 * Day of month and day of week combine with OR (as Vixie cron) unless the
 * day of week starts with `+`; croner's `L`, `W` and `#` are accepted.
 */
/** Parsed expressions by zone and text: a scheduler asks for the same few every minute. */
const cache = new Map<string, Cron>();
const MAX_CACHED = 500;

/** The expression as croner reads it: fields separated by single spaces. */
export const normalizeCron = (expression: string): string => expression.trim().split(/\s+/).join(' ');

/** A paused croner job for the schedule; throws croner's TypeError for a bad expression. */
export const cronOf = (s: Pick<CronSchedule, 'cron' | 'timezone'>): Cron => {
  const key = `${s.timezone} ${normalizeCron(s.cron)}`;
  let job = cache.get(key);
  if (job === undefined) {
    job = new Cron(normalizeCron(s.cron), {
      timezone: s.timezone,
      paused: true,
      mode: '5-part',
      fixedTimeRule: 'no-wildcard',
    });
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(key, job);
  }
  return job;
};

/** The first run strictly after `afterMs` (croner drops the milliseconds of its reference). */
export const cronNext = (job: Cron, afterMs: number): number | undefined => {
  const next = job.nextRun(new Date(afterMs));
  return next === null ? undefined : next.getTime();
};

/** The last run at or before `atMs`. */
export const cronPrevious = (job: Cron, atMs: number): number | undefined => {
  // croner's previousRuns returns runs before its reference, including one earlier in
  // the same second. Runs are whole minutes, so the last one at or before `atMs` is the
  // last one at or before its whole second: 1 ms past that second makes it count.
  const [previous] = job.previousRuns(1, new Date(Math.floor(atMs / 1000) * 1000 + 1));
  return previous === undefined ? undefined : previous.getTime();
};
