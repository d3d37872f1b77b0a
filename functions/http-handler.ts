import type { APIGatewayProxyEventV2, APIGatewayProxyResult, Context } from 'aws-lambda';
import { isDecodableBase64, unsafePathReason } from '../shared/http/edge-checks.ts';
import type { ErrorBody } from '../shared/http/error-response.ts';
import { logEdgeRefusal } from '../shared/http/error-response.ts';
import type { EdgeApp } from '../shared/http/hono-helpers.ts';
import type { DirectRoute } from '../shared/http/routes.ts';
import { allowedMethods, directRouteOf, methodNotAllowed } from '../shared/http/routes.ts';
import { withApiHeaders } from '../shared/http/security-headers.ts';
import { addPlatformContext } from '../shared/runtime/platform-logger.ts';

export type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResult>;

/** Methods a fetch `Request` cannot carry (hono would answer a text/plain 400 and log a stack). */
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);
const METHOD_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}$/;

/** A request refused here rather than by the app: its status, JSON body and extra headers. */
interface Refusal {
  status: number;
  body: ErrorBody;
  headers?: Record<string, string>;
}

const invalidRequest = (message: string): Refusal => ({
  status: 400,
  body: { error: 'invalid_request', message },
});

/** A refusal's answer, after its one refusal log line. */
const refused = (
  event: APIGatewayProxyEventV2,
  { status, body, headers }: Refusal,
): APIGatewayProxyResult => {
  logEdgeRefusal(event.rawPath, status, body.error, event);
  return {
    statusCode: status,
    headers: withApiHeaders({ 'content-type': 'application/json', ...headers }),
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
};

/**
 * What hono's adapter cannot turn into a `Request`, answered here as JSON:
 * an unsafe path, a method fetch forbids (TRACE, CONNECT…), a GET or HEAD
 * with a body. Undefined when the app can take the request.
 */
const edgeRefusal = (
  app: () => Promise<EdgeApp>,
  event: APIGatewayProxyEventV2,
): Refusal | Promise<Refusal> | undefined => {
  const rawPath = event.rawPath;
  const unsafe = unsafePathReason(rawPath);
  if (unsafe !== undefined) return { status: 400, body: { error: 'invalid_path', message: unsafe } };
  const method = event.requestContext.http.method.toUpperCase();
  // A webhook's POST is a token fetch allows and may carry a body: only the target is left to check.
  if (method === 'POST')
    return readableTarget(event.requestContext.domainName, rawPath) ? undefined : unreadable;
  if (!METHOD_TOKEN.test(method) || FORBIDDEN_METHODS.has(method)) {
    // Rare (a method token fetch cannot carry): only here does a refusal need the app's routes.
    return app().then((loaded): Refusal => {
      const allow = allowedMethods(loaded, rawPath);
      return allow.length > 0
        ? { status: 405, body: methodNotAllowed(method, allow), headers: { allow: allow.join(', ') } }
        : { status: 404, body: { error: 'not_found', message: 'no such route' } };
    });
  }
  if ((method === 'GET' || method === 'HEAD') && event.body !== undefined && event.body !== '') {
    return invalidRequest(`a ${method} request carries no body`);
  }
  return readableTarget(event.requestContext.domainName, rawPath) ? undefined : unreadable;
};

const unreadable = invalidRequest('unreadable request target');

/**
 * A body marked base64 that is not (hono's adapter would answer a text/plain
 * 500 and log a stack). Checked only for what the direct route left to hono:
 * the direct route decodes strict base64 itself.
 */
const undecodableBody = (event: APIGatewayProxyEventV2): Refusal | undefined =>
  event.isBase64Encoded && event.body && !isDecodableBase64(event.body)
    ? invalidRequest('the request body is marked base64 but is not valid base64')
    : undefined;

/**
 * Domains whose request targets `new URL` reads. Once `unsafePathReason`
 * passed a path (it starts with `/`, holds no `#`), only the host can make
 * the parse fail: one parse per domain, not one per request.
 */
const readableDomains = new Set<string>();
const MAX_READABLE_DOMAINS = 100;

const readableTarget = (domainName: string, rawPath: string): boolean => {
  if (readableDomains.has(domainName)) return true;
  try {
    new URL(`https://${domainName}${rawPath}`);
  } catch {
    return false;
  }
  if (readableDomains.size < MAX_READABLE_DOMAINS) readableDomains.add(domainName);
  return true;
};

/** An answer with the security headers under its own (see `withApiHeaders`). */
const secured = (result: APIGatewayProxyResult): APIGatewayProxyResult => {
  result.headers = withApiHeaders(result.headers);
  return result;
};

/**
 * A Lambda handler for an HTTP API (payload 2.0) over a hono app; every log
 * line of the invocation carries the Lambda request id. Every answer is
 * JSON `{"error","message"}` when it is not the app's own; each refusal
 * answered here is one refusal log line, as in the app. Every answer — the
 * app's, the direct route's, a refusal — carries the security headers
 * (shared/http/security-headers.ts); the console's page keeps its own CSP.
 */
export const httpHandler = (app: EdgeApp): HttpHandler =>
  lazyHttpHandler(directRouteOf(app), () => Promise.resolve(app));

/**
 * {@link httpHandler} over an app loaded by the first request that needs
 * it: a request its direct route answers (an ordinary webhook) never loads
 * the router. hono's Lambda adapter is loaded with the app.
 */
export const lazyHttpHandler = (
  direct: DirectRoute | undefined,
  loadApp: () => Promise<EdgeApp>,
): HttpHandler => {
  let app: Promise<EdgeApp> | undefined;
  const appOnce = (): Promise<EdgeApp> =>
    (app ??= loadApp().catch((error: unknown) => {
      app = undefined;
      throw error;
    }));
  let handler: Promise<HttpHandler> | undefined;
  const honoHandler = (): Promise<HttpHandler> =>
    (handler ??= Promise.all([appOnce(), import('hono/aws-lambda')]).then(
      ([loaded, { handle }]) => handle(loaded) as HttpHandler,
      (error: unknown) => {
        handler = undefined;
        throw error;
      },
    ));
  return async (event, context) => {
    addPlatformContext(context);
    const refusal = edgeRefusal(appOnce, event);
    if (refusal !== undefined) return refused(event, await refusal);
    const answered = direct?.(event);
    if (answered !== undefined) return secured(await answered);
    const undecodable = undecodableBody(event);
    if (undecodable !== undefined) return refused(event, undecodable);
    const result = await (await honoHandler())(event, context);
    // Anything else hono's adapter could not read: its answer is text/plain.
    if (result.statusCode === 400 && result.body === 'Invalid request') {
      return refused(event, invalidRequest('unreadable request'));
    }
    return secured(result);
  };
};
