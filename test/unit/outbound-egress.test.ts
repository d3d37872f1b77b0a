import { describe, expect, it } from 'vitest';
import { EgressRefusedError } from '../../shared/errors.ts';
import { isRetryableFailure } from '../../shared/outbound/classify.ts';
import type { HttpClientOptions, OutboundHttp } from '../../shared/outbound/create-http-client.ts';
import { createHttpClient } from '../../shared/outbound/create-http-client.ts';
import type { EgressRefusal } from '../../shared/outbound/egress.ts';
import { checkEgress, hostAllowed } from '../../shared/outbound/egress.ts';
import { secretForms } from '../../shared/sdk/redaction.ts';
import { secretPins } from '../../shared/outbound/pins.ts';
import type { IntegrationManifest } from '../../shared/model/index.ts';
import { json, loopbacksClosedAfterEach } from '../helpers/loopback-http.ts';

const { open, serve } = loopbacksClosedAfterEach();
const client = (o: Partial<HttpClientOptions> = {}): OutboundHttp & { refusals: EgressRefusal[] } => {
  const refusals: EgressRefusal[] = [];
  const made = createHttpClient({
    userAgent: 'triggerhub/test t/1',
    deadlineAt: Date.now() + 60_000,
    signal: new AbortController().signal,
    logger: { debug: () => undefined, info: () => undefined },
    allowDeferral: true,
    onEgressRefused: (r) => refusals.push(r),
    backoffBaseMs: 10,
    ...o,
  });
  open.push(made);
  return Object.assign(made, { refusals });
};
const failure = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );

describe('host patterns', () => {
  it('matches names exactly, *.example.com below the name only, IP literals exactly', () => {
    const list = ['api.example.org', '*.example.com', '10.0.0.1', '[::1]'];
    expect(hostAllowed('api.example.org', list)).toBe(true);
    expect(hostAllowed('API.Example.org.', list)).toBe(true);
    expect(hostAllowed('www.api.example.org', list)).toBe(false);
    expect(hostAllowed('a.example.com', list)).toBe(true);
    expect(hostAllowed('a.b.example.com', list)).toBe(true);
    expect(hostAllowed('example.com', list)).toBe(false);
    expect(hostAllowed('evilexample.com', list)).toBe(false);
    expect(hostAllowed('example.com.evil.net', list)).toBe(false);
    expect(hostAllowed('10.0.0.1', list)).toBe(true);
    expect(hostAllowed('10.0.0.10', list)).toBe(false);
    expect(hostAllowed(new URL('http://[0:0:0:0:0:0:0:1]:8080/').hostname, list)).toBe(true);
  });

  it('compares internationalized names in punycode', () => {
    const url = new URL('https://bücher.example/x');
    expect(hostAllowed(url.hostname, ['bücher.example'])).toBe(true);
    expect(hostAllowed(url.hostname, ['xn--bcher-kva.example'])).toBe(true);
    expect(hostAllowed('buecher.example', ['bücher.example'])).toBe(false);
  });
});

describe('secret forms', () => {
  it('finds a secret raw, JSON-escaped, URL-encoded, in base64(user:secret) and hex', () => {
    const secret = 'p@ss "w/rd"+42';
    const request = (bodyText: string, headers: Record<string, string> = {}, url = 'https://x.test/') => ({
      url: new URL(url),
      headers: new Headers(headers),
      bodyText,
    });
    const pins = [{ param: 'token', value: secret, allowedHosts: ['jira.example.com'] }];
    const forms = [
      request(secret),
      request(JSON.stringify({ t: secret })),
      request('', {}, `https://x.test/?t=${encodeURIComponent(secret)}`),
      request(new URLSearchParams({ t: secret }).toString()),
      request('', { authorization: `Basic ${Buffer.from(`me:${secret}`).toString('base64')}` }),
      request('', { authorization: `Basic ${Buffer.from(`user:${secret}`).toString('base64')}` }),
      request('', { authorization: `Basic ${Buffer.from(`u:${secret}`).toString('base64url')}` }),
      request(Buffer.from(secret).toString('hex')),
      request(Buffer.from(secret).toString('hex').toUpperCase()),
    ];
    for (const r of forms) expect(checkEgress(r, pins, undefined)?.host).toBe('x.test');
    expect(checkEgress(request('nothing here'), pins, undefined)).toBeUndefined();
    expect(secretForms('abc')).toEqual([]);
  });
});

describe('pins', () => {
  it('takes the job’s allowedHosts over the manifest’s, and only password parameters', () => {
    const manifest = {
      id: 'm',
      name: 'm',
      version: '1.0.0',
      parameters: {
        token: { type: 'password', allowedHosts: ['*.atlassian.net'] },
        other: { type: 'password', allowedHosts: ['*.atlassian.net'] },
        free: { type: 'password' },
        url: { type: 'text' },
      },
    } as unknown as IntegrationManifest;
    const pins = secretPins(
      manifest,
      {
        token: { secret: 'jira', allowedHosts: ['jira.corp.example'] },
        other: { secret: 'o' },
        free: { secret: 'f' },
      },
      { token: 'T0KEN-1', other: 'OTHER-1', free: 'FREE-1', url: 'https://x' },
    );
    expect(pins).toEqual([
      { param: 'token', value: 'T0KEN-1', allowedHosts: ['jira.corp.example'] },
      { param: 'other', value: 'OTHER-1', allowedHosts: ['*.atlassian.net'] },
      { param: 'free', value: 'FREE-1', allowedHosts: [] },
    ]);
  });
});

