import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { httpHandler } from '../../functions/http-handler.ts';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import { createIngestApp } from '../../shared/http/ingest-app.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { platformLogger } from '../../shared/runtime/platform-logger.ts';
import type { MemoryDeps } from '../helpers/memory-deps.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';
import { apiEvent as apiGatewayEvent, lambdaContext } from '../helpers/api-event.ts';

const SECRET = 's3cr3t-value';

const withDemo = async (): Promise<MemoryDeps> => {
  const deps = memoryDeps();
  await deps.jobs.put(
    JobSchema.parse({ id: 'demo', name: 'Demo', integration: 'log-event', auth: { secret: 'demo' } }),
  );
  return deps;
};

/** Counts every store call, reads included. */
const countStoreCalls = (deps: MemoryDeps) => {
  const calls = { jobs: 0, runs: 0 };
  for (const m of ['get', 'list', 'put', 'delete'] as const) {
    const original = deps.jobs[m].bind(deps.jobs) as (...a: unknown[]) => unknown;
    (deps.jobs as unknown as Record<string, unknown>)[m] = (...a: unknown[]) => {
      calls.jobs++;
      return original(...a);
    };
  }
  for (const m of ['get', 'listByJob'] as const) {
    const original = deps.runs[m].bind(deps.runs) as (...a: unknown[]) => unknown;
    (deps.runs as unknown as Record<string, unknown>)[m] = (...a: unknown[]) => {
      calls.runs++;
      return original(...a);
    };
  }
  return calls;
};

/** An API Gateway event with the demo secret. */
const apiEvent = (method: string, rawPath: string, body?: string): APIGatewayProxyEventV2 =>
  apiGatewayEvent({
    method,
    rawPath,
    body,
    headers: { 'content-type': 'application/json', 'x-shared-secret': SECRET },
  });

let warn: { mock: { calls: unknown[][] }; mockRestore(): void };
beforeEach(() => {
  warn = vi.spyOn(platformLogger, 'warn').mockImplementation(() => undefined);
});
afterEach(() => {
  warn.mockRestore();
});

const refusalLines = () =>
  warn.mock.calls
    .filter(([m]) => m === 'webhook refused')
    .map(([, fields]) => fields as Record<string, unknown>);

describe('ids are checked before any store call', () => {
  it.each([
    ['longer than 64 characters', 'a'.repeat(65)],
    ['far longer than the key limit', 'a'.repeat(3000)],
    ['upper-case', 'Demo'],
    ['with a dot', 'de.mo'],
  ])('answers a webhook to an id %s with the 404 of an unknown job, reading nothing', async (_n, id) => {
    const deps = await withDemo();
    const calls = countStoreCalls(deps);
    const res = await createIngestApp(deps).request(`/hooks/${id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shared-secret': SECRET },
      body: '{}',
    });
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe('not_found');
    expect(body.message).toMatch(/^no job /);
    expect(body.message.length).toBeLessThan(220);
    expect(calls).toEqual({ jobs: 0, runs: 0 });
  });

  it.each([
    ['GET', `/admin/jobs/${'a'.repeat(3000)}`],
    ['PUT', `/admin/jobs/${'a'.repeat(65)}`],
    ['DELETE', '/admin/jobs/Bad'],
    ['GET', `/admin/jobs/${'x'.repeat(100)}/runs`],
  ])('answers %s %s with 400 naming the id rule, reading nothing', async (method, path) => {
    const deps = await withDemo();
    const calls = countStoreCalls(deps);
    const res = await createAdminApp(deps).request(path, {
      method,
      body: method === 'PUT' ? '{}' : undefined,
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.message).toContain('lower-case letters, digits, - and _');
    expect(body.message.length).toBeLessThan(400);
    expect(calls).toEqual({ jobs: 0, runs: 0 });
  });

  it('answers a run id that is not a ULID with 400, and a ULID nobody has with 404', async () => {
    const deps = await withDemo();
    const calls = countStoreCalls(deps);
    const app = createAdminApp(deps);
    for (const id of ['nope', 'x'.repeat(5000), '01ARZ3NDEKTSV4RRFFQ69G5FAU', '01ARZ3NDEKTSV4RRFFQ69G5FA']) {
      const res = await app.request(`/admin/runs/${id}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string }).message).toContain('ULID');
    }
    expect(calls.runs).toBe(0);
    const unknown = await app.request('/admin/runs/01ARZ3NDEKTSV4RRFFQ69G5FAV');
    expect(unknown.status).toBe(404);
  });
});

