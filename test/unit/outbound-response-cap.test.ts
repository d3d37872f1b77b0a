import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import type { ServerResponse } from 'node:http';
import { HTTPError } from 'ky';
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../shared/errors.ts';
import { isRetryableFailure } from '../../shared/outbound/classify.ts';
import type { HttpClientOptions, OutboundHttp } from '../../shared/outbound/create-http-client.ts';
import { createHttpClient, DEFAULT_MAX_RESPONSE_BYTES } from '../../shared/outbound/create-http-client.ts';
import { describeBytes } from '../../shared/outbound/transport.ts';
import { json, loopbacksClosedAfterEach } from '../helpers/loopback-http.ts';

const { open, serve } = loopbacksClosedAfterEach();

const MiB = 1_048_576;

interface Made extends OutboundHttp {
  lines: { level: 'debug' | 'info' | 'warn'; message: string }[];
}

const client = (o: Partial<HttpClientOptions> = {}): Made => {
  const lines: Made['lines'] = [];
  const made = createHttpClient({
    userAgent: 'triggerhub/9.9.9 test-integration/1.2.3',
    deadlineAt: Date.now() + 60_000,
    signal: new AbortController().signal,
    logger: {
      debug: (message) => lines.push({ level: 'debug', message }),
      info: (message) => lines.push({ level: 'info', message }),
      warn: (message) => lines.push({ level: 'warn', message }),
    },
    allowDeferral: true,
    backoffBaseMs: 10,
    ...o,
  });
  open.push(made);
  return Object.assign(made, { lines });
};

const failure = async (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );

const warnings = (c: Made): string[] => c.lines.filter((l) => l.level === 'warn').map((l) => l.message);

/** Resolves when the answer's socket closed (bounded: 10 s of 20 ms polls). */
const closed = async (res: () => ServerResponse | undefined): Promise<boolean> => {
  for (let i = 0; i < 500; i++) {
    if (res()?.destroyed === true || res()?.socket?.destroyed === true) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
};

/**
 * Streams up to `total` bytes of `x`, chunked (no Content-Length), waiting for
 * the reader (drain) between writes; counts what it wrote, stops when the
 * client goes away.
 */
const streamer = (total: number, headers: Record<string, string> = {}) => {
  const state = { written: 0, res: undefined as ServerResponse | undefined };
  const handler = async (_req: unknown, res: ServerResponse): Promise<void> => {
    state.res = res;
    res.writeHead(200, { 'content-type': 'text/plain', ...headers });
    const chunk = Buffer.alloc(64 * 1024, 'x');
    while (state.written < total && !res.destroyed) {
      const n = Math.min(chunk.length, total - state.written);
      state.written += n;
      if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
        await new Promise<void>((r) => {
          const done = (): void => {
            res.off('drain', done).off('close', done);
            r();
          };
          res.on('drain', done).on('close', done);
        });
      }
    }
    if (!res.destroyed) res.end();
  };
  return { state, handler };
};

