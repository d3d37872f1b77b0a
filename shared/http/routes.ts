import type { APIGatewayProxyEventV2, APIGatewayProxyResult } from 'aws-lambda';
import type { Hono } from 'hono';
import { quote } from '../sdk/text.ts';
import type { ErrorBody } from './error-response.ts';
import { logEdgeRefusal, toErrorResponse } from './error-response.ts';
import type { EdgeApp } from './hono-helpers.ts';

// No hono value is imported here: a Lambda handler answers an ordinary
// webhook with these (functions/http-handler.ts) before — and without —
// loading the router (see shared/http/ingest-direct.ts).

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
  body: ErrorBody,
): APIGatewayProxyResult => {
  if (status >= 400 && status < 500) logEdgeRefusal(event.rawPath, status, body.error, event);
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      error: body.error,
      message: body.message,
      ...(body.param === undefined ? {} : { param: body.param }),
    }),
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
