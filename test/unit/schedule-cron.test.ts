import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../shared/model/schedule.ts';
import {
  nextOccurrence,
  occurrencesBetween,
  previousOccurrence,
  upcoming,
} from '../../shared/schedule/index.ts';
import { schedule, at, isoOf } from '../helpers/schedule.ts';

describe('cron in a time zone', () => {
  it('0 9 * * 1-5 in Europe/Berlin: weekdays at 09:00 local, through the autumn change', () => {
    // Prepare: Fri 23 Oct 2026; Berlin leaves summer time on Sun 25 Oct
    const s = schedule({ cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' });
    // Act
    const next = upcoming(s, at('2026-10-23T00:00:00Z'), 3);
    // Assess: 07:00Z in summer time, 08:00Z after
    expect(isoOf(next)).toEqual([
      '2026-10-23T07:00:00.000Z',
      '2026-10-26T08:00:00.000Z',
      '2026-10-27T08:00:00.000Z',
    ]);
  });

  it('the same expression in UTC and in Asia/Kolkata fires at different instants', () => {
    // Prepare
    const utc = schedule({ cron: '0 9 * * *' });
    const kolkata = schedule({ cron: '0 9 * * *', timezone: 'Asia/Kolkata' });
    // Act & Assess
    expect(nextOccurrence(utc, at('2026-11-29T00:00:00Z'))).toEqual(at('2026-11-29T09:00:00Z'));
    expect(nextOccurrence(kolkata, at('2026-11-29T00:00:00Z'))).toEqual(at('2026-11-29T03:30:00Z'));
  });

  it('spaces between fields do not matter', () => {
    // Prepare
    const s = schedule({ cron: '  0   9 *  * 1-5 ', timezone: 'Europe/Berlin' });
    // Act & Assess
    expect(nextOccurrence(s, at('2026-10-23T00:00:00Z'))).toEqual(at('2026-10-23T07:00:00Z'));
  });

  it('seconds in the reference are fine: strictly after, whole minutes', () => {
    // Prepare
    const s = schedule({ cron: '* * * * *' });
    // Act & Assess
    expect(nextOccurrence(s, at('2026-11-29T10:00:00Z'))).toEqual(at('2026-11-29T10:01:00Z'));
    expect(nextOccurrence(s, at('2026-11-29T10:00:59.999Z'))).toEqual(at('2026-11-29T10:01:00Z'));
    expect(nextOccurrence(s, at('2026-11-29T09:59:59.999Z'))).toEqual(at('2026-11-29T10:00:00Z'));
    expect(previousOccurrence(s, at('2026-11-29T10:00:59.999Z'))).toEqual(at('2026-11-29T10:00:00Z'));
  });

  it('an expression that never comes again gives nothing', () => {
    // Prepare: a schedule built without the schema (scheduleProblem refuses it at the edge)
    const s: Schedule = {
      cron: '0 0 30 2 *',
      timezone: 'UTC',
      catchUp: 'latest',
      maxCatchUp: 100,
      overlap: 'skip',
    };
    // Act & Assess
    expect(nextOccurrence(s, at('2026-11-29T00:00:00Z'))).toBeUndefined();
    expect(upcoming(s, at('2026-11-29T00:00:00Z'), 5)).toEqual([]);
    expect(occurrencesBetween(s, at('2026-01-01T00:00:00Z'), at('2030-01-01T00:00:00Z'), 5)).toEqual({
      occurrences: [],
      more: 0,
    });
  });

  it('last day of the month (croner’s L) and OR of day-of-month and day-of-week, as Vixie cron', () => {
    // Prepare
    const last = schedule({ cron: '0 12 L * *' });
    const either = schedule({ cron: '0 12 1 * 1' });
    // Act & Assess
    expect(isoOf(upcoming(last, at('2028-02-01T00:00:00Z'), 2))).toEqual([
      '2028-02-29T12:00:00.000Z',
      '2028-03-31T12:00:00.000Z',
    ]);
    // Tue 1 Dec 2026 (the 1st) and Mon 7 Dec 2026 (a Monday)
    expect(isoOf(upcoming(either, at('2026-11-30T13:00:00Z'), 2))).toEqual([
      '2026-12-01T12:00:00.000Z',
      '2026-12-07T12:00:00.000Z',
    ]);
  });
});

describe('cron and daylight saving (croner’s rules, as Vixie cron)', () => {
  it('a fixed time in the spring gap runs at the first valid time after it; in the repeated hour, once', () => {
    // Prepare
    const s = schedule({ cron: '30 2 * * *', timezone: 'Europe/Berlin' });
    // Act
    const spring = upcoming(s, at('2026-03-28T12:00:00Z'), 2);
    const autumn = upcoming(s, at('2026-10-24T12:00:00Z'), 2);
    // Assess: 03:00 CEST on 29 Mar; the first 02:30 (CEST) on 25 Oct, not the second
    expect(isoOf(spring)).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
    expect(isoOf(autumn)).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
  });

  it('an interval expression skips the gap and runs on both passes of the repeated hour; a list of fixed times runs once', () => {
    // Prepare
    const s = schedule({ cron: '*/30 2 * * *', timezone: 'America/New_York' });
    // Act
    const spring = occurrencesBetween(s, at('2026-03-08T00:00:00Z'), at('2026-03-08T12:00:00Z'), 10);
    const autumn = occurrencesBetween(s, at('2026-10-31T12:00:00Z'), at('2026-11-01T12:00:00Z'), 10);
    // Assess: no 02:00–02:59 on 8 Mar; and the 1 Nov repeated hour is 01:00–01:59, so 02:xx once
    expect(spring).toEqual({ occurrences: [], more: 0 });
    expect(isoOf(autumn.occurrences)).toEqual(['2026-11-01T07:00:00.000Z', '2026-11-01T07:30:00.000Z']);
    // a fixed time in New York's repeated hour (01:00–01:59 on 1 Nov), also in a list: once, the first pass
    const once = schedule({ cron: '15 1 * * *', timezone: 'America/New_York' });
    const list = schedule({ cron: '15,45 1 * * *', timezone: 'America/New_York' });
    const everyQuarter = schedule({ cron: '*/15 1 * * *', timezone: 'America/New_York' });
    const window = [at('2026-11-01T04:00:00Z'), at('2026-11-01T08:00:00Z')] as const;
    expect(isoOf(occurrencesBetween(once, ...window, 10).occurrences)).toEqual(['2026-11-01T05:15:00.000Z']);
    expect(isoOf(occurrencesBetween(list, ...window, 10).occurrences)).toEqual([
      '2026-11-01T05:15:00.000Z',
      '2026-11-01T05:45:00.000Z',
    ]);
    // an interval expression runs through both passes
    expect(occurrencesBetween(everyQuarter, ...window, 10).occurrences).toHaveLength(8);
  });
});
