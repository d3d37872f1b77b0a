import { describe, expect, it } from 'vitest';
import { nextOccurrence, occurrencesBetween, upcoming } from '../../shared/schedule/index.ts';
import { schedule, at, isoOf, wallClock } from '../helpers/schedule.ts';

/**
 * The wall clock an instant shows in a zone, with its UTC offset, from Intl alone
 * (the code under test uses luxon), e.g. `2026-03-29 03:00 +02:00`.
 */
const local = (date: Date, timeZone: string): string => {
  const parts = wallClock(date, timeZone);
  const offset =
    parts['timeZoneName'] === 'GMT' ? '+00:00' : String(parts['timeZoneName']).replace('GMT', '');
  return `${parts['year']}-${parts['month']}-${parts['day']} ${parts['hour']}:${parts['minute']} ${offset}`;
};
const localOf = (dates: Date[], zone: string) => dates.map((d) => local(d, zone));

describe('minute', () => {
  it('every 15 minutes without startOn: on the quarter hours', () => {
    // Prepare
    const s = schedule({ frequency: 'minute', every: 15 });
    // Act
    const next = upcoming(s, at('2026-11-29T10:07:42Z'), 3);
    // Assess
    expect(isoOf(next)).toEqual([
      '2026-11-29T10:15:00.000Z',
      '2026-11-29T10:30:00.000Z',
      '2026-11-29T10:45:00.000Z',
    ]);
  });

  it('every 7 minutes from startOn: counted from startOn, not from the hour', () => {
    // Prepare
    const s = schedule({ frequency: 'minute', every: 7, startOn: '2026-11-29T10:03' });
    // Act & Assess: nothing before startOn; then 10:03, 10:10, 10:17 …, across the hour 10:59, 11:06
    expect(isoOf(upcoming(s, at('2026-11-01T00:00:00Z'), 2))).toEqual([
      '2026-11-29T10:03:00.000Z',
      '2026-11-29T10:10:00.000Z',
    ]);
    expect(isoOf(upcoming(s, at('2026-11-29T10:58:00Z'), 2))).toEqual([
      '2026-11-29T10:59:00.000Z',
      '2026-11-29T11:06:00.000Z',
    ]);
  });

  it('every 5 minutes in Asia/Kathmandu (+05:45): on local 5-minute boundaries', () => {
    // Prepare
    const s = schedule({ frequency: 'minute', every: 5, timezone: 'Asia/Kathmandu' });
    // Act
    const next = upcoming(s, at('2026-11-29T10:00:00Z'), 2);
    // Assess: 10:00Z is 15:45 local, so the next are 15:50 and 15:55 local
    expect(localOf(next, 'Asia/Kathmandu')).toEqual(['2026-11-29 15:50 +05:45', '2026-11-29 15:55 +05:45']);
  });
});

