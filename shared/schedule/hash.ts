import { createHash } from 'node:crypto';
import { ScheduleSchema, isCronSchedule } from '../model/schedule.ts';
import type { Schedule } from '../model/schedule.ts';
import { normalizeCron } from './cron.ts';

/** JSON with keys sorted at every level, so equal definitions give equal text. */
const canonicalJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
};

/**
 * A stable fingerprint of the definition (sha256 hex of its canonical JSON), every
 * field included: defaults are filled in first and a cron expression's spacing
 * normalised, so `{ frequency: "minute" }` and its stored, defaulted form match.
 */
export const scheduleHash = (s: Schedule): string => {
  const parsed = ScheduleSchema.safeParse(s);
  const full: Schedule = parsed.success ? parsed.data : s;
  const normalized = isCronSchedule(full) ? { ...full, cron: normalizeCron(full.cron) } : full;
  return createHash('sha256').update(canonicalJson(normalized)).digest('hex');
};
