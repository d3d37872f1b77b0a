import { daysInMonth, parseLocalDateTime } from '../model/schedule.ts';
import type { FrequencySchedule } from '../model/schedule.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS, floatingOf, instantOf, wallOf } from './local-time.ts';

/**
 * A frequency schedule as an indexed series: occurrence `k` is `at(k)`, increasing
 * in `k`, from `first` (0 with a `startOn`; unbounded below without one, whose index
 * 0 is the fixed epoch anchor). Computing each occurrence from its index (never from
 * the previous one) is what keeps a monthly schedule from the 31st on the 31st, and
 * lets a count over a long downtime be a subtraction. Two indices share an instant
 * only where a zone skipped a whole calendar day (Pacific/Apia, 30 Dec 2011: that
 * day's time falls in the gap, which ends at the next day's time); the listings
 * merge them.
 */
export interface Series {
  readonly first: number;
  at(k: number): number;
  /** The smallest index whose occurrence is strictly after `ms` (may be below `first`). */
  indexAfter(ms: number): number;
}

/**
 * Where `every` counts from without a `startOn`: fixed, so answers do not depend on
 * when one asks; a Monday, so weekly schedules fall on Mondays. Recent on purpose:
 * minute and hourly schedules keep the phase the zone's offset gave the anchor, and
 * some zones moved by half an hour since 2000 (Asia/Colombo 2006, Pacific/Norfolk
 * 2015, America/Caracas 2016): from 2000 their "every hour" would fall at :30.
 */
export const EPOCH = { year: 2024, month: 1, day: 1, hour: 0, minute: 0, second: 0 } as const;

/** The anchor's wall-clock time; `startOn` is assumed valid (see scheduleProblem). */
const anchorWall = (s: FrequencySchedule): number => {
  if (s.startOn === undefined) return floatingOf(EPOCH);
  const parsed = parseLocalDateTime(s.startOn);
  if (typeof parsed === 'string') throw new RangeError(`startOn: ${parsed}`);
  return floatingOf(parsed);
};

/** Calendar search steps from an estimate: a few at most; a bound so a bug cannot hang the scheduler. */
const MAX_ADJUST = 16;

const fixed = (anchor: number, step: number, first: number): Series => ({
  first,
  at: (k) => anchor + k * step,
  indexAfter: (ms) => Math.floor((ms - anchor) / step) + 1,
});

const calendar = (
  zone: string,
  first: number,
  wallAt: (k: number) => number,
  estimate: (wall: number) => number,
) => {
  const at = (k: number) => instantOf(zone, wallAt(k));
  return {
    first,
    at,
    indexAfter: (ms: number) => {
      let k = estimate(wallOf(zone, ms));
      for (let i = 0; i < MAX_ADJUST && at(k) > ms; i++) k--;
      for (let i = 0; i < MAX_ADJUST && at(k + 1) <= ms; i++) k++;
      if (at(k) > ms || at(k + 1) <= ms) throw new Error(`schedule index search did not converge at ${ms}`);
      return k + 1;
    },
  } satisfies Series;
};

export const seriesOf = (s: FrequencySchedule): Series => {
  const wall0 = anchorWall(s);
  const first = s.startOn === undefined ? Number.NEGATIVE_INFINITY : 0;
  switch (s.frequency) {
    case 'minute':
      return fixed(instantOf(s.timezone, wall0), s.every * MINUTE_MS, first);
    case 'hourly':
      return fixed(instantOf(s.timezone, wall0), s.every * HOUR_MS, first);
    case 'daily':
    case 'weekly': {
      const step = (s.frequency === 'daily' ? 1 : 7) * s.every * DAY_MS;
      return calendar(
        s.timezone,
        first,
        (k) => wall0 + k * step,
        (wall) => Math.floor((wall - wall0) / step),
      );
    }
    case 'monthly': {
      const a = new Date(wall0);
      const months0 = a.getUTCFullYear() * 12 + a.getUTCMonth();
      const day = a.getUTCDate();
      const time = ((wall0 % DAY_MS) + DAY_MS) % DAY_MS;
      const wallAt = (k: number) => {
        const months = months0 + k * s.every;
        const year = Math.floor(months / 12);
        const month = months - year * 12; // 0–11
        return Date.UTC(year, month, Math.min(day, daysInMonth(year, month + 1))) + time;
      };
      return calendar(s.timezone, first, wallAt, (wall) => {
        const w = new Date(wall);
        return Math.floor((w.getUTCFullYear() * 12 + w.getUTCMonth() - months0) / s.every);
      });
    }
  }
};