describe('hourly: fixed intervals of real time, so local time jumps with daylight saving', () => {
  it('every hour without startOn in Asia/Kolkata (+05:30): at the top of the local hour (:30 UTC)', () => {
    // Prepare
    const s = schedule({ frequency: 'hourly', timezone: 'Asia/Kolkata' });
    // Act
    const next = upcoming(s, at('2026-11-29T10:00:00Z'), 2);
    // Assess
    expect(isoOf(next)).toEqual(['2026-11-29T10:30:00.000Z', '2026-11-29T11:30:00.000Z']);
    expect(localOf(next, 'Asia/Kolkata')).toEqual(['2026-11-29 16:00 +05:30', '2026-11-29 17:00 +05:30']);
  });

  it.each([
    ['Asia/Colombo', '+05:30'], // +06:00 until 2006
    ['Pacific/Norfolk', '+11:00'], // +11:30 until 2015
    ['America/Caracas', '-04:00'], // -04:30 from 2007 to 2016
  ])(
    'every hour without startOn in %s (moved by half an hour since 2000): the top of today’s local hour',
    (zone, offset) => {
      // Prepare
      const s = schedule({ frequency: 'hourly', timezone: zone });
      // Act
      const [next] = upcoming(s, at('2026-07-15T10:10:00Z'), 1);
      // Assess
      expect(next && local(next, zone)).toMatch(new RegExp(`^2026-07-15 \\d\\d:00 \\${offset}$`));
    },
  );

  it('Europe/Berlin spring forward (2026-03-29): every hour of real time, local 02:00 never shows', () => {
    // Prepare
    const s = schedule({ frequency: 'hourly', timezone: 'Europe/Berlin' });
    // Act
    const { occurrences } = occurrencesBetween(s, at('2026-03-28T23:30:00Z'), at('2026-03-29T03:00:00Z'), 10);
    // Assess: 00:00Z … 03:00Z, one hour apart
    expect(isoOf(occurrences)).toEqual([
      '2026-03-29T00:00:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-29T02:00:00.000Z',
      '2026-03-29T03:00:00.000Z',
    ]);
    expect(localOf(occurrences, 'Europe/Berlin')).toEqual([
      '2026-03-29 01:00 +01:00',
      '2026-03-29 03:00 +02:00',
      '2026-03-29 04:00 +02:00',
      '2026-03-29 05:00 +02:00',
    ]);
  });

  it('Europe/Berlin fall back (2026-10-25): every hour of real time, local 02:00 shows twice', () => {
    // Prepare
    const s = schedule({ frequency: 'hourly', timezone: 'Europe/Berlin' });
    // Act
    const { occurrences } = occurrencesBetween(s, at('2026-10-24T23:30:00Z'), at('2026-10-25T02:00:00Z'), 10);
    // Assess
    expect(localOf(occurrences, 'Europe/Berlin')).toEqual([
      '2026-10-25 02:00 +02:00',
      '2026-10-25 02:00 +01:00',
      '2026-10-25 03:00 +01:00',
    ]);
  });

  it('every 2 hours from 1 Dec 2026 09:00 Europe/Berlin: 09:00, 11:00 … in winter; 10:00, 12:00 … in summer', () => {
    // Prepare
    const s = schedule({
      frequency: 'hourly',
      every: 2,
      startOn: '2026-12-01T09:00:00',
      timezone: 'Europe/Berlin',
    });
    // Act
    const winter = upcoming(s, at('2026-12-01T00:00:00Z'), 2);
    const summer = upcoming(s, at('2027-06-01T06:30:00Z'), 2);
    // Assess: the interval is real time, so the local hour is odd in winter and even in summer
    expect(localOf(winter, 'Europe/Berlin')).toEqual(['2026-12-01 09:00 +01:00', '2026-12-01 11:00 +01:00']);
    expect(localOf(summer, 'Europe/Berlin')).toEqual(['2027-06-01 10:00 +02:00', '2027-06-01 12:00 +02:00']);
  });

  it('America/New_York (2026-03-08 and 2026-11-01): 3 hours of real time between occurrences, whatever the clock says', () => {
    // Prepare
    const s = schedule({
      frequency: 'hourly',
      every: 3,
      startOn: '2026-03-07T23:00',
      timezone: 'America/New_York',
    });
    const fall = schedule({
      frequency: 'hourly',
      every: 3,
      startOn: '2026-10-31T23:00',
      timezone: 'America/New_York',
    });
    // Act
    const spring = upcoming(s, at('2026-03-01T00:00:00Z'), 3);
    const autumn = upcoming(fall, at('2026-10-01T00:00:00Z'), 3);
    // Assess
    expect(localOf(spring, 'America/New_York')).toEqual([
      '2026-03-07 23:00 -05:00',
      '2026-03-08 03:00 -04:00',
      '2026-03-08 06:00 -04:00',
    ]);
    expect(localOf(autumn, 'America/New_York')).toEqual([
      '2026-10-31 23:00 -04:00',
      '2026-11-01 01:00 -05:00',
      '2026-11-01 04:00 -05:00',
    ]);
  });

  it('a startOn in the spring-forward gap starts at the first valid minute after it', () => {
    // Prepare: 02:30 does not exist in Berlin on 2026-03-29
    const s = schedule({ frequency: 'hourly', startOn: '2026-03-29T02:30', timezone: 'Europe/Berlin' });
    // Act
    const next = upcoming(s, at('2026-03-01T00:00:00Z'), 2);
    // Assess
    expect(localOf(next, 'Europe/Berlin')).toEqual(['2026-03-29 03:00 +02:00', '2026-03-29 04:00 +02:00']);
  });
});

