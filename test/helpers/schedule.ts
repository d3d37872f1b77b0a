import { ScheduleSchema } from '../../shared/model/schedule.ts';
import type { Schedule } from '../../shared/model/schedule.ts';

/** A schedule as a job definition gives it, defaults filled in. */
export const schedule = (input: Record<string, unknown>): Schedule => ScheduleSchema.parse(input);
/** The instant an ISO text names. */
export const at = (iso: string): Date => new Date(iso);
/** Instants as ISO texts, for readable comparisons. */
export const isoOf = (dates: Date[]): string[] => dates.map((d) => d.toISOString());

const wallFormats = new Map<string, Intl.DateTimeFormat>();
/**
 * The fields of the wall clock `date` shows in `timeZone` (`year`, `month`, `day`, `hour`,
 * `minute` two digits each but the year, and `timeZoneName` as `GMT+02:00`, or `GMT` at
 * UTC), from Intl alone: independent of the luxon code under test.
 */
export const wallClock = (date: Date, timeZone: string): Record<string, string> => {
  let format = wallFormats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
    });
    wallFormats.set(timeZone, format);
  }
  return Object.fromEntries(format.formatToParts(date).map((p) => [p.type, p.value]));
};