describe('every answer of the HTTP edge is JSON', () => {
  it.each([
    ['GET', '/hooks/demo', 405, 'POST'],
    ['PUT', '/hooks/demo', 405, 'POST'],
    ['DELETE', '/health', 405, 'GET, HEAD'],
    ['POST', '/health', 405, 'GET, HEAD'],
    ['GET', '/nope', 404, null],
    ['GET', '/hooks', 404, null],
    ['GET', '/hooks/demo/extra', 404, null],
  ])('answers %s %s with %i JSON (Allow: %s)', async (method, path, status, allow) => {
    const res = await createIngestApp(await withDemo()).request(path, { method });
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('allow')).toBe(allow);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['error', 'message']);
  });

  it('answers 405 with Allow on admin routes too', async () => {
    const res = await createAdminApp(await withDemo()).request('/admin/integrations', { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers HEAD /health with 200 and no body', async () => {
    const res = await createIngestApp(await withDemo()).request('/health', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it('quotes at most ~200 characters of a 1 MB path in a 404', async () => {
    const res = await createIngestApp(await withDemo()).request(`/${'p'.repeat(1_000_000)}`);
    expect(res.status).toBe(404);
    expect((await res.text()).length).toBeLessThan(400);
  });

  it.each([
    ['TRACE', '/hooks/demo', undefined, 405],
    ['TRACK', '/health', undefined, 405],
    ['CONNECT', '/hooks/demo', undefined, 405],
    ['TRACE', '/nowhere', undefined, 404],
    ['GET', '/health', '{"a":1}', 400],
    ['HEAD', '/health', 'x', 400],
    ['POST', '/hooks/%2e%2e/admin/jobs/evil', '{}', 400],
    ['POST', '/hooks/..%2fadmin/jobs/x', '{}', 400],
    ['GET', '/hooks/demo/../../admin/jobs', undefined, 400],
    ['GET', '//admin/jobs', undefined, 400],
    ['POST', '/hooks/demo%00', '{}', 400],
    ['POST', '/hooks\\..\\admin', '{}', 400],
  ])('answers %s %s (Lambda edge) with %i JSON and one refusal line', async (method, path, body, status) => {
    const deps = await withDemo();
    const handler = httpHandler(createIngestApp(deps));
    const result = await handler(apiEvent(method, path, body), lambdaContext);
    expect(result.statusCode).toBe(status);
    expect(result.headers?.['content-type']).toMatch(/^application\/json/);
    expect(Object.keys(JSON.parse(result.body) as object).sort()).toEqual(['error', 'message']);
    if (status === 405) expect(result.headers?.allow).toMatch(/^(POST|GET, HEAD)$/);
    const lines = refusalLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ status, requestId: 'req-123', sourceIp: '203.0.113.7' });
    expect(deps.deliveries.writes + deps.runs.writes).toBe(0);
  });

  it('never lets a /hooks/ path reach an admin route of the admin app either (defence in depth)', async () => {
    const deps = await withDemo();
    const handler = httpHandler(createAdminApp(deps));
    for (const path of ['/admin/jobs/%2e%2e/jobs/evil', '/admin/jobs/x/%2E%2E/%2e%2e/jobs/evil']) {
      const result = await handler(
        apiEvent('PUT', path, '{"name":"E","integration":"log-event"}'),
        lambdaContext,
      );
      expect(result.statusCode).toBe(400);
    }
    expect(deps.jobs.items.has('evil')).toBe(false);
  });
});

describe('messages quote at most ~200 characters of input', () => {
  it('bounds what a huge header, a huge job key or a huge parameter name brings back', async () => {
    const deps = await withDemo();
    await deps.jobs.put(
      JobSchema.parse({
        id: 'sc',
        name: 'SC',
        integration: 'log-event',
        source: 'securechange',
        auth: { secret: 'demo' },
      }),
    );
    const huge = 'E'.repeat(1_000_000);
    const ingestApp = createIngestApp(deps);
    const answers = [
      await ingestApp.request('/hooks/sc', {
        method: 'POST',
        headers: { 'content-type': 'application/xml', 'x-shared-secret': SECRET, 'x-scw-event': huge },
        body: '<ticket_info><id>1</id></ticket_info>',
      }),
      await ingestApp.request('/hooks/sc', {
        method: 'POST',
        headers: { 'content-type': `application/${huge}`, 'x-shared-secret': SECRET },
        body: '<ticket_info><id>1</id></ticket_info>',
      }),
      await createAdminApp(deps).request('/admin/jobs/x', {
        method: 'PUT',
        body: JSON.stringify({ name: 'X', integration: 'log-event', auth: { secret: 'demo' }, [huge]: 1 }),
      }),
      await createAdminApp(deps).request('/admin/jobs/x', {
        method: 'PUT',
        body: JSON.stringify({
          name: 'X',
          integration: 'log-event',
          auth: { secret: 'demo' },
          params: { [huge]: 1 },
        }),
      }),
      await createAdminApp(deps).request('/admin/jobs/x', {
        method: 'PUT',
        body: JSON.stringify({ id: huge, name: 'X', integration: 'log-event', auth: { secret: 'demo' } }),
      }),
    ];
    for (const res of answers) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect((await res.text()).length).toBeLessThan(600);
    }
  });
});

