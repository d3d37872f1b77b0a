import { describe, expect, it } from 'vitest';
import type { ConsoleAssets } from '../../shared/http/console-app.ts';
import { createConsoleHandler } from '../../shared/http/console-app.ts';
import { apiEvent } from '../helpers/api-event.ts';

const assets: ConsoleAssets = {
  files: {
    'index.html': { type: 'text/html; charset=utf-8', body: '<!doctype html><p>page</p>', immutable: false },
    'app-abc123.js': { type: 'text/javascript; charset=utf-8', body: 'console.log(1)', immutable: true },
  },
  bytes: { raw: 40, gzip: 30 },
};
const handler = createConsoleHandler(assets, { apiBase: '/admin', auth: { type: 'none' } });
const get = (rawPath: string, method = 'GET') => handler(apiEvent({ method, rawPath }));

describe('the console handler (static files, no router)', () => {
  it('serves the page at /console and /console/, never cached', async () => {
    for (const path of ['/console', '/console/']) {
      const r = await get(path);
      expect(r.statusCode, path).toBe(200);
      expect(r.body).toContain('<p>page</p>');
      expect(r.headers?.['cache-control']).toBe('no-store');
      expect(r.headers?.['content-security-policy']).toContain("script-src 'self'");
      expect(r.headers?.['strict-transport-security']).toBe('max-age=31536000');
      expect(r.headers?.['referrer-policy']).toBe('no-referrer');
      expect(r.headers?.['x-frame-options']).toBe('DENY');
    }
  });

  it('serves a hashed file with a year-long cache and config.json with the settings', async () => {
    const js = await get('/console/app-abc123.js');
    expect([js.statusCode, js.body, js.headers?.['cache-control']]).toEqual([
      200,
      'console.log(1)',
      'public, max-age=31536000, immutable',
    ]);
    const config = await get('/console/config.json');
    expect(JSON.parse(config.body)).toEqual({ apiBase: '/admin', auth: { type: 'none' } });
  });

  it('answers HEAD without a body', async () => {
    const r = await get('/console/app-abc123.js', 'HEAD');
    expect([r.statusCode, r.body]).toEqual([200, '']);
  });

  it('refuses other methods with 405 and Allow, and unknown or path-like names with a JSON 404', async () => {
    const post = await get('/console/', 'POST');
    expect(post.statusCode).toBe(405);
    expect(post.headers?.allow).toBe('GET, HEAD');
    for (const path of [
      '/console/index.html',
      '/console/missing.js',
      '/console/../admin/jobs',
      '/console/%2e%2e/admin',
      '/console/a/b.js',
      '/consoleX',
      '/admin/jobs',
    ]) {
      const r = await get(path);
      expect(r.statusCode, path).toBe(404);
      expect(JSON.parse(r.body), path).toMatchObject({ error: 'not_found' });
      expect(r.headers?.['x-content-type-options'], path).toBe('nosniff');
    }
  });

  it('says how to build the console when it is not built', async () => {
    const bare = createConsoleHandler(
      { files: {}, bytes: { raw: 0, gzip: 0 } },
      { apiBase: '/admin', auth: { type: 'none' } },
    );
    const r = await bare(apiEvent({ method: 'GET', rawPath: '/console' }));
    expect(r.statusCode).toBe(404);
    expect(JSON.parse(r.body).message).toContain('npm run generate');
  });
});
