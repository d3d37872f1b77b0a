import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import { JobSchema } from '../../shared/model/index.ts';
import type { RunSummary } from '../../shared/model/index.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';
import { queuedRunAt } from '../helpers/runs.ts';

// History filters (issue 9): `GET /admin/jobs/{id}/runs?status=&firedBy=&from=&to=`,
// checked at the edge (400 invalid_filter) and passed through to the run store.

const setup = async () => {
  const deps = memoryDeps();
  await deps.jobs.put(
    JobSchema.parse({ id: 'j1', name: 'J', integration: 'log-event', auth: { secret: 'demo' } }),
  );
  // Four runs, a minute apart, named A…D by their last letter; their ULIDs carry their creation time.
  const runs = [
    { name: 'A', at: '2026-11-22T09:00:00.000Z', status: 'succeeded', firedBy: 'webhook' },
    { name: 'B', at: '2026-11-22T09:01:00.000Z', status: 'failed', firedBy: 'schedule' },
    { name: 'C', at: '2026-11-22T09:02:00.000Z', status: 'skipped', firedBy: 'schedule' },
    { name: 'D', at: '2026-11-22T09:03:00.000Z', status: 'failed', firedBy: 'manual' },
  ] as const;
  for (const r of runs) {
    const id = `${ulid(Date.parse(r.at)).slice(0, -1)}${r.name}`;
    await deps.runs.create({ ...queuedRunAt(id, 'j1', r.at), status: r.status, firedBy: r.firedBy });
  }
  const app = createAdminApp(deps);
  const list = async (query: string) => {
    const res = await app.request(`/admin/jobs/j1/runs${query}`);
    return { status: res.status, body: (await res.json()) as { items?: RunSummary[]; error?: string } };
  };
  const ids = async (query: string) => (await list(query)).body.items?.map((r) => r.id.slice(-1));
  return { list, ids };
};

describe('GET /admin/jobs/{id}/runs filters', () => {
  it('filters by status, firedBy, and creation time, newest first', async () => {
    // Prepare
    const { ids } = await setup();

    // Act / Assess
    expect(await ids('')).toEqual(['D', 'C', 'B', 'A']);
    expect(await ids('?status=failed')).toEqual(['D', 'B']);
    expect(await ids('?status=skipped')).toEqual(['C']);
    expect(await ids('?firedBy=schedule')).toEqual(['C', 'B']);
    expect(await ids('?status=failed&firedBy=schedule')).toEqual(['B']);
    expect(await ids('?from=2026-11-22T09:01:00Z&to=2026-11-22T09:02:30Z')).toEqual(['C', 'B']);
    expect(await ids('?from=2026-11-22T09:02:00.000Z')).toEqual(['D', 'C']);
  });

  it('takes an empty value as no filter', async () => {
    // Prepare
    const { ids } = await setup();

    // Act / Assess
    expect(await ids('?status=&firedBy=')).toEqual(['D', 'C', 'B', 'A']);
  });

  it.each([
    ['an unknown status', '?status=exploded'],
    ['an unknown firedBy', '?firedBy=cron'],
    ['a from that is no ISO time', '?from=yesterday'],
    ['a to that is no ISO time', '?to=1700000000'],
    ['from after to', '?from=2026-11-22T10:00:00Z&to=2026-11-22T09:00:00Z'],
  ])('answers 400 invalid_filter for %s', async (_name, query) => {
    // Prepare
    const { list } = await setup();

    // Act
    const { status, body } = await list(query);

    // Assess
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_filter');
  });

  it('answers 404 for an unknown job, filtered or not', async () => {
    // Prepare
    const deps = memoryDeps();
    const app = createAdminApp(deps);

    // Act
    const res = await app.request('/admin/jobs/nope/runs?status=failed');

    // Assess
    expect(res.status).toBe(404);
  });
});
