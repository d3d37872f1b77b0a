import ky from 'ky';
import type { Options } from 'ky';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EgressRefusedError, PermanentError, RunDeferredError } from '../../shared/errors.ts';
import type { TriggerEvent } from '../../shared/model/index.ts';
import type { HttpClient, RunContext } from '../../shared/sdk/index.ts';
import { paramsSchema } from '../../shared/sdk/index.ts';
import type { Loopback, Received } from '../../test/helpers/loopback-http.ts';
import { startLoopback } from '../../test/helpers/loopback-http.ts';
import httpForward from './index.ts';

// http-forward against a loopback target. `ctx.http` is stood in for by a plain
// ky instance (the runtime's own client adds retries, the deadline and the egress
// allow-list on top of the same ky API); what is checked here is what this
// integration sends and how it reads the answers.

interface Answer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** Never answer (a slow target). */
  hang?: boolean;
}

let target: Loopback;
let origin: string;
let host: string;
let seen: readonly Received[] = [];
let answers: Answer[] = [];

beforeAll(async () => {
  target = await startLoopback((_req, res) => {
    const answer = answers.shift() ?? { status: 200, body: 'ok' };
    if (answer.hang) return;
    res.writeHead(answer.status, answer.headers ?? { 'content-type': 'text/plain' });
    res.end(answer.body ?? '');
  });
  ({ origin, host } = target);
  seen = target.received;
});

afterAll(() => target.close());

beforeEach(() => {
  target.received.length = 0;
  answers = [];
});

const event: TriggerEvent = {
  source: 'generic',
  trigger: 'alert',
  deliveryId: '01KDELIVERY',
  receivedAt: '2026-11-29T10:00:00.000Z',
  headers: { 'x-request-id': 'req-7' },
  query: { env: 'prod' },
  payload: { alert: 'disk full', host: 'db-1', level: 3, tags: ['a', 'b'] },
};

/** The stand-in for ctx.http: plain ky, no retries unless a test asks. */
const standIn = (options: Options = {}): HttpClient =>
  ky.create({ retry: 0, ...options }) as unknown as HttpClient;

/** Runs http-forward as the runtime would: parameters resolved with their defaults. */
const forward = async (
  raw: Record<string, unknown>,
  http: HttpClient = standIn(),
  ev: TriggerEvent = event,
) => {
  const params = paramsSchema(httpForward.manifest, 'run').parse(raw);
  const ctx = {
    event: ev,
    params,
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    signal: new AbortController().signal,
    runId: 'R1',
    jobId: 'forward',
    http,
  } as unknown as RunContext<Record<string, unknown>>;
  const run = httpForward.run;
  if (!run) throw new Error('http-forward has no run');
  return run(ctx as Parameters<typeof run>[0]);
};

