import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyResult } from 'aws-lambda';
import { handle } from 'hono/aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { httpHandler } from '../../functions/http-handler.ts';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import { createIngestApp } from '../../shared/http/ingest-app.ts';
import { JobSchema, MAX_BODY_BYTES_LIMIT } from '../../shared/model/index.ts';
import { platformLogger } from '../../shared/runtime/platform-logger.ts';
import type { MemoryDeps } from '../helpers/memory-deps.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';
import { repoRoot } from '../helpers/samples.ts';
import type { ApiEventOverrides } from '../helpers/api-event.ts';
import { REQUEST_ID, SOURCE_IP, apiEvent as apiGatewayEvent, lambdaContext } from '../helpers/api-event.ts';

/**
 * The ingest Lambda answers an ordinary `POST /hooks/{id}` straight from the
 * API Gateway event, without hono's fetch Request/Response. Each case here is
 * sent to that handler and to hono's own adapter over an identical app and
 * stores: the answers, the stored events and the refusal lines must be the
 * same, and the unusual requests must still go through hono.
 */

const SECRET = 's3cr3t-value';
const CP_SECRET = 'cp-secret-1';
const readExample = (...p: string[]): string => readFileSync(path.join(repoRoot, 'examples', ...p), 'utf8');

const stack = async (): Promise<MemoryDeps> => {
  const deps = memoryDeps({ secrets: { demo: [SECRET], checkpoint: [CP_SECRET] } });
  const job = (over: Record<string, unknown>) =>
    JobSchema.parse({ name: 'Job', integration: 'log-event', auth: { secret: 'demo' }, ...over });
  await deps.jobs.put(job({ id: 'demo' }));
  await deps.jobs.put(job({ id: 'off', enabled: false }));
  await deps.jobs.put(job({ id: 'tiny', maxBodyBytes: 16 }));
  await deps.jobs.put(JobSchema.parse(JSON.parse(readExample('jobs', 'checkpoint-before-publish.json'))));
  return deps;
};

/** `POST /hooks/demo` with the demo secret and a JSON alert, as API Gateway sends it. */
const apiEvent = (over: ApiEventOverrides = {}): APIGatewayProxyEventV2 =>
  apiGatewayEvent({
    headers: {
      'content-type': 'application/json',
      'x-shared-secret': SECRET,
      'user-agent': 'probe/1',
      'content-length': '999',
    },
    body: '{"alert":"disk full","host":"db-1"}',
    ...over,
  });

const ULID = /[0-9A-HJKMNP-TV-Z]{26}/g;
const masked = (r: APIGatewayProxyResult) => ({
  ...r,
  body: r.body.replace(ULID, 'ID'),
  headers: Object.fromEntries(
    Object.entries(r.headers ?? {}).map(([k, v]) => [k, String(v).replace(ULID, 'ID')]),
  ),
});

/** What a run stored of its event, ids and times left out. */
const storedEvents = async (deps: MemoryDeps) => {
  const page = await deps.runs.listByJob('demo', { limit: 100 });
  const runs = await Promise.all(page.items.map((summary) => deps.runs.get(summary.id)));
  return runs.map((r) => {
    const e = r?.event;
    return e && { headers: e.headers, query: e.query, payload: e.payload, contentType: e.contentType };
  });
};

afterEach(() => vi.restoreAllMocks());

interface Sent {
  results: APIGatewayProxyResult[];
  refusals: unknown[][];
  events: Awaited<ReturnType<typeof storedEvents>>;
  viaHono: number;
}

/** Sends the events in order through one handler over fresh stores. */
const send = async (direct: boolean, events: APIGatewayProxyEventV2[]): Promise<Sent> => {
  const deps = await stack();
  const app = createIngestApp(deps);
  const fetch = vi.spyOn(app, 'fetch');
  const warn = vi.spyOn(platformLogger, 'warn').mockImplementation(() => undefined);
  const handler = direct ? httpHandler(app) : (handle(app) as ReturnType<typeof httpHandler>);
  const results: APIGatewayProxyResult[] = [];
  for (const event of events) results.push(masked(await handler(event, lambdaContext)));
  const refusals = warn.mock.calls.map((c) => [...c]);
  const viaHono = fetch.mock.calls.length;
  vi.restoreAllMocks();
  return { results, refusals, events: await storedEvents(deps), viaHono };
};

