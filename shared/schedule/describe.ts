import { isCronSchedule, parseLocalDateTime } from '../model/schedule.ts';
import type { FrequencySchedule, Schedule } from '../model/schedule.ts';
import { normalizeCron } from './cron.ts';
import { seriesOf } from './series.ts';

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
 * Whether a fixed-interval schedule without `startOn` falls on the same instants as
 * in UTC (every hour in Europe/Berlin does; in Asia/Kolkata it does not).
 */
const sameInstantsAsUtc = (s: FrequencySchedule): boolean => {
  const here = seriesOf(s);
  const utc = seriesOf({ ...s, timezone: 'UTC' });
  const step = here.at(1) - here.at(0);
  return (((here.at(0) - utc.at(0)) % step) + step) % step === 0;
};

/**
 * The schedule as the grid and the CLI show it:
 * - `every minute`, `every 5 minutes`, `every hour`, `every hour (Asia/Kolkata)`, `every 2 hours
 *   (Europe/Berlin)` (fixed intervals; the zone only when they fall elsewhere than in UTC);
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
      // the zone only sets where fixed intervals fall: name it when that differs from UTC
      return sameInstantsAsUtc(s) ? every(s) : `${every(s)} (${s.timezone})`;
    case 'daily':
      return `${every(s)} at 00:00 ${s.timezone}`;
    case 'weekly':
      return `${every(s)} on Monday at 00:00 ${s.timezone}`;
    case 'monthly':
      return `${every(s)} on the 1st at 00:00 ${s.timezone}`;
  }
};
