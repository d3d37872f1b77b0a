import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from '../../cli/local/apigw-server.ts';
import { httpHandler } from '../../functions/http-handler.ts';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import { createIngestApp } from '../../shared/http/ingest-app.ts';
import { localAdminRefusal } from '../../shared/http/local-guard.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { apiEvent } from '../helpers/api-event.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';

// `npm start` has no sign-in: its admin API must not be drivable by a web page the user visits
// (a cross-site request) or by DNS rebinding (a request naming another host). The CLI (no
// Origin) and the console (same origin) keep working; webhooks take any Host.

const localEvent = (headers: Record<string, string>, rawPath = '/admin/jobs') => {
  const event = apiEvent({ method: 'GET', rawPath, headers });
  return { ...event, requestContext: { ...event.requestContext, apiId: 'local' } };
};

describe('localAdminRefusal', () => {
  it.each([['127.0.0.1:3000'], ['127.0.0.1'], ['localhost:4567'], ['LOCALHOST'], ['[::1]:3000']])(
    'lets the CLI (no Origin) through to Host %s',
    (host) => {
      expect(localAdminRefusal(localEvent({ host }))).toBeUndefined();
    },
  );

  it('lets the console through: its own origin, Sec-Fetch-Site same-origin', () => {
    expect(
      localAdminRefusal(
        localEvent({
          host: '127.0.0.1:3000',
          origin: 'http://127.0.0.1:3000',
          'sec-fetch-site': 'same-origin',
        }),
      ),
    ).toBeUndefined();
    // A URL typed or bookmarked: the browser says `none`.
    expect(
      localAdminRefusal(localEvent({ host: 'localhost:3000', 'sec-fetch-site': 'none' })),
    ).toBeUndefined();
  });

  it.each([
    ['evil.example:3000'],
    ['attacker.test'],
    ['127.0.0.1.nip.io:3000'],
    ['0.0.0.0:3000'],
    ['10.0.0.5:3000'],
  ])('refuses Host %s (DNS rebinding) with 403 forbidden_host', (host) => {
    expect(localAdminRefusal(localEvent({ host }))?.error).toBe('forbidden_host');
  });

  it('refuses a request without a Host', () => {
    expect(localAdminRefusal(localEvent({}))?.error).toBe('forbidden_host');
  });

  it.each([
    [{ origin: 'https://evil.example' }],
    [{ origin: 'null' }],
    [{ origin: 'http://localhost:3000' }], // another origin than the Host the request names
    [{ origin: 'http://127.0.0.1:3001' }],
    [{ 'sec-fetch-site': 'cross-site' }],
    [{ 'sec-fetch-site': 'same-site' }],
  ])('refuses a request from another origin (%o) with 403 cross_origin', (extra) => {
    expect(localAdminRefusal(localEvent({ host: '127.0.0.1:3000', ...extra }))?.error).toBe('cross_origin');
  });

  it('leaves webhooks, the console files and every request in AWS alone', () => {
    expect(
      localAdminRefusal(localEvent({ host: 'tunnel.example', origin: 'https://x' }, '/hooks/demo')),
    ).toBeUndefined();
    expect(localAdminRefusal(localEvent({ host: 'evil.example' }, '/console/'))).toBeUndefined();
    expect(localAdminRefusal(localEvent({ host: 'evil.example' }, '/administrator'))).toBeUndefined();
    const aws = apiEvent({
      method: 'GET',
      rawPath: '/admin/jobs',
      headers: { host: 'abc.execute-api.eu-west-1.amazonaws.com' },
    });
    expect(localAdminRefusal(aws)).toBeUndefined();
    expect(localAdminRefusal(undefined)).toBeUndefined();
  });
});

describe('the local server (as npm start wires it) refuses foreign admin requests', () => {
  let api: Awaited<ReturnType<typeof startApiServer>>;
  let port: number;
  beforeAll(async () => {
    const deps = memoryDeps({ secrets: { demo: ['guard-secret'] } });
    await deps.jobs.put(
      JobSchema.parse({ id: 'demo', name: 'Demo', integration: 'log-event', auth: { secret: 'demo' } }),
    );
    api = await startApiServer(
      [
        { prefix: '/admin', handler: httpHandler(createAdminApp(deps)) },
        { prefix: '/', handler: httpHandler(createIngestApp(deps)) },
      ],
      { port: 0 },
    );
    port = Number(new URL(api.url).port);
  });
  afterAll(async () => {
    await api?.close();
  });

  /** One request with the headers given as they are (fetch would not send a Host of our choosing). */
  const send = (method: string, path: string, headers: Record<string, string>, body?: string) =>
    new Promise<{ status: number; json: { error?: string; items?: unknown[] } }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method, path, headers, timeout: 10_000 }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString('utf8')));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as { error?: string } }),
        );
      });
      req.on('timeout', () => req.destroy(new Error('no answer')));
      req.on('error', reject);
      req.end(body);
    });

  it('serves the CLI and the console, refuses a rebound Host and a cross-site POST', async () => {
    const cli = await send('GET', '/admin/jobs', { host: `127.0.0.1:${port}` });
    expect(cli.status).toBe(200);
    expect(cli.json.items).toHaveLength(1);
    const console = await send('GET', '/admin/jobs', {
      host: `localhost:${port}`,
      origin: `http://localhost:${port}`,
      'sec-fetch-site': 'same-origin',
    });
    expect(console.status).toBe(200);
    const rebound = await send('GET', '/admin/jobs', { host: `evil.example:${port}` });
    expect(rebound).toMatchObject({ status: 403, json: { error: 'forbidden_host' } });
    const csrf = await send('DELETE', '/admin/jobs/demo', {
      host: `127.0.0.1:${port}`,
      origin: 'https://evil.example',
      'sec-fetch-site': 'cross-site',
    });
    expect(csrf).toMatchObject({ status: 403, json: { error: 'cross_origin' } });
    // Refused before the route ran: the job is still there.
    expect((await send('GET', '/admin/jobs', { host: `127.0.0.1:${port}` })).json.items).toHaveLength(1);
    // A webhook takes any Host (a tunnel names its own).
    const hook = await send(
      'POST',
      '/hooks/demo',
      { host: 'tunnel.example', 'content-type': 'application/json', 'x-shared-secret': 'guard-secret' },
      '{}',
    );
    expect(hook.status).toBe(202);
  });
});