const plain: [string, APIGatewayProxyEventV2[]][] = [
  ['a JSON delivery', [apiEvent()]],
  ['a repeated delivery (duplicate)', [apiEvent(), apiEvent()]],
  ['a query string', [apiEvent({ rawQueryString: 'event=alert&x=1%20y+z&x=2&flag' })]],
  ['a body starting with a UTF-8 BOM', [apiEvent({ body: '\uFEFF{"a":"é"}' })]],
  [
    'a base64 body',
    [apiEvent({ body: Buffer.from('{"b64":"ü"}').toString('base64'), isBase64Encoded: true })],
  ],
  ['no body', [apiEvent({ body: undefined })]],
  ['an empty body', [apiEvent({ body: '' })]],
  ['a non-ASCII body', [apiEvent({ body: '{"a":"é ü 漢字 😀"}' })]],
  ['a body with lone surrogates', [apiEvent({ body: '{"a":"x\uD800y","b":"\uDC00","c":"😀\uD83D"}' })]],
  ['a body that is a BOM only', [apiEvent({ body: '\uFEFF' })]],
  ['a body with two BOMs', [apiEvent({ body: '\uFEFF\uFEFF{"a":1}' })]],
  ['a BOM then a lone surrogate', [apiEvent({ body: '\uFEFF\uDFFF' })]],
  ['a lone surrogate first (no BOM)', [apiEvent({ body: '\uD800{"a":1}' })]],
  [
    'a base64 body starting with a BOM',
    [apiEvent({ body: Buffer.from('\uFEFF{"b64":"ü"}').toString('base64'), isBase64Encoded: true })],
  ],
  [
    'headers already in name order',
    [
      apiEvent({
        headers: {
          'content-length': '1',
          'content-type': 'application/json',
          'user-agent': 'probe/1',
          'x-shared-secret': SECRET,
        },
      }),
    ],
  ],
  [
    'headers out of order only at the end',
    [
      apiEvent({
        headers: {
          'content-type': 'application/json',
          'x-shared-secret': SECRET,
          'x-a': '1',
          'a-first': '2',
        },
      }),
    ],
  ],
  [
    'non-ASCII over every limit (413)',
    [apiEvent({ body: 'é'.repeat(Math.floor(MAX_BODY_BYTES_LIMIT / 2) + 1) })],
  ],
  [
    'a base64 body over every limit (413)',
    [
      apiEvent({
        body: Buffer.alloc(MAX_BODY_BYTES_LIMIT + 3, 0x61).toString('base64'),
        isBase64Encoded: true,
      }),
    ],
  ],
  ['an empty header value', [apiEvent({ headers: { ...apiEvent().headers, 'x-empty': '' } })]],
  ['a wrong secret (401)', [apiEvent({ headers: { ...apiEvent().headers, 'x-shared-secret': 'nope' } })]],
  ['an unknown job (404)', [apiEvent({ rawPath: '/hooks/nobody' })]],
  ['an impossible job id (404)', [apiEvent({ rawPath: `/hooks/${'A'.repeat(80)}` })]],
  ['a disabled job (409)', [apiEvent({ rawPath: '/hooks/off' })]],
  ["a body over the job's limit (413)", [apiEvent({ rawPath: '/hooks/tiny' })]],
  ['a body over every limit (413)', [apiEvent({ body: 'x'.repeat(MAX_BODY_BYTES_LIMIT + 1) })]],
  [
    'a decision verdict',
    [
      apiEvent({
        rawPath: '/hooks/checkpoint-before-publish',
        headers: { 'content-type': 'application/json', 'x-chkp-shared-secret': CP_SECRET },
        body: readExample('payloads', 'checkpoint-before-publish.json'),
      }),
    ],
  ],
];

const unusual: [string, APIGatewayProxyEventV2][] = [
  ['an upper-case header name', apiEvent({ headers: { ...apiEvent().headers, 'X-Trace': 'a' } })],
  ['a non-ASCII header value', apiEvent({ headers: { ...apiEvent().headers, 'x-name': 'José' } })],
  ['a header value padded with spaces', apiEvent({ headers: { ...apiEvent().headers, 'x-pad': ' a ' } })],
  ['cookies', apiEvent({ cookies: ['a=1', 'b=2'] })],
  ['a query new URL re-encodes', apiEvent({ rawQueryString: 'q=a b&c="d"' })],
  ['an escaped job id', apiEvent({ rawPath: '/hooks/dem%6f' })],
  ['loose base64', apiEvent({ body: 'eyJhIjox\nfQ==', isBase64Encoded: true })],
  ['a lower-case method', apiEvent({ method: 'post' })],
];

