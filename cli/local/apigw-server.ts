import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer, STATUS_CODES } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { APIGatewayProxyEventV2, APIGatewayProxyResult, Context } from 'aws-lambda';
import { rawPathOf, refusalJobIdOf, unsafePathReason } from '../../shared/http/edge-checks.ts';
import { logRefusal, refusalMessageFor } from '../../shared/http/error-response.ts';
import { MAX_BODY_BYTES_LIMIT } from '../../shared/model/index.ts';
import { API_HEADERS } from '../../shared/http/security-headers.ts';

export type HttpLambdaHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyResult>;

/** A route prefix and the Lambda handler API Gateway would call for it. */
export interface LocalRoute {
  prefix: string;
  handler: HttpLambdaHandler;
}

/** API Gateway's own payload limit: anything larger never reaches a function. */
const API_GATEWAY_MAX_BYTES = MAX_BODY_BYTES_LIMIT;

const TEXT_TYPES = /^(?:text\/|application\/(?:[\w.+-]*\+)?(?:json|xml|x-www-form-urlencoded|javascript))/i;

const lambdaContext = (name: string): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName: name,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${name}`,
  memoryLimitInMB: '1024',
  awsRequestId: randomUUID(),
  logGroupName: `/aws/lambda/${name}`,
  logStreamName: 'local',
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

/** A Host header that is a plain host[:port]; anything else must not reach a URL that hono builds. */
const PLAIN_HOST = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/**
 * Builds the HTTP API (payload 2.0) event the way API Gateway does: `rawPath`
 * is the path as received, never normalized (`new URL()` would resolve
 * `/hooks/%2e%2e/admin` to `/admin`).
 */
export const toApiGatewayEvent = (req: IncomingMessage, body: Buffer): APIGatewayProxyEventV2 => {
  const target = req.url ?? '/';
  const rawPath = rawPathOf(target);
  const rawQueryString = target.length > rawPath.length ? target.slice(rawPath.length + 1) : '';
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(rawQueryString))
    query[k] = query[k] === undefined ? v : `${query[k]},${v}`;
  const isText = body.length === 0 || TEXT_TYPES.test(headers['content-type'] ?? '');
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers,
    queryStringParameters: Object.keys(query).length > 0 ? query : undefined,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host !== undefined && PLAIN_HOST.test(headers.host) ? headers.host : '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method: req.method ?? 'GET',
        path: rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    body: body.length === 0 ? undefined : isText ? body.toString('utf8') : body.toString('base64'),
    isBase64Encoded: body.length > 0 && !isText,
  };
};

const send = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void => {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...API_HEADERS,
    ...headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
};

/** The security headers as raw header lines, for {@link sendRaw}. */
const RAW_API_HEADERS = Object.entries(API_HEADERS)
  .map(([name, value]) => `${name}: ${value}\r\n`)
  .join('');

/** A JSON answer written straight to a socket the HTTP parser gave up on (or a CONNECT tunnel), then closed. */
const sendRaw = (socket: Duplex, status: number, error: string, message: string): void => {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error, message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\ncontent-type: application/json\r\n${RAW_API_HEADERS}` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
};

const readBody = (req: IncomingMessage, limit: number): Promise<Buffer | undefined> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Stop reading: the answer closes the connection (a chunked body may never end).
        req.removeAllListeners('data');
        req.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

/** What the HTTP parser refused, as API Gateway would answer it (it never reaches a function). */
const clientErrorAnswer = (code: string | undefined): [number, string, string] => {
  if (code === 'HPE_HEADER_OVERFLOW') return [431, 'headers_too_large', 'the request headers are too large'];
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'ERR_HTTP_HEADERS_TIMEOUT') {
    return [408, 'request_timeout', 'the request took too long to arrive'];
  }
  return [400, 'invalid_request', 'malformed HTTP request'];
};

