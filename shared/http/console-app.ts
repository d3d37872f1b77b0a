import type { EdgeApp, EdgeContext } from './hono-helpers.ts';
import { createEdgeApp, jsonError, withJsonErrors } from './hono-helpers.ts';
import { SECURITY_HEADERS, consoleCsp } from './security-headers.ts';

/** One file of the built console (cli/console/build.ts). */
export interface ConsoleFile {
  type: string;
  body: string;
  /** A content-hashed name: cached for a year; the page itself is never cached. */
  immutable: boolean;
}

/** The built console: its files by name under `/console/`, and what a browser downloads. */
export interface ConsoleAssets {
  files: Readonly<Record<string, ConsoleFile>>;
  bytes: { raw: number; gzip: number };
}

/**
 * How the console reaches the admin API. Under `npm start`: `/admin` on the same loopback
 * origin, no sign-in. In AWS: `/console/admin`, the admin API behind a Cognito JWT authorizer;
 * the browser signs in through the user pool's managed login (authorization code with PKCE,
 * tokens kept in memory only).
 */
export type ConsoleAuth =
  | { type: 'none' }
  | {
      type: 'cognito';
      /** `https://<domain>.auth.<region>.amazoncognito.com` */
      domain: string;
      clientId: string;
      scopes: string[];
    };

export interface ConsoleSettings {
  /** Where the admin routes are, on this origin: `/admin` locally, `/console/admin` in AWS. */
  apiBase: string;
  auth: ConsoleAuth;
}

/** Origins the page may call besides its own: the user pool's token endpoint in AWS. */
const connectOrigins = (auth: ConsoleAuth): string[] => (auth.type === 'cognito' ? [auth.domain] : []);

/**
 * `GET /console` (and `/console/`): the page; `/console/<file>`: its script and style
 * sheet; `/console/config.json`: {@link ConsoleSettings} (nothing secret: a user pool's
 * client id is public). Static files only — the console calls the admin API, no API of its
 * own. Every answer carries the security headers, the page its CSP.
 */
export const createConsoleApp = (assets: ConsoleAssets, settings: ConsoleSettings): EdgeApp => {
  const root = createEdgeApp();
  const csp = consoleCsp(connectOrigins(settings.auth));
  root.use('*', async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
    c.res.headers.set('content-security-policy', csp);
  });
  const page = (c: EdgeContext): Response => {
    const file = assets.files['index.html'];
    if (file === undefined)
      return jsonError(c, 404, 'not_found', 'the console is not built: run npm run generate');
    return c.body(file.body, 200, { 'content-type': file.type, 'cache-control': 'no-store' });
  };
  root.get('/console', page);
  root.get('/console/', page);
  const app = root.basePath('/console');
  app.get('/', page);
  app.get('/config.json', (c) => c.json(settings, 200, { 'cache-control': 'no-store' }));
  app.get('/:file', (c) => {
    const name = c.req.param('file');
    const file = name === 'index.html' ? undefined : assets.files[name];
    if (file === undefined) return jsonError(c, 404, 'not_found', 'no such console file');
    return c.body(file.body, 200, {
      'content-type': file.type,
      'cache-control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-store',
    });
  });
  return withJsonErrors(root);
};