describe('ctx.http egress', () => {
  it('refuses a host outside egress.allowedHosts before connecting, once, permanently', async () => {
    // Prepare
    const api = await serve((_req, res) => json(res, 200, {}));
    const c = client({ egress: ['api.example.com'] });

    // Act
    const e = await failure(c.http.get(`${api.origin}/x`));

    // Assess: nothing reached the server, no retry, one refusal, a message naming host and list
    expect(e).toBeInstanceOf(EgressRefusedError);
    expect(isRetryableFailure(e)).toBe(false);
    expect((e as Error).message).toBe(
      "request to 127.0.0.1 refused: 127.0.0.1 is not in the job's egress.allowedHosts (api.example.com)",
    );
    expect(api.received).toHaveLength(0);
    expect(c.refusals).toEqual([
      { host: '127.0.0.1', reason: expect.stringContaining('egress.allowedHosts') },
    ]);
  });

  it('holds for an instance made from ctx.http with create or extend', async () => {
    // Prepare
    const api = await serve((_req, res) => json(res, 200, {}));
    const c = client({ egress: ['api.example.com'] });

    // Act
    const created = await failure(c.http.create({ prefixUrl: api.origin }).get('x'));
    const extended = await failure(c.http.extend({ prefixUrl: api.origin }).get('x'));

    // Assess
    expect(created).toBeInstanceOf(EgressRefusedError);
    expect(extended).toBeInstanceOf(EgressRefusedError);
    expect(api.received).toHaveLength(0);
  });

  it('allows a listed host (ports ignored)', async () => {
    const api = await serve((_req, res) => json(res, 200, { ok: true }));
    expect(
      await client({ egress: ['127.0.0.1'] })
        .http.get(api.origin)
        .json(),
    ).toEqual({ ok: true });
  });

  it('refuses a redirect to a host not allowed before the second server sees a byte', async () => {
    // Prepare: two servers; localhost is not on the list, 127.0.0.1 is
    const second = await serve((_req, res) => json(res, 200, {}));
    const first = await serve((_req, res) => {
      res.writeHead(302, { location: `http://localhost:${new URL(second.origin).port}/stolen` });
      res.end();
    });
    const c = client({ egress: ['127.0.0.1'] });

    // Act
    const e = await failure(c.http.get(first.origin));

    // Assess
    expect(e).toBeInstanceOf(EgressRefusedError);
    expect((e as EgressRefusedError).host).toBe('localhost');
    expect(first.received).toHaveLength(1);
    expect(second.received).toHaveLength(0);
  });

  it('follows a same-origin redirect with its credentials, and drops them on a cross-origin one', async () => {
    // Prepare: 127.0.0.1 → 127.0.0.1 (same origin) → localhost (another origin)
    const target = await serve((_req, res) => json(res, 200, { at: 'target' }));
    const first = await serve((req, res) => {
      res.writeHead(307, {
        location: req.url === '/start' ? '/again' : `http://localhost:${new URL(target.origin).port}/end`,
      });
      res.end();
    });
    const c = client();

    // Act
    const body = await c.http
      .get(`${first.origin}/start`, {
        headers: { authorization: 'Bearer abc', cookie: 'a=b', 'x-trace': 't' },
      })
      .json();

    // Assess
    expect(body).toEqual({ at: 'target' });
    expect(first.received.map((r) => r.headers.authorization)).toEqual(['Bearer abc', 'Bearer abc']);
    expect(target.received[0]?.headers.authorization).toBeUndefined();
    expect(target.received[0]?.headers.cookie).toBeUndefined();
    expect(target.received[0]?.headers['x-trace']).toBe('t');
  });

  it('turns a 303 into a GET without body', async () => {
    const target = await serve((_req, res) => json(res, 200, {}));
    const first = await serve((_req, res) => {
      res.writeHead(303, { location: `${target.origin}/result` });
      res.end();
    });
    await client().http.post(first.origin, { json: { a: 1 } });
    expect(target.received.map((r) => [r.method, r.body])).toEqual([['GET', '']]);
  });

  it.each([
    ['a header', { headers: { 'x-api-key': 'S3CRET-T0KEN' } }],
    ['the query', { searchParams: { key: 'S3CRET-T0KEN' } }],
    ['the body', { json: { token: 'S3CRET-T0KEN' } }],
    [
      'Basic auth',
      { headers: { authorization: `Basic ${Buffer.from('me:S3CRET-T0KEN').toString('base64')}` } },
    ],
  ])('refuses a pinned secret in %s to another host, and lets it go to its own', async (_where, options) => {
    // Prepare: the secret may go to 127.0.0.1 only; "localhost" is the same server under another name
    const api = await serve((_req, res) => json(res, 200, {}));
    const pins = [{ param: 'apiToken', value: 'S3CRET-T0KEN', allowedHosts: ['127.0.0.1'] }];
    const c = client({ pins });
    const other = api.origin.replace('127.0.0.1', 'localhost');

    // Act
    const refused = await failure(c.http.post(`${other}/x`, options));
    await c.http.post(`${api.origin}/x`, options);

    // Assess
    expect(refused).toBeInstanceOf(EgressRefusedError);
    expect((refused as Error).message).toContain('password parameter "apiToken"');
    expect((refused as Error).message).not.toContain('S3CRET');
    expect(api.received).toHaveLength(1);
    expect(c.refusals).toHaveLength(1);
    // A request without the secret goes anywhere
    await c.http.get(`${other}/y`);
    expect(api.received).toHaveLength(2);
  });
});
