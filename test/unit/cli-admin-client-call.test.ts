import { describe, expect, it } from 'vitest';
import { array, object, string, undefined as zUndefined } from 'zod';
import { AdminApiError, AdminResponseError, createAdminClient } from '../../cli/admin-client.ts';

/** A fetch that records every request and answers with `answer`. */
const fakeFetch = (answer: (request: Request) => Response) => {
  const calls: { method: string; url: string; body: string }[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    calls.push({ method: request.method, url: request.url, body: await request.clone().text() });
    return answer(request);
  };
  return { fetch, calls };
};
const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const Items = object({ items: array(object({ name: string() })) });

describe('AdminClient.call: any admin route, its answer checked', () => {
  it('sends method, path, search parameters (undefined ones left out) and the JSON body', async () => {
    // Prepare
    const { fetch, calls } = fakeFetch(() => json(200, { items: [{ name: 'region' }] }));
    const client = createAdminClient({ endpoint: 'http://127.0.0.1:3000/prod', fetch });
    // Act
    const listed = await client.call('get', 'admin/notifications', Items, {
      searchParams: { jobId: 'j1', severity: undefined, limit: 5 },
    });
    await client.call('put', '/admin/globals/region', Items, { json: { value: 'eu' } });
    // Assess
    expect(listed).toEqual({ items: [{ name: 'region' }] });
    expect(calls.map((c) => [c.method, c.url, c.body])).toEqual([
      ['GET', 'http://127.0.0.1:3000/prod/admin/notifications?jobId=j1&limit=5', ''],
      ['PUT', 'http://127.0.0.1:3000/prod/admin/globals/region', '{"value":"eu"}'],
    ]);
  });

  it('a 204 is checked as undefined; a wrong shape and an error status are the client errors', async () => {
    // Prepare
    const { fetch } = fakeFetch((request) => {
      if (request.method === 'DELETE') return new Response(null, { status: 204 });
      if (request.url.endsWith('/conflict')) return json(409, { error: 'global_masked', message: 'masked' });
      return json(200, { items: 'nope' });
    });
    const client = createAdminClient({ endpoint: 'http://127.0.0.1:3000', fetch });
    // Act / Assess
    await expect(client.call('delete', 'admin/globals/region', zUndefined())).resolves.toBeUndefined();
    await expect(client.call('get', 'admin/globals', Items)).rejects.toBeInstanceOf(AdminResponseError);
    await expect(client.call('put', 'admin/globals/conflict', Items, { json: {} })).rejects.toMatchObject({
      constructor: AdminApiError,
      status: 409,
      code: 'global_masked',
    });
  });
});
