import type { APIGatewayProxyEventV2, APIGatewayProxyResult } from 'aws-lambda';
import type { Context, Hono } from 'hono';
import { Hono as HonoApp } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ValidationError } from '../errors.ts';
import type { PageRequest } from '../ports.ts';
import { quote } from '../sdk/text.ts';
import { unsafePathReason } from './edge-checks.ts';
import { logEdgeRefusal, toErrorResponse } from './error-response.ts';

/**
 * What the apps see of their host: hono's aws-lambda adapter passes the API
 * Gateway event (the local server builds the same one); `app.request()` in
 * tests passes nothing.
 */
export interface EdgeEnv {
  Bindings: { event?: APIGatewayProxyEventV2 };
  Variables: { errorCode?: string };
}

export type EdgeApp = Hono<EdgeEnv>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any route and input
export type EdgeContext = Context<EdgeEnv, any, any>;

const eventOf = (c: EdgeContext): APIGatewayProxyEventV2 | undefined =>
  (c.env as EdgeEnv['Bindings'] | undefined)?.event;

/** The path as received: API Gateway's `rawPath` (not normalized by `new Request`), else the URL's. */
const rawPathOf = (c: EdgeContext): string => eventOf(c)?.rawPath ?? new URL(c.req.url).pathname;

/** A JSON error answer whose code the refusal log line reports. */
export const jsonError = (
  c: EdgeContext,
  status: ContentfulStatusCode,
  error: string,
  message: string,
  headers?: Record<string, string>,
): Response => {
  c.set('errorCode', error);
  return c.json({ error, message }, status, headers);
};

/**
 * Every app starts here: a path that could be routed differently by another
 * layer (dot segments, encoded slashes…) is refused with 400 before routing,
 * and every 4xx answer writes one `webhook refused` (or `admin request
 * refused`) log line.
 */
export const createEdgeApp = (): EdgeApp => {
  const app = new HonoApp<EdgeEnv>();
  app.use('*', async (c, next) => {
    const rawPath = rawPathOf(c);
    const unsafe = unsafePathReason(rawPath);
    if (unsafe !== undefined) c.res = jsonError(c, 400, 'invalid_path', unsafe);
    else await next();
    const { status } = c.res;
    if (status >= 400 && status < 500)
      logEdgeRefusal(rawPath, status, c.get('errorCode') ?? 'refused', eventOf(c));
  });
  return app;
};

/**
 * A route a Lambda handler answers straight from the API Gateway event, as
 * the app would but without building a fetch `Request` and `Response` (a
 * third of a webhook's own CPU): undefined when it does not take the event —
 * anything unusual — and the app answers it.
 */
export type DirectRoute = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyResult> | undefined;

const directRoutes = new WeakMap<EdgeApp, DirectRoute>();

/** Registers an app's direct route (see {@link DirectRoute}); `httpHandler` looks it up. */
export const withDirectRoute = (app: EdgeApp, route: DirectRoute): EdgeApp => {
  directRoutes.set(app, route);
  return app;
};

export const directRouteOf = (app: EdgeApp): DirectRoute | undefined => directRoutes.get(app);

/**
 * A direct route's JSON error answer, as `jsonError` gives it in the app,
 * with — for a 4xx — the one refusal log line the edge middleware writes.
 */
export const directErrorResult = (
  event: APIGatewayProxyEventV2,
  status: number,
  body: { error: string; message: string },
): APIGatewayProxyResult => {
  if (status >= 400 && status < 500) logEdgeRefusal(event.rawPath, status, body.error, event);
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ error: body.error, message: body.message }),
    isBase64Encoded: false,
  };
};

/** What `withJsonErrors` answers for anything thrown, for a direct route (see {@link directErrorResult}). */
export const directThrownResult = (event: APIGatewayProxyEventV2, e: unknown): APIGatewayProxyResult => {
  const { status, body } = toErrorResponse(e);
  return directErrorResult(event, status, body);
};

/** `/hooks/:jobId` → a regular expression for a concrete path. */
const routePattern = (path: string): RegExp =>
  new RegExp(
    `^${path
      .split('/')
      .map((s) => (s.startsWith(':') ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/')}$`,
  );

/**
 * The methods an app serves on a path (`GET` implies `HEAD`, which hono
 * answers from the GET route), for `405`'s `Allow`; empty for an unknown path.
 */
export const allowedMethods = (app: Hono<never> | EdgeApp, path: string): string[] => {
  const methods = new Set<string>();
  for (const r of (app as EdgeApp).routes) {
    if (r.method === 'ALL' || !routePattern(r.path).test(path)) continue;
    methods.add(r.method);
    if (r.method === 'GET') methods.add('HEAD');
  }
  return [...methods].sort();
};

/** A 405 body for `method` on a path that serves `allow`. */
export const methodNotAllowed = (method: string, allow: readonly string[]) => ({
  error: 'method_not_allowed',
  message: `${quote(method, 20)} is not allowed here; use ${allow.join(' or ')}`,
});

/** JSON errors for unknown routes (404), wrong methods (405 with `Allow`) and anything thrown. */
export const withJsonErrors = (app: EdgeApp): EdgeApp => {
  app.notFound((c) => {
    const allow = allowedMethods(app, c.req.path);
    if (allow.length > 0) {
      const body = methodNotAllowed(c.req.method, allow);
      return jsonError(c, 405, body.error, body.message, { allow: allow.join(', ') });
    }
    return jsonError(c, 404, 'not_found', `no route ${quote(c.req.method, 20)} ${quote(c.req.path)}`);
  });
  app.onError((e, c) => {
    const { status, body } = toErrorResponse(e);
    return jsonError(c, status as ContentfulStatusCode, body.error, body.message);
  });
  return app;
};

/** `?limit=&cursor=` checked at the boundary. */
export const pageRequest = (c: Context): PageRequest => {
  const limit = c.req.query('limit');
  const cursor = c.req.query('cursor');
  const page: PageRequest = {};
  if (limit !== undefined) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 100)
      throw new ValidationError('limit: an integer from 1 to 100');
    page.limit = n;
  }
  if (cursor !== undefined && cursor !== '') page.cursor = cursor;
  return page;
};
