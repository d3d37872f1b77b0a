import { describe, expect, it } from 'vitest';
import { createHttpClient } from '../../shared/outbound/create-http-client.ts';
import { secretPins } from '../../shared/outbound/pins.ts';
import { parseManifest } from '../../shared/sdk/index.ts';
import { json, loopbacksClosedAfterEach } from '../helpers/loopback-http.ts';

const { open, serve } = loopbacksClosedAfterEach();

const manifest = (parameters: Record<string, unknown>) => ({
  id: 'pinned',
  name: 'Pinned',
  version: '1.0.0',
  description: '',
  parameters,
  entryPoints: ['run'],
});

describe('a password parameter’s hostFrom', () => {
  it('must name a text parameter of the same manifest', () => {
    // Act
    const ok = parseManifest(
      manifest({ url: { type: 'text' }, token: { type: 'password', hostFrom: 'url' } }),
    );
    const bad = (parameters: Record<string, unknown>) => () => parseManifest(manifest(parameters));

    // Assess
    expect(ok.parameters.token).toEqual({ type: 'password', hostFrom: 'url' });
    const rule = /invalid manifest: parameters\.token\.hostFrom: must name a text parameter of this manifest/;
    expect(bad({ token: { type: 'password', hostFrom: 'url' } })).toThrow(rule);
    expect(bad({ url: { type: 'number' }, token: { type: 'password', hostFrom: 'url' } })).toThrow(rule);
    expect(bad({ other: { type: 'password' }, token: { type: 'password', hostFrom: 'other' } })).toThrow(
      rule,
    );
    expect(bad({ token: { type: 'password', hostFrom: 'constructor' } })).toThrow(rule);
    expect(bad({ token: { type: 'password', hostFrom: '../x' } })).toThrow(/parameters\.token\.hostFrom/);
  });

  it('pins the secret to the host of that parameter’s URL; the job’s allowedHosts still win', () => {
    // Prepare
    const m = parseManifest(
      manifest({
        url: { type: 'text' },
        token: { type: 'password', hostFrom: 'url', allowedHosts: ['*.atlassian.net'] },
        free: { type: 'password' },
      }),
    );
    const run = (url: unknown) => ({ url, token: 'T0KEN-1', free: 'FREE-1' });

    // Act
    const fromUrl = secretPins(m, { token: { secret: 'jira' } }, run('https://jira.corp.example:8443/jira'));
    const fromJob = secretPins(
      m,
      { token: { secret: 'jira', allowedHosts: ['proxy.corp.example'] } },
      run('https://jira.corp.example'),
    );
    const notUrl = secretPins(m, { token: { secret: 'jira' } }, run('ftp://x.example'));
    const missing = secretPins(m, { token: { secret: 'jira' } }, run(undefined));

    // Assess
    expect(fromUrl).toEqual([
      { param: 'token', value: 'T0KEN-1', allowedHosts: ['jira.corp.example'] },
      { param: 'free', value: 'FREE-1', allowedHosts: [] },
    ]);
    expect(fromJob[0]?.allowedHosts).toEqual(['proxy.corp.example']);
    // Fails closed: a name under .invalid (never resolves), not "anywhere".
    expect(notUrl[0]?.allowedHosts).toEqual(['url-is-not-a-url.invalid']);
    expect(missing[0]?.allowedHosts).toEqual(['url-is-not-a-url.invalid']);
  });

  it('lets ctx.http send the secret to that host and refuses it anywhere else, before connecting', async () => {
    // Prepare: the job's URL names 127.0.0.1; the same server is reachable as localhost too
    const api = await serve((_req, res) => json(res, 200, { ok: true }));
    const m = parseManifest(
      manifest({ url: { type: 'text' }, token: { type: 'password', hostFrom: 'url' } }),
    );
    const pins = secretPins(
      m,
      { token: { secret: 'jira' } },
      { url: api.origin, token: 's3cr3t-token-value' },
    );
    const made = createHttpClient({
      userAgent: 'test',
      deadlineAt: Date.now() + 30_000,
      signal: new AbortController().signal,
      logger: { debug: () => undefined, info: () => undefined },
      pins,
      allowDeferral: true,
    });
    open.push(made);
    const headers = { authorization: 'Bearer s3cr3t-token-value' };

    // Act
    const there = await made.http.get(`${api.origin}/x`, { headers }).json();
    const elsewhere = await made.http
      .get(`${api.origin.replace('127.0.0.1', 'localhost')}/x`, { headers })
      .then(
        () => undefined,
        (e: unknown) => e,
      );

    // Assess
    expect(there).toEqual({ ok: true });
    expect((elsewhere as Error).message).toMatch(
      /password parameter "token", which may only be sent to 127\.0\.0\.1/,
    );
    expect(api.received).toHaveLength(1);
  });
});
