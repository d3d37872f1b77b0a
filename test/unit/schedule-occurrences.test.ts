import { describe, expect, it } from 'vitest';
import {
  MAX_COUNTED_CRON,
  nextOccurrence,
  occurrencesBetween,
  previousOccurrence,
  upcoming,
} from '../../shared/schedule/index.ts';
import { schedule, at, isoOf } from '../helpers/schedule.ts';

describe('minute and hourly: fixed intervals of real time', () => {
  it('every minute: the next whole minute, strictly after (seconds in the reference are fine)', () => {
    // Prepare
    const s = schedule({ frequency: 'minute' });
    // Act & Assess
    expect(nextOccurrence(s, at('2026-11-29T10:00:00Z'))).toEqual(at('2026-11-29T10:01:00Z'));
    expect(nextOccurrence(s, at('2026-11-29T10:00:59.999Z'))).toEqual(at('2026-11-29T10:01:00Z'));
    expect(nextOccurrence(s, at('2026-11-29T09:59:59.999Z'))).toEqual(at('2026-11-29T10:00:00Z'));
  });

  it('every 2 hours from a startOn in Europe/Berlin: the issue example', () => {
    // Prepare
    const s = schedule({
      frequency: 'hourly',
      every: 2,
      startOn: '2026-12-01T09:00:00',
      timezone: 'Europe/Berlin',
    });
    // Act
    const next = upcoming(s, at('2026-11-01T00:00:00Z'), 3);
    // Assess: nothing before startOn (09:00 CET = 08:00Z), then every 2 hours
    expect(isoOf(next)).toEqual([
      '2026-12-01T08:00:00.000Z',
      '2026-12-01T10:00:00.000Z',
      '2026-12-01T12:00:00.000Z',
    ]);
  });
});

describe('occurrencesBetween', () => {
  it('a week down on a minute schedule: the first `limit`, and the rest counted without listing them', () => {
    // Prepare
    const s = schedule({ frequency: 'minute' });
    // Act
    const { occurrences, more } = occurrencesBetween(
      s,
      at('2026-11-22T00:00:30Z'),
      at('2026-11-29T00:00:30Z'),
      3,
    );
    // Assess: (after, until] holds 7 × 1440 whole minutes
    expect(isoOf(occurrences)).toEqual([
      '2026-11-22T00:01:00.000Z',
      '2026-11-22T00:02:00.000Z',
      '2026-11-22T00:03:00.000Z',
    ]);
    expect(more).toBe(7 * 1440 - 3);
  });

  it('a cron schedule counts `more` up to MAX_COUNTED_CRON', () => {
    // Prepare
    const s = schedule({ cron: '* * * * *' });
    // Act
    const { occurrences, more } = occurrencesBetween(
      s,
      at('2026-01-01T00:00:00Z'),
      at('2026-03-01T00:00:00Z'),
      2,
    );
    // Assess
    expect(occurrences).toHaveLength(2);
    expect(more).toBe(MAX_COUNTED_CRON);
  });
});

