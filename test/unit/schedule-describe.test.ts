import { describe, expect, it } from 'vitest';
import { JobSchema } from '../../shared/model/index.ts';
import type { Schedule } from '../../shared/model/schedule.ts';
import { describeSchedule, scheduleHash, scheduleProblem } from '../../shared/schedule/index.ts';
import { schedule } from '../helpers/schedule.ts';

/** A schedule as it might reach the arithmetic without the schema (defaults given, nothing checked). */
const unchecked = (fields: Record<string, unknown>): Schedule =>
  ({ timezone: 'UTC', catchUp: 'latest', maxCatchUp: 100, overlap: 'skip', ...fields }) as Schedule;

describe('describeSchedule', () => {
  it.each([
    [{ frequency: 'minute' }, 'every minute'],
    [{ frequency: 'minute', timezone: 'Europe/Berlin' }, 'every minute'],
    [{ frequency: 'minute', every: 5 }, 'every 5 minutes'],
    // +05:45 is a whole number of 5 minutes: the same instants as in UTC; not of 7
    [{ frequency: 'minute', every: 5, timezone: 'Asia/Kathmandu' }, 'every 5 minutes'],
    [{ frequency: 'minute', every: 7, timezone: 'Asia/Kathmandu' }, 'every 7 minutes (Asia/Kathmandu)'],
    [{ frequency: 'hourly' }, 'every hour'],
    [{ frequency: 'hourly', timezone: 'Europe/Berlin' }, 'every hour'],
    [{ frequency: 'hourly', timezone: 'Asia/Kolkata' }, 'every hour (Asia/Kolkata)'],
    [{ frequency: 'hourly', every: 2, timezone: 'Europe/Berlin' }, 'every 2 hours (Europe/Berlin)'],
    [{ frequency: 'hourly', every: 2, timezone: 'Asia/Kolkata' }, 'every 2 hours (Asia/Kolkata)'],
    [
      { frequency: 'hourly', every: 2, startOn: '2026-12-01T09:00:00', timezone: 'Europe/Berlin' },
      'every 2 hours from 1 Dec 2026 09:00 Europe/Berlin',
    ],
    [{ frequency: 'daily' }, 'every day at 00:00 UTC'],
    [
      { frequency: 'daily', every: 2, timezone: 'America/New_York' },
      'every 2 days at 00:00 America/New_York',
    ],
    [{ frequency: 'daily', startOn: '2026-03-01T02:30' }, 'every day from 1 Mar 2026 02:30 UTC'],
    [{ frequency: 'weekly' }, 'every week on Monday at 00:00 UTC'],
    [
      { frequency: 'weekly', every: 3, startOn: '2026-12-02T18:45' },
      'every 3 weeks from 2 Dec 2026 18:45 UTC',
    ],
    [{ frequency: 'monthly' }, 'every month on the 1st at 00:00 UTC'],
    [
      { frequency: 'monthly', startOn: '2026-01-31T09:00', timezone: 'Europe/Berlin' },
      'every month from 31 Jan 2026 09:00 Europe/Berlin',
    ],
    [
      { frequency: 'monthly', every: 12, startOn: '2028-02-29T12:00' },
      'every 12 months from 29 Feb 2028 12:00 UTC',
    ],
    [{ cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' }, 'cron 0 9 * * 1-5 (Europe/Berlin)'],
    [{ cron: ' 0  9 * *   1-5' }, 'cron 0 9 * * 1-5 (UTC)'],
  ])('%j → %s', (input, sentence) => {
    expect(describeSchedule(schedule(input))).toBe(sentence);
  });
});

describe('scheduleProblem: a sentence for a 400', () => {
  it.each([
    [{ frequency: 'daily', timezone: 'Mars/Olympus' }, 'timezone: Mars/Olympus is not an IANA time zone'],
    [
      { frequency: 'daily', startOn: '2026-02-30T09:00' },
      'startOn: 2026-02-30T09:00 is not a real date and time',
    ],
    [
      { frequency: 'daily', startOn: '2026-12-01T24:00' },
      'startOn: 2026-12-01T24:00 is not a real date and time',
    ],
    [{ frequency: 'daily', startOn: '2026-12-01T09:00:30' }, 'the seconds must be 00'],
    [{ frequency: 'daily', startOn: '1969-12-31T09:00' }, 'a schedule starts in 1970 or later'],
    [
      { frequency: 'daily', startOn: '2026-12-01 09:00' },
      'is not a local date and time such as 2026-12-01T09:00:00',
    ],
    [{ frequency: 'daily', startOn: '2026-12-01T09:00+01:00' }, 'is not a local date and time'],
    [
      { cron: '0 0 9 * * *' },
      'has 6 fields; a schedule takes exactly 5 (minute hour day-of-month month day-of-week), no seconds',
    ],
    [{ cron: '0 9 * *' }, 'has 4 fields; a schedule takes exactly 5'],
    [{ cron: '@daily' }, 'nicknames are not supported'],
    [{ cron: '? 9 * * *' }, '"?" is not supported'],
    [{ cron: '61 * * * *' }, 'cron: "61 * * * *" is not a valid expression: Invalid value for minute: 61'],
    [{ cron: '0 9 * * funday' }, 'cron: "0 9 * * funday" is not a valid expression'],
    [{ cron: '0 0 30 2 *' }, 'cron: "0 0 30 2 *" never fires'],
  ])('%j', (fields, message) => {
    expect(scheduleProblem(unchecked(fields))).toContain(message);
  });

  it.each([
    { frequency: 'minute' },
    { frequency: 'monthly', every: 3, startOn: '2026-01-31T23:59:00', timezone: 'Australia/Lord_Howe' },
    { cron: '0 9 * * MON-FRI', timezone: 'America/New_York' },
    { cron: '0 12 L * *' },
    { cron: '0 0 29 2 *' },
  ])('%j is fine', (input) => {
    expect(scheduleProblem(schedule(input))).toBeUndefined();
  });
});

describe('the schema says the same at the job edge', () => {
  const job = (sched: Record<string, unknown>) =>
    JobSchema.safeParse({ id: 'j', name: 'J', integration: 'log-event', webhook: false, schedule: sched });
  const messages = (sched: Record<string, unknown>): string => {
    const parsed = job(sched);
    return parsed.success
      ? ''
      : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  };

  it.each([
    [
      { frequency: 'daily', startOn: '2026-02-30T09:00' },
      'startOn: 2026-02-30T09:00 is not a real date and time',
    ],
    [{ frequency: 'daily', startOn: '2026-12-01T09:00:30' }, 'the seconds must be 00'],
    [{ cron: '0 0 9 * * *' }, 'has 6 fields'],
    [{ cron: '@hourly' }, 'nicknames are not supported'],
  ])('%j is refused with its reason', (sched, message) => {
    expect(messages(sched)).toContain(message);
  });

  it('a good schedule passes, defaults filled in', () => {
    const parsed = job({
      frequency: 'hourly',
      every: 2,
      startOn: '2026-12-01T09:00:00',
      timezone: 'Europe/Berlin',
    });
    expect(parsed.success && parsed.data.schedule).toEqual({
      frequency: 'hourly',
      every: 2,
      startOn: '2026-12-01T09:00:00',
      timezone: 'Europe/Berlin',
      catchUp: 'latest',
      maxCatchUp: 100,
      overlap: 'skip',
    });
  });
});

describe('scheduleHash', () => {
  it('is sha256 hex, the same for the same definition however it is written', () => {
    // Prepare
    const stored = schedule({ frequency: 'minute' });
    const reordered = {
      overlap: 'skip',
      every: 1,
      frequency: 'minute',
      maxCatchUp: 100,
      catchUp: 'latest',
      timezone: 'UTC',
    };
    // Act
    const hash = scheduleHash(stored);
    // Assess: defaults filled or not, key order, all the same
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(scheduleHash({ frequency: 'minute' } as Schedule)).toBe(hash);
    expect(scheduleHash(reordered as Schedule)).toBe(hash);
    expect(scheduleHash(schedule({ cron: ' 0  9 * * 1-5' }))).toBe(
      scheduleHash(schedule({ cron: '0 9 * * 1-5' })),
    );
  });

  it('is pinned: stored fingerprints stay valid across releases', () => {
    // canonical JSON {"catchUp":"latest","every":1,"frequency":"minute","maxCatchUp":100,"overlap":"skip","timezone":"UTC"}
    expect(scheduleHash(schedule({ frequency: 'minute' }))).toBe(
      'a441a06ce9a84d74ff2a4faf8f372796c21f5a06811bb57611af2522a0fdc8db',
    );
  });

  it.each([
    ['every', { every: 2 }],
    ['startOn', { startOn: '2026-12-01T09:00' }],
    ['timezone', { timezone: 'Europe/Berlin' }],
    ['frequency', { frequency: 'hourly' }],
    ['catchUp', { catchUp: 'all' }],
    ['maxCatchUp', { maxCatchUp: 5 }],
    ['overlap', { overlap: 'queue' }],
  ])('changes with %s', (_field, change) => {
    const base = { frequency: 'minute' };
    expect(scheduleHash(schedule({ ...base, ...change }))).not.toBe(scheduleHash(schedule(base)));
  });
});
