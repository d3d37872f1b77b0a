import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import { toErrorResponse } from '../../shared/http/error-response.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';

const demo = {
  name: 'Demo',
  integration: 'log-event',
  auth: { type: 'shared-secret', secret: 'demo' },
};

const setUp = () => {
  const deps = memoryDeps();
  const app = createAdminApp(deps);
  const put = (id: string, body: unknown) =>
    app.request(`/admin/jobs/${id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  return { deps, put };
};

describe('PUT /admin/jobs/{id}: the field at fault as `param`', () => {
  it.each([
    ['a number out of range', { ...demo, timeoutSeconds: 999 }, 'invalid_request', 'timeoutSeconds'],
    [
      'a schedule field',
      { ...demo, schedule: { frequency: 'hourly', every: 0 } },
      'invalid_request',
      'schedule.every',
    ],
    [
      'a schedule that never fires',
      { ...demo, schedule: { cron: '0 0 31 2 *' } },
      'invalid_request',
      'schedule.cron',
    ],
    [
      'a union branch (hmac auth without secret)',
      { ...demo, auth: { type: 'hmac' } },
      'invalid_request',
      'auth.secret',
    ],
    ['an unknown field', { ...demo, colour: 'red' }, 'invalid_request', 'colour'],
    [
      'a rule of the whole job',
      { ...demo, timeoutSeconds: 26, mode: 'decision' },
      'invalid_request',
      'timeoutSeconds',
    ],
    ['an unknown integration', { ...demo, integration: 'nope' }, 'invalid_request', 'integration'],
    ['an id that is not the path', { ...demo, id: 'other' }, 'invalid_request', 'id'],
    [
      'a mandatory manifest parameter',
      { ...demo, integration: 'http-forward', params: { method: 'GET' } },
      'invalid_params',
      'params.url',
    ],
    [
      'a parameter of the wrong type',
      { ...demo, integration: 'http-forward', params: { url: 'https://x.example', timeoutSeconds: 'soon' } },
      'invalid_params',
      'params.timeoutSeconds',
    ],
    [
      'a password given as a value',
      { ...demo, integration: 'http-forward', params: { url: 'https://x.example', secret: 'hunter2' } },
      'invalid_params',
      'params.secret',
    ],
    [
      'a parameter the manifest does not have',
      { ...demo, params: { nope: 1 } },
      'invalid_params',
      'params.nope',
    ],
    [
      "a script job's parameter",
      { name: 'S', script: { id: 'sync' }, webhook: false, params: { ok: 'x', bad: [1] } },
      'invalid_params',
      'params.bad',
    ],
  ])('%s', async (_what, body, error, param) => {
    // Prepare
    const { deps, put } = setUp();

    // Act
    const res = await put('demo', body);

    // Assess
    expect(res.status).toBe(400);
    const answer = (await res.json()) as Record<string, unknown>;
    expect(answer).toMatchObject({ error, param });
    expect(Object.keys(answer).sort()).toEqual(['error', 'message', 'param']);
    expect(await deps.jobs.get('demo')).toBeUndefined();
  });

  it('carries no param for a problem of the whole body', async () => {
    const { put } = setUp();
    const res = await put('demo', [1, 2]);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'invalid_request',
      message: 'invalid job: expected a JSON object',
    });
  });

  it('still stores a valid job', async () => {
    const { put } = setUp();
    const res = await put('demo', demo);
    expect(res.status).toBe(201);
  });
});

describe('toErrorResponse', () => {
  it("puts a ValidationError's param in the body, clipped", () => {
    expect(toErrorResponse(new ValidationError('bad', 'invalid_params', 'params.url'))).toEqual({
      status: 400,
      body: { error: 'invalid_params', message: 'bad', param: 'params.url' },
    });
    const long = toErrorResponse(new ValidationError('bad', undefined, `params.${'k'.repeat(1000)}`));
    expect(long.body.param?.length).toBeLessThanOrEqual(257);
    expect(toErrorResponse(new ValidationError('bad')).body).toEqual({
      error: 'invalid_request',
      message: 'bad',
    });
  });
});
