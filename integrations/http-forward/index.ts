import type { HTTPError } from 'ky';
import { PermanentError } from '../../shared/errors.ts';
import type { TriggerEvent } from '../../shared/model/index.ts';
import { cutText, defineIntegration } from '../../shared/sdk/index.ts';
import type { TemplateScope } from './template.ts';
import { renderHeaders, renderJson, renderText, renderUrl, scopeOf } from './template.ts';

/** What `keepResponse` keeps of the target's answer, and what an error quotes of it. */
const MAX_KEPT_RESPONSE_BYTES = 4 * 1024;
const MAX_QUOTED_ERROR_BYTES = 512;
/** A request never waits longer than this for one answer (the run's deadline cuts it sooner). */
const MAX_TIMEOUT_SECONDS = 900;

const METHODS = ['POST', 'PUT', 'PATCH', 'GET', 'DELETE'] as const;

/**
 * Built-in `http-forward`: forwards the event to a URL through `ctx.http`
 * (its retries on 429/502/503/504 and network errors, `Retry-After`, the
 * deadline, the egress allow-list), with a templated body, headers from
 * parameters and a secret header from a `password` parameter. Sends
 * `Idempotency-Key: <deliveryId>`, so a target that deduplicates sees a
 * retried delivery once. A 4xx answer (other than 408 and 429) fails the run
 * permanently, quoting the start of the answer; a 5xx, a time-out or a
 * network error fails it for a retry.
 */
export default defineIntegration({
  id: 'http-forward',
  name: 'HTTP forward',
  version: '1.0.0',
  description:
    'Forwards the event to a URL: templated body with $placeholders from the event, method, headers, a secret header; retries and the egress allow-list of ctx.http.',
  parameters: {
    url: {
      type: 'text',
      label: 'URL',
      description:
        'http(s) URL to call. $placeholders are allowed after the host (each value URL-encoded), e.g. https://api.example.com/tickets/$ticket.id',
      mandatory: true,
    },
    method: { type: 'choice', label: 'Method', choices: [...METHODS], default: 'POST' },
    body: {
      type: 'text',
      label: 'Body template',
      description:
        'With bodyFormat json: a JSON document whose strings may hold $placeholders ("$payload" alone is the whole payload, of any type). With text: plain text. Empty: the event payload as JSON. GET sends no body.',
      default: '',
    },
    bodyFormat: { type: 'choice', label: 'Body format', choices: ['json', 'text'], default: 'json' },
    contentType: {
      type: 'text',
      label: 'Content-Type',
      description: 'Default: application/json (json) or text/plain; charset=utf-8 (text).',
      default: '',
    },
    headers: {
      type: 'text',
      label: 'Headers',
      description:
        'One "Name: value" per line, $placeholders in values. Host, Content-Length, Transfer-Encoding and Connection are refused.',
      default: '',
    },
    secret: {
      type: 'password',
      label: 'Secret',
      description: 'Sent in the secret header; never logged.',
    },
    secretHeader: { type: 'text', label: 'Secret header', default: 'Authorization' },
    secretFormat: {
      type: 'choice',
      label: 'Secret format',
      description:
        'raw: the value; bearer: "Bearer <value>"; basic: "Basic base64(<value>)", the value being user:password.',
      choices: ['raw', 'bearer', 'basic'],
      default: 'raw',
    },
    timeoutSeconds: {
      type: 'number',
      label: 'Time-out per request (seconds)',
      description: 'Never past the run’s deadline.',
      default: 30,
    },
    keepResponse: {
      type: 'boolean',
      label: 'Keep the response',
      description: 'Keep the answer’s body in the run’s output (JSON, or text cut at 4 KiB).',
      default: false,
    },
  },
  async run({ event, params, http }) {
    const scope = scopeOf(event);
    const url = renderUrl(params.url, scope);
    const method = params.method;
    const headers = new Headers(renderHeaders(params.headers, scope));
    const body = bodyOf(method, params, event, scope);
    if (body !== undefined && !headers.has('content-type')) {
      headers.set('content-type', params.contentType || defaultContentType(params.bodyFormat));
    }
    if (params.secret !== undefined && params.secret !== '') {
      headers.set(params.secretHeader, secretHeaderValue(params.secret, params.secretFormat));
    }
    if (event.deliveryId !== '') headers.set('idempotency-key', event.deliveryId);
    const timeout = timeoutMs(params.timeoutSeconds);

    let response: Response;
    try {
      response = await http(url, { method, headers, body, timeout });
    } catch (e) {
      throw await asRunError(e, method, url);
    }
    const output: { status: number; bytes: number; response?: unknown } = {
      status: response.status,
      bytes: body === undefined ? 0 : Buffer.byteLength(body),
    };
    if (params.keepResponse) output.response = keptResponse(await response.text(), response.headers);
    // Not kept: the answer is not read, and its connection is freed now rather than by the garbage collector.
    else await response.body?.cancel().catch(() => undefined);
    return { message: `forwarded to ${url.host}: ${response.status}`, output };
  },
});

