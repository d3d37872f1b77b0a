import type { Input, KyInstance, Options } from 'ky';
import { PermanentError } from '../errors.ts';
import type { PaginateOptions } from './types.ts';

const DEFAULT_MAX_PAGES = 10_000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * The input without its query, and the query merged with `searchParams`:
 * ky's `searchParams` replaces a URL's whole query, and a caller may give
 * both.
 */
const splitQuery = (
  input: Input,
  given: Options['searchParams'],
): { base: Input; query: URLSearchParams } => {
  const query = new URLSearchParams();
  let base: Input = input;
  if (typeof input === 'string') {
    const at = input.indexOf('?');
    if (at !== -1) {
      base = input.slice(0, at);
      for (const [k, v] of new URLSearchParams(input.slice(at + 1))) query.append(k, v);
    }
  } else if (input instanceof URL) {
    const url = new URL(input.href);
    for (const [k, v] of url.searchParams) query.append(k, v);
    url.search = '';
    base = url;
  }
  if (given !== undefined) {
    const extra =
      typeof given === 'string' || Array.isArray(given) || given instanceof URLSearchParams
        ? new URLSearchParams(given as string | [string, string][] | URLSearchParams)
        : new URLSearchParams(
            Object.entries(given).flatMap(([k, v]): [string, string][] =>
              v === undefined ? [] : [[k, String(v)]],
            ),
          );
    for (const [k, v] of extra) query.set(k, v);
  }
  return { base, query };
};

const itemsOf = (
  page: unknown,
  key: string | undefined,
  defaults: readonly string[],
  style: string,
): unknown[] => {
  if (!isObject(page)) throw new PermanentError(`paginate (${style}): a page is not a JSON object`);
  for (const k of key === undefined ? defaults : [key]) {
    const items = page[k];
    if (Array.isArray(items)) return items;
  }
  throw new PermanentError(
    `paginate (${style}): the page has no array ${(key === undefined ? defaults : [key]).map((k) => `"${k}"`).join(' or ')}`,
  );
};

/** `<https://…>; rel="next"` out of a `Link` header. */
const nextLink = (link: string | null, base: string): URL | undefined => {
  if (link === null) return undefined;
  for (const part of link.split(',')) {
    const m = /<([^>]*)>\s*;(.*)$/.exec(part.trim());
    if (
      m?.[1] !== undefined &&
      /(?:^|;)\s*rel\s*=\s*"?(?:[^";]*\s)?next(?:\s[^";]*)?"?\s*(?:;|$)/i.test(m[2] ?? '')
    ) {
      return new URL(m[1], base);
    }
  }
  return undefined;
};

/**
 * Walks the pages of a listing, one request per page, only when the caller
 * asks for the next item: one page is held at a time, whatever the number of
 * pages. Each page goes through the client like any request (retries,
 * egress, deadline, and the caller's `parseJson`).
 */
