import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  describeNetworkFailure,
  networkFailureMessage,
  networkFailureReason,
} from '../../shared/outbound/classify.ts';
import type { HttpClientOptions, OutboundHttp } from '../../shared/outbound/create-http-client.ts';
import { createHttpClient } from '../../shared/outbound/create-http-client.ts';
import type { FetchFn } from '../../shared/outbound/transport.ts';
import { ticketContextFor } from '../../shared/tickets/ticket-context.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { fakeTicketIntegration, ticketJobBody } from '../helpers/fake-ticket-integration.ts';
import { json, loopbacksClosedAfterEach, startLoopback } from '../helpers/loopback-http.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';

const { open, serve } = loopbacksClosedAfterEach();

afterEach(() => {
  vi.restoreAllMocks();
});

/** A client whose fetch counts what leaves (a refused connection is never seen by a server). */
const client = (
  o: Partial<HttpClientOptions> = {},
  send: FetchFn = (input, init) => globalThis.fetch(input, init),
): OutboundHttp & { sent: string[]; lines: string[] } => {
  const lines: string[] = [];
  const sent: string[] = [];
  const made = createHttpClient({
    userAgent: 'triggerhub/9.9.9 test-integration/1.2.3',
    deadlineAt: Date.now() + 60_000,
    signal: new AbortController().signal,
    logger: { debug: (m) => lines.push(m), info: (m) => lines.push(m) },
    allowDeferral: true,
    backoffBaseMs: 5,
    fetch: (input, init) => {
      sent.push(input instanceof Request ? input.url : String(input));
      return send(input, init);
    },
    ...o,
  });
  open.push(made);
  return Object.assign(made, { lines, sent });
};

const failure = async (p: Promise<unknown>): Promise<Error> =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as Error,
  );

/** A port nothing listens on: a server's, closed. */
const closedPort = async (): Promise<string> => {
  const server = await startLoopback((_req, res) => json(res, 200, {}));
  await server.close();
  return server.origin;
};

const fetchFailed = (code: string): TypeError =>
  new TypeError('fetch failed', { cause: Object.assign(new Error(`getaddrinfo ${code} x`), { code }) });

describe('ctx.http says why a request got no answer, naming the host', () => {
  it('a refused connection: the error, every retry log line', async () => {
    // Prepare
    const origin = await closedPort();
    const host = new URL(origin).host;
    const c = client();

    // Act
    const e = await failure(c.http.get(`${origin}/rest/api/3/myself?token=abc`));

    // Assess: not "fetch failed"; a run still retries it (nothing was sent)
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toBe(`could not reach ${host}: connection refused`);
    expect(c.sent).toHaveLength(6);
    expect(c.lines).toContain(
      `http request failed (could not reach ${host}: connection refused): retry 1 soon`,
    );
    expect(c.lines.join('\n')).not.toContain('fetch failed');
  });

  it('an unknown host', async () => {
    const c = client({ retryLimit: 0 }, () => Promise.reject(fetchFailed('ENOTFOUND')));
    const e = await failure(c.http.get('https://acme.atlassian.net/rest/api/3/myself'));
    expect(e.message).toBe('could not reach acme.atlassian.net: host not found');
  });

  it('a connection that broke after it was made', async () => {
    const c = client({ retryLimit: 0 }, () => Promise.reject(fetchFailed('ECONNRESET')));
    const e = await failure(c.http.get('https://acme.atlassian.net/x'));
    expect(e.message).toBe('request to acme.atlassian.net failed: connection reset');
  });

  it('words an error once: describing it again changes nothing', () => {
    const e = fetchFailed('ECONNREFUSED');
    describeNetworkFailure('h.example', e);
    describeNetworkFailure('h.example', e);
    expect(e.message).toBe('could not reach h.example: connection refused');
    expect(networkFailureMessage('h.example', e)).toBe('could not reach h.example: connection refused');
    expect(networkFailureReason(e)).toBe('connection refused');
    expect(networkFailureReason(new TypeError('fetch failed', { cause: new Error('bad cert') }))).toBe(
      'bad cert',
    );
  });
});

describe('ctx.http for a person waiting (retryUnreachable: false, retryLimit)', () => {
  it('does not retry a refused connection', async () => {
    const origin = await closedPort();
    const c = client({ retryUnreachable: false });
    const e = await failure(c.http.get(`${origin}/x`));
    expect(e.message).toBe(`could not reach ${new URL(origin).host}: connection refused`);
    expect(c.sent).toHaveLength(1);
  });

  it('retries a 503 at most retryLimit times', async () => {
    const api = await serve((_req, res) => json(res, 503, {}));
    const c = client({ retryLimit: 1 });
    const e = await failure(c.http.get(`${api.origin}/x`));
    expect(e.name).toBe('HTTPError');
    expect(api.received).toHaveLength(2);
  });
});

describe('ticketContextFor (the admin routes, validate on apply)', () => {
  it('tries a refused target once and says why', async () => {
    // Prepare
    const origin = await closedPort();
    const { integration } = fakeTicketIntegration();
    const deps = memoryDeps({ integrations: [integration], secrets: { 'tickets-token': ['tok'] } });
    const job = JobSchema.parse({
      id: 'alerts',
      ...ticketJobBody({ params: { url: origin, apiToken: { secret: 'tickets-token' } } }),
    });
    const spy = vi.spyOn(globalThis, 'fetch');
    const ctx = await ticketContextFor(deps, job, integration);

    // Act
    const e = await failure(ctx.http.get(`${origin}/rest/api/3/myself`));
    ctx.close();

    // Assess
    expect(spy).toHaveBeenCalledTimes(1);
    expect(ctx.reasonOf(e)).toBe(`could not reach ${new URL(origin).host}: connection refused`);
  });
});
