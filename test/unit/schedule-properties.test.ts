import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FREQUENCIES, daysInMonth } from '../../shared/model/schedule.ts';
import type { Schedule } from '../../shared/model/schedule.ts';
import {
  nextOccurrence,
  occurrencesBetween,
  previousOccurrence,
  upcoming,
} from '../../shared/schedule/index.ts';
import { wallClock } from '../helpers/schedule.ts';

/** Zones with whole-hour, half-hour and 30-minute DST changes, +05:45, a day skipped (Apia, Dec 2011). */
const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Australia/Lord_Howe',
  'America/St_Johns',
  'Pacific/Chatham',
  'Pacific/Apia',
] as const;

const MINUTE = 60_000;
// from 2012: the listings merge the day Samoa skipped in 2011, which the chain test below would count twice
const FROM = Date.UTC(2012, 0, 1);
const TO = Date.UTC(2045, 0, 1);
const two = (n: number) => String(n).padStart(2, '0');

/** Local wall clock (`YYYY-MM-DD HH:mm`) from Intl alone, independent of the luxon code under test. */
const wall = (ms: number, timeZone: string): { date: string; time: string; day: number } => {
  const parts = wallClock(new Date(ms), timeZone);
  return {
    date: `${parts['year']}-${parts['month']}-${parts['day']}`,
    time: `${parts['hour']}:${parts['minute']}`,
    day: Number(parts['day']),
  };
};
/** Floating minutes of a wall clock (its fields read as UTC), to compare wall times across a change. */
const floating = (date: string, time: string) => Date.parse(`${date}T${time}:00Z`) / MINUTE;

/**
 * Whether the clocks jumped over the wall time `time` (HH:mm) in the minute before `ms`:
 * some day's `time` lies strictly between the wall clock a minute earlier and the one at `ms`.
 */
const jumpedOver = (ms: number, zone: string, time: string): boolean => {
  const before = wall(ms - MINUTE, zone);
  const now = wall(ms, zone);
  const from = floating(before.date, before.time) + 1;
  const [h, m] = time.split(':').map(Number) as [number, number];
  let candidate = Math.floor(from / 1440) * 1440 + h * 60 + m;
  if (candidate < from) candidate += 1440;
  return candidate < floating(now.date, now.time);
};

const startOnArb = fc
  .record({
    year: fc.integer({ min: 1995, max: 2040 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 31 }),
    hour: fc.integer({ min: 0, max: 23 }),
    // whole and half hours often, to meet the DST gaps and repeated hours
    minute: fc.oneof(fc.constantFrom(0, 30), fc.integer({ min: 0, max: 59 })),
  })
  .map(({ year, month, day, hour, minute }) => {
    const d = Math.min(day, daysInMonth(year, month));
    return `${year}-${two(month)}-${two(d)}T${two(hour)}:${two(minute)}`;
  });

const frequencyArb: fc.Arbitrary<Schedule> = fc
  .record({
    frequency: fc.constantFrom(...FREQUENCIES),
    every: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 40 })),
    startOn: fc.option(startOnArb, { nil: undefined }),
    timezone: fc.constantFrom(...ZONES),
  })
  .map(({ startOn, ...rest }) => ({
    ...rest,
    ...(startOn === undefined ? {} : { startOn }),
    catchUp: 'latest' as const,
    maxCatchUp: 100,
    overlap: 'skip' as const,
  }));

/** A time with seconds and milliseconds, as the scheduler's clock gives. */
const instantArb = fc.integer({ min: FROM, max: TO });

