import { storedJob } from '../helpers/cli.ts';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  AdminApiError,
  AdminConnectionError,
  AdminResponseError,
  createAdminClient,
} from '../../cli/admin-client.ts';

type Handler = (request: Request) => Response | Promise<Response>;

/** A fetch that records every request and answers with `handler`. */
const fakeFetch = (handler: Handler) => {
  const calls: { method: string; url: string; headers: Headers; body: string }[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    calls.push({
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: await request.clone().text(),
    });
    return handler(request);
  };
  return { fetch, calls };
};

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

const job = storedJob('demo', { name: 'Demo', integration: 'echo' });

const closedPort = async (): Promise<number> => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
};

describe('createAdminClient', () => {
  it('calls the documented routes under the endpoint, keeping a stage path and encoding ids', async () => {
    // Prepare
    const { fetch, calls } = fakeFetch((req) => {
      const path = new URL(req.url).pathname;
      if (path === '/prod/admin/jobs') return json(200, { items: [job], nextCursor: 'c2' });
      if (path === '/prod/admin/jobs/a%2Fb/runs') return json(200, { items: [] });
      return json(404, { error: 'not_found', message: 'no route' });
    });
    const client = createAdminClient({ endpoint: 'https://api.example.com/prod/', fetch });

    // Act
    const jobs = await client.listJobs({ limit: 5, cursor: 'c1' });
    const runs = await client.listRuns('a/b');

    // Assess
    expect(jobs).toEqual({ items: [job], nextCursor: 'c2' });
    expect(runs).toEqual({ items: [] });
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'GET https://api.example.com/prod/admin/jobs?limit=5&cursor=c1',
      'GET https://api.example.com/prod/admin/jobs/a%2Fb/runs',
    ]);
  });

  it('tells a created job (201) from a replaced one (200) and sends the job as JSON', async () => {
    // Prepare
    let exists = false;
    const { fetch, calls } = fakeFetch(() => {
      const status = exists ? 200 : 201;
      exists = true;
      return json(status, job);
    });
    const client = createAdminClient({ endpoint: 'http://127.0.0.1:3000', fetch });

    // Act
    const first = await client.putJob('demo', { ...job });
    const second = await client.putJob('demo', { ...job });

    // Assess
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.job.id).toBe('demo');
    expect(calls[0]?.method).toBe('PUT');
    expect(calls[0]?.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(calls[0]?.body ?? '')).toEqual(job);
  });

  it('turns an error body into an AdminApiError with status, code and message', async () => {
    // Prepare
    const { fetch } = fakeFetch(() => json(404, { error: 'not_found', message: 'job nope not found' }));
    const client = createAdminClient({ endpoint: 'http://127.0.0.1:3000', fetch });

    // Act
    const error = await client.getJob('nope').catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(AdminApiError);
    expect(error).toMatchObject({ status: 404, code: 'not_found', message: 'job nope not found' });
  });

  it('falls back to the status line when the error body is not ours (a proxy page)', async () => {
    // Prepare
    const { fetch } = fakeFetch(
      () => new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
    );
    const client = createAdminClient({ endpoint: 'http://127.0.0.1:3000', fetch, retryLimit: 0 });

    // Act
    const error = await client.listIntegrations().catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ status: 502, code: 'http_502', message: 'HTTP 502 Bad Gateway' });
  });

  it('rejects an answer that does not match the schema', async () => {
    // Prepare
    const { fetch } = fakeFetch(() => json(200, { items: [{ id: 'x' }] }));
    const client = createAdminClient({ endpoint: 'http://127.0.0.1:3000', fetch });

    // Act
    const error = await client.listIntegrations().catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(AdminResponseError);
    expect(String(error)).toContain('items.0.name');
  });

  it('retries a GET after a 503, honouring Retry-After', async () => {
    // Prepare
    let n = 0;
    const { fetch, calls } = fakeFetch(() =>
      ++n === 1
        ? json(503, { error: 'unavailable', message: 'busy' }, { 'Retry-After': '0' })
        : json(200, job),
    );
    const client = createAdminClient({ endpoint: 'http://127.0.0.1:3000', fetch });

    // Act
    const got = await client.getJob('demo');

    // Assess
    expect(got.id).toBe('demo');
    expect(calls).toHaveLength(2);
  });

  it('retries a GET after a network error', async () => {
    // Prepare
    let n = 0;
    const { fetch, calls } = fakeFetch(() => {
      if (++n === 1)
        throw new TypeError('fetch failed', {
          cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }),
        });
      return json(200, { items: [] });
    });
    const client = createAdminClient({ endpoint: 'http://127.0.0.1:3000', fetch });

    // Act
    const page = await client.listJobs();

    // Assess
    expect(page.items).toEqual([]);
    expect(calls).toHaveLength(2);
  });

  it('never retries a PUT or a DELETE: their effect may have happened', async () => {
    // Prepare
    const { fetch, calls } = fakeFetch(() =>
      json(503, { error: 'unavailable', message: 'busy' }, { 'Retry-After': '0' }),
    );
    const client = createAdminClient({ endpoint: 'http://127.0.0.1:3000', fetch });

    // Act
    const putError = await client.putJob('demo', job).catch((e: unknown) => e);
    const deleteError = await client.deleteJob('demo').catch((e: unknown) => e);

    // Assess
    expect(putError).toMatchObject({ status: 503, code: 'unavailable' });
    expect(deleteError).toMatchObject({ status: 503 });
    expect(calls.map((c) => c.method)).toEqual(['PUT', 'DELETE']);
  });

  it('passes every attempt through the sign hook', async () => {
    // Prepare
    let n = 0;
    const { fetch, calls } = fakeFetch(() =>
      ++n === 1
        ? json(503, { error: 'unavailable', message: 'busy' }, { 'Retry-After': '0' })
        : json(200, job),
    );
    let signed = 0;
    const client = createAdminClient({
      endpoint: 'http://127.0.0.1:3000',
      fetch,
      sign: (request) => {
        signed++;
        const headers = new Headers(request.headers);
        headers.set('Authorization', `test-signature-${signed}`);
        return new Request(request, { headers });
      },
    });

    // Act
    await client.getJob('demo');

    // Assess
    expect(calls.map((c) => c.headers.get('authorization'))).toEqual([
      'test-signature-1',
      'test-signature-2',
    ]);
  });

  it('reports a refused connection at once, with how to start the stack', async () => {
    // Prepare
    const port = await closedPort();
    let attempts = 0;
    const countingFetch: typeof fetch = (input, init) => {
      attempts++;
      return fetch(input, init);
    };
    const client = createAdminClient({ endpoint: `http://127.0.0.1:${port}`, fetch: countingFetch });

    // Act
    const error = await client.listJobs().catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(AdminConnectionError);
    expect(error).toMatchObject({ reason: 'connection refused' });
    expect(String(error)).toContain('npm start');
    expect(String(error)).toContain('--endpoint');
    // Not retried: nothing listens there, and ky's back-off would only delay the hint.
    expect(attempts).toBe(1);
  });

  it('refuses an endpoint that is not an http(s) URL', () => {
    expect(() => createAdminClient({ endpoint: 'ftp://example.com' })).toThrow(AdminConnectionError);
    expect(() => createAdminClient({ endpoint: 'not a url' })).toThrow('not a valid endpoint URL');
  });
});