describe('occurrencesBetween: counts without stepping, and its edges', () => {
  it('a century of minutes and a millennium of days are counted, not listed (a stepping loop would not finish)', () => {
    // Prepare
    const minute = schedule({ frequency: 'minute', timezone: 'Europe/Berlin' });
    const daily = schedule({ frequency: 'monthly', startOn: '2026-01-31T09:00', timezone: 'Europe/Berlin' });
    // Act
    const century = occurrencesBetween(minute, at('2000-01-01T00:00:00Z'), at('2100-01-01T00:00:00Z'), 2);
    const months = occurrencesBetween(daily, undefined, at('2999-12-31T23:59:00Z'), 2);
    // Assess: 36,525 days of 1,440 minutes; Jan 2026 … Dec 2999 is 974 × 12 months
    expect(century.occurrences).toHaveLength(2);
    expect(century.more).toBe(36_525 * 1440 - 2);
    expect(isoOf(months.occurrences)).toEqual(['2026-01-31T08:00:00.000Z', '2026-02-28T08:00:00.000Z']);
    expect(months.more).toBe(974 * 12 - 2);
  });

  it('from the beginning: startOn inclusive; without one, 2024-01-01 00:00 in the zone (also for cron)', () => {
    // Prepare
    const daily = schedule({ frequency: 'daily', startOn: '2026-01-01T00:00' });
    const weekly = schedule({ frequency: 'weekly' });
    const cron = schedule({ cron: '0 0 * * *', timezone: 'Asia/Kolkata' });
    // Act & Assess
    expect(occurrencesBetween(daily, undefined, at('2026-01-03T00:00:00Z'), 10)).toEqual({
      occurrences: [at('2026-01-01T00:00:00Z'), at('2026-01-02T00:00:00Z'), at('2026-01-03T00:00:00Z')],
      more: 0,
    });
    // Monday 1 Jan 2024 is the epoch
    expect(occurrencesBetween(weekly, undefined, at('2024-01-08T00:00:00Z'), 10).occurrences).toEqual([
      at('2024-01-01T00:00:00Z'),
      at('2024-01-08T00:00:00Z'),
    ]);
    expect(occurrencesBetween(cron, undefined, at('2024-01-01T18:30:00Z'), 10).occurrences).toEqual([
      at('2023-12-31T18:30:00Z'),
      at('2024-01-01T18:30:00Z'),
    ]);
  });

  it('an empty or reversed range, or a limit of 0 or less, lists nothing', () => {
    // Prepare
    const s = schedule({ frequency: 'minute' });
    const cron = schedule({ cron: '* * * * *' });
    const t = at('2026-11-29T10:00:00Z');
    // Act & Assess
    expect(occurrencesBetween(s, t, t, 5)).toEqual({ occurrences: [], more: 0 });
    expect(occurrencesBetween(s, t, at('2026-11-29T09:00:00Z'), 5)).toEqual({ occurrences: [], more: 0 });
    expect(occurrencesBetween(s, t, at('2026-11-29T10:03:00Z'), 0)).toEqual({ occurrences: [], more: 3 });
    expect(occurrencesBetween(s, t, at('2026-11-29T10:03:00Z'), -1)).toEqual({ occurrences: [], more: 3 });
    expect(occurrencesBetween(cron, t, at('2026-11-29T10:03:00Z'), 0)).toEqual({ occurrences: [], more: 3 });
    expect(occurrencesBetween(cron, t, t, 5)).toEqual({ occurrences: [], more: 0 });
  });

  it('until is inclusive, after exclusive, and the scheduler may pass times with seconds', () => {
    // Prepare
    const s = schedule({ frequency: 'minute', every: 5 });
    // Act
    const { occurrences, more } = occurrencesBetween(
      s,
      at('2026-11-29T10:00:00Z'),
      at('2026-11-29T10:10:59.999Z'),
      10,
    );
    // Assess
    expect(isoOf(occurrences)).toEqual(['2026-11-29T10:05:00.000Z', '2026-11-29T10:10:00.000Z']);
    expect(more).toBe(0);
  });

  it('the day Samoa skipped (30 Dec 2011): its midnight runs at the jump, which is 31 Dec 00:00, listed once', () => {
    // Prepare: Samoa went from −10:00 straight to +14:00 at the end of 29 Dec 2011
    const s = schedule({ frequency: 'daily', startOn: '2011-12-01T00:00', timezone: 'Pacific/Apia' });
    const after = at('2011-12-28T00:00:00Z');
    const until = at('2011-12-31T12:00:00Z');
    // Act
    const listed = occurrencesBetween(s, after, until, 10);
    const counted = occurrencesBetween(s, after, until, 1);
    // Assess: 28 and 29 Dec 00:00 (−10:00); 30 Dec 00:00 never happened and merges with 31 Dec 00:00 (+14:00)
    expect(isoOf(listed.occurrences)).toEqual([
      '2011-12-28T10:00:00.000Z',
      '2011-12-29T10:00:00.000Z',
      '2011-12-30T10:00:00.000Z',
      '2011-12-31T10:00:00.000Z',
    ]);
    expect(listed.more).toBe(0);
    expect(upcoming(s, after, 4)).toEqual(listed.occurrences);
    // `more` counts the merged day as its own: the documented exception
    expect(counted.occurrences.length + counted.more).toBe(5);
  });
});

describe('previousOccurrence', () => {
  it('is the last one at or before the time', () => {
    // Prepare
    const s = schedule({ cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' });
    // Act & Assess: Friday 27 Nov 2026 09:00 CET = 08:00Z
    expect(previousOccurrence(s, at('2026-11-27T08:00:00Z'))).toEqual(at('2026-11-27T08:00:00Z'));
    expect(previousOccurrence(s, at('2026-11-27T07:59:59.999Z'))).toEqual(at('2026-11-26T08:00:00Z'));
    // and nothing before a startOn
    const daily = schedule({ frequency: 'daily', startOn: '2026-12-01T09:00' });
    expect(previousOccurrence(daily, at('2026-12-01T08:59:00Z'))).toBeUndefined();
    expect(previousOccurrence(daily, at('2026-12-01T09:00:00Z'))).toEqual(at('2026-12-01T09:00:00Z'));
  });
});
