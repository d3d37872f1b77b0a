import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { buildSync } from 'esbuild';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpLambdaHandler } from '../../cli/local/apigw-server.ts';
import { startApiServer } from '../../cli/local/apigw-server.ts';
import { consoleAssets } from '../../console/assets.generated.ts';
import type { ConsoleAssets } from '../../shared/http/console-app.ts';
import { createConsoleHandler } from '../../shared/http/console-app.ts';
import type { ConsoleBrowser } from '../helpers/browser.ts';
import { chromiumOrSkip, openBrowser } from '../helpers/browser.ts';
import type { Loopback, Received } from '../helpers/loopback-http.ts';
import { startLoopback } from '../helpers/loopback-http.ts';
import { repoRoot } from '../helpers/samples.ts';

// The console's sign-in in AWS (console/src/auth.ts), against a loopback stand-in for Cognito's
// managed sign-in: /oauth2/authorize sends the browser straight back with a code and the state
// (as it does for a user who already has a Cognito session), /oauth2/token gives an access token
// only for the PKCE verifier of the challenge the code was issued for. A stub admin API answers
// only that token. What is checked is what a user's browser would hold afterwards.

const chromiumPath = chromiumOrSkip();

const TOKEN = 'eyJraWQiOiJ0ZXN0In0.eyJjbGllbnRfaWQiOiJ0ZXN0LWNsaWVudCJ9.dGVzdC1zaWduYXR1cmUtdmFsdWU';
const CLIENT_ID = 'test-client';

const b64url = (buffer: Buffer): string => buffer.toString('base64url');

/**
 * A page with only the console's sign-in and API client on it (console/src/auth.ts and api.ts,
 * bundled as the console is), making one admin call (`GET /jobs`) and showing its answer or
 * error as text: what a signed-in page sends, whatever the console's pages do.
 */
const PROBE = `
import { api, consoleSettings } from './api.ts';
import { startAuth } from './auth.ts';
const out = document.getElementById('app');
consoleSettings()
  .then((s) => startAuth(s.auth))
  .then(() => api.get('/jobs'))
  .then(
    (answer) => { out.textContent = 'jobs: ' + JSON.stringify(answer); },
    (e) => { out.setAttribute('role', 'alert'); out.textContent = 'error: ' + e.message + ' ' + (e.code ?? ''); },
  );
`;

/**
 * The probe with a "Load" button that calls again (what a page's refresh does) and the console's
 * own ErrorNote for a failure (with its "Sign in again" button when the API refuses the token).
 */
const PROBE_RELOAD = `
import { h, render } from 'preact';
import { api, consoleSettings } from './api.ts';
import { holdSignIn, startAuth } from './auth.ts';
import { ErrorNote } from './ui.tsx';
const out = document.getElementById('app');
const buttons = () => [
  h('button', { onClick: load }, 'Load'),
  h('button', { onClick: () => holdSignIn() }, 'Edit'),
];
const load = () => api.get('/jobs').then(
  (answer) => render(h('div', null, h('p', null, 'jobs: ' + JSON.stringify(answer)), ...buttons()), out),
  (e) => render(h('div', null, h(ErrorNote, { error: e }), ...buttons()), out),
);
consoleSettings().then((s) => startAuth(s.auth)).then(load);
`;

const probeAssets = (contents = PROBE): ConsoleAssets => {
  const out = buildSync({
    stdin: { contents, resolveDir: join(repoRoot, 'console', 'src'), loader: 'ts' },
    bundle: true,
    format: 'esm',
    target: ['es2022'],
    write: false,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: join(repoRoot, 'console', 'tsconfig.json'),
    nodePaths: [join(repoRoot, 'node_modules')],
    logLevel: 'error',
  });
  const js = out.outputFiles[0]!.text;
  const html =
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>probe</title>' +
    '<script type="module" src="/console/probe.js"></script></head><body><div id="app"></div></body></html>';
  return {
    files: {
      'index.html': { type: 'text/html; charset=utf-8', body: html, immutable: false },
      'probe.js': { type: 'text/javascript; charset=utf-8', body: js, immutable: false },
    },
    bytes: { raw: 0, gzip: 0 },
  };
};

