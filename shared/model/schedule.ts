import {
  _default,
  int,
  lazy,
  maximum,
  maxLength,
  minimum,
  optional,
  refine,
  strictObject,
  superRefine,
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

/** A wall-clock date and time, no zone. */
export interface LocalDateTime {
  readonly year: number;
  readonly month: number; // 1–12
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const LOCAL_PARTS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** Days in a month (1–12) of a year. */
export const daysInMonth = (year: number, month: number): number =>
  new Date(Date.UTC(year, month, 0)).getUTCDate();

/** `2026-12-01T09:00[:00]` → its fields, or a sentence saying why it is not a date and time. */
export const parseLocalDateTime = (text: string): LocalDateTime | string => {
  const m = LOCAL_PARTS.exec(text);
  if (m === null) return `${text} is not a local date and time such as 2026-12-01T09:00:00`;
  const [year, month, day, hour, minute, second] = m.slice(1).map((part) => Number(part ?? '0')) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (year < 1970) return `${text}: a schedule starts in 1970 or later`;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59) {
    return `${text} is not a real date and time`;
  }
  if (second !== 0) return `${text}: occurrences are whole minutes, so the seconds must be 00`;
  return { year, month, day, hour, minute, second };
};

/**
 * What is wrong with a cron expression's shape, before any parser sees it: exactly
 * five fields (minute hour day-of-month month day-of-week), no seconds, no
 * nickname, no `?` (croner would read `?` as the time the expression is parsed,
 * so a schedule's occurrences would depend on when it was loaded).
 */
export const cronShapeProblem = (expression: string): string | undefined => {
  const fields = expression.trim().split(/\s+/);
  if (expression.trim().startsWith('@')) {
    return `cron: ${expression.trim()}: nicknames are not supported; write the 5 fields (minute hour day-of-month month day-of-week), e.g. "0 0 * * *" for @daily`;
  }
  if (fields.length !== 5) {
    return `cron: "${expression.trim()}" has ${fields.length} fields; a schedule takes exactly 5 (minute hour day-of-month month day-of-week)${fields.length > 5 ? ', no seconds or years' : ''}`;
  }
  if (expression.includes('?')) return `cron: "${expression.trim()}": "?" is not supported; use "*"`;
  return undefined;
};

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
      string().check(
        maxLength(32),
        superRefine((text, ctx) => {
          const parsed = parseLocalDateTime(text);
          if (typeof parsed === 'string')
            ctx.addIssue({ code: 'custom', message: `startOn: ${parsed}`, input: text });
        }),
      ),
    ),
    ...policies,
  }),
);

/** A 5-field cron expression (minute hour day-of-month month day-of-week) in `timezone`. */
export const CronScheduleSchema = lazy(() =>
  strictObject({
    /** Checked here for its shape; shared/schedule's scheduleProblem also parses it and checks that it fires. */
    cron: string().check(
      maxLength(200),
      superRefine((expression, ctx) => {
        const problem = cronShapeProblem(expression);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: expression });
      }),
    ),
    ...policies,
  }),
);

export const ScheduleSchema = lazy(() => union([FrequencyScheduleSchema, CronScheduleSchema]));
export type Schedule = Infer<typeof ScheduleSchema>;
export type ScheduleInput = input<typeof ScheduleSchema>;
export type FrequencySchedule = Infer<typeof FrequencyScheduleSchema>;
export type CronSchedule = Infer<typeof CronScheduleSchema>;
export const isCronSchedule = (s: Schedule): s is CronSchedule => 'cron' in s;
