import { Hono } from 'hono';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { callerOf } from '../../shared/http/caller.ts';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import type { EdgeEnv } from '../../shared/http/hono-helpers.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { apiEvent } from '../helpers/api-event.ts';
import type { MemoryDeps } from '../helpers/memory-deps.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';

// The notification is helper B45's to store: what is checked here is that the rewind raises it, once.
const { raised, notes } = vi.hoisted(() => ({ raised: [] as unknown[], notes: { fail: false } }));
vi.mock('../../shared/runtime/toolbox/notifier.ts', async (importOriginal) => ({
  ...(await importOriginal<Record<string, unknown>>()),
  raisePlatform: (_deps: unknown, n: unknown) => {
    if (notes.fail) return Promise.reject(new Error('notification store unavailable'));
    raised.push(n);
    return Promise.resolve();
  },
}));

const ARN = 'arn:aws:sts::123456789012:assumed-role/ops/alice';

/** An API Gateway event whose IAM authorizer verified `userArn`. */
const iamEvent = (userArn: string) => {
  const event = apiEvent({ method: 'PUT', rawPath: '/admin/jobs/j1/checkpoint' });
  return { ...event, requestContext: { ...event.requestContext, authorizer: { iam: { userArn } } } };
};

const put = (deps: MemoryDeps, body: unknown, env?: EdgeEnv['Bindings'], id = 'j1') =>
  createAdminApp(deps).request(
    `/admin/jobs/${id}/checkpoint`,
    { method: 'PUT', body: typeof body === 'string' ? body : JSON.stringify(body) },
    env,
  );

describe('callerOf', () => {
  const who = (env?: EdgeEnv['Bindings']) => {
    const app = new Hono<EdgeEnv>();
    app.get('/', (c) => c.text(callerOf(c)));
    return Promise.resolve(app.request('/', {}, env)).then((r) => r.text());
  };

  it('is the IAM principal API Gateway verified', async () => {
    expect(await who({ event: iamEvent(ARN) })).toBe(ARN);
  });

  it('is `local` under npm start (its events say apiId local) and without an event', async () => {
    const local = apiEvent();
    expect(
      await who({ event: { ...local, requestContext: { ...local.requestContext, apiId: 'local' } } }),
    ).toBe('local');
    expect(await who()).toBe('local');
  });

  it('is `unknown` for an API Gateway request without an IAM identity, whatever its headers say', async () => {
    const event = apiEvent({ headers: { 'x-caller': ARN, authorization: `AWS4 ${ARN}` } });
    expect(await who({ event })).toBe('unknown');
  });
});

describe('GET /admin/jobs/{id}/checkpoint', () => {
  let deps: MemoryDeps;
  beforeEach(async () => {
    deps = memoryDeps();
    await deps.jobs.put(
      JobSchema.parse({ id: 'j1', name: 'J', integration: 'log-event', auth: { secret: 'demo' } }),
    );
  });

  it('answers the job id alone for a job that has not finished a run', async () => {
    const res = await createAdminApp(deps).request('/admin/jobs/j1/checkpoint');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ jobId: 'j1' });
  });

  it('answers the checkpoint runs recorded', async () => {
    await deps.checkpoints.recordRun('j1', {
      runId: '01KXXX00000000000000000001',
      startedAt: '2026-11-22T09:00:00.000Z',
      succeeded: true,
      cursor: 'page-7',
      at: '2026-11-22T09:00:01.000Z',
    });
    const res = await createAdminApp(deps).request('/admin/jobs/j1/checkpoint');
    expect(await res.json()).toEqual({
      jobId: 'j1',
      cursor: 'page-7',
      lastRunAt: '2026-11-22T09:00:00.000Z',
      lastSuccessfulRunAt: '2026-11-22T09:00:00.000Z',
      updatedAt: '2026-11-22T09:00:01.000Z',
    });
  });

  it('is 404 for a job that does not exist', async () => {
    const res = await createAdminApp(deps).request('/admin/jobs/nope/checkpoint');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'not_found' });
  });

  it('is 400 for an id that is not a job id, before any store call', async () => {
    const res = await createAdminApp(deps).request('/admin/jobs/NOT%20AN%20ID/checkpoint');
    expect(res.status).toBe(400);
    expect(deps.checkpoints.reads).toBe(0);
  });
});