describe('the ingest direct route answers as hono does', () => {
  it.each(plain)('%s: same answer, stored event and refusal line, without hono', async (_, events) => {
    const direct = await send(true, events);
    const hono = await send(false, events);
    expect(direct.results).toEqual(hono.results);
    expect(direct.events).toEqual(hono.events);
    // toEqual ignores key order; the stored event's JSON does not.
    const headerOrder = (sent: Sent) => sent.events.map((e) => e && Object.keys(e.headers));
    expect(headerOrder(direct)).toEqual(headerOrder(hono));
    expect(direct.refusals).toEqual(hono.refusals);
    expect(direct.viaHono).toBe(0);
    expect(hono.viaHono).toBe(events.length);
  });

  it.each(unusual)('%s: left to hono', async (_, event) => {
    const direct = await send(true, [event]);
    const hono = await send(false, [event]);
    expect(direct.viaHono).toBe(1);
    expect(direct.results).toEqual(hono.results);
    expect(direct.events).toEqual(hono.events);
  });

  it('logs an accepted async delivery at DEBUG only, a duplicate at INFO', async () => {
    const deps = await stack();
    const handler = httpHandler(createIngestApp(deps));
    const info = vi.spyOn(platformLogger, 'info').mockImplementation(() => undefined);
    const debug = vi.spyOn(platformLogger, 'debug').mockImplementation(() => undefined);
    expect((await handler(apiEvent(), lambdaContext)).statusCode).toBe(202);
    expect(info).not.toHaveBeenCalled();
    expect(debug).toHaveBeenCalledWith('delivery accepted', expect.objectContaining({ kind: 'queued' }));
    expect((await handler(apiEvent(), lambdaContext)).statusCode).toBe(200);
    expect(info).toHaveBeenCalledWith('delivery accepted', expect.objectContaining({ kind: 'duplicate' }));
  });
});

describe('a body marked base64 that is not base64', () => {
  // hono's adapter cannot decode these (atob throws): it would answer a text/plain 500 and log a stack.
  it.each([
    ['of a wrong length', 'eyJhIjoxfQ='],
    ['padded with three =', 'eyJhIjoxf==='],
    ['holding a character outside the alphabet', 'eyJh*joxfQ=='],
    ['one character too long', 'eyJhIjoxfQ==e'],
  ])('%s: a JSON 400 invalid_request and one refusal line, nothing stored', async (_, body) => {
    const event = apiEvent({ body, isBase64Encoded: true });
    const sent = await send(true, [event]);
    const [result] = sent.results;
    expect(result?.statusCode).toBe(400);
    expect(result?.headers).toMatchObject({ 'content-type': 'application/json' });
    expect(JSON.parse(result?.body ?? '')).toEqual({
      error: 'invalid_request',
      message: 'the request body is marked base64 but is not valid base64',
    });
    expect(sent.refusals).toEqual([
      [
        'webhook refused',
        { jobId: 'demo', status: 400, reason: 'invalid_request', requestId: REQUEST_ID, sourceIp: SOURCE_IP },
      ],
    ]);
    expect(sent.viaHono).toBe(0);
    expect(sent.events).toEqual([]);
  });

  it('is refused on the admin API too (no direct route there)', async () => {
    const deps = await stack();
    const warn = vi.spyOn(platformLogger, 'warn').mockImplementation(() => undefined);
    const handler = httpHandler(createAdminApp(deps));
    const event = apiEvent({ method: 'PUT', rawPath: '/admin/jobs/x', body: 'e30=!', isBase64Encoded: true });
    const result = await handler(event, lambdaContext);
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body)).toMatchObject({ error: 'invalid_request' });
    expect(warn.mock.calls).toEqual([
      [
        'admin request refused',
        { jobId: 'x', status: 400, reason: 'invalid_request', requestId: REQUEST_ID, sourceIp: SOURCE_IP },
      ],
    ]);
    expect(deps.jobs.items.has('x')).toBe(false);
  });
});

describe('the request target check', () => {
  it('refuses a target new URL cannot read, every time, and still serves a readable one', async () => {
    const deps = await stack();
    const handler = httpHandler(createIngestApp(deps));
    vi.spyOn(platformLogger, 'warn').mockImplementation(() => undefined);
    const bad = apiEvent();
    bad.requestContext = { ...bad.requestContext, domainName: 'bad host[' };
    for (let i = 0; i < 2; i++) {
      const refused = await handler(bad, lambdaContext);
      expect(refused.statusCode).toBe(400);
      expect(JSON.parse(refused.body)).toMatchObject({ error: 'invalid_request' });
    }
    expect((await handler(apiEvent(), lambdaContext)).statusCode).toBe(202);
    expect(deps.runs.items.size).toBe(1);
  });
});
