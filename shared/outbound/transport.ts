import { TimeoutError } from 'ky';
import { EgressRefusedError, PermanentError } from '../errors.ts';
import type { EgressRefusal, SecretPin } from './egress.ts';
import { checkEgress, headerCarriesPin } from './egress.ts';

/** A fetch as ky calls it. */
export type FetchFn = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

/**
 * The largest answer `ctx.http` reads (10 MiB): a hostile or broken target's
 * 50 MB page or endless stream must not fill the worker's memory (512 MB).
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

export interface TransportOptions {
  /** Aborts 1 s before the run's deadline: a request still running then is cut with ky's `TimeoutError`. */
  cut: AbortSignal;
  logger: { debug(message: string): void; warn(message: string): void };
  /** The job's `egress.allowedHosts`; absent: any host. */
  egress?: readonly string[];
  pins: readonly SecretPin[];
  proxy?: string;
  tlsVerify: boolean;
  onEgressRefused?: (refusal: EgressRefusal) => void;
  /** The fetch to send with (tests); not used when a proxy or `tlsVerify: false` needs undici's. */
  fetch?: FetchFn;
  /** An answer's body larger than this (decoded bytes) is refused. @default {@link DEFAULT_MAX_RESPONSE_BYTES} */
  maxResponseBytes?: number;
}

export interface Transport {
  fetch: FetchFn;
  /** Closes the proxy/TLS connection pool, when one was opened. */
  close(): Promise<void>;
}

const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const NULL_BODY = new Set([101, 204, 205, 304]);
/** Headers that name who the caller is: never carried to another origin. */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

/** `?jql=…&maxResults=…`: the query's names, never their values ('' without a query). */
const queryNames = (url: URL): string => {
  const names = [...new Set(url.searchParams.keys())].map((k) => `${k}=…`);
  return names.length > 0 ? `?${names.join('&')}` : '';
};

/** `GET api.example.com /rest/search?jql=…&maxResults=…`: query names, never their values. */
const describe = (method: string, url: URL): string =>
  `http ${method} ${url.host} ${url.pathname}${queryNames(url)}`;

/** `https://api.example.com/rest/search?jql=…`: a URL as errors may quote it (no query value, no fragment). */
export const urlWithoutQueryValues = (url: URL): string => `${url.origin}${url.pathname}${queryNames(url)}`;

/** `10 MiB`, `64 KiB`, `1000 bytes`: a cap as a person reads it. */
export const describeBytes = (n: number): string =>
  n % 1_048_576 === 0 ? `${n / 1_048_576} MiB` : n % 1024 === 0 ? `${n / 1024} KiB` : `${n} bytes`;

const failureOf = (e: unknown): string => {
  const cause: unknown = e instanceof Error ? e.cause : undefined;
  const code =
    typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string'
      ? cause.code
      : e instanceof Error
        ? e.name
        : 'error';
  return `network error (${code})`;
};

interface Sender {
  fetch: FetchFn;
  dispatcher?: unknown;
}

/**
 * The `fetch` behind `ctx.http`: the egress check before every hop, redirects
 * followed here (so that each hop is checked, and credentials stay with their
 * origin), the deadline cut, the proxy/TLS dispatcher, and one debug line per
 * hop.
 */
