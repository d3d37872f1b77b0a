import { describe, expect, it } from 'vitest';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import type { SecretWriter } from '../../shared/ports.ts';
import { apiEvent } from '../helpers/api-event.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';
import type { MemoryDeps } from '../helpers/memory-deps.ts';
import { MemoryGlobalStore } from '../helpers/memory-global-store.ts';
import { MemoryNotificationStore } from '../helpers/memory-notification-store.ts';
import { makeNotification } from '../contract/notification-store.contract.ts';

const CANARY = 'canary-Zx9-masked-global-value';

/** A SecretWriter over the memory secret store, so that a run's lookup sees what admin wrote. */
const writerOver = (deps: MemoryDeps): SecretWriter & { deleted: string[] } => {
  const deleted: string[] = [];
  return {
    deleted,
    put: (name, value) => {
      deps.secrets.values[name] = [value];
      return Promise.resolve();
    },
    delete: (name) => {
      deleted.push(name);
      const had = name in deps.secrets.values;
      delete deps.secrets.values[name];
      return Promise.resolve(had);
    },
  };
};

const setup = () => {
  const deps = memoryDeps();
  const globals = new MemoryGlobalStore();
  const notifications = new MemoryNotificationStore();
  const writer = writerOver(deps);
  const app = createAdminApp({ ...deps, globals, notifications, secretWriter: writer });
  const request = (method: string, path: string, body?: unknown) =>
    app.request(path, {
      method,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  return { deps, globals, notifications, writer, request };
};

describe('admin API: globals', () => {
  it('never returns a masked value: not from the PUT, the GET, the list, nor the table', async () => {
    // Prepare
    const { deps, globals, request } = setup();

    // Act
    const put = await request('PUT', '/admin/globals/token', { value: CANARY, masked: true });
    const one = await request('GET', '/admin/globals/token');
    const list = await request('GET', '/admin/globals');
    const bodies = [await put.text(), await one.text(), await list.text()];

    // Assess
    expect(put.status).toBe(201);
    expect(JSON.parse(bodies[1] ?? '')).toEqual({
      name: 'token',
      masked: true,
      updatedAt: deps.clock.now().toISOString(),
    });
    for (const body of bodies) expect(body).not.toContain(CANARY);
    expect(JSON.stringify([...globals.items.values()])).not.toContain(CANARY);
    // the value is in the secret store, under global/<name>
    expect(deps.secrets.values['global/token']).toEqual([CANARY]);
  });

  it('shows no value for a masked global even if its stored record held one (an older or hand-edited item)', async () => {
    // Prepare
    const { globals, request } = setup();
    const at = '2026-11-22T10:00:00.000Z';
    globals.items.set('token', { name: 'token', masked: true, value: CANARY, createdAt: at, updatedAt: at });

    // Act
    const bodies = [
      await (await request('GET', '/admin/globals/token')).text(),
      await (await request('GET', '/admin/globals')).text(),
    ];

    // Assess
    for (const body of bodies) expect(body).not.toContain(CANARY);
  });

  it('returns an unmasked value, and answers 201 then 200', async () => {
    // Prepare
    const { request } = setup();

    // Act
    const first = await request('PUT', '/admin/globals/region', { value: 'eu-west-1' });
    const second = await request('PUT', '/admin/globals/region', { value: 'eu-central-1', masked: false });
    const list = await request('GET', '/admin/globals');

    // Assess
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(await second.json()).toMatchObject({ name: 'region', masked: false, value: 'eu-central-1' });
    expect(await list.json()).toEqual({
      items: [expect.objectContaining({ name: 'region', masked: false, value: 'eu-central-1' })],
    });
  });

  it('records who changed a global as callerOf says: the IAM principal, `unknown` without one, `local` under npm start', async () => {
    // Prepare
    const deps = memoryDeps();
    const globals = new MemoryGlobalStore();
    const app = createAdminApp({ ...deps, globals, secretWriter: writerOver(deps) });
    const arn = 'arn:aws:sts::123456789012:assumed-role/ops/alice';
    const base = apiEvent({ method: 'PUT' });
    const put = (name: string, event?: ReturnType<typeof apiEvent>) =>
      app.request(
        `/admin/globals/${name}`,
        { method: 'PUT', headers: { 'x-caller': 'mallory' }, body: JSON.stringify({ value: 'v' }) },
        event === undefined ? undefined : { event },
      );

    // Act
    const statuses = [
      (
        await put('by-iam', {
          ...base,
          requestContext: {
            ...base.requestContext,
            authorizer: { iam: { userArn: arn } },
          } as typeof base.requestContext,
        })
      ).status,
      (await put('by-nobody', base)).status,
      (await put('by-local', { ...base, requestContext: { ...base.requestContext, apiId: 'local' } })).status,
      (await put('by-test')).status,
    ];

    // Assess
    expect(statuses).toEqual([201, 201, 201, 201]);
    expect(Object.fromEntries([...globals.items.values()].map((g) => [g.name, g.updatedBy]))).toEqual({
      'by-iam': arn,
      'by-nobody': 'unknown',
      'by-local': 'local',
      'by-test': 'local',
    });
  });

  it('refuses to unmask a masked global with 409 global_masked, leaving it masked', async () => {
    // Prepare
    const { deps, request } = setup();
    await request('PUT', '/admin/globals/token', { value: CANARY, masked: true });

    // Act
    const res = await request('PUT', '/admin/globals/token', { value: 'plain', masked: false });

    // Assess
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: 'global_masked' });
    expect(await (await request('GET', '/admin/globals/token')).json()).toMatchObject({ masked: true });
    expect(deps.secrets.values['global/token']).toEqual([CANARY]);
  });

  it('refuses a bad body without echoing it: malformed JSON, unknown fields, an empty or too long value', async () => {
    // Prepare
    const { request } = setup();

    // Act
    const answers = await Promise.all([
      request('PUT', '/admin/globals/token', `{"value":"${CANARY}","masked":tru`),
      request('PUT', '/admin/globals/token', { value: CANARY, mask: true }),
      request('PUT', '/admin/globals/token', { value: '', masked: true }),
      request('PUT', '/admin/globals/token', { value: 'x'.repeat(4097) }),
      request('PUT', '/admin/globals/token', { masked: true }),
    ]);

    // Assess
    for (const res of answers) {
      expect(res.status).toBe(400);
      expect(await res.text()).not.toContain(CANARY);
    }
  });

  it('refuses a bad name with 400 before any store call', async () => {
    // Prepare
    const { globals, request } = setup();
    globals.list = () => Promise.reject(new Error('must not be called'));
    globals.get = () => Promise.reject(new Error('must not be called'));

    // Act
    const answers = await Promise.all(
      ['__proto__', '1abc', 'a.b', 'a'.repeat(65)].map(async (n) => request('GET', `/admin/globals/${n}`)),
    );

    // Assess
    expect(answers.map((r) => r.status)).toEqual([400, 400, 400, 400]);
  });

  it('answers 404 for an unknown global, and deletes a masked one with its secret', async () => {
    // Prepare
    const { deps, writer, request } = setup();
    await request('PUT', '/admin/globals/token', { value: CANARY, masked: true });

    // Act
    const missing = await request('GET', '/admin/globals/nope');
    const deleted = await request('DELETE', '/admin/globals/token');
    const again = await request('DELETE', '/admin/globals/token');

    // Assess
    expect(missing.status).toBe(404);
    expect(deleted.status).toBe(204);
    expect(again.status).toBe(404);
    expect(writer.deleted).toEqual(['global/token']);
    expect(deps.secrets.values['global/token']).toBeUndefined();
  });

  it('writes the secret before the item: a failed secret write leaves no global behind', async () => {
    // Prepare
    const { globals, writer, request } = setup();
    writer.put = () => Promise.reject(new Error('secret store down'));

    // Act
    const res = await request('PUT', '/admin/globals/token', { value: CANARY, masked: true });

    // Assess
    expect(res.status).toBe(500);
    expect(globals.items.size).toBe(0);
  });

  it('holds at most 100 globals', async () => {
    // Prepare
    const { request } = setup();
    for (let i = 0; i < 100; i++) await request('PUT', `/admin/globals/g${i}`, { value: 'v' });

    // Act
    const over = await request('PUT', '/admin/globals/g100', { value: 'v' });
    const replace = await request('PUT', '/admin/globals/g5', { value: 'w' });

    // Assess
    expect(over.status).toBe(400);
    expect(await over.json()).toMatchObject({ error: 'too_many_globals' });
    expect(replace.status).toBe(200);
  });
});

