/**
 * Schedule arithmetic: pure functions of a schedule definition and instants, for
 * the scheduler, the jobs grid and the CLI. No clock, no I/O, no AWS: the caller
 * passes the times. Semantics (fixed intervals for minute/hourly, wall clock for
 * daily/weekly/monthly, daylight-saving and month-end rules) are in README.md,
 * "Schedules", and in the files below.
 */
export {
  TICK_MS,
  MAX_COUNTED_CRON,
  nextOccurrence,
  occurrencesBetween,
  previousOccurrence,
  upcoming,
} from './occurrences.ts';
export { describeSchedule } from './describe.ts';
export { scheduleHash } from './hash.ts';
export { scheduleProblem } from './problem.ts';
export { OVERDUE_AFTER_MS, isOverdue } from './overdue.ts';