describe.skipIf(chromiumPath === undefined)(
  'the console sign-in (Cognito, authorization code + PKCE)',
  () => {
    let b: ConsoleBrowser;
    let cognito: Loopback;
    let site: Awaited<ReturnType<typeof startApiServer>>;
    /** What the authorize endpoint does with the state: give it back, or forge another. */
    let stateMode: 'echo' | 'forge' = 'echo';
    /** code → the challenge it was issued for. */
    const challenges = new Map<string, string>();
    const exchanges: { verifierMatched: boolean; form: URLSearchParams }[] = [];
    const adminCalls: { path: string; authorization: string | undefined }[] = [];
    let adminStatus = 200;
    let consoleHandler: HttpLambdaHandler;

    const cognitoAnswer = (req: Received, res: ServerResponse): void => {
      const url = new URL(req.url, 'http://cognito.test');
      if (req.method === 'GET' && url.pathname === '/oauth2/authorize') {
        const p = url.searchParams;
        const ok =
          p.get('response_type') === 'code' &&
          p.get('client_id') === CLIENT_ID &&
          p.get('code_challenge_method') === 'S256' &&
          (p.get('code_challenge') ?? '').length >= 43 &&
          p.get('scope') === 'openid email' &&
          p.get('redirect_uri') === `${site.url}/console`;
        if (!ok) {
          res.writeHead(400, { 'content-type': 'text/plain' }).end(`bad authorize request ${url.search}`);
          return;
        }
        const code = `code-${challenges.size + 1}`;
        challenges.set(code, p.get('code_challenge')!);
        const back = new URL(p.get('redirect_uri')!);
        back.searchParams.set('code', code);
        back.searchParams.set('state', stateMode === 'echo' ? p.get('state')! : 'forged-state');
        res.writeHead(302, { location: back.href }).end();
        return;
      }
      if (req.method === 'POST' && url.pathname === '/oauth2/token') {
        const form = new URLSearchParams(req.body);
        const challenge = challenges.get(form.get('code') ?? '');
        const verifierMatched =
          challenge !== undefined &&
          b64url(
            createHash('sha256')
              .update(form.get('code_verifier') ?? '')
              .digest(),
          ) === challenge;
        exchanges.push({ verifierMatched, form });
        const cors = { 'access-control-allow-origin': site.url, 'content-type': 'application/json' };
        const good =
          verifierMatched &&
          form.get('grant_type') === 'authorization_code' &&
          form.get('client_id') === CLIENT_ID &&
          form.get('redirect_uri') === `${site.url}/console`;
        if (!good) {
          res.writeHead(400, cors).end(JSON.stringify({ error: 'invalid_grant' }));
          return;
        }
        challenges.delete(form.get('code') ?? '');
        res.writeHead(200, cors).end(
          JSON.stringify({
            access_token: TOKEN,
            id_token: 'x.y.z',
            expires_in: 3600,
            token_type: 'Bearer',
          }),
        );
        return;
      }
      res.writeHead(404).end();
    };

    /** The admin API as the JWT route gives it: `Bearer <the token>` or 401. */
    const adminStub: HttpLambdaHandler = (event): Promise<APIGatewayProxyResult> => {
      adminCalls.push({ path: event.rawPath, authorization: event.headers.authorization });
      const authorized = event.headers.authorization === `Bearer ${TOKEN}` && adminStatus === 200;
      return Promise.resolve({
        statusCode: authorized ? 200 : 401,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(authorized ? { items: [{ id: 'demo' }] } : { message: 'Unauthorized' }),
      });
    };

    const serve = (assets: ConsoleAssets): void => {
      consoleHandler = createConsoleHandler(assets, {
        apiBase: '/console/admin',
        auth: { type: 'cognito', domain: cognito.origin, clientId: CLIENT_ID, scopes: ['openid', 'email'] },
      });
    };

    beforeAll(async () => {
      cognito = await startLoopback(cognitoAnswer);
      site = await startApiServer(
        [
          { prefix: '/console/admin', handler: adminStub },
          { prefix: '/console', handler: (event, context) => consoleHandler(event, context) },
        ],
        { port: 0 },
      );
      b = await openBrowser(chromiumPath!);
    });
    afterAll(async () => {
      await b?.close();
      await site?.close();
      await cognito?.close();
    });

    /** Everything the page keeps where a script or the user could find it later. */
    const leftovers = async (page: Page): Promise<string> =>
      [
        page.url(),
        await page.evaluate<string>('JSON.stringify({ ...localStorage })'),
        await page.evaluate<string>('JSON.stringify({ ...sessionStorage })'),
        await page.content(),
        await page.evaluate<string>('document.cookie'),
      ].join('\n');

    it('signs in, keeps the access token in memory only, and sends it to the admin API', async () => {
      serve(probeAssets());
      stateMode = 'echo';
      const page = await b.context.newPage();
      const before = { exchanges: exchanges.length, calls: adminCalls.length };
      await page.goto(`${site.url}/console#/jobs/demo`);
      await page.getByText('jobs: {"items":[{"id":"demo"}]}').waitFor({ timeout: 20_000 });
      // One exchange, with the verifier of the challenge the code was issued for.
      expect(exchanges.slice(before.exchanges).map((e) => e.verifierMatched)).toEqual([true]);
      const calls = adminCalls.slice(before.calls);
      expect(calls).toEqual([{ path: '/console/admin/jobs', authorization: `Bearer ${TOKEN}` }]);
      // The code and state left the address bar; the hash route came back.
      expect(page.url()).toBe(`${site.url}/console#/jobs/demo`);
      const kept = await leftovers(page);
      expect(kept).not.toContain(TOKEN);
      expect(kept).not.toContain('code-');
      // No request the browser made named the token in its URL.
      expect(b.responses.filter((r) => r.url.includes(TOKEN))).toEqual([]);
      await page.close();
    });

    it('refuses an answer whose state this tab did not send: no token exchange, nothing kept', async () => {
      serve(probeAssets());
      stateMode = 'forge';
      const page = await b.context.newPage();
      const before = { exchanges: exchanges.length, calls: adminCalls.length };
      await page.goto(`${site.url}/console#/globals`);
      await page.getByRole('alert').filter({ hasText: 'sign-in refused' }).waitFor({ timeout: 20_000 });
      expect(exchanges.length).toBe(before.exchanges);
      expect(adminCalls.length).toBe(before.calls);
      expect(page.url()).toBe(`${site.url}/console#/globals`);
      expect(await page.evaluate<number>('sessionStorage.length')).toBe(0);
      await page.close();
    });

    it('reports a token the API refuses right after a sign-in instead of signing in again and again', async () => {
      serve(probeAssets());
      stateMode = 'echo';
      adminStatus = 401;
      try {
        const page = await b.context.newPage();
        const before = cognito.received.filter((r) => r.url.startsWith('/oauth2/authorize')).length;
        await page.goto(`${site.url}/console`);
        await page
          .getByRole('alert')
          .filter({ hasText: 'http_401' })
          .or(page.getByRole('alert').filter({ hasText: 'Unauthorized' }))
          .waitFor({ timeout: 20_000 });
        expect(cognito.received.filter((r) => r.url.startsWith('/oauth2/authorize')).length).toBe(before + 1);
        await page.close();
      } finally {
        adminStatus = 200;
      }
    });

    it('after a sign-in of its own the API still refuses: says so instead of signing in every minute; a click retries', async () => {
      serve(probeAssets(PROBE_RELOAD));
      stateMode = 'echo';
      const page = await b.context.newPage();
      const authorizes = (): number =>
        cognito.received.filter((r) => r.url.startsWith('/oauth2/authorize')).length;
      const before = authorizes();
      try {
        // The page's clock is the test's: "a minute later" without waiting a minute.
        await page.clock.install();
        await page.goto(`${site.url}/console#/jobs`);
        await page.getByText('jobs: {"items":[{"id":"demo"}]}').waitFor({ timeout: 20_000 });
        expect(authorizes()).toBe(before + 1);

        // The token stops being accepted a minute later (a wrong audience after a change): one
        // automatic sign-in again, whose new token the API refuses too.
        adminStatus = 401;
        await page.clock.fastForward('01:00');
        await page.getByRole('button', { name: 'Load' }).click();
        await page.getByRole('alert').waitFor({ timeout: 20_000 });
        expect(authorizes()).toBe(before + 2);

        // The next refresh, a minute on: reported, not one more trip to the sign-in service.
        await page.clock.fastForward('01:00');
        await page.getByRole('button', { name: 'Load' }).click();
        await page
          .getByRole('alert')
          .filter({ hasText: 'signed in, but the API refuses the token: ask your administrator' })
          .waitFor({ timeout: 20_000 });
        expect(authorizes()).toBe(before + 2);
        expect(await page.evaluate<string>('JSON.stringify({ ...sessionStorage })')).not.toContain(TOKEN);

        // A person's click signs in again.
        await page.getByRole('button', { name: 'Sign in again' }).click();
        await expect.poll(authorizes, { timeout: 20_000 }).toBe(before + 3);
        await page.getByRole('alert').waitFor({ timeout: 20_000 });
      } finally {
        adminStatus = 200;
        await page.close();
      }
    });

    it('with an unsaved edit, a refused token is reported with a Sign in button instead of leaving the page', async () => {
      serve(probeAssets(PROBE_RELOAD));
      stateMode = 'echo';
      const page = await b.context.newPage();
      const authorizes = (): number =>
        cognito.received.filter((r) => r.url.startsWith('/oauth2/authorize')).length;
      const before = authorizes();
      try {
        await page.clock.install();
        await page.goto(`${site.url}/console#/jobs/demo`);
        await page.getByText('jobs: {"items":[{"id":"demo"}]}').waitFor({ timeout: 20_000 });
        await page.getByRole('button', { name: 'Edit' }).click();
        adminStatus = 401;
        await page.clock.fastForward('01:00');
        await page.getByRole('button', { name: 'Load' }).click();
        await page
          .getByRole('alert')
          .filter({ hasText: 'your sign-in expired: copy your changes, then sign in again' })
          .waitFor({ timeout: 20_000 });
        expect(authorizes()).toBe(before + 1);
        await page.getByRole('button', { name: 'Sign in again' }).click();
        await expect.poll(authorizes, { timeout: 20_000 }).toBe(before + 2);
      } finally {
        adminStatus = 200;
        await page.close();
      }
    });

    it('the console itself signs in and shows its page, with the sign-in service allowed by its CSP', async () => {
      serve(consoleAssets);
      stateMode = 'echo';
      const page = await b.context.newPage();
      const before = exchanges.length;
      const first = page.waitForResponse((r) => r.url() === `${site.url}/console`);
      await page.goto(`${site.url}/console#/jobs`);
      expect((await first).headers()['content-security-policy']).toContain(
        `connect-src 'self' ${cognito.origin}`,
      );
      await page.getByRole('heading', { level: 1 }).waitFor({ timeout: 20_000 });
      expect(await page.getByRole('alert').count()).toBe(0);
      expect(exchanges.slice(before).map((e) => e.verifierMatched)).toEqual([true]);
      expect(page.url()).toBe(`${site.url}/console#/jobs`);
      expect(await leftovers(page)).not.toContain(TOKEN);
      // Whatever the page asked the admin API, it asked with the token.
      for (const call of adminCalls) expect(call.authorization).toBe(`Bearer ${TOKEN}`);
      await page.close();
    });
  },
);
