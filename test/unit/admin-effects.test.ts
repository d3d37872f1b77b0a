import { describe, expect, it } from 'vitest';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import type { EffectClaim } from '../../shared/ports.ts';
import { runCli, storedJob } from '../helpers/cli.ts';
import { MemoryEffectLedger } from '../helpers/memory-effect-store.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const iso = (s: number): string => new Date(T0 + s * 1000).toISOString();

const claimOf = (key: string, runId: string, seconds = 0): EffectClaim => ({
  key,
  runId,
  attempt: 1,
  startedAt: iso(seconds),
  heldUntil: iso(seconds + 90),
  expiresAt: iso(seconds + 30 * 86_400),
});

/**
 * A stack with job `shop` whose ledger holds: `done` with a result, `live`
 * pending within its heldUntil, `stuck` pending past it, `flagged` pending
 * within it but found in doubt by a run already (a later attempt of its own
 * run), `found` reconciled.
 * The clock reads T0 + 100 s.
 */
const stack = async () => {
  const deps = memoryDeps();
  const effects = new MemoryEffectLedger();
  const clock = { now: () => new Date(T0 + 100_000) };
  Object.assign(deps, { effects, clock });
  await deps.jobs.put(storedJob('shop'));
  const holder = (runId: string) => ({ runId, attempt: 1 });
  await effects.claim('shop', claimOf('orders/1#create', 'run-a'), new Date(T0));
  await effects.complete('shop', 'orders/1#create', holder('run-a'), {
    doneAt: iso(2),
    resultJson: '{"orderId":"A-1"}',
  });
  await effects.claim('shop', claimOf('live', 'run-b', 50), new Date(T0 + 50_000));
  await effects.claim('shop', claimOf('stuck', 'run-c'), new Date(T0));
  await effects.claim('shop', claimOf('flagged', 'run-e', 50), new Date(T0 + 50_000));
  await effects.markNotified('shop', 'flagged', holder('run-e'), iso(60));
  await effects.claim('shop', claimOf('found', 'run-d'), new Date(T0));
  await effects.complete('shop', 'found', holder('run-d'), {
    doneAt: iso(3),
    resultJson: '7',
    reconciled: true,
  });
  const app = createAdminApp(deps);
  const requests: string[] = [];
  const fetch: typeof globalThis.fetch = (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    requests.push(`${request.method} ${url.pathname}${url.search}`);
    return Promise.resolve(app.fetch(request));
  };
  const cli = (...args: string[]) => runCli(['--endpoint', 'http://127.0.0.1:3999', ...args], { fetch });
  return { app, effects, cli, requests };
};

