import { isCronSchedule } from '../model/schedule.ts';
import type { Schedule } from '../model/schedule.ts';
import { cronNext, cronOf, cronPrevious } from './cron.ts';
import { floatingOf, instantOf } from './local-time.ts';
import { EPOCH, seriesOf } from './series.ts';

/** The scheduler's tick; occurrences are whole minutes. */
export const TICK_MS = 60_000;

/**
 * How far `more` counts for a cron schedule, which has to be stepped through
 * (croner takes tens of microseconds a step): a count that reaches it means "at
 * least this many". Frequency schedules count exactly, by arithmetic.
 */
export const MAX_COUNTED_CRON = 10_000;

/** "From the beginning" without a `startOn`, and for cron: the epoch anchor, 2024-01-01 00:00 in the zone. */
const beginningOf = (s: Schedule): number => instantOf(s.timezone, floatingOf(EPOCH));

/** The first occurrence strictly after `after`, or undefined if there is none (a cron that never fires again). */
export const nextOccurrence = (s: Schedule, after: Date): Date | undefined => {
  if (isCronSchedule(s)) {
    const next = cronNext(cronOf(s), after.getTime());
    return next === undefined ? undefined : new Date(next);
  }
  const series = seriesOf(s);
  return new Date(series.at(Math.max(series.first, series.indexAfter(after.getTime()))));
};

/**
 * The last occurrence at or before `atOrBefore` (the newest missed one, for
 * `catchUp: "latest"`), or undefined before a schedule's first.
 */
export const previousOccurrence = (s: Schedule, atOrBefore: Date): Date | undefined => {
  if (isCronSchedule(s)) {
    const previous = cronPrevious(cronOf(s), atOrBefore.getTime());
    return previous === undefined ? undefined : new Date(previous);
  }
  const series = seriesOf(s);
  const k = series.indexAfter(atOrBefore.getTime()) - 1;
  return k < series.first ? undefined : new Date(series.at(k));
};

/**
 * The occurrences in `(after, until]`, oldest first, at most `limit`; `more` is how
 * many beyond those also fall in the range: for frequency schedules computed, not
 * stepped (a week of minutes costs what a day does), and exact except that a
 * calendar day a zone skipped entirely (Pacific/Apia, 30 Dec 2011) is counted
 * although its occurrence merges with the next day's; for cron counted up to
 * MAX_COUNTED_CRON (a `more` of that value means at least that many).
 * `after` undefined means from the beginning (a schedule's `startOn` inclusive,
 * else 2024-01-01 00:00 in its zone): for tests.
 */
export const occurrencesBetween = (
  s: Schedule,
  after: Date | undefined,
  until: Date,
  limit: number,
): { occurrences: Date[]; more: number } => {
  const max = Math.max(0, Math.floor(limit));
  const untilMs = until.getTime();
  if (isCronSchedule(s)) {
    const job = cronOf(s);
    const occurrences: Date[] = [];
    let more = 0;
    let t = cronNext(job, after === undefined ? beginningOf(s) - 1000 : after.getTime());
    while (t !== undefined && t <= untilMs && more < MAX_COUNTED_CRON) {
      if (occurrences.length < max) occurrences.push(new Date(t));
      else more++;
      t = cronNext(job, t);
    }
    return { occurrences, more };
  }
  const series = seriesOf(s);
  const from =
    after === undefined
      ? Number.isFinite(series.first)
        ? series.first
        : series.indexAfter(beginningOf(s) - 1)
      : Math.max(series.first, series.indexAfter(after.getTime()));
  const end = Math.max(from, series.indexAfter(untilMs)); // exclusive
  const occurrences: Date[] = [];
  let k = from;
  let last = Number.NEGATIVE_INFINITY;
  for (; k < end && occurrences.length < max; k++) {
    const t = series.at(k);
    if (t > last) occurrences.push(new Date((last = t)));
  }
  while (k < end && series.at(k) <= last) k++;
  return { occurrences, more: end - k };
};

/** The next `count` occurrences after `after` (the console's "next five"); fewer if the schedule ends. */
export const upcoming = (s: Schedule, after: Date, count: number): Date[] => {
  const n = Math.max(0, Math.floor(count));
  if (isCronSchedule(s)) {
    const job = cronOf(s);
    const result: Date[] = [];
    let t = cronNext(job, after.getTime());
    while (t !== undefined && result.length < n) {
      result.push(new Date(t));
      t = cronNext(job, t);
    }
    return result;
  }
  const series = seriesOf(s);
  const result: Date[] = [];
  let last = Number.NEGATIVE_INFINITY;
  const start = Math.max(series.first, series.indexAfter(after.getTime()));
  // only a day a zone skipped entirely makes two indices share an instant: twice as many is plenty
  for (let k = start; result.length < n && k < start + 2 * n + 2; k++) {
    const t = series.at(k);
    if (t > last) result.push(new Date((last = t)));
  }
  return result;
};
