import { describe, expect, it } from 'vitest';
import { ScheduleSchema } from '../../shared/model/schedule.ts';
import type { Schedule } from '../../shared/model/schedule.ts';
import {
  MAX_COUNTED_CRON,
  nextOccurrence,
  occurrencesBetween,
  previousOccurrence,
  upcoming,
} from '../../shared/schedule/index.ts';

/** A schedule as a job definition gives it, defaults filled in. */
const schedule = (input: Record<string, unknown>): Schedule => ScheduleSchema.parse(input);
const at = (iso: string) => new Date(iso);
const isoOf = (dates: Date[]) => dates.map((d) => d.toISOString());

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