describe('PUT /admin/jobs/{id}/checkpoint', () => {
  let deps: MemoryDeps;
  beforeEach(async () => {
    raised.length = 0;
    notes.fail = false;
    deps = memoryDeps();
    await deps.jobs.put(
      JobSchema.parse({ id: 'j1', name: 'J', integration: 'log-event', auth: { secret: 'demo' } }),
    );
    await deps.checkpoints.recordRun('j1', {
      runId: '01KXXX00000000000000000001',
      startedAt: '2026-11-22T09:00:00.000Z',
      succeeded: true,
      cursor: 'page-7',
      at: '2026-11-22T09:00:01.000Z',
    });
  });

  it('replaces both fields, records who (the IAM principal) and when, and raises one info notification', async () => {
    // Act
    const res = await put(
      deps,
      { cursor: 'page-2', lastSuccessfulRunAt: '2026-11-22T08:00:00+01:00' },
      { event: iamEvent(ARN) },
    );

    // Assess
    const now = deps.clock.now().toISOString();
    expect(res.status).toBe(200);
    const expected = {
      jobId: 'j1',
      cursor: 'page-2',
      lastSuccessfulRunAt: '2026-11-22T07:00:00.000Z',
      lastRunAt: '2026-11-22T09:00:00.000Z',
      updatedAt: now,
      rewoundAt: now,
      rewoundBy: ARN,
    };
    expect(await res.json()).toEqual(expected);
    expect(await deps.checkpoints.get('j1')).toEqual(expected);
    expect(raised).toEqual([
      {
        jobId: 'j1',
        kind: 'checkpoint_rewound',
        severity: 'info',
        message: expect.stringContaining(`rewound by ${ARN}`) as unknown,
      },
    ]);
    expect((raised[0] as { message: string }).message).toContain('"page-7" → "page-2"');
  });

  it('clears a field left out: {} starts over, recorded as `local` under npm start', async () => {
    const res = await put(deps, {});
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      jobId: 'j1',
      lastRunAt: '2026-11-22T09:00:00.000Z',
      updatedAt: deps.clock.now().toISOString(),
      rewoundAt: deps.clock.now().toISOString(),
      rewoundBy: 'local',
    });
  });

  it.each([
    ['an unknown field', { cursor: 'x', lastRunAt: '2026-11-22T08:00:00Z' }, 'lastRunAt'],
    ['a cursor of 8193 characters', { cursor: 'c'.repeat(8193) }, 'cursor'],
    ['a cursor that is not a string', { cursor: 7 }, 'cursor'],
    ['a time without a zone', { lastSuccessfulRunAt: '2026-11-22T08:00:00' }, 'lastSuccessfulRunAt'],
    ['a time more than 5 minutes ahead', { lastSuccessfulRunAt: '2026-11-22T10:05:01Z' }, 'future'],
    ['an array', [], 'invalid checkpoint'],
  ])('refuses %s with 400 and changes nothing', async (_what, body, named) => {
    const before = await deps.checkpoints.get('j1');
    const res = await put(deps, body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toContain(named);
    expect(await deps.checkpoints.get('j1')).toEqual(before);
    expect(raised).toEqual([]);
  });

  it('takes a cursor of 8192 characters and a time up to 5 minutes ahead (clock skew)', async () => {
    const res = await put(deps, { cursor: 'c'.repeat(8192), lastSuccessfulRunAt: '2026-11-22T10:05:00Z' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ lastSuccessfulRunAt: '2026-11-22T10:05:00.000Z' });
  });

  it('refuses malformed JSON with 400', async () => {
    const res = await put(deps, '{"cursor":');
    expect(res.status).toBe(400);
  });

  it('is 404 for a job that does not exist, and writes nothing', async () => {
    const res = await put(deps, { cursor: 'x' }, undefined, 'nope');
    expect(res.status).toBe(404);
    expect(await deps.checkpoints.get('nope')).toBeUndefined();
  });

  it('still answers the rewind when its notification cannot be written', async () => {
    notes.fail = true;
    const res = await put(deps, { cursor: 'page-3' });
    expect(res.status).toBe(200);
    expect(await deps.checkpoints.get('j1')).toMatchObject({ cursor: 'page-3' });
  });
});
