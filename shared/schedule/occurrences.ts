import { isCronSchedule } from '../model/schedule.ts';
import type { Schedule } from '../model/schedule.ts';
import { cronNext, cronOf, cronPrevious } from './cron.ts';
import { floatingOf, instantOf } from './local-time.ts';
import { seriesOf } from './series.ts';

/** The scheduler's tick; occurrences are whole minutes. */
export const TICK_MS = 60_000;

/**
 * How far `more` counts for a cron schedule, which has to be stepped through
 * (croner takes tens of microseconds a step): a count that reaches it means "at
 * least this many". Frequency schedules count exactly, by arithmetic.
 */
export const MAX_COUNTED_CRON = 10_000;

/** "From the beginning" for a schedule without `startOn`, and for cron: 2000-01-01 00:00 in its zone. */
const beginningOf = (s: Schedule): number =>
  instantOf(s.timezone, floatingOf({ year: 2000, month: 1, day: 1, hour: 0, minute: 0, second: 0 }));

/** The first occurrence strictly after `after`, or undefined if there is none (a cron that never fires again). */
export const nextOccurrence = (s: Schedule, after: Date): Date | undefined => {
  if (isCronSchedule(s)) {
    const next = cronNext(cronOf(s), after.getTime());
    return next === undefined ? undefined : new Date(next);
  }
  const series = seriesOf(s);
  return new Date(series.at(Math.max(series.first, series.indexAfter(after.getTime()))));
};

/** The last occurrence at or before `atOrBefore` (for `catchUp: "latest"` and the grid), or undefined before the first. */
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
 * many beyond those also fall in the range: exact for frequency schedules, for
 * cron counted up to MAX_COUNTED_CRON (a `more` of that value means at least that
 * many). `after` undefined means from the beginning (a schedule's `startOn`
 * inclusive, else 2000-01-01 00:00 in its zone): for tests.
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
  const total = Math.max(0, series.indexAfter(untilMs) - from);
  const taken = Math.min(total, max);
  const occurrences = Array.from({ length: taken }, (_, i) => new Date(series.at(from + i)));
  return { occurrences, more: total - taken };
};

/** The next `count` occurrences after `after` (the console's "next five"); fewer if the schedule ends. */
export const upcoming = (s: Schedule, after: Date, count: number): Date[] => {
  const result: Date[] = [];
  let t: Date | undefined = after;
  for (let i = 0; i < count && t !== undefined; i++) {
    t = nextOccurrence(s, t);
    if (t !== undefined) result.push(t);
  }
  return result;
};
