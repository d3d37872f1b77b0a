import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HttpClientOptions, OutboundHttp } from '../../shared/outbound/create-http-client.ts';
import { createHttpClient } from '../../shared/outbound/create-http-client.ts';
import { json, startForwardProxy, startLoopback } from '../helpers/loopback-http.ts';
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

describe('ctx.http proxy', () => {
  it('sends through the proxy a job names', async () => {
    // Prepare
    const api = await startLoopback((_req, res) => json(res, 200, { via: 'api' }));
    open.push(api);
    const proxy = await startForwardProxy();
    open.push(proxy);

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
    const proxy = await startForwardProxy();
    open.push(proxy);
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
