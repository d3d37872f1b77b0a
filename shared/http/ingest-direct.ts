import type { APIGatewayProxyEventV2, APIGatewayProxyResult } from 'aws-lambda';
import { defaultIsContentTypeBinary } from 'hono/aws-lambda';
import { getQueryParam } from 'hono/utils/url';
import { MAX_BODY_BYTES_LIMIT } from '../model/index.ts';
import type { Deps } from '../runtime/deps.ts';
import type { IngestAnswer, IngestRequest } from '../runtime/ingest.ts';
import { ingest } from '../runtime/ingest.ts';
import { platformLogger } from '../runtime/platform-logger.ts';
import { directErrorResult, directThrownResult } from './routes.ts';

// The webhook route without the router: a Lambda handler answers an ordinary
// webhook here (functions/ingest/app.ts) and loads hono only for anything
// else (functions/http-handler.ts). Only two small helpers come from hono —
// `defaultIsContentTypeBinary` and `getQueryParam` — so that both paths
// answer alike; neither brings the router.

export const tooLargeMessage = `body is larger than ${MAX_BODY_BYTES_LIMIT} bytes`;

/** An answer as status, headers (lower-case, sorted, as hono's adapter gives them) and body. */
interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const JSON_HEADERS = { 'content-type': 'application/json' } as const;

/**
 * Accepts one webhook and says how it went. An accepted async delivery is
 * logged at DEBUG only: its run and the 202 are its record, and a line per
 * delivery would be most of the platform's log volume. A duplicate (the
 * sender retried) and a verdict (a gate decided) are one INFO line.
 */
export const accept = async (deps: Deps, req: IngestRequest): Promise<Answer> => {
  const answer: IngestAnswer = await ingest(deps, req);
  const fields = { jobId: req.jobId, runId: answer.runId, kind: answer.kind };
  if (answer.kind === 'queued') platformLogger.debug('delivery accepted', fields);
  else platformLogger.info('delivery accepted', fields);
  switch (answer.kind) {
    case 'queued':
      return {
        status: 202,
        headers: JSON_HEADERS,
        body: JSON.stringify({ runId: answer.runId, deliveryId: answer.deliveryId, status: 'queued' }),
      };
    case 'duplicate':
      return {
        status: 200,
        headers: JSON_HEADERS,
        body: JSON.stringify({
          runId: answer.runId,
          deliveryId: answer.deliveryId,
          status: 'duplicate',
          duplicate: true,
        }),
      };
    case 'verdict':
      return {
        status: answer.response.status,
        headers: { 'content-type': answer.response.contentType, 'x-triggerhub-run-id': answer.runId },
        body: answer.response.body,
      };
  }
};

/** A path the direct route takes: one plain segment (a `%` escape is left to hono's decoding). */
const HOOK_PATH = /^\/hooks\/([^/%]+)$/;
/** A header fetch's `Headers` keeps as it is: a lower-case token, printable ASCII not padded with spaces. */
const PLAIN_HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
const PLAIN_HEADER_VALUE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;
/** A query string `new URL` leaves as it is (nothing in its percent-encode set). */
// eslint-disable-next-line no-control-regex -- control characters are what sends a query to hono
const PLAIN_QUERY = /^[^\u0000-\u0020"#<>'\u007f-\uffff]*$/;
/**
 * Strict base64: whole quads, at most two `=` at the end. The length is
 * checked apart: a repeated group (`(?:x{4})*`) overflows the regex stack on
 * a body near the limit.
 */
const BASE64_CHARS = /^[A-Za-z0-9+/]*={0,2}$/;
const isStrictBase64 = (s: string): boolean => s.length % 4 === 0 && BASE64_CHARS.test(s);
const utf8 = new TextDecoder();
/** `String.prototype.toWellFormed` (Node 20; typed from ES2024, which the project's lib is not). */
const wellFormed = (s: string): string => (s as string & { toWellFormed(): string }).toWellFormed();

/**
 * The event's headers as hono's `c.req.header()` gives them (in name order),
 * or undefined when one is not plain (see {@link PLAIN_HEADER_NAME}). One
 * pass; sorted only when API Gateway did not already send them in order.
 */
const plainHeaders = (
  from: APIGatewayProxyEventV2['headers'] | undefined,
  contentLength: string | undefined,
): Record<string, string> | undefined => {
  const names = from === undefined ? [] : Object.keys(from);
  // A body's length is a header like the others, in its place in name order.
  if (contentLength !== undefined && !names.includes('content-length')) names.push('content-length');
  for (let i = 1; i < names.length; i++) {
    if ((names[i] as string) < (names[i - 1] as string)) {
      names.sort();
      break;
    }
  }
  const headers: Record<string, string> = {};
  for (const name of names) {
    const value = name === 'content-length' && contentLength !== undefined ? contentLength : from?.[name];
    if (!value) continue;
    if (!PLAIN_HEADER_NAME.test(name) || !PLAIN_HEADER_VALUE.test(value)) return undefined;
    headers[name] = value;
  }
  return headers;
};

/**
 * `POST /hooks/{jobId}` answered from the API Gateway event as the hono
 * route answers it — the same headers (`content-length` the decoded body's),
 * query, body text (a UTF-8 BOM dropped), body limit, answers, errors and
 * refusal line — without a fetch `Request`/`Response`. Anything it would
 * have to normalize (an upper-case or non-ASCII header, cookies, a query
 * `new URL` would re-encode, loose base64, a `%` in the path) goes to hono.
 */
export const directIngest =
  (deps: Deps) =>
  (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResult> | undefined => {
    if (event.requestContext.http.method !== 'POST' || event.cookies !== undefined) return undefined;
    const jobId = HOOK_PATH.exec(event.rawPath)?.[1];
    if (jobId === undefined) return undefined;
    const query = event.rawQueryString;
    if (query !== '' && !PLAIN_QUERY.test(query)) return undefined;
    let body = '';
    let bytes: number | undefined;
    if (event.body) {
      if (event.isBase64Encoded) {
        if (!isStrictBase64(event.body)) return undefined;
        const buffer = Buffer.from(event.body, 'base64');
        bytes = buffer.length;
        if (bytes <= MAX_BODY_BYTES_LIMIT) body = utf8.decode(buffer);
      } else {
        // As a UTF-8 round trip gives it, without one: a lone surrogate becomes U+FFFD
        // (3 bytes, as Buffer counts it), and the decoder drops a leading BOM.
        body = wellFormed(event.body);
        bytes = Buffer.byteLength(body, 'utf8');
        if (body.charCodeAt(0) === 0xfeff) body = body.slice(1);
      }
    }
    const headers = plainHeaders(event.headers, bytes === undefined ? undefined : String(bytes));
    if (headers === undefined) return undefined;
    if (bytes !== undefined && bytes > MAX_BODY_BYTES_LIMIT) {
      return Promise.resolve(
        directErrorResult(event, 413, { error: 'payload_too_large', message: tooLargeMessage }),
      );
    }
    return (async () => {
      try {
        const answer = await accept(deps, {
          jobId,
          body,
          headers,
          query: query === '' ? {} : (getQueryParam(`https://h/?${query}`) as Record<string, string>),
        });
        // Our own JSON answers are never binary: no content-type test for them.
        const binary =
          answer.headers !== JSON_HEADERS && defaultIsContentTypeBinary(answer.headers['content-type'] ?? '');
        return {
          statusCode: answer.status,
          headers: { ...answer.headers },
          body: binary ? Buffer.from(answer.body).toString('base64') : answer.body,
          isBase64Encoded: binary,
        };
      } catch (e) {
        return directThrownResult(event, e);
      }
    })();
  };
