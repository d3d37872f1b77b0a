import { describe, expect, it } from 'vitest';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import { toErrorResponse } from '../../shared/http/error-response.ts';
import { createIngestApp } from '../../shared/http/ingest-app.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';

describe('HTTP edge', () => {
  it('answers anything unexpected with a plain 500 that leaks nothing', () => {
    const { status, body } = toErrorResponse(new Error('connect ECONNREFUSED 10.0.0.1:443 secret=abc'));
    expect(status).toBe(500);
    expect(body).toEqual({ error: 'internal', message: 'internal error' });
  });

  it('answers a store failure during ingest with 500 JSON, no stack', async () => {
    const deps = memoryDeps();
    deps.jobs.get = () => Promise.reject(new Error('boom at /var/task/index.js:1'));
    const res = await createIngestApp(deps).request('/hooks/demo', { method: 'POST', body: '{}' });
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('{"error":"internal","message":"internal error"}');
  });

  it('answers unknown routes with JSON 404', async () => {
    const res = await createIngestApp(memoryDeps()).request('/nope');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'not_found' });
  });

  it('answers queued webhooks with 202 and the contract body', async () => {
    const deps = memoryDeps();
    const admin = createAdminApp(deps);
    const put = await admin.request('/admin/jobs/demo', {
      method: 'PUT',
      body: JSON.stringify({ name: 'Demo', integration: 'log-event', auth: { secret: 'demo' } }),
    });
    expect(put.status).toBe(201);
    const res = await createIngestApp(deps).request('/hooks/demo', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Shared-Secret': 's3cr3t-value' },
      body: '{"a":1}',
    });
    expect(res.status).toBe(202);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['deliveryId', 'runId', 'status']);
    expect(body.status).toBe('queued');
  });

  it('refuses malformed JSON and bad paging on the admin API with 400', async () => {
    const admin = createAdminApp(memoryDeps());
    const put = await admin.request('/admin/jobs/demo', { method: 'PUT', body: '{"name":' });
    expect(put.status).toBe(400);
    expect(await put.json()).toMatchObject({
      error: 'invalid_request',
      message: expect.stringContaining('malformed JSON') as unknown,
    });
    const list = await admin.request('/admin/jobs?limit=0');
    expect(list.status).toBe(400);
  });
});