/**
 * Serves Lambda HTTP handlers on loopback the way API Gateway would: the same
 * event shape, the same payload limit. Used by `npm start`. Routing is on the
 * raw path, after refusing any path another layer could resolve differently
 * (`/hooks/%2e%2e/admin/…`), and every answer — also to a request the HTTP
 * parser refuses, or a CONNECT — is JSON `{"error","message"}`.
 */
export const startApiServer = async (
  routes: readonly LocalRoute[],
  options: { host?: string; port: number },
): Promise<{ server: Server; url: string; close(): Promise<void> }> => {
  /** One refusal line, then the JSON answer; the body is not read, so the connection cannot be reused. */
  const refuseRequest = (
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    error: string,
    message: string,
  ): void => {
    const rawPath = rawPathOf(req.url ?? '/');
    logRefusal(refusalMessageFor(rawPath), {
      jobId: refusalJobIdOf(rawPath),
      status,
      reason: error,
      requestId: randomUUID(),
      sourceIp: req.socket.remoteAddress,
    });
    send(res, status, { error, message }, { connection: 'close' });
  };
  const server = createServer((req, res) => {
    const rawPath = rawPathOf(req.url ?? '/');
    const refuse = (status: number, error: string, message: string): void =>
      refuseRequest(req, res, status, error, message);
    void (async () => {
      const unsafe = unsafePathReason(rawPath);
      if (unsafe !== undefined) return refuse(400, 'invalid_path', unsafe);
      const route =
        routes.find((r) => rawPath === r.prefix || rawPath.startsWith(`${r.prefix}/`)) ?? routes.at(-1);
      if (!route) return refuse(404, 'not_found', 'no route');
      const tooLarge = `body is larger than ${API_GATEWAY_MAX_BYTES} bytes`;
      if (Number(req.headers['content-length']) > API_GATEWAY_MAX_BYTES) {
        return refuse(413, 'payload_too_large', tooLarge);
      }
      const body = await readBody(req, API_GATEWAY_MAX_BYTES);
      if (!body) return refuse(413, 'payload_too_large', tooLarge);
      const result = await route.handler(
        toApiGatewayEvent(req, body),
        lambdaContext(
          route.prefix === '/' ? 'triggerhub-ingest' : `triggerhub${route.prefix.replace(/\//g, '-')}`,
        ),
      );
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(result.headers ?? {})) headers[k] = String(v);
      res.writeHead(result.statusCode, headers);
      res.end(
        result.body === '' ? undefined : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'),
      );
    })().catch(() => {
      if (!res.headersSent) send(res, 500, { error: 'internal', message: 'internal error' });
      else res.destroy();
    });
  });
  // Node would answer these itself in text/plain (or not at all), and log nothing useful.
  // (An Upgrade request needs nothing: with no 'upgrade' listener Node serves it as a plain request.)
  server.on('clientError', (e: NodeJS.ErrnoException, socket: Duplex) => {
    if (e.code === 'ECONNRESET' || e.code === 'EPIPE') return socket.destroy();
    const [status, error, message] = clientErrorAnswer(e.code);
    logRefusal(refusalMessageFor(''), {
      status,
      reason: error,
      requestId: randomUUID(),
      sourceIp: (socket as Socket).remoteAddress,
    });
    sendRaw(socket, status, error, message);
  });
  // An `Expect` other than 100-continue: Node would answer an empty 417 by itself.
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    refuseRequest(req, res, 417, 'expectation_failed', 'only "Expect: 100-continue" is supported');
  });
  // Not a proxy: a CONNECT gets a JSON 400 rather than a silently closed socket.
  server.on('connect', (req: IncomingMessage, socket: Duplex) => {
    logRefusal(refusalMessageFor(''), {
      status: 400,
      reason: 'invalid_request',
      requestId: randomUUID(),
      sourceIp: req.socket.remoteAddress,
    });
    sendRaw(socket, 400, 'invalid_request', 'CONNECT is not supported: this is not a proxy');
  });
  // API Gateway gives a request 30 s; Node's own defaults (5 minutes, 1 minute for headers) would hold a slow sender far longer.
  server.requestTimeout = 30_000;
  server.headersTimeout = 30_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
