import fc from 'fast-check';
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signHmac } from '../../shared/auth/hmac.ts';
import type { InProcessStack } from '../helpers/local-stack.ts';
import { startInProcessStack } from '../helpers/local-stack.ts';

/**
 * A hostile caller against the whole local stack, over raw HTTP (fetch would
 * normalize paths): every answer is JSON 4xx (or 200/202 where the request is
 * legitimately accepted), none takes 5 s, a refusal stores and enqueues
 * nothing, and no secret shows in an answer or in the process output.
 */

const HMAC_SECRET = 'hmac-Secret-value-9f8e7d6c5b4a';
const HMAC_JOB = 'hostile-hmac';
const SLOW_MS = 5_000;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  ms: number;
}

let stack: InProcessStack;
let port: number;
const secrets: string[] = [];
const output: string[] = [];
const writes = { deliveries: 0, runs: 0, sends: 0 };
const restore: (() => void)[] = [];

const total = () => writes.deliveries + writes.runs + writes.sends;

/** One request with a raw path, on its own connection; resolves on the answer (or a closed socket). */
const raw = (
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string | Buffer; chunks?: Buffer[] } = {},
): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const started = Date.now();
    const req = request({
      host: '127.0.0.1',
      port,
      method,
      path,
      headers: { connection: 'close', ...options.headers },
      agent: false,
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`${method} ${path.slice(0, 80)}: no answer within ${SLOW_MS} ms`));
    }, SLOW_MS + 1_000);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          ms: Date.now() - started,
        });
      });
    });
    // The server may answer (413) and close while the body is still being sent.
    req.on('error', () => undefined);
    if (options.chunks) {
      const write = (i: number): void => {
        if (i >= (options.chunks?.length ?? 0)) return void req.end();
        if (req.destroyed) return;
        req.write(options.chunks?.[i], () => write(i + 1));
      };
      write(0);
    } else {
      req.end(options.body);
    }
  });