describe('GET /admin/jobs/{id}/effects', () => {
  it('lists the records by key: status, holder, times, result, and in doubt only past heldUntil', async () => {
    // Prepare
    const { app } = await stack();

    // Act
    const res = await app.request('/admin/jobs/shop/effects');

    // Assess
    expect(res.status).toBe(200);
    const expiresAt = (s: number) =>
      new Date(Math.floor((T0 + s * 1000 + 30 * 86_400_000) / 1000) * 1000).toISOString();
    expect(await res.json()).toEqual({
      items: [
        {
          key: 'flagged',
          status: 'pending',
          runId: 'run-e',
          attempt: 1,
          startedAt: iso(50),
          heldUntil: iso(140),
          inDoubt: true,
          expiresAt: expiresAt(50),
        },
        {
          key: 'found',
          status: 'done',
          runId: 'run-d',
          attempt: 1,
          startedAt: iso(0),
          doneAt: iso(3),
          reconciled: true,
          result: 7,
          expiresAt: expiresAt(0),
        },
        {
          key: 'live',
          status: 'pending',
          runId: 'run-b',
          attempt: 1,
          startedAt: iso(50),
          heldUntil: iso(140),
          expiresAt: expiresAt(50),
        },
        {
          key: 'orders/1#create',
          status: 'done',
          runId: 'run-a',
          attempt: 1,
          startedAt: iso(0),
          doneAt: iso(2),
          result: { orderId: 'A-1' },
          expiresAt: expiresAt(0),
        },
        {
          key: 'stuck',
          status: 'pending',
          runId: 'run-c',
          attempt: 1,
          startedAt: iso(0),
          heldUntil: iso(90),
          inDoubt: true,
          expiresAt: expiresAt(0),
        },
      ],
    });
  });

  it('narrows by key prefix and pages with limit and cursor', async () => {
    // Prepare
    const { app } = await stack();

    // Act
    const prefixed = (await (await app.request('/admin/jobs/shop/effects?key=orders%2F')).json()) as {
      items: { key: string }[];
    };
    const first = (await (await app.request('/admin/jobs/shop/effects?limit=3')).json()) as {
      items: { key: string }[];
      nextCursor: string;
    };
    const rest = (await (
      await app.request(`/admin/jobs/shop/effects?limit=3&cursor=${encodeURIComponent(first.nextCursor)}`)
    ).json()) as { items: { key: string }[]; nextCursor?: string };

    // Assess
    expect(prefixed.items.map((e) => e.key)).toEqual(['orders/1#create']);
    expect([...first.items, ...rest.items].map((e) => e.key)).toEqual([
      'flagged',
      'found',
      'live',
      'orders/1#create',
      'stuck',
    ]);
  });

  it('answers 404 for an unknown job, 400 for a bad limit, key or cursor', async () => {
    // Prepare
    const { app } = await stack();
    const { nextCursor } = (await (await app.request('/admin/jobs/shop/effects?limit=1')).json()) as {
      nextCursor: string;
    };

    // Act
    const statuses = await Promise.all(
      [
        '/admin/jobs/nope/effects',
        '/admin/jobs/shop/effects?limit=0',
        `/admin/jobs/shop/effects?key=${'k'.repeat(257)}`,
        '/admin/jobs/shop/effects?key=a%0Ab',
        '/admin/jobs/shop/effects?cursor=garbage',
        `/admin/jobs/shop/effects?key=s&cursor=${encodeURIComponent(nextCursor)}`,
      ].map(async (path) => (await app.request(path)).status),
    );

    // Assess
    expect(statuses).toEqual([404, 400, 400, 400, 400, 400]);
  });
});

describe('DELETE /admin/jobs/{id}/effects/{key}', () => {
  it('forgets a key holding / and # (204), then answers 404; the key can be claimed again', async () => {
    // Prepare
    const { app, effects } = await stack();

    // Act
    const first = await app.request('/admin/jobs/shop/effects/orders/1%23create', { method: 'DELETE' });
    const again = await app.request('/admin/jobs/shop/effects/orders/1%23create', { method: 'DELETE' });
    const reclaimed = await effects.claim(
      'shop',
      claimOf('orders/1#create', 'run-z', 100),
      new Date(T0 + 100_000),
    );

    // Assess
    expect(first.status).toBe(204);
    expect(again.status).toBe(404);
    expect(await again.json()).toEqual({
      error: 'not_found',
      message: 'no effect "orders/1#create" of job shop',
    });
    expect(reclaimed).toEqual({ claimed: true });
  });

  it('forgets through ?key= a key no path can carry (%, \\, //, . and .. segments), then answers 404', async () => {
    // Prepare
    const { app, effects } = await stack();
    const keys = ['100% done', 'a\\b', 'a//b', '../up', 'x/./y', '/lead'];
    for (const key of keys) await effects.claim('shop', claimOf(key, 'run-q', 100), new Date(T0 + 100_000));
    const forget = (key: string) =>
      app.request(`/admin/jobs/shop/effects?${new URLSearchParams({ key }).toString()}`, {
        method: 'DELETE',
      });

    // Act
    const first = [];
    for (const key of keys) first.push((await forget(key)).status);
    const again = await forget('100% done');
    const left = await Promise.all(keys.map((key) => effects.get('shop', key, new Date(T0 + 100_000))));

    // Assess
    expect(first).toEqual([204, 204, 204, 204, 204, 204]);
    expect(left).toEqual(keys.map(() => undefined));
    expect(again.status).toBe(404);
    expect(await again.json()).toEqual({ error: 'not_found', message: 'no effect "100% done" of job shop' });
    // the other keys are untouched
    expect(await effects.get('shop', 'live', new Date(T0 + 100_000))).toMatchObject({ status: 'pending' });
  });

  it('refuses ?key= missing, empty or too long, and a bad job id, with 400 before touching the ledger', async () => {
    // Prepare
    const { app, effects } = await stack();
    const writes = effects.writes;

    // Act
    const statuses = [];
    for (const path of [
      '/admin/jobs/shop/effects',
      '/admin/jobs/shop/effects?key=',
      `/admin/jobs/shop/effects?key=${'k'.repeat(257)}`,
      '/admin/jobs/NOPE!/effects?key=live',
    ]) {
      statuses.push((await app.request(path, { method: 'DELETE' })).status);
    }

    // Assess
    expect(statuses).toEqual([400, 400, 400, 400]);
    expect(effects.writes).toBe(writes);
  });

  it('refuses a bad job id or key with 400 before touching the ledger', async () => {
    // Prepare
    const { app, effects } = await stack();
    const writes = effects.writes;

    // Act
    const badJob = await app.request('/admin/jobs/NOPE!/effects/live', { method: 'DELETE' });
    const longKey = await app.request(`/admin/jobs/shop/effects/${'k'.repeat(257)}`, { method: 'DELETE' });

    // Assess
    expect([badJob.status, longKey.status]).toEqual([400, 400]);
    expect(effects.writes).toBe(writes);
  });
});

