import { ScheduleSchema } from '../../shared/model/schedule.ts';
import type { Schedule } from '../../shared/model/schedule.ts';

/** A schedule as a job definition gives it, defaults filled in. */
export const schedule = (input: Record<string, unknown>): Schedule => ScheduleSchema.parse(input);
/** The instant an ISO text names. */
export const at = (iso: string): Date => new Date(iso);
/** Instants as ISO texts, for readable comparisons. */
export const isoOf = (dates: Date[]): string[] => dates.map((d) => d.toISOString());