/** Bytes written straight to a socket (malformed requests, CONNECT); resolves with what came back. */
const socketExchange = (bytes: string): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to ${JSON.stringify(bytes.slice(0, 40))}`));
    }, SLOW_MS + 1_000);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const headers: Record<string, string> = {};
      for (const line of head.split('\r\n').slice(1)) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0),
        headers,
        body,
        ms: Date.now() - started,
      });
    });
    socket.write(bytes);
  });

/** The invariants every answer keeps; returns the parsed JSON body of a 4xx. */
const checkAnswer = (a: Answer, allowed: readonly number[]): void => {
  expect(allowed).toContain(a.status);
  expect(a.ms).toBeLessThan(SLOW_MS);
  for (const s of secrets) expect(a.body).not.toContain(s);
  if (a.status >= 400) {
    expect(a.headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(a.body) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['error', 'message']);
    expect(String(body.message).length).toBeLessThanOrEqual(1000);
  }
};

/** Sends, checks the answer, and checks that a refusal wrote nothing. */
const expectAnswer = async (send: () => Promise<Answer>, allowed: readonly number[]): Promise<Answer> => {
  const before = total();
  const answer = await send();
  checkAnswer(answer, allowed);
  if (answer.status >= 400) expect(total()).toBe(before);
  return answer;
};

const demoHeaders = (extra: Record<string, string> = {}) => ({
  'content-type': 'application/json',
  'x-shared-secret': secrets[0] ?? '',
  ...extra,
});
const xmlHeaders = () => ({
  'content-type': 'application/xml',
  'x-shared-secret': secrets[1] ?? '',
  'x-scw-event': 'ADVANCE',
});

beforeAll(async () => {
  process.env.TRIGGERHUB_SECRET_HOSTILE_HMAC = HMAC_SECRET;
  stack = await startInProcessStack();
  port = Number(new URL(stack.url).port);
  secrets.push(await stack.secret('demo'), await stack.secret('securechange'), HMAC_SECRET);
  const put = await fetch(`${stack.url}/admin/jobs/${HMAC_JOB}`, {
    method: 'PUT',
    body: JSON.stringify({
      name: 'Hostile HMAC',
      integration: 'log-event',
      auth: { type: 'hmac', secret: 'hostile-hmac', toleranceSeconds: 300 },
      dedupeWindowSeconds: 0,
    }),
  });
  expect(put.status).toBe(201);
  // Count the writes a delivery makes, whatever the HTTP edge answers.
  const { deliveries, runs, queue } = stack.deps;
  const create = deliveries.create.bind(deliveries);
  deliveries.create = (...a) => ((writes.deliveries += 1), create(...a));
  const runCreate = runs.create.bind(runs);
  runs.create = (...a) => ((writes.runs += 1), runCreate(...a));
  const send = queue.send.bind(queue);
  queue.send = (...a) => ((writes.sends += 1), send(...a));
  // Everything the process prints while the suite runs.
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = (chunk: unknown, ...rest: unknown[]) => {
      output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    };
    restore.push(() => (stream.write = write));
  }
});

afterAll(async () => {
  for (const r of restore) r();
  delete process.env.TRIGGERHUB_SECRET_HOSTILE_HMAC;
  await stack?.stop();
});

describe('hostile input against npm start', () => {
  it('refuses path tricks that would reach /admin from /hooks/, and creates no job', async () => {
    const job = JSON.stringify({ name: 'Evil', integration: 'log-event', auth: { secret: 'demo' } });
    for (const path of [
      '/hooks/%2e%2e/admin/jobs/evil',
      '/hooks/%2E%2E/admin/jobs/evil',
      '/hooks/..%2fadmin/jobs/evil',
      '/hooks/.%2e/admin/jobs/evil',
      '/hooks/demo/../../admin/jobs/evil',
      '/hooks/demo/%2e%2e/%2e%2e/admin/jobs/evil',
      '/hooks/%252e%252e/admin/jobs/evil',
      '/hooks\\..\\admin/jobs/evil',
      '//admin/jobs/evil',
      '/./admin/jobs/evil',
    ]) {
      for (const method of ['PUT', 'POST']) {
        await expectAnswer(() => raw(method, path, { headers: demoHeaders(), body: job }), [400, 404]);
      }
    }
    await expectAnswer(() => raw('GET', '/admin/jobs/evil'), [404]);
    const list = (await (await fetch(`${stack.url}/admin/jobs`)).json()) as { items: { id: string }[] };
    expect(list.items.map((j) => j.id)).not.toContain('evil');
  });

  it('answers odd methods and malformed requests with JSON', async () => {
    const trace = await expectAnswer(() => raw('TRACE', '/hooks/demo'), [405]);
    expect(trace.headers.allow).toBe('POST');
    const del = await expectAnswer(() => raw('DELETE', '/health'), [405]);
    expect(del.headers.allow).toBe('GET, HEAD');
    const get = await expectAnswer(() => raw('GET', '/hooks/demo'), [405]);
    expect(get.headers.allow).toBe('POST');
    await expectAnswer(() => raw('GET', '/health', { body: '{"a":1}' }), [400]);
    await expectAnswer(() => raw('OPTIONS', '/hooks/demo'), [405]);
    await expectAnswer(() => raw('PROPFIND', '/health'), [405]);
    await expectAnswer(() => raw('GET', '/nowhere'), [404]);
    const head = await expectAnswer(() => raw('HEAD', '/health'), [200]);
    expect(head.body).toBe('');
    await expectAnswer(() => socketExchange('CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: x\r\n\r\n'), [400]);
    await expectAnswer(() => socketExchange('FOO /health HTTP/1.1\r\nHost: x\r\n\r\n'), [400]);
    await expectAnswer(
      () => socketExchange('GET http://evil.example/admin/jobs HTTP/1.1\r\nHost: x\r\n\r\n'),
      [400],
    );
    await expectAnswer(() => socketExchange('GET /hooks/demo\u0000 HTTP/1.1\r\nHost: x\r\n\r\n'), [400]);
    await expectAnswer(
      () => socketExchange('\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003'),
      [400],
    );
    await expectAnswer(() => socketExchange('GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'), [400]);
    const expect417 = await expectAnswer(
      () =>
        socketExchange(
          'POST /hooks/demo HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}',
        ),
      [417],
    );
    expect(expect417.body).toContain('expectation_failed');
    await expectAnswer(
      () =>
        socketExchange(
          'GET /health HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade, close\r\n\r\n',
        ),
      [200],
    );
  });

  it('answers long ids and long paths with a bounded JSON 4xx and no store error', async () => {
    const long = await expectAnswer(
      () => raw('POST', `/hooks/${'a'.repeat(3000)}`, { headers: demoHeaders(), body: '{}' }),
      [404],
    );
    expect(long.body.length).toBeLessThan(400);
    await expectAnswer(() => raw('GET', `/admin/jobs/${'a'.repeat(3000)}`), [400]);
    await expectAnswer(() => raw('GET', `/admin/jobs/${'a'.repeat(3000)}/runs`), [400]);
    await expectAnswer(() => raw('GET', `/admin/runs/${'0'.repeat(3000)}`), [400]);
    const path = await expectAnswer(() => raw('GET', `/${'p'.repeat(12_000)}`), [404]);
    expect(path.body.length).toBeLessThan(400);
    // Beyond Node's header limit: the parser refuses it, still as JSON.
    await expectAnswer(() => raw('GET', `/${'p'.repeat(1_000_000)}`), [431, 400]);
    await expectAnswer(
      () =>
        raw('POST', '/hooks/demo', { headers: demoHeaders({ 'x-pad': 'h'.repeat(100_000) }), body: '{}' }),
      [431],
    );
  });

  it('refuses wrong and near-miss secrets with 401', async () => {
    const [secret = ''] = secrets;
    const flipped = `${secret.slice(0, -1)}${secret.endsWith('a') ? 'b' : 'a'}`;
    for (const candidate of [
      flipped,
      secret.slice(0, -1),
      secret.slice(1),
      `${secret}x`,
      `x${secret}`,
      secret.toUpperCase() === secret ? secret.toLowerCase() : secret.toUpperCase(),
      `${secret.slice(0, 4)} ${secret.slice(4)}`,
      'x'.repeat(8_000),
      '',
    ]) {
      await expectAnswer(
        () =>
          raw('POST', '/hooks/demo', {
            headers: demoHeaders({ 'x-shared-secret': candidate }),
            body: '{"n":1}',
          }),
        [401],
      );
    }
    // HTTP drops the whitespace around a header value: that one is the secret itself.
    await expectAnswer(
      () =>
        raw('POST', '/hooks/demo', {
          headers: demoHeaders({ 'x-shared-secret': ` ${secret} ` }),
          body: '{"ws":1}',
        }),
      [202, 200, 401],
    );
  });

  it('refuses HMAC timestamp tricks with 401 and accepts a fresh signature', async () => {
    const body = '{"alert":"cpu"}';
    const now = Math.floor(Date.now() / 1000);
    const send = (timestamp: string, signature = `sha256=${signHmac(HMAC_SECRET, timestamp, body)}`) =>
      raw('POST', `/hooks/${HMAC_JOB}`, {
        headers: { 'content-type': 'application/json', 'x-timestamp': timestamp, 'x-signature': signature },
        body,
      });
    // Outside the ±300 s window by a margin: `now` is floored and the clock runs on while the
    // requests go out, so `now + 301` came within the window on a loaded machine (the exact
    // edge is tested on a fixed clock in the unit tests).
    for (const ts of [
      String(now - 330),
      String(now + 330),
      'yesterday',
      `${now}.5`,
      `-${now}`,
      '-5',
      '9'.repeat(30),
      `+${now}`,
      `${now}e0`,
      '0x' + now.toString(16),
      String((now - 400) * 1000),
    ]) {
      await expectAnswer(() => send(ts), [401]);
    }
    await expectAnswer(() => send(String(now), 'sha256=' + 'ab'.repeat(32)), [401]);
    await expectAnswer(() => send(String(now), signHmac('not-the-secret', String(now), body)), [401]);
    await expectAnswer(() => send(String(now), ''), [401]);
    await expectAnswer(() => send(String(now * 1000)), [202]);
    const fresh = await expectAnswer(() => send(String(now)), [202]);
    // The same captured request replayed is a duplicate; stripped of its prefix too.
    const replay = await expectAnswer(() => send(String(now)), [200]);
    expect(JSON.parse(replay.body)).toMatchObject({ duplicate: true, runId: JSON.parse(fresh.body).runId });
    await expectAnswer(
      () => send(String(now), signHmac(HMAC_SECRET, String(now), body).toUpperCase()),
      [200],
    );
  });

  it('refuses oversize and chunked bodies over the limits with 413, and accepts a small chunked one', async () => {
    await expectAnswer(
      () =>
        raw('POST', '/hooks/demo', {
          headers: demoHeaders(),
          body: JSON.stringify({ a: 'x'.repeat(1_100_000) }),
        }),
      [413],
    );
    await expectAnswer(
      () =>
        raw('POST', '/hooks/demo', {
          headers: demoHeaders({ 'content-length': String(11 * 1024 * 1024) }),
          body: '{}',
        }),
      [413],
    );
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    await expectAnswer(
      () =>
        raw('POST', '/hooks/demo', {
          headers: demoHeaders({ 'transfer-encoding': 'chunked' }),
          chunks: Array(12).fill(chunk),
        }),
      [413],
    );
    await expectAnswer(
      () =>
        raw('POST', '/hooks/demo', {
          headers: demoHeaders({ 'transfer-encoding': 'chunked' }),
          chunks: [Buffer.from('{"chunked":'), Buffer.from('true}')],
        }),
      [202],
    );
  });

  it('refuses entity tricks, forbidden characters and parse bombs in XML with 400', async () => {
    const ticket = (inner: string) => `<ticket_info><id>1</id>${inner}</ticket_info>`;
    for (const xml of [
      '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]><ticket_info><id>&b;</id></ticket_info>',
      '<!DOCTYPE t [<!ENTITY e SYSTEM "file:///etc/passwd">]><ticket_info><id>&e;</id></ticket_info>',
      '<!DOCTYPE t [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]><ticket_info><id>1</id></ticket_info>',
      '<!doctype ticket_info SYSTEM "http://127.0.0.1:9/x.dtd"><ticket_info><id>1</id></ticket_info>',
      ticket('<subject>a\u0000b</subject>'),
      ticket('<subject>bell\u0007</subject>'),
      ticket('<subject>\uFFFE</subject>'),
      '<ticket_info a="x<y"><id>1</id></ticket_info>',
      `<ticket_info ${Array.from({ length: 300 }, (_, i) => `a${i}="${i}"`).join(' ')}><id>1</id></ticket_info>`,
      `<${'t'.repeat(3_000_000)}><id>1</id></ticket_info>`,
      ticket(`<subject><![CDATA[${'x'.repeat(1_100_000)}]]></subject>`),
      ticket('<a>'.repeat(70) + '</a>'.repeat(70)),
      ticket('<a/>'.repeat(25_000)),
      `<ticket_info ${Array.from({ length: 100_000 }, (_, i) => `a${i}="${i}"`).join(' ')}><id>1</id></ticket_info>`,
    ]) {
      const answer = await expectAnswer(
        () => raw('POST', '/hooks/securechange-trigger', { headers: xmlHeaders(), body: xml }),
        [400],
      );
      expect(answer.body.length).toBeLessThan(600);
    }
    // A 3 MB text node is legitimate (the job takes 4 MiB) and cheap: accepted.
    await expectAnswer(
      () =>
        raw('POST', '/hooks/securechange-trigger', {
          headers: xmlHeaders(),
          body: ticket(`<subject>${'x '.repeat(1_500_000)}</subject>`),
        }),
      [202],
    );
    // XInclude is not processed: the element is data, nothing is fetched or read.
    const xinclude = await expectAnswer(
      () =>
        raw('POST', '/hooks/securechange-trigger', {
          headers: xmlHeaders(),
          body: '<ticket_info xmlns:xi="http://www.w3.org/2001/XInclude"><id>1</id><xi:include href="file:///etc/passwd" parse="text"/></ticket_info>',
        }),
      [202, 400],
    );
    expect(xinclude.body).not.toContain('root:');
  });

  it('answers fuzzed and mutated JSON and XML with 202/200 or a JSON 400', async () => {
    const mutate = (text: string, at: number, what: string, op: number): string => {
      const i = text.length === 0 ? 0 : at % text.length;
      if (op === 0) return text.slice(0, i);
      if (op === 1) return text.slice(0, i) + what + text.slice(i);
      return text.slice(0, i) + what + text.slice(i + 1);
    };
    const noise = fc.oneof(
      fc.constantFrom(
        '<',
        '>',
        '"',
        "'",
        '&',
        '\u0000',
        '\u0001',
        '\uFFFF',
        '\uD800',
        ']]>',
        '<!--',
        '{',
        '[',
        ',',
        ':',
        '\\',
      ),
      fc.string({ maxLength: 8 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue({ maxDepth: 4 }),
        fc.nat(),
        noise,
        fc.nat(2),
        fc.boolean(),
        async (value, at, what, op, doMutate) => {
          const text = JSON.stringify(value) ?? 'null';
          const body = doMutate ? mutate(text, at, what, op) : text;
          await expectAnswer(
            () => raw('POST', '/hooks/demo', { headers: demoHeaders(), body }),
            [202, 200, 400],
          );
        },
      ),
      { seed: 20261122, numRuns: 40 },
    );
    const base =
      '<?xml version="1.0"?><ticket_info><id>42</id><subject a="1" b=\'2\'>Open &amp; close</subject><!-- c --><![CDATA[<x>]]><current_stage><id>3</id><name>Approve</name></current_stage></ticket_info>';
    await fc.assert(
      fc.asyncProperty(fc.nat(), noise, fc.nat(2), async (at, what, op) => {
        await expectAnswer(
          () =>
            raw('POST', '/hooks/securechange-trigger', {
              headers: xmlHeaders(),
              body: mutate(base, at, what, op),
            }),
          [202, 200, 400],
        );
      }),
      { seed: 20261123, numRuns: 40 },
    );
  });

  it('never printed a secret, and logged each refusal as one webhook refused line', () => {
    const text = output.join('');
    for (const s of secrets) expect(text).not.toContain(s);
    expect(text).toContain('webhook refused');
    expect(text).not.toMatch(/at .*\.ts:\d+:\d+/);
  });
});
