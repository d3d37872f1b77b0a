import { describe, expect, it } from 'vitest';
import { createIngestApp } from '../../shared/http/ingest-app.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';

/**
 * In AWS the `$default` route sends every request no other route matches to
 * ingest. `/admin/<x>` is matched by the IAM-authorized admin route first, but
 * `/admin` and `/admin/` are not: whatever admin-looking path reaches ingest
 * must be a JSON 404, never served and never stored.
 */
describe('ingest app behind the $default route', () => {
  const adminPaths = [
    '/admin',
    '/admin/',
    '/admin/jobs',
    '/admin/jobs/demo',
    '/admin/jobs/demo/runs',
    '/admin/settings',
    '/admin/integrations',
    '/ADMIN/jobs',
  ];

  it.each(['GET', 'PUT', 'POST', 'DELETE', 'PATCH'])(
    'answers %s on /admin paths with JSON 404',
    async (method) => {
      // Prepare: a store that fails the test on any call
      const deps = memoryDeps();
      const touched: string[] = [];
      for (const store of [deps.jobs, deps.runs, deps.deliveries, deps.queue] as object[]) {
        const methods = Object.getOwnPropertyNames(Object.getPrototypeOf(store)).filter(
          (n) => n !== 'constructor',
        );
        expect(methods.length).toBeGreaterThan(0);
        for (const name of methods) {
          const fn = (store as Record<string, unknown>)[name];
          if (typeof fn !== 'function') continue;
          (store as Record<string, unknown>)[name] = (...args: unknown[]) => {
            touched.push(name);
            return (fn as (...a: unknown[]) => unknown).apply(store, args);
          };
        }
      }
      const app = createIngestApp(deps);
      for (const path of adminPaths) {
        // Act
        const res = await app.request(path, {
          method,
          ...(method === 'GET' ? {} : { body: '{"name":"x","integration":"log-event"}' }),
          headers: { 'content-type': 'application/json' },
        });
        // Assess
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.headers.get('content-type')).toMatch(/^application\/json/);
        expect(await res.json()).toMatchObject({
          error: 'not_found',
          message: expect.any(String) as unknown,
        });
      }
      expect(touched).toEqual([]);
    },
  );

  it('answers a wrong method on its own routes with JSON 405 and Allow', async () => {
    const app = createIngestApp(memoryDeps());
    const hook = await app.request('/hooks/demo', { method: 'GET' });
    expect(hook.status).toBe(405);
    expect(hook.headers.get('allow')).toBe('POST');
    expect(await hook.json()).toMatchObject({ error: 'method_not_allowed' });
    const health = await app.request('/health', { method: 'DELETE' });
    expect(health.status).toBe(405);
    expect(health.headers.get('allow')).toContain('GET');
  });
});
