import type { APIGatewayProxyEventV2, APIGatewayProxyResult } from 'aws-lambda';
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

/** An HTTP API (payload 2.0) handler, as the console function and `npm start` call it. */
export type ConsoleHandler = (
  event: APIGatewayProxyEventV2,
  context?: unknown,
) => Promise<APIGatewayProxyResult>;

/** A built file's name: what esbuild writes (`app-<hash>.js`), never a path. */
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * `GET /console` (and `/console/`): the page; `/console/<file>`: its script and style
 * sheet; `/console/config.json`: {@link ConsoleSettings} (nothing secret: a user pool's
 * client id is public). Static files only — the console calls the admin API, no API of its
 * own. Every answer carries the security headers, the page its CSP; anything else is a JSON
 * `404 not_found` or `405 method_not_allowed`.
 *
 * A plain function over a lookup table rather than a router: the console function does
 * nothing else, so its cold start is the files' own (see `npm run bench`).
 */
export const createConsoleHandler = (assets: ConsoleAssets, settings: ConsoleSettings): ConsoleHandler => {
  const common = Object.freeze({
    ...SECURITY_HEADERS,
    'content-security-policy': consoleCsp(connectOrigins(settings.auth)),
  });
  const answer = (
    status: number,
    type: string,
    body: string,
    extra: Record<string, string> = {},
  ): APIGatewayProxyResult => ({
    statusCode: status,
    headers: { ...common, 'content-type': type, ...extra },
    body,
    isBase64Encoded: false,
  });
  const json = (status: number, value: unknown, extra?: Record<string, string>): APIGatewayProxyResult =>
    answer(status, 'application/json', JSON.stringify(value), { 'cache-control': 'no-store', ...extra });
  const config = JSON.stringify(settings);
  const fileAt = (path: string): ConsoleFile | 'config' | undefined => {
    if (path === '/console' || path === '/console/') return assets.files['index.html'];
    if (!path.startsWith('/console/')) return undefined;
    const name = path.slice('/console/'.length);
    if (name === 'config.json') return 'config';
    // The page has one address; `index.html` is not a second one.
    if (name === 'index.html' || !FILE_NAME.test(name)) return undefined;
    // Own names only: the table is a plain object, and `constructor` is no file.
    return Object.hasOwn(assets.files, name) ? assets.files[name] : undefined;
  };
  return (event) => {
    const method = event.requestContext.http.method.toUpperCase();
    const found = fileAt(event.rawPath);
    if (found === undefined) {
      const message =
        assets.files['index.html'] === undefined
          ? 'the console is not built: run npm run generate'
          : 'no such console file';
      return Promise.resolve(json(404, { error: 'not_found', message }));
    }
    if (method !== 'GET' && method !== 'HEAD') {
      return Promise.resolve(
        json(
          405,
          { error: 'method_not_allowed', message: `${method.slice(0, 20)} is not allowed here: GET or HEAD` },
          { allow: 'GET, HEAD' },
        ),
      );
    }
    const result =
      found === 'config'
        ? answer(200, 'application/json', config, { 'cache-control': 'no-store' })
        : answer(200, found.type, found.body, {
            'cache-control': found.immutable ? 'public, max-age=31536000, immutable' : 'no-store',
          });
    return Promise.resolve(method === 'HEAD' ? { ...result, body: '' } : result);
  };
};