describe('triggerhub effects', () => {
  it('list prints one row per key, IN DOUBT for a dead holder, and how to clear it', async () => {
    // Prepare
    const { cli } = await stack();

    // Act
    const out = await cli('effects', 'list', 'shop');

    // Assess
    expect(out).toMatchObject({ code: 0, stderr: '' });
    const lines = out.stdout.split('\n');
    expect(lines[0]).toMatch(/^KEY\s+STATUS\s+RUN\s+ATTEMPT\s+STARTED\s+DONE\s+RESULT$/);
    expect(lines.find((l) => l.startsWith('found'))).toMatch(/done \(reconciled\)\s+run-d\s+1\s+.*\s7$/);
    expect(lines.find((l) => l.startsWith('orders/1#create'))).toMatch(/\{"orderId":"A-1"\}$/);
    expect(lines.find((l) => l.startsWith('live'))).toMatch(/^live\s+pending\s+run-b/);
    expect(lines.find((l) => l.startsWith('stuck'))).toMatch(/^stuck\s+IN DOUBT\s+run-c/);
    expect(out.stdout).toContain('triggerhub effects forget shop <key>');
  });

  it('list --json prints the page as the API answers it; --key and --limit reach the API, with the next page', async () => {
    // Prepare
    const { cli } = await stack();

    // Act
    const json = await cli('--json', 'effects', 'list', 'shop', '--key', 'orders/');
    const paged = await cli('effects', 'list', 'shop', '--limit', '1');

    // Assess
    expect(JSON.parse(json.stdout)).toEqual({
      items: [expect.objectContaining({ key: 'orders/1#create', result: { orderId: 'A-1' } })],
    });
    expect(paged.stdout).toMatch(/triggerhub effects list shop --limit 1 --cursor \S+/);
  });

  it('forget clears a key holding / and # through the path, then fails with the 404', async () => {
    // Prepare
    const { cli, effects } = await stack();

    // Act
    const forgot = await cli('effects', 'forget', 'shop', 'orders/1#create');
    const again = await cli('effects', 'forget', 'shop', 'orders/1#create');

    // Assess
    expect(forgot).toMatchObject({ code: 0, stderr: '' });
    expect(forgot.stdout).toBe(
      'Forgot effect orders/1#create of job shop: the next run that reaches it calls its function again.\n',
    );
    expect(await effects.get('shop', 'orders/1#create', new Date(T0 + 100_000))).toBeUndefined();
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('no effect "orders/1#create" of job shop (HTTP 404 not_found)');
  });

  it('forget sends a key the path cannot carry through ?key=, and clears it', async () => {
    // Prepare
    const { cli, effects, requests } = await stack();
    const keys = ['100% done', 'a/../b', 'a//b', 'c\\d'];
    for (const key of keys) await effects.claim('shop', claimOf(key, 'run-q', 100), new Date(T0 + 100_000));

    // Act
    const outs = [];
    for (const key of keys) outs.push(await cli('effects', 'forget', 'shop', key));

    // Assess
    expect(outs.map((o) => [o.code, o.stderr])).toEqual(keys.map(() => [0, '']));
    expect(requests).toEqual([
      'DELETE /admin/jobs/shop/effects?key=100%25+done',
      'DELETE /admin/jobs/shop/effects?key=a%2F..%2Fb',
      'DELETE /admin/jobs/shop/effects?key=a%2F%2Fb',
      'DELETE /admin/jobs/shop/effects?key=c%5Cd',
    ]);
    for (const key of keys) expect(await effects.get('shop', key, new Date(T0 + 100_000))).toBeUndefined();
  });
});