export const createTransport = (o: TransportOptions): Transport => {
  const maxBytes = o.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new RangeError(`maxResponseBytes must be a whole number of bytes ≥ 1, not ${maxBytes}`);
  }
  const viaUndici = o.proxy !== undefined || !o.tlsVerify;
  let sender: Promise<Sender> | undefined;
  let dispatcher: { close(): Promise<void> } | undefined;
  const senderOf = (): Promise<Sender> =>
    (sender ??= viaUndici
      ? // undici is loaded only here: no cold start pays for it. Its own fetch goes with its
        // dispatcher (one from another undici major in Node's fetch is not reliable).
        import('undici').then((u) => {
          const agent =
            o.proxy === undefined
              ? new u.Agent({ connect: { rejectUnauthorized: false } })
              : new u.ProxyAgent({
                  uri: o.proxy,
                  requestTls: { rejectUnauthorized: o.tlsVerify },
                  proxyTls: { rejectUnauthorized: o.tlsVerify },
                });
          dispatcher = agent;
          return { fetch: u.fetch as unknown as FetchFn, dispatcher: agent };
        })
      : Promise.resolve({ fetch: o.fetch ?? globalThis.fetch.bind(globalThis) }));

  const hop = async (
    s: Sender,
    request: Request,
    url: URL,
    method: string,
    headers: Headers,
    body: Uint8Array | undefined,
    signal: AbortSignal,
  ): Promise<Response> => {
    const started = performance.now();
    const line = describe(method, url);
    const init = {
      method,
      headers,
      redirect: 'manual',
      signal,
      ...(body === undefined ? {} : { body }),
      ...(s.dispatcher === undefined ? {} : { dispatcher: s.dispatcher }),
    };
    let response: Response;
    try {
      response = await s.fetch(url.href, init as RequestInit);
    } catch (e) {
      if (o.cut.aborted && !request.signal.aborted) {
        o.logger.debug(`${line} → cut 1 s before the run's deadline`);
        throw new TimeoutError(request);
      }
      o.logger.debug(`${line} → ${failureOf(e)}`);
      throw e;
    }
    o.logger.debug(`${line} → ${response.status} (${Math.round(performance.now() - started)} ms)`);
    return response;
  };

  const send: FetchFn = async (input, init) => {
    const request = input instanceof Request && init === undefined ? input : new Request(input, init);
    if (o.cut.aborted) throw new TimeoutError(request);
    let url = new URL(request.url);
    let method = request.method;
    const headers = new Headers(request.headers);
    // Buffered once: the pins are looked for in it, and a 307/308 sends it again.
    let body = request.body === null ? undefined : new Uint8Array(await request.arrayBuffer());
    const bodyText = body === undefined ? undefined : new TextDecoder().decode(body);
    const signal = AbortSignal.any([request.signal, o.cut]);
    const s = await senderOf();
    for (let redirects = 0; ; redirects++) {
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new PermanentError(`ctx.http sends http and https only, not ${url.protocol}`);
      }
      const refusal = checkEgress(
        { url, headers, bodyText: body === undefined ? undefined : bodyText },
        o.pins,
        o.egress,
      );
      if (refusal !== undefined) {
        o.logger.debug(`${describe(method, url)} → refused before sending: ${refusal.reason}`);
        o.onEgressRefused?.(refusal);
        throw new EgressRefusedError(refusal.host, refusal.reason);
      }
      const response = await hop(s, request, url, method, headers, body, signal);
      const location = response.headers.get('location');
      if (!REDIRECTS.has(response.status) || location === null || request.redirect === 'manual') {
        return await bounded(response, url, method);
      }
      await response.body?.cancel().catch(() => undefined);
      if (request.redirect === 'error')
        throw new TypeError(`redirect refused: ${url.host} answered ${response.status}`);
      if (redirects >= MAX_REDIRECTS) {
        throw new PermanentError(`too many redirects (more than ${MAX_REDIRECTS}) from ${url.host}`);
      }
      const next = new URL(location, url);
      if (
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) && method === 'POST')
      ) {
        if (method !== 'HEAD') method = 'GET';
        body = undefined;
        for (const h of ['content-type', 'content-length', 'content-encoding', 'content-language'])
          headers.delete(h);
      }
      if (next.origin !== url.origin) {
        for (const h of CREDENTIAL_HEADERS) headers.delete(h);
        for (const [name, value] of [...headers]) if (headerCarriesPin(value, o.pins)) headers.delete(name);
      }
      url = next;
    }
  };

  /**
   * The answer as the caller gets it (Node's Response, the last hop's URL),
   * its body read through a byte counter: ky's `.json()`/`.text()`,
   * `paginate` and an `HTTPError`'s `response.text()` all stop at the cap. A
   * `Content-Length` past it is refused before a byte is read. Either way a
   * PermanentError: the same request would get the same answer (no retry).
   */
  const bounded = async (response: Response, url: URL, method: string): Promise<Response> => {
    const refuse = (how: string): PermanentError => {
      const message = `answer from ${url.host} is larger than ${describeBytes(maxBytes)}`;
      o.logger.warn(`${describe(method, url)} → ${message} (${how})`);
      return new PermanentError(message);
    };
    // Node's Response takes 200–599 only, and fetch passes on a server's 999: not an answer to hand on.
    if (response.status < 200 || response.status > 599) {
      await response.body?.cancel().catch(() => undefined);
      throw new PermanentError(`answer from ${url.host} has status ${response.status}, not an HTTP status`);
    }
    const source = NULL_BODY.has(response.status) || method === 'HEAD' ? null : response.body;
    if (source === null) return toGlobalResponse(response, url, null);
    const declared = response.headers.get('content-length')?.trim() ?? '';
    if (/^\d+$/.test(declared) && Number(declared) > maxBytes) {
      // Cancelling closes the connection: the rest is never received.
      await source.cancel().catch(() => undefined);
      throw refuse(`Content-Length ${declared}: not read`);
    }
    let seen = 0;
    const counter = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        // Erroring the stream errors the reader and cancels the source (the connection).
        if (seen > maxBytes) controller.error(refuse('cut off while reading'));
        else controller.enqueue(chunk);
      },
    });
    return toGlobalResponse(response, url, source.pipeThrough(counter));
  };

  return {
    fetch: send,
    close: async () => {
      await dispatcher?.close().catch(() => undefined);
    },
  };
};

/**
 * Node's Response (undici's own class is not Node's: ky and the integration
 * get Node's), with the URL of the last hop and the given body.
 */
const toGlobalResponse = (
  response: Response,
  url: URL,
  body: ReadableStream<Uint8Array> | null,
): Response => {
  const copy = new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: new Headers([...response.headers]),
  });
  Object.defineProperty(copy, 'url', { value: url.href });
  return copy;
};