describe('daily: wall clock in the zone', () => {
  it('without startOn: midnight in the zone', () => {
    // Prepare
    const utc = schedule({ frequency: 'daily' });
    const kolkata = schedule({ frequency: 'daily', timezone: 'Asia/Kolkata' });
    // Act & Assess
    expect(isoOf(upcoming(utc, at('2026-11-29T10:00:00Z'), 2))).toEqual([
      '2026-11-30T00:00:00.000Z',
      '2026-12-01T00:00:00.000Z',
    ]);
    expect(isoOf(upcoming(kolkata, at('2026-11-29T10:00:00Z'), 1))).toEqual(['2026-11-29T18:30:00.000Z']);
  });

  it('09:00 stays 09:00 across both Europe/Berlin changes', () => {
    // Prepare
    const s = schedule({ frequency: 'daily', startOn: '2026-03-27T09:00', timezone: 'Europe/Berlin' });
    // Act
    const spring = upcoming(s, at('2026-03-27T00:00:00Z'), 4);
    const autumn = upcoming(s, at('2026-10-23T12:00:00Z'), 4);
    // Assess: same local time, the UTC time moves by the hour
    expect(localOf(spring, 'Europe/Berlin')).toEqual([
      '2026-03-27 09:00 +01:00',
      '2026-03-28 09:00 +01:00',
      '2026-03-29 09:00 +02:00',
      '2026-03-30 09:00 +02:00',
    ]);
    expect(localOf(autumn, 'Europe/Berlin')).toEqual([
      '2026-10-24 09:00 +02:00',
      '2026-10-25 09:00 +01:00',
      '2026-10-26 09:00 +01:00',
      '2026-10-27 09:00 +01:00',
    ]);
  });

  it('02:30 Europe/Berlin: in the spring gap at 03:00 (the first valid minute); in the repeated hour once, the first time', () => {
    // Prepare
    const s = schedule({ frequency: 'daily', startOn: '2026-03-01T02:30', timezone: 'Europe/Berlin' });
    // Act
    const spring = upcoming(s, at('2026-03-27T12:00:00Z'), 3);
    const autumn = upcoming(s, at('2026-10-23T12:00:00Z'), 3);
    // Assess
    expect(localOf(spring, 'Europe/Berlin')).toEqual([
      '2026-03-28 02:30 +01:00',
      '2026-03-29 03:00 +02:00',
      '2026-03-30 02:30 +02:00',
    ]);
    expect(localOf(autumn, 'Europe/Berlin')).toEqual([
      '2026-10-24 02:30 +02:00',
      '2026-10-25 02:30 +02:00',
      '2026-10-26 02:30 +01:00',
    ]);
    // and the repeated 02:30 is not run a second time: nothing between the first 02:30 and the next day
    const between = occurrencesBetween(s, at('2026-10-25T00:30:00Z'), at('2026-10-26T00:00:00Z'), 10);
    expect(between).toEqual({ occurrences: [], more: 0 });
  });

  it('America/New_York 2026-03-08 and 2026-11-01: 02:30 moves to 03:00; 01:30 runs once, in EDT', () => {
    // Prepare
    const gap = schedule({ frequency: 'daily', startOn: '2026-03-01T02:30', timezone: 'America/New_York' });
    const twice = schedule({ frequency: 'daily', startOn: '2026-10-01T01:30', timezone: 'America/New_York' });
    // Act
    const spring = upcoming(gap, at('2026-03-07T12:00:00Z'), 2);
    const autumn = occurrencesBetween(twice, at('2026-10-31T12:00:00Z'), at('2026-11-02T12:00:00Z'), 10);
    // Assess
    expect(localOf(spring, 'America/New_York')).toEqual([
      '2026-03-08 03:00 -04:00',
      '2026-03-09 02:30 -04:00',
    ]);
    expect(localOf(autumn.occurrences, 'America/New_York')).toEqual([
      '2026-11-01 01:30 -04:00',
      '2026-11-02 01:30 -05:00',
    ]);
  });

  it('Australia/Lord_Howe, whose clocks move by 30 minutes: 02:15 on 2026-10-04 runs at 02:30', () => {
    // Prepare
    const s = schedule({ frequency: 'daily', startOn: '2026-10-01T02:15', timezone: 'Australia/Lord_Howe' });
    // Act
    const next = upcoming(s, at('2026-10-02T12:00:00Z'), 3);
    // Assess
    expect(localOf(next, 'Australia/Lord_Howe')).toEqual([
      '2026-10-03 02:15 +10:30',
      '2026-10-04 02:30 +11:00',
      '2026-10-05 02:15 +11:00',
    ]);
  });

  it('every 3 days counts from startOn', () => {
    // Prepare
    const s = schedule({ frequency: 'daily', every: 3, startOn: '2026-12-30T18:00', timezone: 'UTC' });
    // Act
    const next = upcoming(s, at('2026-12-31T00:00:00Z'), 3);
    // Assess
    expect(isoOf(next)).toEqual([
      '2027-01-02T18:00:00.000Z',
      '2027-01-05T18:00:00.000Z',
      '2027-01-08T18:00:00.000Z',
    ]);
  });

  it('every 2 days without startOn counts from 2024-01-01, so the answer does not depend on when one asks', () => {
    // Prepare
    const s = schedule({ frequency: 'daily', every: 2 });
    const dayNumber = (d: Date) => (d.getTime() - Date.UTC(2024, 0, 1)) / 86_400_000;
    // Act
    const early = upcoming(s, at('2026-11-29T10:00:00Z'), 1)[0];
    const later = upcoming(s, at('2026-11-30T10:00:00Z'), 1)[0];
    // Assess: even days since the epoch, and asking a day later skips ahead to the same series
    expect(early && dayNumber(early) % 2).toBe(0);
    expect(later && dayNumber(later) % 2).toBe(0);
    expect(later && early && later.getTime() - early.getTime()).toBe(2 * 86_400_000);
  });
});

