import type { Input, KyInstance, Options } from 'ky';

/**
 * The pagination styles `ctx.http.paginate` knows: Jira's `startAt`/`maxResults`/`isLast`,
 * Jira search's `nextPageToken`, ServiceNow's `sysparm_offset` with `Link: rel="next"`.
 */
export type PaginationStyle = 'startAt' | 'nextPageToken' | 'servicenow';

/** ky's options (method, json, searchParams, headers…) plus how the pages are walked. */
export interface PaginateOptions extends Options {
  style: PaginationStyle;
  /** Key of the page's array: default `values`|`issues` (startAt), `issues` (nextPageToken), `result` (servicenow). */
  items?: string;
  /** `maxResults` / `sysparm_limit`: default 50 / 100. */
  pageSize?: number;
  /** A bound: reaching it throws PermanentError. @default 10_000 */
  maxPages?: number;
}

/**
 * `ctx.http`: a ky instance preconfigured for the run (user agent, deadline,
 * signal, retries, egress allow-list), plus `paginate`.
 */
export type HttpClient = KyInstance & {
  paginate<T = unknown>(input: Input, options: PaginateOptions): AsyncIterableIterator<T>;
};
