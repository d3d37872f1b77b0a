import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Context, Hono } from 'hono';
import { Hono as HonoApp } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ValidationError } from '../errors.ts';
import type { PageRequest } from '../ports.ts';
import { quote } from '../sdk/text.ts';
import { unsafePathReason } from './edge-checks.ts';
import { logEdgeRefusal, toErrorResponse } from './error-response.ts';
import { localAdminRefusal } from './local-guard.ts';
import { API_HEADERS } from './security-headers.ts';
import { allowedMethods, methodNotAllowed } from './routes.ts';

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
 * under `npm start` an admin request from another web site is refused with
 * 403 (shared/http/local-guard.ts), every answer carries the security
 * headers, and every 4xx answer writes one `webhook refused` (or `admin
 * request refused`) log line.
 */
export const createEdgeApp = (): EdgeApp => {
  const app = new HonoApp<EdgeEnv>();
  app.use('*', async (c, next) => {
    const rawPath = rawPathOf(c);
    const unsafe = unsafePathReason(rawPath);
    const foreign = unsafe === undefined ? localAdminRefusal(eventOf(c)) : undefined;
    if (unsafe !== undefined) c.res = jsonError(c, 400, 'invalid_path', unsafe);
    else if (foreign !== undefined) c.res = jsonError(c, foreign.status, foreign.error, foreign.message);
    else await next();
    // The security headers, under what the answer set itself. functions/http-handler.ts adds
    // them too, for what never reaches an app (its refusals, the direct route): an app's answer
    // carries them whether it is served by the handler or called directly, as the direct route's does.
    const headers = c.res.headers;
    for (const name in API_HEADERS) if (!headers.has(name)) headers.set(name, API_HEADERS[name] as string);
    const { status } = c.res;
    if (status >= 400 && status < 500)
      logEdgeRefusal(rawPath, status, c.get('errorCode') ?? 'refused', eventOf(c));
  });
  return app;
};

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
    // The whole body: a ValidationError's `param` travels beside `{error, message}`.
    const { status, body } = toErrorResponse(e);
    c.set('errorCode', body.error);
    return c.json(body, status as ContentfulStatusCode);
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
