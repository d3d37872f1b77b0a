import { describe, expect, it } from 'vitest';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import { FakeClock, memoryDeps } from '../helpers/memory-deps.ts';

const setUp = () => {
  // A Sunday, 10:00 UTC.
  const clock = new FakeClock(new Date('2026-11-22T10:00:00.000Z'));
  const app = createAdminApp(memoryDeps({ clock }));
  const preview = (body: unknown) =>
    app.request('/admin/schedules/preview', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  return { clock, preview };
};

describe('POST /admin/schedules/preview', () => {
  it('answers the sentence and the next five occurrences after now, as ISO', async () => {
    // Prepare
    const { preview } = setUp();

    // Act
    const res = await preview({ schedule: { frequency: 'hourly', every: 2, timezone: 'UTC' } });

    // Assess
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      description: 'every 2 hours',
      next: [
        '2026-11-22T12:00:00.000Z',
        '2026-11-22T14:00:00.000Z',
        '2026-11-22T16:00:00.000Z',
        '2026-11-22T18:00:00.000Z',
        '2026-11-22T20:00:00.000Z',
      ],
    });
  });

  it('keeps the wall clock of a zone and moves with the clock', async () => {
    // Prepare
    const { preview, clock } = setUp();
    clock.advance(3 * 86_400_000);

    // Act
    const res = await preview({
      schedule: { frequency: 'daily', startOn: '2026-01-01T09:30', timezone: 'Europe/Berlin' },
    });

    // Assess
    expect(res.status).toBe(200);
    const body = (await res.json()) as { next: string[] };
    expect(body.next).toEqual([
      '2026-11-26T08:30:00.000Z',
      '2026-11-27T08:30:00.000Z',
      '2026-11-28T08:30:00.000Z',
      '2026-11-29T08:30:00.000Z',
      '2026-11-30T08:30:00.000Z',
    ]);
  });

  it('previews a cron schedule', async () => {
    const { preview } = setUp();
    const res = await preview({ schedule: { cron: '0 9 * * 1-5', timezone: 'UTC' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      description: 'cron 0 9 * * 1-5 (UTC)',
      // Monday to Friday at 09:00: the Sunday of "now" is left out.
      next: [
        '2026-11-23T09:00:00.000Z',
        '2026-11-24T09:00:00.000Z',
        '2026-11-25T09:00:00.000Z',
        '2026-11-26T09:00:00.000Z',
        '2026-11-27T09:00:00.000Z',
      ],
    });
  });

  it.each([
    [{ frequency: 'hourly', every: 0 }, 'schedule.every', /every/],
    [{ frequency: 'hourly', every: 1001 }, 'schedule.every', /every/],
    [{ frequency: 'hourly', timezone: 'Mars/Olympus' }, 'schedule.timezone', /IANA/],
    [{ frequency: 'daily', startOn: '2026-02-30T09:00' }, 'schedule.startOn', /not a real date/],
    [{ frequency: 'daily', catchUp: 'sometimes' }, 'schedule.catchUp', /catchUp/],
    [{ frequency: 'daily', catchUp: 'all', maxCatchUp: 0 }, 'schedule.maxCatchUp', /maxCatchUp/],
    [{ cron: '0 0 31 2 *' }, 'schedule.cron', /never fires/],
    [{ cron: '61 * * * *' }, 'schedule.cron', /not a valid expression/],
    [{ cron: '0 0 * * * *' }, 'schedule.cron', /6 fields/],
  ])('refuses %j with 400 invalid_schedule and param %s', async (schedule, param, message) => {
    // Prepare
    const { preview } = setUp();

    // Act
    const res = await preview({ schedule });

    // Assess
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; message: string; param: string };
    expect(body).toMatchObject({ error: 'invalid_schedule', param });
    expect(body.message).toMatch(/^invalid schedule: /);
    expect(body.message).toMatch(message);
  });

  it('refuses a body without a schedule, or not JSON', async () => {
    const { preview } = setUp();
    const missing = await preview({});
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: 'invalid_schedule', param: 'schedule' });
    const extra = await preview({ schedule: { frequency: 'daily' }, job: 'demo' });
    expect(await extra.json()).toMatchObject({ error: 'invalid_schedule', param: 'job' });
    const broken = await preview('{"schedule":');
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('is a POST only', async () => {
    const app = createAdminApp(memoryDeps());
    const res = await app.request('/admin/schedules/preview');
    expect(res.status).toBe(405);
  });
});
