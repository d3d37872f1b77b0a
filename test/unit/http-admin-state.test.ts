import { describe, expect, it } from 'vitest';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import { makeJob } from '../contract/fixtures.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';
import type { MemoryDeps } from '../helpers/memory-deps.ts';

const setUp = async (): Promise<{
  deps: MemoryDeps;
  request: (path: string, init?: RequestInit) => Promise<Response>;
}> => {
  const deps = memoryDeps();
  await deps.jobs.put(makeJob('demo'));
  const app = createAdminApp(deps);
  return { deps, request: async (path, init) => app.request(path, init) };
};

const set = (deps: MemoryDeps, key: string, valueJson: string, options: { ttlSeconds?: number } = {}) =>
  deps.state.set('demo', key, valueJson, options, deps.clock.now());

describe('admin: a job’s state', () => {
  it('lists keys with value, version, update time and expiry, by prefix and page by page', async () => {
    // Prepare
    const { deps, request } = await setUp();
    await set(deps, 'cfg/a', '{"n":1}');
    await set(deps, 'cfg/a', '{"n":2}');
    await set(deps, 'cfg/b', '[1,2]', { ttlSeconds: 3600 });
    await set(deps, 'other', '"x"');
    const now = deps.clock.now();

    // Act
    const all = await request('/admin/jobs/demo/state');
    const first = await request('/admin/jobs/demo/state?prefix=cfg%2F&limit=1');
    const firstBody = (await first.json()) as { items: unknown[]; nextCursor?: string };
    const second = await request(
      `/admin/jobs/demo/state?prefix=cfg%2F&limit=1&cursor=${encodeURIComponent(firstBody.nextCursor ?? '')}`,
    );

    // Assess
    expect(all.status).toBe(200);
    expect(await all.json()).toEqual({
      items: [
        { key: 'cfg/a', value: { n: 2 }, version: 2, updatedAt: now.toISOString() },
        {
          key: 'cfg/b',
          value: [1, 2],
          version: 1,
          updatedAt: now.toISOString(),
          expiresAt: new Date(now.getTime() + 3_600_000).toISOString(),
        },
        { key: 'other', value: 'x', version: 1, updatedAt: now.toISOString() },
      ],
    });
    expect(firstBody.items).toEqual([expect.objectContaining({ key: 'cfg/a' })]);
    expect(await second.json()).toEqual({ items: [expect.objectContaining({ key: 'cfg/b' })] });
  });

  it('answers 404 for an unknown job without keys, an empty list for a known one, and 400 for bad input', async () => {
    // Prepare
    const { deps, request } = await setUp();
    await deps.state.set('gone-job', 'k', '1', {}, deps.clock.now());

    // Act
    const unknown = await request('/admin/jobs/nope/state');
    const empty = await request('/admin/jobs/demo/state');
    const leftOver = await request('/admin/jobs/gone-job/state');
    const badId = await request('/admin/jobs/NOT_AN_ID/state');
    const badLimit = await request('/admin/jobs/demo/state?limit=0');
    const longPrefix = await request(`/admin/jobs/demo/state?prefix=${'p'.repeat(257)}`);
    const badCursor = await request('/admin/jobs/demo/state?cursor=bogus');

    // Assess
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: 'not_found', message: 'no job nope' });
    expect(empty.status).toBe(200);
    expect(await empty.json()).toEqual({ items: [] });
    expect(((await leftOver.json()) as { items: unknown[] }).items).toHaveLength(1);
    expect(badId.status).toBe(400);
    expect(badLimit.status).toBe(400);
    expect(longPrefix.status).toBe(400);
    expect(await longPrefix.json()).toMatchObject({ error: 'invalid_state_key' });
    expect(badCursor.status).toBe(400);
    expect(await badCursor.json()).toMatchObject({ error: 'invalid_cursor' });
  });

  it('refuses a cursor from another job', async () => {
    // Prepare
    const { deps, request } = await setUp();
    await deps.jobs.put(makeJob('other'));
    for (const key of ['a', 'b', 'c']) {
      await set(deps, key, '1');
      await deps.state.set('other', key, '1', {}, deps.clock.now());
    }
    const page = (await (await request('/admin/jobs/demo/state?limit=1')).json()) as { nextCursor: string };

    // Act
    const res = await request(
      `/admin/jobs/other/state?limit=1&cursor=${encodeURIComponent(page.nextCursor)}`,
    );

    // Assess
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_cursor' });
  });

  it('deletes a key named in the path, slashes and encoded characters included, decoded once', async () => {
    // Prepare
    const { deps, request } = await setUp();
    const keys = ['plain', 'a/b/c', 'sp ace?&#', 'ünï/😀'];
    for (const key of keys) await set(deps, key, '1');
    await set(deps, '%41', '1');
    await set(deps, 'A', '1');

    // Act
    const statuses: number[] = [];
    for (const key of keys) {
      const path = key.split('/').map(encodeURIComponent).join('/');
      statuses.push((await request(`/admin/jobs/demo/state/${path}`, { method: 'DELETE' })).status);
    }
    const again = await request('/admin/jobs/demo/state/plain', { method: 'DELETE' });
    // `%41` decodes to `A` once; the key `%41` itself cannot be named in a path (`%25` is refused).
    const once = await request('/admin/jobs/demo/state/%41', { method: 'DELETE' });
    const doubled = await request('/admin/jobs/demo/state/%2541', { method: 'DELETE' });

    // Assess
    expect(statuses).toEqual([204, 204, 204, 204]);
    expect(again.status).toBe(404);
    expect(await again.json()).toEqual({ error: 'not_found', message: 'no state key "plain" in job demo' });
    expect(once.status).toBe(204);
    expect(doubled.status).toBe(400);
    expect(await deps.state.keys('demo', '', deps.clock.now())).toEqual(['%41']);
  });

  it('deletes a key the path cannot carry through ?key=, and checks the key either way', async () => {
    // Prepare
    const { deps, request } = await setUp();
    const awkward = ['100%', '%2F', 'back\\slash', '../up', 'a//b', '/lead', 'trail/', '.'];
    for (const key of awkward) await set(deps, key, '1');

    // Act
    const statuses: number[] = [];
    for (const key of awkward) {
      const res = await request(`/admin/jobs/demo/state?key=${encodeURIComponent(key)}`, {
        method: 'DELETE',
      });
      statuses.push(res.status);
    }
    const encodedSlash = await request('/admin/jobs/demo/state/a%2Fb', { method: 'DELETE' });
    const noKey = await request('/admin/jobs/demo/state', { method: 'DELETE' });
    const tooLong = await request(`/admin/jobs/demo/state/${'k'.repeat(257)}`, { method: 'DELETE' });
    const control = await request('/admin/jobs/demo/state?key=a%0Ab', { method: 'DELETE' });

    // Assess
    expect(statuses).toEqual(awkward.map(() => 204));
    expect(await deps.state.keys('demo', '', deps.clock.now())).toEqual([]);
    expect(encodedSlash.status).toBe(400);
    expect(noKey.status).toBe(400);
    expect(tooLong.status).toBe(400);
    expect(await tooLong.json()).toMatchObject({ error: 'invalid_state_key' });
    expect(control.status).toBe(400);
  });
});