describe('http-forward', () => {
  it('has a valid manifest: id http-forward, version 1.0.0, entry point run', () => {
    expect(httpForward.manifest).toMatchObject({
      id: 'http-forward',
      version: '1.0.0',
      entryPoints: ['run'],
    });
  });

  it('POSTs the event payload as JSON by default, with the delivery id as Idempotency-Key', async () => {
    // Act
    const result = await forward({ url: `${origin}/hook` });

    // Assess
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/hook', body: JSON.stringify(event.payload) });
    expect(seen[0]?.headers['content-type']).toBe('application/json');
    expect(seen[0]?.headers['idempotency-key']).toBe('01KDELIVERY');
    expect(result).toEqual({
      message: `forwarded to ${host}: 200`,
      output: { status: 200, bytes: Buffer.byteLength(JSON.stringify(event.payload)) },
    });
  });

  it('renders the URL, a JSON body template and headers from the event', async () => {
    // Act
    await forward({
      url: `${origin}/alerts/$payload.host?level=\${payload.level}&q=$payload.alert`,
      method: 'PUT',
      body: '{"text":"[$query.env] $payload.alert on $payload.host","tags":"$payload.tags","raw":"$payload"}',
      headers: 'X-Request-Id: ${headers.x-request-id}\nX-Trigger: $trigger',
    });

    // Assess
    const [req] = seen;
    expect(req?.method).toBe('PUT');
    expect(req?.url).toBe('/alerts/db-1?level=3&q=disk%20full');
    expect(JSON.parse(req?.body ?? '')).toEqual({
      text: '[prod] disk full on db-1',
      tags: ['a', 'b'],
      raw: event.payload,
    });
    expect(req?.headers['x-request-id']).toBe('req-7');
    expect(req?.headers['x-trigger']).toBe('alert');
  });

  it('sends a text body with its content type, or the one the job sets', async () => {
    // Act
    await forward({ url: origin, bodyFormat: 'text', body: 'alert: $payload.alert ($$)' });
    await forward({
      url: origin,
      bodyFormat: 'text',
      body: '<a>$payload.host</a>',
      contentType: 'application/xml',
    });
    await forward({ url: origin, bodyFormat: 'text' }, standIn(), {
      ...event,
      payload: 'plain text payload',
    });

    // Assess
    expect(seen.map((s) => [s.body, s.headers['content-type']])).toEqual([
      ['alert: disk full ($)', 'text/plain; charset=utf-8'],
      ['<a>db-1</a>', 'application/xml'],
      ['plain text payload', 'text/plain; charset=utf-8'],
    ]);
  });

  it('sends no body with GET, and none with a DELETE that has no template', async () => {
    // Act
    await forward({ url: `${origin}/x`, method: 'GET', body: '{"a":1}' });
    await forward({ url: `${origin}/y`, method: 'DELETE' });
    await forward({ url: `${origin}/z`, method: 'DELETE', body: '{"id":"$payload.host"}' });

    // Assess
    expect(seen.map((s) => [s.method, s.body, s.headers['content-type']])).toEqual([
      ['GET', '', undefined],
      ['DELETE', '', undefined],
      ['DELETE', '{"id":"db-1"}', 'application/json'],
    ]);
  });

  it.each([
    ['raw', 'X-Api-Key', 'k3y-v4lue', 'k3y-v4lue'],
    ['bearer', 'Authorization', 'k3y-v4lue', 'Bearer k3y-v4lue'],
    ['basic', 'Authorization', 'bot:pa:ss', `Basic ${Buffer.from('bot:pa:ss').toString('base64')}`],
  ])('sends the secret %s in %s', async (secretFormat, secretHeader, secret, expected) => {
    // Act
    await forward({ url: origin, secret, secretFormat, secretHeader });

    // Assess
    expect(seen[0]?.headers[secretHeader.toLowerCase()]).toBe(expected);
  });

  it('refuses a basic secret that is not user:password, before sending anything', async () => {
    await expect(forward({ url: origin, secret: 'nocolon', secretFormat: 'basic' })).rejects.toThrow(
      /must be user:password/,
    );
    expect(seen).toHaveLength(0);
  });

  it('fails permanently on a 400, quoting the answer, without query values', async () => {
    // Prepare
    answers = [{ status: 400, body: '{"error":"field text is required"}' }];

    // Act
    const failure = await forward({ url: `${origin}/hook?token=abc` }).catch((e: unknown) => e);

    // Assess
    expect(failure).toBeInstanceOf(PermanentError);
    expect(String((failure as Error).message)).toBe(
      `POST ${host}/hook answered 400 Bad Request: {"error":"field text is required"}`,
    );
    expect(seen).toHaveLength(1);
  });

  it.each([408, 429, 503])(
    'passes a %i on as the client threw it (retryable), after the client retried',
    async (status) => {
      // Prepare: the stand-in retries twice at once, as ctx.http would with its own policy.
      answers = [{ status }, { status }, { status }];
      const http = standIn({ retry: { limit: 2, methods: ['post'], statusCodes: [status], delay: () => 0 } });

      // Act
      const failure = await forward({ url: origin }, http).catch((e: unknown) => e);

      // Assess
      expect(failure).toBeInstanceOf(Error);
      expect(failure).not.toBeInstanceOf(PermanentError);
      expect((failure as Error).name).toBe('HTTPError');
      expect(seen).toHaveLength(3);
    },
  );

  it.each([
    ['an egress refusal', () => new EgressRefusedError(host, 'not in egress.allowedHosts')],
    ['a rate-limit deferral', () => new RunDeferredError(120_000)],
  ])('passes on what the client throws before sending (%s) unchanged', async (_name, error) => {
    // Prepare
    const refusal = error();
    const http = standIn({
      hooks: {
        beforeRequest: [
          () => {
            throw refusal;
          },
        ],
      },
    });

    // Act
    const failure = await forward({ url: origin }, http).catch((e: unknown) => e);

    // Assess
    expect(failure).toBe(refusal);
    expect(seen).toHaveLength(0);
  });

  it('keeps a JSON answer as JSON, and a text answer cut at 4 KiB, when keepResponse is set', async () => {
    // Prepare
    answers = [
      { status: 201, body: '{"id":42}', headers: { 'content-type': 'application/json; charset=utf-8' } },
      { status: 200, body: 'x'.repeat(10_000) },
      { status: 200, body: 'not json', headers: { 'content-type': 'application/json' } },
    ];

    // Act
    const json = await forward({ url: origin, keepResponse: true });
    const text = await forward({ url: origin, keepResponse: true });
    const lying = await forward({ url: origin, keepResponse: true });

    // Assess
    expect(json?.output).toMatchObject({ status: 201, response: { id: 42 } });
    const kept = (text?.output as { response: string }).response;
    expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(4096);
    expect(kept.startsWith('xxxx')).toBe(true);
    expect((lying?.output as { response: string }).response).toBe('not json');
  });

  it('gives up on a target slower than timeoutSeconds, and refuses a time-out out of range', async () => {
    // Prepare
    answers = [{ status: 200, hang: true }];

    // Act
    const slow = await forward({ url: origin, timeoutSeconds: 0.2 }).catch((e: unknown) => e);

    // Assess
    expect((slow as Error).name).toBe('TimeoutError');
    await expect(forward({ url: origin, timeoutSeconds: 0 })).rejects.toThrow(/timeoutSeconds/);
    await expect(forward({ url: origin, timeoutSeconds: 901 })).rejects.toThrow(/timeoutSeconds/);
  });

  it.each([
    ['a placeholder in the host', { url: 'http://$payload.host/x' }, /after the host only/],
    ['an unknown placeholder', { body: '{"a":"$HOME"}' }, /unknown placeholder \$HOME/],
    ['a body that is not JSON', { body: '{"a": $payload.host}' }, /not JSON/],
    ['a header the client owns', { headers: 'Host: evil.example' }, /set by the HTTP client/],
  ])('fails permanently on %s, sending nothing', async (_name, raw, why) => {
    // The loopback target's URL is known once it listens, after the table above was built.
    const failure = await forward({ url: origin, ...raw }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PermanentError);
    expect(String((failure as Error).message)).toMatch(why);
    expect(seen).toHaveLength(0);
  });
});
