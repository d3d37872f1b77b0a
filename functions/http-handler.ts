import { handle } from 'hono/aws-lambda';
import type { APIGatewayProxyEventV2, APIGatewayProxyResult, Context } from 'aws-lambda';
import { hookJobIdOf, unsafePathReason } from '../shared/http/edge-checks.ts';
import type { ErrorBody } from '../shared/http/error-response.ts';
import { logRefusal, refusalMessageFor } from '../shared/http/error-response.ts';
import type { EdgeApp } from '../shared/http/hono-helpers.ts';
import { allowedMethods, directRouteOf, methodNotAllowed } from '../shared/http/hono-helpers.ts';
import { addPlatformContext } from '../shared/runtime/platform-logger.ts';

export type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResult>;

/** Methods a fetch `Request` cannot carry (hono would answer a text/plain 400 and log a stack). */
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);
const METHOD_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}$/;

const jsonResult = (
  status: number,
  body: ErrorBody,
  headers: Record<string, string> = {},
): APIGatewayProxyResult => ({
  statusCode: status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
  isBase64Encoded: false,
});

/**
 * What hono's adapter cannot turn into a `Request`, answered here as JSON:
 * an unsafe path, a method fetch forbids (TRACE, CONNECT…), a GET or HEAD
 * with a body. Undefined when the app can take the request.
 */
const edgeRefusal = (app: EdgeApp, event: APIGatewayProxyEventV2): APIGatewayProxyResult | undefined => {
  const rawPath = event.rawPath;
  const unsafe = unsafePathReason(rawPath);
  if (unsafe !== undefined) return jsonResult(400, { error: 'invalid_path', message: unsafe });
  const method = event.requestContext.http.method.toUpperCase();
  // A webhook's POST is a token fetch allows and may carry a body: only the target is left to check.
  if (method === 'POST')
    return readableTarget(event.requestContext.domainName, rawPath) ? undefined : unreadable();
  if (!METHOD_TOKEN.test(method) || FORBIDDEN_METHODS.has(method)) {
    const allow = allowedMethods(app, rawPath);
    return allow.length > 0
      ? jsonResult(405, methodNotAllowed(method, allow), { allow: allow.join(', ') })
      : jsonResult(404, { error: 'not_found', message: 'no such route' });
  }
  if ((method === 'GET' || method === 'HEAD') && event.body !== undefined && event.body !== '') {
    return jsonResult(400, { error: 'invalid_request', message: `a ${method} request carries no body` });
  }
  return readableTarget(event.requestContext.domainName, rawPath) ? undefined : unreadable();
};

const unreadable = (): APIGatewayProxyResult =>
  jsonResult(400, { error: 'invalid_request', message: 'unreadable request target' });

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

/**
 * A Lambda handler for an HTTP API (payload 2.0) over a hono app; every log
 * line of the invocation carries the Lambda request id. Every answer is
 * JSON `{"error","message"}` when it is not the app's own; each refusal
 * answered here is one refusal log line, as in the app.
 */
export const httpHandler = (app: EdgeApp): HttpHandler => {
  const handler = handle(app) as HttpHandler;
  const direct = directRouteOf(app);
  return async (event, context) => {
    addPlatformContext(context);
    const refused = edgeRefusal(app, event);
    if (refused !== undefined) {
      logRefusal(refusalMessageFor(event.rawPath), {
        jobId: hookJobIdOf(event.rawPath),
        status: refused.statusCode,
        reason: (JSON.parse(refused.body) as ErrorBody).error,
        requestId: event.requestContext.requestId,
        sourceIp: event.requestContext.http.sourceIp,
      });
      return refused;
    }
    const answered = direct?.(event);
    if (answered !== undefined) return answered;
    const result = await handler(event, context);
    // Anything else hono's adapter could not read: its answer is text/plain.
    if (result.statusCode === 400 && result.body === 'Invalid request') {
      logRefusal(refusalMessageFor(event.rawPath), {
        jobId: hookJobIdOf(event.rawPath),
        status: 400,
        reason: 'invalid_request',
        requestId: event.requestContext.requestId,
        sourceIp: event.requestContext.http.sourceIp,
      });
      return jsonResult(400, { error: 'invalid_request', message: 'unreadable request' });
    }
    return result;
  };
};