const defaultContentType = (format: string): string =>
  format === 'text' ? 'text/plain; charset=utf-8' : 'application/json';

interface BodyParams {
  body: string;
  bodyFormat: string;
}

/**
 * The body to send: the rendered template, or the payload when the template
 * is empty. GET sends none (fetch refuses one); DELETE only a template's.
 */
const bodyOf = (
  method: string,
  params: BodyParams,
  event: TriggerEvent,
  scope: TemplateScope,
): string | undefined => {
  if (method === 'GET') return undefined;
  const template = params.body.trim();
  if (template === '') {
    if (method === 'DELETE') return undefined;
    if (params.bodyFormat === 'text' && typeof event.payload === 'string') return event.payload;
    return JSON.stringify(event.payload ?? null);
  }
  return params.bodyFormat === 'json' ? renderJson(template, scope) : renderText(params.body, scope);
};

const secretHeaderValue = (secret: string, format: string): string => {
  switch (format) {
    case 'bearer':
      return `Bearer ${secret}`;
    case 'basic':
      if (!secret.includes(':')) {
        throw new PermanentError(
          'parameter "secret": with secretFormat basic, the secret must be user:password',
        );
      }
      return `Basic ${Buffer.from(secret, 'utf8').toString('base64')}`;
    default:
      return secret;
  }
};

const timeoutMs = (seconds: number): number => {
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_TIMEOUT_SECONDS) {
    throw new PermanentError(`parameter "timeoutSeconds": more than 0, at most ${MAX_TIMEOUT_SECONDS}`);
  }
  return Math.round(seconds * 1000);
};

/** The answer as the output keeps it: JSON when it says so and fits, else its text cut at 4 KiB. */
const keptResponse = (text: string, headers: Headers): unknown => {
  const fits = Buffer.byteLength(text) <= MAX_KEPT_RESPONSE_BYTES;
  if (fits && /\bjson\b/i.test(headers.get('content-type') ?? '')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // Says JSON, is not: kept as text.
    }
  }
  return cutText(text, MAX_KEPT_RESPONSE_BYTES);
};

/** ky's HTTPError, recognized without loading ky (integrations import its types only). */
const isHttpError = (e: unknown): e is HTTPError =>
  e instanceof Error && e.name === 'HTTPError' && 'response' in e && e.response instanceof Response;

/**
 * What the run fails with. A 4xx other than 408/429 is the target refusing
 * this request (a bad template, a wrong secret): retrying cannot help, so it
 * is permanent and quotes the start of the answer. Anything else — a 5xx
 * after ctx.http's retries, a time-out, a network error, an egress refusal,
 * a deferral — is ctx.http's error, passed on as it is for the runtime to
 * classify.
 */
const asRunError = async (e: unknown, method: string, url: URL): Promise<unknown> => {
  if (!isHttpError(e)) return e;
  const { status, statusText } = e.response;
  if (status < 400 || status >= 500 || status === 408 || status === 429) return e;
  let answer = '';
  try {
    answer = cutText((await e.response.text()).trim(), MAX_QUOTED_ERROR_BYTES);
  } catch {
    // The answer could not be read: the status says enough.
  }
  // Host and path only: query values may carry what the job would rather not see in a message.
  return new PermanentError(
    `${method} ${url.host}${url.pathname} answered ${status}${statusText ? ` ${statusText}` : ''}${answer ? `: ${answer}` : ''}`,
    { cause: e },
  );
};
