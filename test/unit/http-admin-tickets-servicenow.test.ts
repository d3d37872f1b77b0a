import { afterEach, describe, expect, it } from 'vitest';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';
import { startMockServiceNow } from '../helpers/mock-servicenow.ts';
import type { MockServiceNow } from '../helpers/mock-servicenow.ts';

let mock: MockServiceNow | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

/** The admin app over memory ports with the built-in servicenow integration, the password secret set to `password`. */
const setUp = async (password: string) => {
  mock = await startMockServiceNow({ groups: 3 });
  const deps = memoryDeps({ secrets: { demo: ['s3cr3t-value'], snow: [password] } });
  const app = createAdminApp(deps);
  const job = {
    name: 'Alerts to ServiceNow',
    integration: 'servicenow',
    auth: { secret: 'demo' },
    params: { url: mock.url, username: mock.username, password: { secret: 'snow' } },
    tickets: { queue: mock.groups[0]?.sys_id ?? '', sync: { every: 15 } },
  };
  const put = async (query = '') =>
    app.request(`/admin/jobs/alerts-to-snow${query}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(job),
    });
  return { deps, mock, put, get: async (path: string) => app.request(path) };
};

describe('ticket admin routes with the built-in servicenow integration and a loopback ServiceNow', () => {
  it('refuses a job whose password ServiceNow refuses, in plain words and without the password', async () => {
    // Prepare
    const { deps, put } = await setUp('wrong-password-value');

    // Act
    const res = await put();
    const text = await res.text();

    // Assess
    expect(res.status).toBe(400);
    expect(JSON.parse(text)).toMatchObject({
      error: 'ticket_validation_failed',
      message: expect.stringMatching(/^servicenow: ServiceNow refused the credentials \(401\)/),
    });
    expect(text).not.toContain('wrong-password-value');
    expect(await deps.jobs.get('alerts-to-snow')).toBeUndefined();
  });

  it('applies the job once ServiceNow accepts the account, then serves its assignment groups as queues, cached', async () => {
    // Prepare
    const { deps, mock: snow, put, get } = await setUp('snow-Pa55word!');

    // Act
    const applied = await put();
    const first = await get('/admin/jobs/alerts-to-snow/queues');
    const requestsAfterFirst = snow.requests.length;
    const second = await get('/admin/jobs/alerts-to-snow/queues');

    // Assess
    expect(applied.status).toBe(201);
    expect((await deps.schedules.get('alerts-to-snow'))?.nextRunAt).toBeDefined();
    expect(first.status).toBe(200);
    const { items } = (await first.json()) as { items: { label: string; value: string }[] };
    expect(items.map((q) => q.value).sort()).toEqual(snow.groups.map((g) => g.sys_id).sort());
    expect(await second.json()).toEqual({ items });
    expect(snow.requests.length).toBe(requestsAfterFirst);
  });

  it('answers 502 target_error when ServiceNow fails, and ?verify=false applies without a request', async () => {
    // Prepare
    const { mock: snow, put, get } = await setUp('snow-Pa55word!');

    // Act
    const applied = await put('?verify=false');
    const requestsAfterApply = snow.requests.length;
    snow.failNext(401, {
      error: { message: 'User Not Authenticated', detail: 'Required to provide Auth information' },
      status: 'failure',
    });
    const failed = await get('/admin/jobs/alerts-to-snow/default-mappings');
    const fields = await get('/admin/jobs/alerts-to-snow/fields');

    // Assess
    expect(applied.status).toBe(201);
    expect(requestsAfterApply).toBe(0);
    // default mappings need no call: the failure lands on the fields call
    expect(failed.status).toBe(200);
    expect(fields.status).toBe(502);
    expect(await fields.json()).toMatchObject({
      error: 'target_error',
      message: expect.stringMatching(/^servicenow: /),
    });
  });
});