describe('weekly', () => {
  it('without startOn: Mondays at 00:00 in the zone', () => {
    // Prepare: Sunday 29 Nov 2026
    const s = schedule({ frequency: 'weekly', timezone: 'America/New_York' });
    // Act
    const next = upcoming(s, at('2026-11-29T12:00:00Z'), 2);
    // Assess
    expect(localOf(next, 'America/New_York')).toEqual(['2026-11-30 00:00 -05:00', '2026-12-07 00:00 -05:00']);
  });

  it('every 3 weeks from a Wednesday, across the New York spring change, at the same local time', () => {
    // Prepare
    const s = schedule({
      frequency: 'weekly',
      every: 3,
      startOn: '2026-02-18T08:00',
      timezone: 'America/New_York',
    });
    // Act
    const next = upcoming(s, at('2026-01-01T00:00:00Z'), 3);
    // Assess
    expect(localOf(next, 'America/New_York')).toEqual([
      '2026-02-18 08:00 -05:00',
      '2026-03-11 08:00 -04:00',
      '2026-04-01 08:00 -04:00',
    ]);
  });

  it('every 2 weeks without startOn: Mondays an even number of weeks after Monday 2024-01-01', () => {
    // Prepare
    const s = schedule({ frequency: 'weekly', every: 2 });
    // Act
    const [next] = upcoming(s, at('2026-11-29T12:00:00Z'), 1);
    // Assess
    const weeks = ((next?.getTime() ?? 0) - Date.UTC(2024, 0, 1)) / (7 * 86_400_000);
    expect(Number.isInteger(weeks) && weeks % 2 === 0).toBe(true);
    expect(next?.getUTCDay()).toBe(1);
  });
});

