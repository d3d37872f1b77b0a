import type { Input, KyInstance, Options } from 'ky';

/**
 * The pagination styles `ctx.http.paginate` knows: Jira's `startAt`/`maxResults`/`isLast`,
 * Jira search's `nextPageToken`, ServiceNow's `sysparm_offset` with `Link: rel="next"`.
 *
 * @example
 * ```ts
 * const style: PaginationStyle = 'servicenow';
 * ```
 */
export type PaginationStyle = 'startAt' | 'nextPageToken' | 'servicenow';

/**
 * ky's options (method, json, searchParams, headers, parseJson…) plus how the
 * pages are walked. With `json` (or a method other than GET) the paging
 * fields go in the JSON body, else in the query.
 *
 * @example
 * ```ts
 * const options: PaginateOptions = { style: 'nextPageToken', json: { jql: 'project = OPS' }, pageSize: 100 };
 * ```
 */
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
 * `ctx.http`: a ky instance preconfigured for the run — user agent
 * `triggerhub/<version> <integration-id>/<version>`, a 30 s per-request
 * time-out that never passes the run's deadline, the run's signal, retries
 * on 429/502/503/504 and network errors (5, honouring `Retry-After`; a wait
 * past the deadline defers the run to the queue), the job's egress
 * allow-list, proxy and TLS settings, one debug log line per request — plus
 * `paginate`, which fetches one page at a time as the caller iterates.
 *
 * @example
 * ```ts
 * const issue = await ctx.http.get(`${params.url}/rest/api/3/issue/OPS-1`).json();
 * await ctx.http.post(`${params.url}/rest/api/3/issue`, { json: { fields } });
 * for await (const project of ctx.http.paginate(`${params.url}/rest/api/3/project/search`, { style: 'startAt' })) {
 *   ctx.logger.info(`project ${(project as { key: string }).key}`);
 * }
 * ```
 */
export type HttpClient = KyInstance & {
  paginate<T = unknown>(input: Input, options: PaginateOptions): AsyncIterableIterator<T>;
};
