import { HTTPError, TimeoutError } from 'ky';
import { describe, expect, it } from 'vitest';
import { PermanentError, RunDeferredError } from '../../shared/errors.ts';
import { isRetryableFailure } from '../../shared/outbound/classify.ts';
import type {
  HttpClientOptions,
  OutboundHttp,
  RateLimitInfo,
} from '../../shared/outbound/create-http-client.ts';
import { createHttpClient } from '../../shared/outbound/create-http-client.ts';
import { json, loopbacksClosedAfterEach, startLoopback } from '../helpers/loopback-http.ts';

const { open, serve } = loopbacksClosedAfterEach();

interface Made extends OutboundHttp {
  lines: { level: 'debug' | 'info'; message: string }[];
  rateLimits: RateLimitInfo[];
}

const client = (o: Partial<HttpClientOptions> = {}): Made => {
  const lines: Made['lines'] = [];
  const rateLimits: RateLimitInfo[] = [];
  const made = createHttpClient({
    userAgent: 'triggerhub/9.9.9 test-integration/1.2.3',
    deadlineAt: Date.now() + 60_000,
    signal: new AbortController().signal,
    logger: {
      debug: (message) => lines.push({ level: 'debug', message }),
      info: (message) => lines.push({ level: 'info', message }),
    },
    allowDeferral: true,
    onRateLimited: (info) => rateLimits.push(info),
    backoffBaseMs: 10,
    ...o,
  });
  open.push(made);
  return Object.assign(made, { lines, rateLimits });
};

const failure = async (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );

