import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { connect } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HttpClientOptions, OutboundHttp } from '../../shared/outbound/create-http-client.ts';
import { createHttpClient } from '../../shared/outbound/create-http-client.ts';
import { json, startLoopback } from '../helpers/loopback-http.ts';
import { fixturesDir } from '../helpers/samples.ts';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});
const client = (o: Partial<HttpClientOptions> = {}): OutboundHttp => {
  const made = createHttpClient({
    userAgent: 'triggerhub/test t/1',
    deadlineAt: Date.now() + 60_000,
    signal: new AbortController().signal,
    logger: { debug: () => undefined, info: () => undefined },
    allowDeferral: true,
    backoffBaseMs: 10,
    ...o,
  });
  open.push(made);
  return made;
};

/** A forward proxy on 127.0.0.1 (absolute-form requests and CONNECT tunnels) that counts what it carries. */
const startProxy = async () => {
  const seen: { line: string; auth?: string }[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    seen.push({ line: `${req.method} ${req.url}`, auth: req.headers['proxy-authorization'] });
    const target = new URL(req.url ?? '');
    const up = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: req.method,
        headers: req.headers,
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    req.pipe(up);
  });
  server.on('connection', (s: Socket) => sockets.add(s));
  server.on('connect', (req, socket: Socket, head: Buffer) => {
    seen.push({ line: `CONNECT ${req.url}`, auth: req.headers['proxy-authorization'] });
    const [host, port] = (req.url ?? '').split(':');
    const up = connect(Number(port), host ?? '', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    sockets.add(up);
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const proxy = {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  open.push(proxy);
  return proxy;
};

describe('ctx.http proxy', () => {
  it('sends through the proxy a job names', async () => {
    // Prepare
    const api = await startLoopback((_req, res) => json(res, 200, { via: 'api' }));
    open.push(api);
    const proxy = await startProxy();

    // Act
    const body = await client({ proxy: `http://127.0.0.1:${proxy.port}` })
      .http.get(`${api.origin}/x`)
      .json();

    // Assess: the proxy carried the one request the API got
    expect(body).toEqual({ via: 'api' });
    expect(api.received).toHaveLength(1);
    expect(proxy.seen).toHaveLength(1);
    expect(proxy.seen[0]?.line).toMatch(new RegExp(`^(CONNECT ${api.host}|GET ${api.origin}/x)$`));
  });

  it('gives the proxy the credentials of a proxy URL with userinfo (a masked global)', async () => {
    const api = await startLoopback((_req, res) => json(res, 200, {}));
    open.push(api);
    const proxy = await startProxy();
    await client({ proxy: `http://me:pr0xy-pass@127.0.0.1:${proxy.port}` }).http.get(api.origin);
    expect(proxy.seen[0]?.auth).toBe(`Basic ${Buffer.from('me:pr0xy-pass').toString('base64')}`);
  });
});

describe('ctx.http TLS verification', () => {
  const startHttps = async () => {
    const dir = path.join(fixturesDir, 'tls');
    const server = createHttpsServer(
      {
        key: readFileSync(path.join(dir, 'loopback-test-only.key')),
        cert: readFileSync(path.join(dir, 'loopback-test-only.crt')),
      },
      (_req, res) => json(res, 200, { tls: true }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const https = {
      origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
    open.push(https);
    return https;
  };

  it('refuses a self-signed certificate by default', async () => {
    const https = await startHttps();
    const e = await client()
      .http.get(https.origin, { retry: 0 })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(e).toBeInstanceOf(TypeError);
    expect(String((e as TypeError & { cause?: { code?: string } }).cause?.code)).toMatch(/SELF_SIGNED|CERT/);
  });

  it('accepts it with tlsVerify: false', async () => {
    const https = await startHttps();
    expect(await client({ tlsVerify: false }).http.get(https.origin).json()).toEqual({ tls: true });
  });
});