describe('ctx.http: the cap on an answer’s size', () => {
  it('is 10 MiB by default', () => {
    expect(DEFAULT_MAX_RESPONSE_BYTES).toBe(10 * MiB);
    expect(describeBytes(DEFAULT_MAX_RESPONSE_BYTES)).toBe('10 MiB');
    expect(describeBytes(64 * 1024)).toBe('64 KiB');
    expect(describeBytes(1000)).toBe('1000 bytes');
  });

  it('refuses a Content-Length past the cap without reading the body: PermanentError, one request, one WARN', async () => {
    // Prepare: 50 MiB announced, 64 KiB sent, then the server waits (a reader would wait for ever)
    let answer: ServerResponse | undefined;
    const api = await serve((_req, res) => {
      answer = res;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(50 * MiB) });
      res.write(Buffer.alloc(64 * 1024, ' '));
    });
    const c = client({ requestTimeoutMs: 5_000 });

    // Act
    const e = await failure(c.http.get(`${api.origin}/rest/api/3/search?jql=secret`).json());

    // Assess: refused at once, not retried (a GET would be), the connection closed
    expect(e).toBeInstanceOf(PermanentError);
    expect((e as Error).message).toBe(`answer from ${api.host} is larger than 10 MiB`);
    expect(isRetryableFailure(e)).toBe(false);
    expect(api.received).toHaveLength(1);
    expect(warnings(c)).toEqual([
      `http GET ${api.host} /rest/api/3/search?jql=… → answer from ${api.host} is larger than 10 MiB (Content-Length 52428800: not read)`,
    ]);
    expect(await closed(() => answer)).toBe(true);
  });

  it('cuts off a chunked answer at the cap: the stream errors, the server wrote far less than the whole', async () => {
    // Prepare: 200 MiB on offer, read only as fast as the client takes it
    const s = streamer(200 * MiB);
    const api = await serve(s.handler);
    const c = client();

    // Act
    const e = await failure(c.http.get(`${api.origin}/export`).text());

    // Assess: the error at 10 MiB; what was sent is the cap plus the socket buffers, not 200 MiB
    expect(e).toBeInstanceOf(PermanentError);
    expect((e as Error).message).toBe(`answer from ${api.host} is larger than 10 MiB`);
    expect(isRetryableFailure(e)).toBe(false);
    expect(await closed(() => s.state.res)).toBe(true);
    expect(s.state.written).toBeGreaterThan(10 * MiB);
    expect(s.state.written).toBeLessThan(60 * MiB);
    expect(api.received).toHaveLength(1);
    expect(warnings(c)).toEqual([
      `http GET ${api.host} /export → answer from ${api.host} is larger than 10 MiB (cut off while reading)`,
    ]);
  });

  it('takes maxResponseBytes: a body of exactly the cap passes, one byte more fails', async () => {
    // Prepare: chunked answers of 1000 and 1001 bytes, no Content-Length
    const api = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('a'.repeat(600));
      res.end('b'.repeat(req.url === '/exact' ? 400 : 401));
    });
    const c = client({ maxResponseBytes: 1000 });

    // Act
    const exact = await c.http.get(`${api.origin}/exact`).text();
    const e = await failure(c.http.get(`${api.origin}/over`).text());

    // Assess
    expect(exact).toBe('a'.repeat(600) + 'b'.repeat(400));
    expect((e as Error).message).toBe(`answer from ${api.host} is larger than 1000 bytes`);
    expect(api.received).toHaveLength(2);
  });

  it('hands a body under the cap on unchanged: bytes, status, headers, url', async () => {
    // Prepare: 2 MiB of JSON with its Content-Length, and a chunked one
    const big = {
      items: Array.from({ length: 20_000 }, (_, i) => ({ id: i, name: `item-${i}`.padEnd(90, '.') })),
    };
    const api = await serve((req, res) => {
      if (req.url !== '/chunked') return json(res, 200, big, { 'x-page': '1' });
      res.writeHead(201, { 'content-type': 'application/json', 'x-page': '2' });
      res.write('{"a":');
      res.end('1}');
    });
    const c = client();

    // Act
    const response = await c.http.get(`${api.origin}/big`);
    const body: unknown = await response.json();
    const chunked = await c.http.get(`${api.origin}/chunked`);

    // Assess
    expect(JSON.stringify(big).length).toBeGreaterThan(2 * MiB);
    expect(body).toEqual(big);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-page')).toBe('1');
    expect(response.url).toBe(`${api.origin}/big`);
    expect(chunked.status).toBe(201);
    expect(await chunked.json()).toEqual({ a: 1 });
    expect(warnings(c)).toEqual([]);
  });

  it('lets a HEAD through whatever Content-Length it announces (no body is read)', async () => {
    const api = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': String(50 * MiB) });
      res.end();
    });
    const response = await client().http.head(`${api.origin}/file`);
    expect(response.status).toBe(200);
  });

  it('caps an error answer’s body too (an integration quoting HTTPError.response.text())', async () => {
    const api = await serve((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.write('x'.repeat(800));
      res.end('y'.repeat(800));
    });
    const e = await failure(client({ maxResponseBytes: 1024 }).http.get(api.origin));
    expect(e).toBeInstanceOf(HTTPError);
    await expect((e as HTTPError).response.text()).rejects.toThrow(
      `answer from ${api.host} is larger than 1 KiB`,
    );
  });

  it('caps paginate’s pages', async () => {
    const api = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"startAt":0,"isLast":true,"values":[');
      res.end(`${'1,'.repeat(1000)}1]}`);
    });
    const walk = async (): Promise<void> => {
      for await (const _ of client({ maxResponseBytes: 1024 }).http.paginate(`${api.origin}/p`, {
        style: 'startAt',
      }))
        void _;
    };
    await expect(walk()).rejects.toThrow(`answer from ${api.host} is larger than 1 KiB`);
    expect(api.received).toHaveLength(1);
  });

  it('caps what undici’s fetch reads too (tlsVerify: false): Content-Length and chunked', async () => {
    const s = streamer(4096);
    const api = await serve(async (req, res) => {
      if (req.url !== '/declared') return s.handler(req, res);
      res.writeHead(200, { 'content-length': '4096' });
      res.end('z'.repeat(4096));
    });
    const c = client({ tlsVerify: false, maxResponseBytes: 2048 });
    for (const path of ['/declared', '/chunked']) {
      const e = await failure(c.http.get(`${api.origin}${path}`).text());
      expect(e).toBeInstanceOf(PermanentError);
      expect((e as Error).message).toBe(`answer from ${api.host} is larger than 2 KiB`);
    }
    expect(api.received).toHaveLength(2);
    expect(warnings(c)).toHaveLength(2);
  });

  it('refuses an answer whose status is not HTTP’s (999) with a PermanentError, once', async () => {
    // Prepare: Node's Response cannot carry it (fetch passes it on)
    let requests = 0;
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.once('data', () => {
        requests++;
        socket.end('HTTP/1.1 999 Weird\r\nContent-Length: 2\r\n\r\nok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    open.push({
      close: () =>
        new Promise<void>((r) => {
          for (const s of sockets) s.destroy();
          server.close(() => r());
        }),
    });
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;

    // Act
    const e = await failure(client().http.get(`http://${host}/`));

    // Assess
    expect(e).toBeInstanceOf(PermanentError);
    expect((e as Error).message).toBe(`answer from ${host} has status 999, not an HTTP status`);
    expect(requests).toBe(1);
  });

  it('refuses a cap that is not a whole number of bytes ≥ 1', () => {
    expect(() => client({ maxResponseBytes: 0 })).toThrow(RangeError);
    expect(() => client({ maxResponseBytes: 1.5 })).toThrow(RangeError);
  });
});
