import type { ScheduleRecord } from '../ports.ts';
import { TICK_MS } from './occurrences.ts';

/** Past its next occurrence by more than this, an unclaimed schedule is overdue: two scheduler ticks. */
export const OVERDUE_AFTER_MS = 2 * TICK_MS;

/**
 * When a record's due occurrence started being late: from its due time, or
 * from the re-enabling that made it due (a job re-enabled after its disabled
 * period is not late until the scheduler has had two ticks to catch it up).
 */
const lateSince = (record: Pick<ScheduleRecord, 'nextRunAt' | 'resumedAt'>): number =>
  Math.max(
    Date.parse(record.nextRunAt ?? ''),
    record.resumedAt === undefined ? 0 : Date.parse(record.resumedAt),
  );

/** Whether the record's due occurrence is overdue at `now` (the jobs grid, the scheduler, the sweeper). */
export const isOverdue = (record: Pick<ScheduleRecord, 'nextRunAt' | 'resumedAt'>, now: Date): boolean =>
  record.nextRunAt !== undefined && now.getTime() - lateSince(record) > OVERDUE_AFTER_MS;
