import { connect } from 'node:net';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from '../../cli/local/apigw-server.ts';
import { consoleAssets } from '../../console/assets.generated.ts';
import { httpHandler } from '../../functions/http-handler.ts';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import { createConsoleHandler } from '../../shared/http/console-app.ts';
import { createIngestApp } from '../../shared/http/ingest-app.ts';
import { API_CSP, API_HEADERS, SECURITY_HEADERS } from '../../shared/http/security-headers.ts';
import { JobSchema, MAX_BODY_BYTES_LIMIT } from '../../shared/model/index.ts';
import { apiEvent, lambdaContext } from '../helpers/api-event.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';

// Every kind of answer the platform gives — a webhook accepted by the direct route or refused,
// the router's 404/405, a refusal of the handler itself, admin answers, the console's page and
// the local server's own refusals — carries the security headers; API answers a CSP that allows
// nothing and `cache-control: no-store`; the console page keeps its own CSP.

const SECRET = 'hdr-secret-value';

const setup = async () => {
  const deps = memoryDeps({ secrets: { demo: [SECRET] } });
  await deps.jobs.put(
    JobSchema.parse({ id: 'demo', name: 'Demo', integration: 'log-event', auth: { secret: 'demo' } }),
  );
  return {
    ingest: httpHandler(createIngestApp(deps)),
    admin: httpHandler(createAdminApp(deps)),
    console: createConsoleHandler(consoleAssets, {
      apiBase: '/console/admin',
      auth: { type: 'cognito', domain: 'https://signin.example.com', clientId: 'c', scopes: ['openid'] },
    }),
  };
};

const headersOf = (r: APIGatewayProxyResult): Record<string, string> =>
  Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));

const expectApiHeaders = (headers: Record<string, string>): void => {
  for (const [name, value] of Object.entries(API_HEADERS)) expect(headers[name], name).toBe(value);
};

describe('security headers on every answer of the Lambda handlers', () => {
  let h: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => {
    h = await setup();
  });

  const post = (over: Parameters<typeof apiEvent>[0] = {}) =>
    apiEvent({
      headers: { 'content-type': 'application/json', 'x-shared-secret': SECRET },
      body: '{"a":1}',
      ...over,
    });

  it('a webhook accepted by the direct route (202) and one refused there (401)', async () => {
    const accepted = await h.ingest(post(), lambdaContext);
    expect(accepted.statusCode).toBe(202);
    expectApiHeaders(headersOf(accepted));
    expect(headersOf(accepted)['content-type']).toBe('application/json');
    const refused = await h.ingest(
      post({ headers: { 'content-type': 'application/json', 'x-shared-secret': 'nope' } }),
      lambdaContext,
    );
    expect(refused.statusCode).toBe(401);
    expectApiHeaders(headersOf(refused));
  });

  it("the router's 404 and 405, and a method the handler refuses itself", async () => {
    const missing = await h.ingest(apiEvent({ method: 'GET', rawPath: '/nothing' }), lambdaContext);
    expect(missing.statusCode).toBe(404);
    expectApiHeaders(headersOf(missing));
    const wrongMethod = await h.ingest(apiEvent({ method: 'GET', rawPath: '/hooks/demo' }), lambdaContext);
    expect(wrongMethod.statusCode).toBe(405);
    expectApiHeaders(headersOf(wrongMethod));
    const trace = await h.ingest(apiEvent({ method: 'TRACE', rawPath: '/hooks/demo' }), lambdaContext);
    expect(trace.statusCode).toBe(405);
    expectApiHeaders(headersOf(trace));
    const dots = await h.ingest(apiEvent({ rawPath: '/hooks/%2e%2e/admin' }), lambdaContext);
    expect(dots.statusCode).toBe(400);
    expectApiHeaders(headersOf(dots));
  });

  it('admin answers: 200 and 400, never cached', async () => {
    const ok = await h.admin(apiEvent({ method: 'GET', rawPath: '/admin/jobs' }), lambdaContext);
    expect(ok.statusCode).toBe(200);
    expectApiHeaders(headersOf(ok));
    expect(headersOf(ok)['cache-control']).toBe('no-store');
    const bad = await h.admin(
      apiEvent({ method: 'GET', rawPath: '/admin/jobs/NOT%20AN%20ID' }),
      lambdaContext,
    );
    expect(bad.statusCode).toBe(400);
    expectApiHeaders(headersOf(bad));
  });

  it("the console page keeps its own CSP (script from itself, the sign-in service's origin to connect to) and cache rules", async () => {
    const page = headersOf(await h.console(apiEvent({ method: 'GET', rawPath: '/console/' }), lambdaContext));
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(page[name], name).toBe(value);
    expect(page['content-security-policy']).toContain("script-src 'self'");
    expect(page['content-security-policy']).toContain("connect-src 'self' https://signin.example.com");
    expect(page['content-security-policy']).not.toBe(API_CSP);
    const script = Object.keys(consoleAssets.files).find((n) => n.endsWith('.js'))!;
    const file = headersOf(
      await h.console(apiEvent({ method: 'GET', rawPath: `/console/${script}` }), lambdaContext),
    );
    expect(file['cache-control']).toContain('immutable');
    expect(file['x-content-type-options']).toBe('nosniff');
  });
});

describe("security headers on the local server's own answers", () => {
  let api: Awaited<ReturnType<typeof startApiServer>>;
  beforeAll(async () => {
    const h = await setup();
    api = await startApiServer([{ prefix: '/', handler: h.ingest }], { port: 0 });
  });
  afterAll(async () => {
    await api?.close();
  });

  /** What the server writes back for a raw request, up to the connection's end. */
  const rawAnswer = (request: string): Promise<string> =>
    new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(api.url).port), '127.0.0.1', () => socket.write(request));
      let text = '';
      socket.on('data', (d: Buffer) => (text += d.toString('utf8')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
      socket.setTimeout(10_000, () => socket.destroy(new Error('no answer')));
    });

  const expectRawApiHeaders = (raw: string): void => {
    for (const [name, value] of Object.entries(API_HEADERS))
      expect(raw, name).toContain(`\r\n${name}: ${value}\r\n`);
  };

  it('413 for a body over the limit, 400 for a path another layer could read otherwise', async () => {
    const big = await rawAnswer(
      `POST /hooks/demo HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${MAX_BODY_BYTES_LIMIT + 1}\r\n\r\n`,
    );
    expect(big).toMatch(/^HTTP\/1\.1 413 /);
    expectRawApiHeaders(big);
    const dots = await rawAnswer(
      'GET /hooks/%2e%2e/admin HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n',
    );
    expect(dots).toMatch(/^HTTP\/1\.1 400 /);
    expectRawApiHeaders(dots);
  });

  it('a request the HTTP parser refuses (written straight to the socket)', async () => {
    const raw = await rawAnswer('NOT HTTP AT ALL\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expectRawApiHeaders(raw);
  });
});
