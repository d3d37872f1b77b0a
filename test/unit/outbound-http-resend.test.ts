import { HTTPError, TimeoutError } from 'ky';
import { describe, expect, it } from 'vitest';
import type { HttpClientOptions, OutboundHttp } from '../../shared/outbound/create-http-client.ts';
import { createHttpClient } from '../../shared/outbound/create-http-client.ts';
import type { FetchFn } from '../../shared/outbound/transport.ts';
import type { LoopbackHandler } from '../helpers/loopback-http.ts';
import { json, loopbacksClosedAfterEach, startLoopback } from '../helpers/loopback-http.ts';

const { open, serve } = loopbacksClosedAfterEach();

/** A client whose fetch counts what leaves (a refused connection is never seen by a server). */
const client = (o: Partial<HttpClientOptions> = {}): OutboundHttp & { sent: string[]; lines: string[] } => {
  const sent: string[] = [];
  const lines: string[] = [];
  const counting: FetchFn = (input, init) => {
    sent.push(input instanceof Request ? input.method : (init?.method ?? 'GET'));
    return globalThis.fetch(input, init);
  };
  const made = createHttpClient({
    userAgent: 'triggerhub/9.9.9 test-integration/1.2.3',
    deadlineAt: Date.now() + 60_000,
    signal: new AbortController().signal,
    logger: { debug: (m) => lines.push(m), info: (m) => lines.push(m) },
    allowDeferral: true,
    backoffBaseMs: 10,
    fetch: counting,
    ...o,
  });
  open.push(made);
  return Object.assign(made, { sent, lines });
};

const failure = async (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );

/** Reads the whole request (the loopback helper does), then drops the connection without answering. */
const resetAfterBody: LoopbackHandler = (_req, res) => {
  res.socket?.destroy();
};

/** A port nothing listens on: a server's, closed. */
const closedPort = async (): Promise<string> => {
  const server = await startLoopback((_req, res) => json(res, 200, {}));
  await server.close();
  return server.origin;
};

describe('ctx.http does not resend a POST the target may have received', () => {
  it('sends a POST without Idempotency-Key once when the connection breaks after its body', async () => {
    // Prepare
    const api = await serve(resetAfterBody);
    const c = client();

    // Act
    const e = await failure(c.http.post(`${api.origin}/rest/api/3/issue`, { json: { summary: 'x' } }));

    // Assess
    expect(e).toBeInstanceOf(TypeError);
    expect(api.received).toHaveLength(1);
    expect(c.sent).toEqual(['POST']);
    expect(c.lines.some((l) => l.includes('http POST failed') && l.includes('not retried'))).toBe(true);
  });

  it('sends a PATCH without Idempotency-Key once as well', async () => {
    const api = await serve(resetAfterBody);
    const c = client();
    await failure(c.http.patch(api.origin, { json: { a: 1 } }));
    expect(api.received).toHaveLength(1);
  });

  it('retries the same POST when it carries an Idempotency-Key', async () => {
    // Prepare: the first connection breaks after the body, the second is answered
    const api = await serve((req, res, i) =>
      i === 0 ? resetAfterBody(req, res, i) : json(res, 201, { id: 7 }),
    );
    const c = client();

    // Act
    const body = await c.http
      .post(`${api.origin}/rest/api/3/issue`, {
        json: { summary: 'x' },
        headers: { 'Idempotency-Key': 'k1' },
      })
      .json();

    // Assess
    expect(body).toEqual({ id: 7 });
    expect(api.received).toHaveLength(2);
    expect(api.received.map((r) => r.body)).toEqual(['{"summary":"x"}', '{"summary":"x"}']);
  });

  it('retries a GET whose connection breaks (idempotent)', async () => {
    const api = await serve((req, res, i) =>
      i === 0 ? resetAfterBody(req, res, i) : json(res, 200, { ok: 1 }),
    );
    const c = client();
    expect(await c.http.get(api.origin).json()).toEqual({ ok: 1 });
    expect(api.received).toHaveLength(2);
  });

  it('retries a POST to a closed port: a refused connection sent nothing', async () => {
    // Prepare
    const origin = await closedPort();
    const c = client();

    // Act
    const e = await failure(c.http.post(origin, { json: {} }));

    // Assess: 6 tries in all (5 retries), each refused
    expect(e).toBeInstanceOf(TypeError);
    expect(c.sent).toHaveLength(6);
  });

  it('does not resend a POST without Idempotency-Key that timed out', async () => {
    // Prepare: the target never answers
    const api = await serve(() => undefined);
    const c = client();

    // Act
    const e = await failure(c.http.post(api.origin, { json: {}, timeout: 200 }));

    // Assess
    expect(e).toBeInstanceOf(TimeoutError);
    expect(c.sent).toEqual(['POST']);
  });

  it('still retries a POST answered 503 (the target answered; nothing was done)', async () => {
    const api = await serve((_req, res, i) => (i === 0 ? json(res, 503, {}) : json(res, 201, { id: 1 })));
    const c = client();
    expect(await c.http.post(api.origin, { json: {} }).json()).toEqual({ id: 1 });
    expect(api.received).toHaveLength(2);
  });
});

describe('ctx.http errors never quote query values', () => {
  it('an HTTPError’s message keeps the query’s names only', async () => {
    // Prepare
    const api = await serve((_req, res) => json(res, 500, {}));
    const c = client();

    // Act
    const e = await failure(c.http.get(`${api.origin}/p?token=SECRET-ish&page=2`).json());

    // Assess
    expect(e).toBeInstanceOf(HTTPError);
    const { message, stack } = e as HTTPError;
    expect(message).toBe(
      `Request failed with status code 500 Internal Server Error: GET ${api.origin}/p?token=…&page=…`,
    );
    expect(stack).not.toContain('SECRET-ish');
    expect((e as HTTPError).response.status).toBe(500);
  });

  it('a TimeoutError’s message too, whether or not it was retried, and the retry log line', async () => {
    // Prepare: never answers
    const api = await serve(() => undefined);
    const c = client();

    // Act: without retries, and with one (the retry is logged with the message)
    const once = await failure(c.http.get(`${api.origin}/p?token=SECRET-ish`, { timeout: 150, retry: 0 }));
    const twice = await failure(
      c.http.get(`${api.origin}/q?token=SECRET-ish`, { timeout: 150, retry: { limit: 1 } }).json(),
    );

    // Assess
    expect(once).toBeInstanceOf(TimeoutError);
    // Said in plain words, naming the host (not the URL, whose query values it once quoted).
    expect((once as Error).message).toBe(`could not reach ${new URL(api.origin).host}: no answer in time`);
    expect((twice as Error).message).toBe(`could not reach ${new URL(api.origin).host}: no answer in time`);
    expect((once as Error).stack).not.toContain('SECRET-ish');
    expect(c.lines.some((l) => l.includes('retry 1 soon'))).toBe(true);
    expect(c.lines.join('\n')).not.toContain('SECRET-ish');
  });

  it('an extended instance keeps the scrubbing', async () => {
    const api = await serve(() => undefined);
    const c = client();
    const e = await failure(
      c.http.extend({ prefixUrl: api.origin }).get('p?token=SECRET-ish', { timeout: 150, retry: 0 }),
    );
    expect((e as Error).message).not.toContain('SECRET-ish');
  });
});
