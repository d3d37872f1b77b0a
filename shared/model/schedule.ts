import {
  _default,
  int,
  lazy,
  maximum,
  maxLength,
  minimum,
  minLength,
  optional,
  regex,
  refine,
  strictObject,
  string,
  union,
  enum as zEnum,
} from './zod.ts';
import type { infer as Infer, input } from './zod.ts';

export const FREQUENCIES = ['minute', 'hourly', 'daily', 'weekly', 'monthly'] as const;
export type Frequency = (typeof FREQUENCIES)[number];

/** What happens to occurrences missed while the scheduler was down or the job disabled. */
export const CATCH_UP_POLICIES = ['latest', 'all', 'skip'] as const;
export type CatchUp = (typeof CATCH_UP_POLICIES)[number];
/** What a scheduled occurrence does while the job's previous scheduled run still runs. */
export const OVERLAP_POLICIES = ['skip', 'queue'] as const;
export type Overlap = (typeof OVERLAP_POLICIES)[number];

export const DEFAULT_MAX_CATCH_UP = 100;
export const MAX_CATCH_UP_LIMIT = 1000;

/** Whether the runtime knows this IANA zone (`Intl` throws a RangeError for an unknown one). */
export const isTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

/** `2026-12-01T09:00` or `2026-12-01T09:00:00`: a local wall-clock time, no offset (the schedule's zone gives it). */
export const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?$/;

const timeZone = () =>
  _default(
    string().check(maxLength(64), refine(isTimeZone, 'timezone: an IANA time zone such as Europe/Berlin')),
    'UTC',
  );

/** The policy fields both forms share. */
const policies = {
  timezone: timeZone(),
  catchUp: _default(zEnum(CATCH_UP_POLICIES), 'latest'),
  /** `catchUp: "all"`: at most this many missed occurrences are run (oldest first); the rest are recorded skipped. */
  maxCatchUp: _default(int().check(minimum(1), maximum(MAX_CATCH_UP_LIMIT)), DEFAULT_MAX_CATCH_UP),
  overlap: _default(zEnum(OVERLAP_POLICIES), 'skip'),
};

/** Plutora's frequencies plus daily: every `every` minutes/hours/days/weeks/months from `startOn`. */
export const FrequencyScheduleSchema = lazy(() =>
  strictObject({
    frequency: zEnum(FREQUENCIES),
    every: _default(int().check(minimum(1), maximum(1000)), 1),
    /**
     * Local time in `timezone` of the first occurrence. Absent: occurrences fall
     * on the frequency's natural boundaries in that zone (the whole minute, the
     * top of the hour, midnight, Monday 00:00, the 1st 00:00).
     */
    startOn: optional(
      string().check(regex(LOCAL_DATE_TIME, 'startOn: a local date and time such as 2026-12-01T09:00:00')),
    ),
    ...policies,
  }),
);

/** A 5-field cron expression (minute hour day-of-month month day-of-week) in `timezone`. */
export const CronScheduleSchema = lazy(() =>
  strictObject({
    cron: string().check(minLength(9), maxLength(200)),
    ...policies,
  }),
);

export const ScheduleSchema = lazy(() => union([FrequencyScheduleSchema, CronScheduleSchema]));
export type Schedule = Infer<typeof ScheduleSchema>;
export type ScheduleInput = input<typeof ScheduleSchema>;
export type FrequencySchedule = Infer<typeof FrequencyScheduleSchema>;
export type CronSchedule = Infer<typeof CronScheduleSchema>;
export const isCronSchedule = (s: Schedule): s is CronSchedule => 'cron' in s;