describe('properties of frequency schedules', () => {
  it('next and previous agree: prev(x) ≤ x < next(x), nothing between, and both are whole minutes', () => {
    fc.assert(
      fc.property(frequencyArb, instantArb, (s, x) => {
        const next = nextOccurrence(s, new Date(x));
        expect(next).toBeDefined();
        const n = next?.getTime() ?? 0;
        expect(n).toBeGreaterThan(x);
        expect(n % MINUTE).toBe(0);
        expect(previousOccurrence(s, new Date(n))?.getTime()).toBe(n);
        const prev = previousOccurrence(s, new Date(x));
        if (prev === undefined) {
          // only before the first occurrence of a schedule with a startOn
          expect(s).toHaveProperty('startOn');
          expect(previousOccurrence(s, new Date(n - 1))).toBeUndefined();
        } else {
          expect(prev.getTime()).toBeLessThanOrEqual(x);
          expect(prev.getTime() % MINUTE).toBe(0);
          expect(nextOccurrence(s, prev)?.getTime()).toBe(n);
          expect(previousOccurrence(s, new Date(n - 1))?.getTime()).toBe(prev.getTime());
        }
      }),
      { numRuns: 400 },
    );
  });

  it('occurrencesBetween is the chain of next occurrences in (after, until], and `more` counts the rest exactly', () => {
    fc.assert(
      fc.property(
        frequencyArb,
        instantArb,
        fc.integer({ min: 0, max: 120 }),
        fc.integer({ min: 0, max: 8 }),
        (s, x, stepsAhead, limit) => {
          // until: somewhere up to a few hundred occurrences ahead, so the chain below stays short
          const ahead: Date[] = [];
          for (let t = new Date(x); ahead.length < stepsAhead;) {
            t = nextOccurrence(s, t) ?? t;
            ahead.push(t);
          }
          const until = (ahead.at(-1)?.getTime() ?? x) + (stepsAhead % 2 === 0 ? 0 : 59_999);
          const { occurrences, more } = occurrencesBetween(s, new Date(x), new Date(until), limit);
          expect(occurrences.length).toBe(Math.min(limit, ahead.length));
          expect(occurrences.length + more).toBe(ahead.length);
          expect(occurrences).toEqual(ahead.slice(0, limit));
          for (const o of occurrences) {
            expect(o.getTime()).toBeGreaterThan(x);
            expect(o.getTime()).toBeLessThanOrEqual(until);
          }
          // strictly increasing, and upcoming() lists the same
          for (let i = 1; i < ahead.length; i++) {
            expect(ahead[i]!.getTime()).toBeGreaterThan(ahead[i - 1]!.getTime());
          }
          expect(upcoming(s, new Date(x), stepsAhead)).toEqual(ahead);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('minute and hourly: exactly `every` units of real time apart', () => {
    const fixedArb = frequencyArb.filter(
      (s) => 'frequency' in s && (s.frequency === 'minute' || s.frequency === 'hourly'),
    );
    fc.assert(
      fc.property(fixedArb, instantArb, (s, x) => {
        const [a, b, c] = upcoming(s, new Date(x), 3);
        const step = 'frequency' in s ? s.every * (s.frequency === 'minute' ? MINUTE : 60 * MINUTE) : 0;
        expect((b?.getTime() ?? 0) - (a?.getTime() ?? 0)).toBe(step);
        expect((c?.getTime() ?? 0) - (b?.getTime() ?? 0)).toBe(step);
      }),
      { numRuns: 200 },
    );
  });

  it('daily, weekly, monthly: the startOn wall-clock time, or the first minute after a DST gap; once; month ends clamped', () => {
    const calendarArb = fc
      .tuple(frequencyArb, startOnArb)
      .map(([s, startOn]) => ({ ...s, startOn }))
      .filter((s) => 'frequency' in s && ['daily', 'weekly', 'monthly'].includes(s.frequency));
    fc.assert(
      fc.property(calendarArb, instantArb, (s, x) => {
        if (!('frequency' in s) || s.startOn === undefined) return;
        const [date, time] = s.startOn.split('T') as [string, string];
        const startDay = Number(date.slice(8, 10));
        for (const o of upcoming(s, new Date(x), 4)) {
          const local = wall(o.getTime(), s.timezone);
          if (local.time !== time) {
            // the time did not exist that day: we ran at the minute the clocks jumped over it
            expect(jumpedOver(o.getTime(), s.timezone, time)).toBe(true);
          } else {
            // a time that happened twice: this is its first instance (none in the three hours before)
            for (const back of [30, 60, 120, 180]) {
              const earlier = wall(o.getTime() - back * MINUTE, s.timezone);
              expect(earlier.date === local.date && earlier.time === time).toBe(false);
            }
          }
          if (s.frequency === 'monthly' && local.time === time) {
            const [y, m] = local.date.split('-').map(Number) as [number, number];
            expect(local.day).toBe(Math.min(startDay, daysInMonth(y, m)));
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

/** The zone's UTC offset in minutes at an instant, from Intl. */
const offsetOf = (ms: number, zone: string): number => {
  const w = wall(ms, zone);
  return floating(w.date, w.time) - Math.floor(ms / MINUTE);
};

/** The instants (whole minutes) where the zone's offset changes in [from, to), found with Intl. */
const transitionsOf = (zone: string, from: number, to: number): number[] => {
  const found: number[] = [];
  const DAY = 24 * 60 * MINUTE;
  for (let day = from; day < to; day += DAY) {
    if (offsetOf(day, zone) === offsetOf(day + DAY, zone)) continue;
    let lo = day / MINUTE;
    let hi = (day + DAY) / MINUTE;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (offsetOf(mid * MINUTE, zone) === offsetOf(day, zone)) lo = mid;
      else hi = mid;
    }
    found.push(hi * MINUTE);
  }
  return found;
};

describe('properties around the daylight-saving changes themselves', () => {
  const TRANSITIONS = [
    ...ZONES.flatMap((zone) =>
      transitionsOf(zone, Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1)).map((at) => ({ zone, at })),
    ),
    // Samoa skipped 30 Dec 2011 (from -10:00 to +14:00)
    ...transitionsOf('Pacific/Apia', Date.UTC(2011, 11, 25), Date.UTC(2012, 0, 5)).map((at) => ({
      zone: 'Pacific/Apia',
      at,
    })),
  ];

  it('finds the changes it tests (Berlin, New York, St John’s, Lord Howe, Chatham twice in 2026; Apia in 2011)', () => {
    expect(TRANSITIONS.length).toBe(11);
    expect(TRANSITIONS).toContainEqual({ zone: 'Europe/Berlin', at: Date.UTC(2026, 2, 29, 1) });
    expect(TRANSITIONS).toContainEqual({ zone: 'America/New_York', at: Date.UTC(2026, 10, 1, 6) });
  });

  it('a daily, weekly or monthly time near a change: its wall time, or the minute the clocks jumped over it; a repeated time once, the first', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TRANSITIONS),
        fc.constantFrom('daily', 'weekly', 'monthly'),
        fc.integer({ min: -90, max: 90 }),
        ({ zone, at }, frequency, shift) => {
          // Prepare: a wall time `shift` minutes from the change's wall time, a start weeks before
          const changeWall = wall(at - MINUTE, zone);
          const target = new Date((floating(changeWall.date, changeWall.time) + 1 + shift) * MINUTE);
          const time = `${two(target.getUTCHours())}:${two(target.getUTCMinutes())}`;
          const day = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth(), target.getUTCDate()));
          const back = frequency === 'monthly' ? 0 : 28;
          const start = new Date(day.getTime() - back * 24 * 60 * MINUTE);
          const startMonth = frequency === 'monthly' ? (start.getUTCMonth() + 11) % 12 : start.getUTCMonth();
          const startYear =
            frequency === 'monthly' && start.getUTCMonth() === 0
              ? start.getUTCFullYear() - 1
              : start.getUTCFullYear();
          const startOn = `${startYear}-${two(startMonth + 1)}-${two(Math.min(start.getUTCDate(), daysInMonth(startYear, startMonth + 1)))}T${time}`;
          const s: Schedule = {
            frequency,
            every: 1,
            startOn,
            timezone: zone,
            catchUp: 'latest',
            maxCatchUp: 100,
            overlap: 'skip',
          };
          // Act
          const { occurrences } = occurrencesBetween(
            s,
            new Date(at - 2 * 24 * 60 * MINUTE),
            new Date(at + 2 * 24 * 60 * MINUTE),
            10,
          );
          // Assess
          // distinct instants, in order (the day Samoa skipped merges into the next day's occurrence)
          for (let i = 1; i < occurrences.length; i++) {
            expect(occurrences[i]!.getTime()).toBeGreaterThan(occurrences[i - 1]!.getTime());
          }
          for (const o of occurrences) {
            const local = wall(o.getTime(), zone);
            if (local.time !== time) {
              expect(jumpedOver(o.getTime(), zone, time)).toBe(true);
            } else {
              for (let backMinutes = 15; backMinutes <= 180; backMinutes += 15) {
                const earlier = wall(o.getTime() - backMinutes * MINUTE, zone);
                expect(earlier.date === local.date && earlier.time === time).toBe(false);
              }
            }
          }
          // the day of the change has its occurrence (daily always; weekly and monthly fall on it by construction)
          expect(occurrences.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('properties of cron schedules', () => {
  const EXPRESSIONS = [
    '* * * * *',
    '*/7 * * * *',
    '30 2 * * *',
    '0 9 * * 1-5',
    '15,45 1 * * *',
    '0 0 L * *',
    '0 */5 * * 0',
  ];
  const cronArb: fc.Arbitrary<Schedule> = fc
    .record({ cron: fc.constantFrom(...EXPRESSIONS), timezone: fc.constantFrom(...ZONES) })
    .map((c) => ({ ...c, catchUp: 'latest' as const, maxCatchUp: 100, overlap: 'skip' as const }));

  it('next/previous agree and occurrencesBetween is the chain of next occurrences', () => {
    fc.assert(
      fc.property(cronArb, instantArb, fc.integer({ min: 0, max: 5 }), (s, x, limit) => {
        const ahead = upcoming(s, new Date(x), 6);
        expect(ahead).toHaveLength(6);
        const n = ahead[0]!.getTime();
        expect(n).toBeGreaterThan(x);
        expect(n % MINUTE).toBe(0);
        expect(previousOccurrence(s, new Date(n))?.getTime()).toBe(n);
        const prev = previousOccurrence(s, new Date(x));
        expect(prev && nextOccurrence(s, prev)?.getTime()).toBe(n);
        const until = ahead[5]!.getTime();
        const { occurrences, more } = occurrencesBetween(s, new Date(x), new Date(until), limit);
        expect(occurrences).toEqual(ahead.slice(0, limit));
        expect(occurrences.length + more).toBe(6);
      }),
      { numRuns: 60 },
    );
  });
});