describe('monthly: month ends are clamped, never skipped, never drifting', () => {
  it('from 31 Jan 2026: Feb 28, Mar 31, Apr 30, May 31', () => {
    // Prepare
    const s = schedule({ frequency: 'monthly', startOn: '2026-01-31T09:00' });
    // Act
    const next = upcoming(s, at('2026-01-01T00:00:00Z'), 5);
    // Assess
    expect(isoOf(next)).toEqual([
      '2026-01-31T09:00:00.000Z',
      '2026-02-28T09:00:00.000Z',
      '2026-03-31T09:00:00.000Z',
      '2026-04-30T09:00:00.000Z',
      '2026-05-31T09:00:00.000Z',
    ]);
  });

  it('from 31 Jan 2028 (a leap year): Feb 29', () => {
    // Prepare
    const s = schedule({ frequency: 'monthly', startOn: '2028-01-31T00:00', timezone: 'Europe/Berlin' });
    // Act
    const next = upcoming(s, at('2028-02-01T00:00:00Z'), 2);
    // Assess
    expect(localOf(next, 'Europe/Berlin')).toEqual(['2028-02-29 00:00 +01:00', '2028-03-31 00:00 +02:00']);
  });

  it('every 12 months from 29 Feb 2028: Feb 28 in common years, Feb 29 again in 2032', () => {
    // Prepare
    const s = schedule({ frequency: 'monthly', every: 12, startOn: '2028-02-29T12:00' });
    // Act
    const next = upcoming(s, at('2028-03-01T00:00:00Z'), 4);
    // Assess
    expect(isoOf(next)).toEqual([
      '2029-02-28T12:00:00.000Z',
      '2030-02-28T12:00:00.000Z',
      '2031-02-28T12:00:00.000Z',
      '2032-02-29T12:00:00.000Z',
    ]);
  });

  it('every 2 months from 31 Dec: Feb 28, Apr 30, Jun 30, Aug 31 (from the anchor, so a short month never sticks)', () => {
    // Prepare
    const s = schedule({
      frequency: 'monthly',
      every: 2,
      startOn: '2026-12-31T23:59',
      timezone: 'Asia/Kolkata',
    });
    // Act
    const next = upcoming(s, at('2027-01-01T00:00:00Z'), 4);
    // Assess
    expect(localOf(next, 'Asia/Kolkata')).toEqual([
      '2027-02-28 23:59 +05:30',
      '2027-04-30 23:59 +05:30',
      '2027-06-30 23:59 +05:30',
      '2027-08-31 23:59 +05:30',
    ]);
  });

  it('without startOn: the 1st at 00:00 in the zone', () => {
    // Prepare
    const s = schedule({ frequency: 'monthly', timezone: 'America/New_York' });
    // Act
    const next = upcoming(s, at('2026-11-29T12:00:00Z'), 2);
    // Assess
    expect(localOf(next, 'America/New_York')).toEqual(['2026-12-01 00:00 -05:00', '2027-01-01 00:00 -05:00']);
  });

  it('the 29th at 02:30 in Berlin meets the spring gap on 29 Mar 2026: 03:00 that month only', () => {
    // Prepare
    const s = schedule({ frequency: 'monthly', startOn: '2026-01-29T02:30', timezone: 'Europe/Berlin' });
    // Act
    const next = upcoming(s, at('2026-02-01T00:00:00Z'), 3);
    // Assess
    expect(localOf(next, 'Europe/Berlin')).toEqual([
      '2026-02-28 02:30 +01:00',
      '2026-03-29 03:00 +02:00',
      '2026-04-29 02:30 +02:00',
    ]);
  });
});

describe('nextOccurrence honours startOn', () => {
  it('asks before startOn: the startOn itself; at it: the one after', () => {
    // Prepare
    const s = schedule({ frequency: 'daily', startOn: '2026-12-01T09:00', timezone: 'Europe/Berlin' });
    // Act & Assess
    expect(nextOccurrence(s, at('2020-01-01T00:00:00Z'))).toEqual(at('2026-12-01T08:00:00Z'));
    expect(nextOccurrence(s, at('2026-12-01T08:00:00Z'))).toEqual(at('2026-12-02T08:00:00Z'));
  });
});