export async function* paginate<T>(
  client: KyInstance,
  input: Input,
  options: PaginateOptions,
): AsyncGenerator<T, void, undefined> {
  const { style, items: itemsKey, pageSize, maxPages = DEFAULT_MAX_PAGES, ...kyOptions } = options;
  const method = (kyOptions.method ?? (kyOptions.json === undefined ? 'get' : 'post')).toLowerCase();
  const inBody = method !== 'get' && method !== 'head';
  const { base, query } = splitQuery(input, kyOptions.searchParams);
  const { searchParams: _given, ...rest } = kyOptions;
  const bodyOf = (extra: Record<string, unknown>): unknown => ({
    ...(isObject(kyOptions.json) ? kyOptions.json : {}),
    ...extra,
  });
  const fetchPage = async (
    target: Input,
    params: URLSearchParams | undefined,
    body: unknown,
  ): Promise<{ page: unknown; response: Response }> => {
    const response = await client(target, {
      ...rest,
      method,
      ...(params === undefined ? {} : { searchParams: params }),
      ...(body === undefined ? {} : { json: body }),
    });
    // response.json is ky's: it applies the caller's parseJson.
    return { page: await response.json(), response };
  };
  const tooMany = (): never => {
    throw new PermanentError(`paginate (${style}): more than maxPages (${maxPages}) pages`);
  };

  if (style === 'startAt') {
    const size = pageSize ?? 50;
    let startAt = 0;
    const seen = new Set<number>();
    for (let pages = 0; ; pages++) {
      if (pages >= maxPages) tooMany();
      if (seen.has(startAt))
        throw new PermanentError(`paginate (startAt): pagination made no progress at startAt ${startAt}`);
      seen.add(startAt);
      const params = new URLSearchParams(query);
      let body: unknown;
      if (inBody) body = bodyOf({ startAt, maxResults: size });
      else {
        params.set('startAt', String(startAt));
        params.set('maxResults', String(size));
      }
      const { page } = await fetchPage(base, params, body);
      const items = itemsOf(page, itemsKey, ['values', 'issues'], style);
      const p = page as Record<string, unknown>;
      const n = items.length;
      const from = typeof p.startAt === 'number' ? p.startAt : startAt;
      const total = typeof p.total === 'number' ? p.total : undefined;
      for (const item of items) yield item as T;
      if (p.isLast === true || n === 0 || (total !== undefined && from + n >= total)) return;
      startAt = from + n;
    }
  }

  if (style === 'nextPageToken') {
    const size = pageSize ?? 50;
    let token: string | undefined;
    const seen = new Set<string>();
    for (let pages = 0; ; pages++) {
      if (pages >= maxPages) tooMany();
      const params = new URLSearchParams(query);
      let body: unknown;
      if (inBody)
        body = bodyOf({ maxResults: size, ...(token === undefined ? {} : { nextPageToken: token }) });
      else {
        params.set('maxResults', String(size));
        if (token !== undefined) params.set('nextPageToken', token);
      }
      const { page } = await fetchPage(base, params, body);
      const items = itemsOf(page, itemsKey, ['issues'], style);
      const p = page as Record<string, unknown>;
      for (const item of items) yield item as T;
      const next =
        typeof p.nextPageToken === 'string' && p.nextPageToken !== '' ? p.nextPageToken : undefined;
      if (p.isLast === true || next === undefined) return;
      if (seen.has(next))
        throw new PermanentError(
          'paginate (nextPageToken): pagination made no progress (the same token twice)',
        );
      seen.add(next);
      token = next;
    }
  }

  // servicenow: sysparm_limit / sysparm_offset, or the server's Link rel="next" when it sends one.
  const limit = pageSize ?? 100;
  let offset = Number(query.get('sysparm_offset') ?? 0) || 0;
  let link: URL | undefined;
  const seen = new Set<string>();
  for (let pages = 0; ; pages++) {
    if (pages >= maxPages) tooMany();
    let target: Input;
    let params: URLSearchParams | undefined;
    if (link !== undefined) {
      // A URL object: ky puts no prefixUrl in front of it, and the egress check sees its host.
      target = link;
      params = undefined;
    } else {
      target = base;
      params = new URLSearchParams(query);
      params.set('sysparm_limit', String(limit));
      params.set('sysparm_offset', String(offset));
    }
    const key = link?.href ?? `offset=${offset}`;
    if (seen.has(key))
      throw new PermanentError(
        `paginate (servicenow): pagination made no progress (${link === undefined ? key : 'the same next link twice'})`,
      );
    seen.add(key);
    const { page, response } = await fetchPage(target, params, inBody ? bodyOf({}) : undefined);
    const items = itemsOf(page, itemsKey, ['result'], style);
    const n = items.length;
    for (const item of items) yield item as T;
    link = nextLink(response.headers.get('link'), response.url);
    if (link === undefined) {
      if (n === 0 || n < limit) return;
      offset += n;
    }
  }
}