describe('createAdminClient: PUT of a ticket job', () => {
  /** Answers after `ms`, or never (until the request is aborted) when `ms` is undefined. */
  const slowFetch =
    (ms: number | undefined): typeof globalThis.fetch =>
    (input, init) =>
      new Promise<Response>((resolve, reject) => {
        const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
        const timer = ms === undefined ? undefined : setTimeout(() => resolve(json(200, job)), ms);
        signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(signal.reason as Error);
        });
      });

  it('waits past its usual time-out for a job the stack checks with its target', async () => {
    // Prepare: the usual time-out is 50 ms; the stack answers after 300 ms (it called the target)
    const client = createAdminClient({
      endpoint: 'http://127.0.0.1:1',
      fetch: slowFetch(300),
      timeoutMs: 50,
    });

    // Act
    const put = await client.putJob('demo', { ...job, tickets: { queue: 'OPS:Task' } });

    // Assess
    expect(put.job.id).toBe('demo');
  });

  it('keeps the usual time-out for a job without tickets, and with --no-verify', async () => {
    const client = createAdminClient({
      endpoint: 'http://127.0.0.1:1',
      fetch: slowFetch(undefined),
      timeoutMs: 50,
    });
    await expect(client.putJob('demo', job)).rejects.toThrow(/did not answer in time/);
    await expect(
      client.putJob('demo', { ...job, tickets: { queue: 'OPS:Task' } }, { verify: false }),
    ).rejects.toThrow(/did not answer in time/);
  });
});
