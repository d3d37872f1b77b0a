import { isCronSchedule, parseLocalDateTime } from '../model/schedule.ts';
import type { FrequencySchedule, Schedule } from '../model/schedule.ts';
import { normalizeCron } from './cron.ts';

const UNITS = {
  minute: ['minute', 'minutes'],
  hourly: ['hour', 'hours'],
  daily: ['day', 'days'],
  weekly: ['week', 'weeks'],
  monthly: ['month', 'months'],
} as const;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

const two = (n: number) => String(n).padStart(2, '0');

const every = (s: FrequencySchedule) => {
  const [one, many] = UNITS[s.frequency];
  return s.every === 1 ? `every ${one}` : `every ${s.every} ${many}`;
};

/** `2026-12-01T09:00` → `1 Dec 2026 09:00` (from the text, so no locale data is involved). */
const startOnText = (startOn: string): string => {
  const t = parseLocalDateTime(startOn);
  return typeof t === 'string'
    ? startOn
    : `${t.day} ${MONTHS[t.month - 1]} ${t.year} ${two(t.hour)}:${two(t.minute)}`;
};

/**
 * The schedule as the grid and the CLI show it:
 * - `every minute`, `every 5 minutes`, `every hour`, `every 2 hours (Asia/Kolkata)` (fixed
 *   intervals; the zone only when it sets where the intervals fall);
 * - `every day at 00:00 UTC`, `every 2 days at 00:00 UTC`, `every week on Monday at 00:00 UTC`,
 *   `every month on the 1st at 00:00 UTC` (no `startOn`: the natural boundaries);
 * - `every 2 hours from 1 Dec 2026 09:00 Europe/Berlin`, `every 3 weeks from 1 Dec 2026 09:00 UTC` (with `startOn`);
 * - `cron 0 9 * * 1-5 (Europe/Berlin)`.
 */
export const describeSchedule = (s: Schedule): string => {
  if (isCronSchedule(s)) return `cron ${normalizeCron(s.cron)} (${s.timezone})`;
  if (s.startOn !== undefined) return `${every(s)} from ${startOnText(s.startOn)} ${s.timezone}`;
  switch (s.frequency) {
    case 'minute':
    case 'hourly':
      // every minute falls on the same instants in every zone (all offsets are whole minutes)
      return s.timezone === 'UTC' || (s.frequency === 'minute' && s.every === 1)
        ? every(s)
        : `${every(s)} (${s.timezone})`;
    case 'daily':
      return `${every(s)} at 00:00 ${s.timezone}`;
    case 'weekly':
      return `${every(s)} on Monday at 00:00 ${s.timezone}`;
    case 'monthly':
      return `${every(s)} on the 1st at 00:00 ${s.timezone}`;
  }
};