describe('ctx.http retries', () => {
  it('waits out 429 Retry-After twice, then succeeds: 3 requests, 2 waiting lines, one rate-limit call', async () => {
    // Prepare
    const api = await serve((_req, res, i) =>
      i < 2 ? json(res, 429, { error: 'slow down' }, { 'retry-after': '1' }) : json(res, 200, { ok: true }),
    );
    const c = client();

    // Act
    const body = await c.http.get(`${api.origin}/rest/api/3/myself`).json();

    // Assess
    expect(body).toEqual({ ok: true });
    expect(api.received).toHaveLength(3);
    const waits = c.lines.filter((l) => l.level === 'info' && l.message.includes('waiting'));
    expect(waits.map((l) => l.message)).toEqual([
      `http 429 from ${api.host}: waiting 1 s before retry 1 of 5 (Retry-After)`,
      `http 429 from ${api.host}: waiting 1 s before retry 2 of 5 (Retry-After)`,
    ]);
    expect(c.rateLimits).toEqual([{ host: api.host, status: 429, waitMs: 1_000, deferred: false }]);
    expect(c.rateLimited).toBe(true);
    expect(c.deferral()).toBeUndefined();
  });

  it('honours Retry-After as an HTTP date, measured against the response’s Date header', async () => {
    // Prepare: the server's clock is a day behind ours; its date is 1 s after its own now
    const serverNow = Date.now() - 86_400_000;
    const api = await serve((_req, res, i) =>
      i === 0
        ? json(
            res,
            503,
            {},
            {
              'retry-after': new Date(serverNow + 1_000).toUTCString(),
              date: new Date(serverNow).toUTCString(),
            },
          )
        : json(res, 200, { ok: 1 }),
    );
    const c = client();

    // Act
    await c.http.get(api.origin).json();

    // Assess
    expect(api.received).toHaveLength(2);
    expect(c.lines.some((l) => /waiting 1 s before retry 1 of 5 \(Retry-After\)/.test(l.message))).toBe(true);
  });

  it('gives up a 503 storm after 6 tries with the HTTPError 503 (retryable at run level)', async () => {
    // Prepare
    const api = await serve((_req, res) => json(res, 503, { error: 'unavailable' }));
    const c = client();

    // Act
    const e = await failure(c.http.get(api.origin).json());

    // Assess
    expect(e).toBeInstanceOf(HTTPError);
    expect((e as HTTPError).response.status).toBe(503);
    expect(api.received).toHaveLength(6);
    expect(isRetryableFailure(e)).toBe(true);
    expect(c.rateLimits).toEqual([]);
  });

  it('retries 502 and 504', async () => {
    const statuses = [502, 504, 200];
    const api = await serve((_req, res, i) => json(res, statuses[i] ?? 500, {}));
    await client().http.get(api.origin);
    expect(api.received).toHaveLength(3);
  });

  it.each([400, 404, 500])('does not retry %i', async (status) => {
    const api = await serve((_req, res) => json(res, status, {}));
    const e = await failure(client().http.get(api.origin));
    expect((e as HTTPError).response.status).toBe(status);
    expect(api.received).toHaveLength(1);
    expect(isRetryableFailure(e)).toBe(status === 500);
  });

  it('classifies 408 as retryable, 4xx as permanent', async () => {
    const api = await serve((_req, res) => json(res, 408, {}));
    const e = await failure(client().http.get(api.origin));
    expect(isRetryableFailure(e)).toBe(true);
    expect(isRetryableFailure(new PermanentError('x'))).toBe(false);
  });

  it('retries a POST on 503 with the same body', async () => {
    const api = await serve((_req, res, i) => json(res, i === 0 ? 503 : 201, { id: 1 }));
    await client().http.post(`${api.origin}/rest/api/3/issue`, { json: { fields: { summary: 'x' } } });
    expect(api.received.map((r) => [r.method, r.body])).toEqual([
      ['POST', '{"fields":{"summary":"x"}}'],
      ['POST', '{"fields":{"summary":"x"}}'],
    ]);
  });

  it('retries a network error (a closed port), then throws it', async () => {
    // Prepare: a port nothing listens on any more
    const gone = await startLoopback(() => undefined);
    await gone.close();
    const c = client();

    // Act
    const e = await failure(c.http.get(`${gone.origin}/x`));

    // Assess
    expect(e).toBeInstanceOf(TypeError);
    expect(isRetryableFailure(e)).toBe(true);
    const tries = c.lines.filter((l) => l.message.endsWith('→ network error (ECONNREFUSED)'));
    expect(tries).toHaveLength(6);
  });

  it('cuts a slow answer 1 s before the run deadline with TimeoutError, without a retry', async () => {
    // Prepare: the server never answers; 1.5 s left in the run
    const api = await serve(() => undefined);
    const c = client({ deadlineAt: Date.now() + 1_500 });

    // Act
    const e = await failure(c.http.get(api.origin));

    // Assess: cut, not retried (no time left), and the server saw the socket close
    expect(e).toBeInstanceOf(TimeoutError);
    expect(isRetryableFailure(e)).toBe(true);
    expect(api.received).toHaveLength(1);
    for (let i = 0; i < 100 && api.abandoned === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(api.abandoned).toBe(1);
    expect(c.lines.some((l) => l.message.endsWith("→ cut 1 s before the run's deadline"))).toBe(true);
  });

  it('defers a Retry-After that passes the deadline: no wait, a deferral, RunDeferredError', async () => {
    // Prepare: 5 s left, the API asks for 120
    const api = await serve((_req, res) => json(res, 429, {}, { 'retry-after': '120' }));
    const c = client({ deadlineAt: Date.now() + 5_000 });

    // Act
    const e = await failure(c.http.get(api.origin));

    // Assess
    expect(e).toBeInstanceOf(RunDeferredError);
    expect((e as RunDeferredError).waitMs).toBe(120_000);
    expect(c.deferral()).toEqual({ waitMs: 120_000, host: api.host });
    expect(api.received).toHaveLength(1);
    expect(c.rateLimits).toEqual([{ host: api.host, status: 429, waitMs: 120_000, deferred: true }]);
    expect(isRetryableFailure(e)).toBe(true);
  });

  it('in a decision (no deferral) answers the 429 at once', async () => {
    const api = await serve((_req, res) => json(res, 429, {}, { 'retry-after': '120' }));
    const c = client({ deadlineAt: Date.now() + 5_000, allowDeferral: false });
    const e = await failure(c.http.get(api.origin));
    expect((e as HTTPError).response.status).toBe(429);
    expect(api.received).toHaveLength(1);
    expect(c.deferral()).toBeUndefined();
  });

  it('raises no rate-limit call when an earlier attempt did', async () => {
    const api = await serve((_req, res, i) => json(res, i === 0 ? 429 : 200, {}, { 'retry-after': '1' }));
    const c = client({ alreadyRateLimited: true });
    await c.http.get(api.origin);
    expect(api.received).toHaveLength(2);
    expect(c.rateLimits).toEqual([]);
    expect(c.rateLimited).toBe(true);
  });

  it('retry: 0 on a call disables its retries; retry: { limit: 1 } bounds them', async () => {
    const api = await serve((_req, res) => json(res, 503, {}));
    const c = client();
    await failure(c.http.get(api.origin, { retry: 0 }));
    expect(api.received).toHaveLength(1);
    await failure(c.http.get(api.origin, { retry: { limit: 1 } }));
    expect(api.received).toHaveLength(3);
  });
});

describe('ctx.http requests', () => {
  it('sends the user agent triggerhub/<version> <id>/<version>', async () => {
    const api = await serve((_req, res) => json(res, 200, {}));
    await client().http.get(api.origin);
    expect(api.received[0]?.headers['user-agent']).toBe('triggerhub/9.9.9 test-integration/1.2.3');
  });

  it('logs one debug line per request: method, host, path, query names, status — no values, headers or body', async () => {
    // Prepare
    const api = await serve((_req, res) => json(res, 200, { secret: 'RESPONSE-BODY' }));
    const c = client();

    // Act
    await c.http.post(`${api.origin}/rest/api/3/search?token=SECRET-QUERY&jql=project%3DOPS`, {
      headers: { authorization: 'Bearer SECRET-HEADER' },
      json: { body: 'SECRET-BODY' },
    });

    // Assess: the server got the value, the log has only the name
    expect(api.received[0]?.url).toBe('/rest/api/3/search?token=SECRET-QUERY&jql=project%3DOPS');
    const debug = c.lines.filter((l) => l.level === 'debug').map((l) => l.message);
    expect(debug).toHaveLength(1);
    expect(debug[0]).toMatch(
      new RegExp(`^http POST ${api.host} /rest/api/3/search\\?token=…&jql=… → 200 \\(\\d+ ms\\)$`),
    );
    expect(JSON.stringify(c.lines)).not.toMatch(/SECRET|Bearer|RESPONSE-BODY/);
  });

  it('aborts with the run signal', async () => {
    const api = await serve(() => undefined);
    const controller = new AbortController();
    const c = client({ signal: controller.signal });
    const pending = failure(c.http.get(api.origin));
    for (let i = 0; i < 100 && api.received.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    controller.abort(new Error('run stopped'));
    const e = await pending;
    expect(e).toBeInstanceOf(Error);
    expect(api.received).toHaveLength(1);
  });
});