describe('a refusal is one WARN line and no table write', () => {
  const post = (deps: MemoryDeps, headers: Record<string, string>, body = '{"a":1}', path = '/hooks/demo') =>
    httpHandler(createIngestApp(deps))(
      {
        ...apiEvent('POST', path, body),
        headers: { 'content-type': 'application/json', ...headers },
      },
      lambdaContext,
    );

  it.each([
    ['a wrong secret', { 'x-shared-secret': 'wrong-value' }, '{"a":1}', '/hooks/demo', 401, 'unauthorized'],
    ['no secret', {}, '{"a":1}', '/hooks/demo', 401, 'unauthorized'],
    ['an unknown job', { 'x-shared-secret': SECRET }, '{}', '/hooks/ghost', 404, 'not_found'],
    ['malformed JSON', { 'x-shared-secret': SECRET }, '{"a":', '/hooks/demo', 400, 'invalid_request'],
    [
      'a wrong content type',
      { 'x-shared-secret': SECRET, 'content-type': 'text/plain' },
      '{}',
      '/hooks/demo',
      415,
      'unsupported_media_type',
    ],
    [
      'a body over the job limit',
      { 'x-shared-secret': SECRET },
      JSON.stringify({ a: 'x'.repeat(1_100_000) }),
      '/hooks/demo',
      413,
      'payload_too_large',
    ],
  ])(
    'refuses %s: exactly one line with the agreed fields',
    async (_n, headers, body, path, status, reason) => {
      const deps = await withDemo();
      const result = await post(deps, headers, body, path);
      expect(result.statusCode).toBe(status);
      const lines = refusalLines();
      expect(lines).toHaveLength(1);
      const jobId = path.split('/')[2];
      expect(lines[0]).toEqual({ jobId, status, reason, requestId: 'req-123', sourceIp: '203.0.113.7' });
      expect(JSON.stringify(warn.mock.calls)).not.toContain(SECRET);
      expect(JSON.stringify(warn.mock.calls)).not.toContain('wrong-value');
      expect(deps.deliveries.writes).toBe(0);
      expect(deps.runs.writes).toBe(0);
      expect(deps.queue.sent).toEqual([]);
    },
  );

  it('refuses a disabled job with 409: one line, no write', async () => {
    const deps = await withDemo();
    const job = await deps.jobs.get('demo');
    if (job) await deps.jobs.put({ ...job, enabled: false });
    const result = await post(deps, { 'x-shared-secret': SECRET });
    expect(result.statusCode).toBe(409);
    expect(refusalLines()).toEqual([
      { jobId: 'demo', status: 409, reason: 'job_disabled', requestId: 'req-123', sourceIp: '203.0.113.7' },
    ]);
    expect(deps.deliveries.writes + deps.runs.writes).toBe(0);
  });

  it('leaves jobId out when the path id cannot be a job id', async () => {
    const deps = await withDemo();
    await post(deps, { 'x-shared-secret': SECRET }, '{}', `/hooks/${'Z'.repeat(300)}`);
    expect(refusalLines()).toEqual([
      { status: 404, reason: 'not_found', requestId: 'req-123', sourceIp: '203.0.113.7' },
    ]);
  });

  it('names the job of the path alike whether the Lambda edge or the app refuses', async () => {
    const deps = await withDemo();
    const admin = httpHandler(createAdminApp(deps));
    const ingest = httpHandler(createIngestApp(deps));
    // Refused by the handler before the app (a method fetch forbids), then by the app (no such route).
    await admin(apiEvent('TRACE', '/admin/jobs/demo'), lambdaContext);
    await admin(apiEvent('GET', '/admin/jobs/demo/nope'), lambdaContext);
    await ingest(apiEvent('TRACE', '/hooks/demo/extra'), lambdaContext);
    await ingest(apiEvent('GET', '/hooks/demo/extra'), lambdaContext);
    const lines = warn.mock.calls.map(([message, fields]) => [message, (fields as { jobId?: string }).jobId]);
    expect(lines).toEqual([
      ['admin request refused', 'demo'],
      ['admin request refused', 'demo'],
      ['webhook refused', 'demo'],
      ['webhook refused', 'demo'],
    ]);
  });

  it('writes no refusal line for an accepted delivery', async () => {
    const deps = await withDemo();
    const result = await post(deps, { 'x-shared-secret': SECRET });
    expect(result.statusCode).toBe(202);
    expect(refusalLines()).toEqual([]);
  });
});