describe('admin API: notifications', () => {
  it('lists newest first, by job and severity, paging with a cursor', async () => {
    // Prepare
    const { notifications, request } = setup();
    const made = Array.from({ length: 5 }, (_, i) =>
      makeNotification(i, { severity: i % 2 === 0 ? 'error' : 'info' }),
    );
    for (const n of made) await notifications.add(n);
    await notifications.add(makeNotification(9, { jobId: 'other' }));

    // Act
    const all = await request('GET', '/admin/notifications');
    const errorsOfA = await request('GET', '/admin/notifications?jobId=job-a&severity=error&limit=2');
    const page = (await errorsOfA.json()) as { items: { id: string }[]; nextCursor?: string };
    const rest = await request(
      'GET',
      `/admin/notifications?jobId=job-a&severity=error&limit=2&cursor=${page.nextCursor ?? ''}`,
    );

    // Assess
    expect(((await all.json()) as { items: unknown[] }).items).toHaveLength(6);
    expect(page.items.map((n) => n.id)).toEqual([made[4]?.id, made[2]?.id]);
    expect(((await rest.json()) as { items: { id: string }[] }).items.map((n) => n.id)).toEqual([
      made[0]?.id,
    ]);
  });

  it('refuses an unknown severity, a bad job id, a bad limit and a foreign cursor with 400', async () => {
    // Prepare
    const { notifications, request } = setup();
    for (let i = 0; i < 3; i++) await notifications.add(makeNotification(i));
    const ofA = (await (await request('GET', '/admin/notifications?jobId=job-a&limit=1')).json()) as {
      nextCursor: string;
    };

    // Act
    const answers = await Promise.all([
      request('GET', '/admin/notifications?severity=fatal'),
      request('GET', '/admin/notifications?jobId=Bad%20Id'),
      request('GET', '/admin/notifications?limit=0'),
      request('GET', `/admin/notifications?jobId=job-b&cursor=${ofA.nextCursor}`),
    ]);

    // Assess
    expect(answers.map((r) => r.status)).toEqual([400, 400, 400, 400]);
  });
});
