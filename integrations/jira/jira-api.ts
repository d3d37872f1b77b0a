import type { HTTPError } from 'ky';
import { PermanentError } from '../../shared/errors.ts';
import type { TicketTask } from '../../shared/model/index.ts';
import type { TicketContext } from '../../shared/sdk/index.ts';
import { clip, redact } from '../../shared/sdk/index.ts';
import type { JiraField } from './fields.ts';
import type { JiraStatus } from './status.ts';
import { taskStatusOf } from './status.ts';

/** The job's parameters, as the manifest types them. */
export interface JiraParams {
  url: string;
  email: string;
  apiToken: string;
  issueTypes: string;
}

export type JiraContext = TicketContext<JiraParams>;

/** Project search and createmeta pages: the size the Netskope plugin uses. */
export const PAGE_SIZE = 50;
/** What an error quotes of Jira's answer. */
const MAX_REASON_CHARS = 300;

/**
 * The instance's base URL (`https://acme.atlassian.net`, or a path prefix
 * such as a server's `/jira`), without a trailing slash; undefined when the
 * parameter is not an http(s) URL with a host and no credentials in it.
 */
export const baseUrlOf = (url: unknown): string | undefined => {
  if (typeof url !== 'string') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
  if (parsed.hostname === '' || parsed.username !== '' || parsed.password !== '') return undefined;
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
};

/** The base URL, or a permanent failure: a job whose URL is wrong cannot do anything by retrying. */
export const baseOf = (ctx: JiraContext): string => {
  const base = baseUrlOf(ctx.params.url);
  if (base === undefined) {
    throw new PermanentError(
      'parameter "url": not an http(s) URL with a host, e.g. https://<your-domain>.atlassian.net',
    );
  }
  return base;
};

/** Basic auth with `email:apiToken` (the token as given: never trimmed), and JSON both ways. */
export const headersOf = (ctx: JiraContext): Record<string, string> => ({
  authorization: `Basic ${Buffer.from(`${ctx.params.email.trim()}:${ctx.params.apiToken}`, 'utf8').toString('base64')}`,
  accept: 'application/json',
});

export const linkOf = (base: string, key: string): string => `${base}/browse/${encodeURIComponent(key)}`;

/** ky's HTTPError, recognized by shape (integrations import ky's types only). */
export const isHttpError = (e: unknown): e is HTTPError =>
  e instanceof Error && e.name === 'HTTPError' && 'response' in e && e.response instanceof Response;

const bodies = new WeakMap<Response, Promise<string>>();
/** An error answer's text, read once however many readers ask. */
export const answerText = (response: Response): Promise<string> => {
  let text = bodies.get(response);
  if (text === undefined) {
    text = response.text().catch(() => '');
    bodies.set(response, text);
  }
  return text;
};

/**
 * Jira's ErrorCollection (`errorMessages`, `errors`) in plain words; else the start of the text.
 * The token is hidden before anything is shortened: an answer that echoes the request would
 * otherwise leave the token's start in front of the cut, which no redaction recognizes.
 */
export const reasonOf = async (ctx: JiraContext, response: Response): Promise<string> => {
  const text = scrub(ctx, (await answerText(response)).trim());
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed === 'object' && parsed !== null) {
    const { errorMessages, errors } = parsed as { errorMessages?: unknown; errors?: unknown };
    const parts: string[] = [];
    if (Array.isArray(errorMessages)) parts.push(...errorMessages.filter((m) => typeof m === 'string'));
    if (typeof errors === 'object' && errors !== null) {
      for (const [field, message] of Object.entries(errors)) {
        if (typeof message === 'string') parts.push(`${field}: ${message}`);
      }
    }
    if (parts.length > 0) return clip(parts.join('; '), MAX_REASON_CHARS);
  }
  // An HTML error page (a proxy, a 429 page) says nothing useful past its status.
  if (text === '' || text.startsWith('<')) return response.statusText;
  return clip(text, MAX_REASON_CHARS);
};

/** Never the token, in whatever form (raw, base64 in a quoted header, URL-encoded…). */
export const scrub = (ctx: JiraContext, text: string): string =>
  typeof ctx.params.apiToken === 'string' && ctx.params.apiToken !== ''
    ? redact(text, [ctx.params.apiToken])
    : text;

/**
 * What a failed call becomes. A 4xx other than 408/429 is Jira refusing
 * this request (a field it requires, a permission, an issue it does not
 * have): retrying cannot help, so it is permanent, with Jira's reason. A 429
 * or 5xx after ctx.http's retries, a time-out, a network error, an egress
 * refusal or a deferral pass on as they are, for the runtime to classify.
 */
export const asJiraError = async (ctx: JiraContext, e: unknown, what: string): Promise<unknown> => {
  if (!isHttpError(e)) return e;
  const { status } = e.response;
  if (status < 400 || status >= 500 || status === 408 || status === 429) return e;
  const reason = await reasonOf(ctx, e.response);
  return new PermanentError(scrub(ctx, `Jira refused to ${what} (${status})${reason ? `: ${reason}` : ''}`), {
    cause: e,
  });
};

/** `projectId:issueType` (Netskope's queue value); a project key works in place of the id. */
export const parseQueue = (queue: string): { project: string; issueType: string } => {
  const at = queue.indexOf(':');
  const project = at === -1 ? '' : queue.slice(0, at).trim();
  const issueType = at === -1 ? '' : queue.slice(at + 1).trim();
  if (!/^[A-Za-z0-9_]{1,64}$/.test(project) || issueType === '') {
    throw new PermanentError(
      `queue "${clip(queue, 80)}": expected <projectId>:<issue type>, e.g. 10000:Task`,
    );
  }
  return { project, issueType };
};

export const issueTypeNames = (issueTypes: unknown): string[] =>
  typeof issueTypes === 'string'
    ? [
        ...new Set(
          issueTypes
            .split(',')
            .map((t) => t.trim())
            .filter((t) => t !== ''),
        ),
      ]
    : [];

export interface JiraIssueType {
  id?: string;
  name?: string;
}

/** The issue types this account can create in a project: `GET …/createmeta/{project}/issuetypes`, paged. */
export const issueTypesOf = (
  ctx: JiraContext,
  base: string,
  project: string,
): AsyncIterableIterator<JiraIssueType> =>
  ctx.http.paginate<JiraIssueType>(
    `${base}/rest/api/3/issue/createmeta/${encodeURIComponent(project)}/issuetypes`,
    { style: 'startAt', items: 'issueTypes', pageSize: PAGE_SIZE, headers: headersOf(ctx) },
  );

/**
 * The create-screen fields of a project's issue type:
 * `GET …/createmeta/{project}/issuetypes/{issueTypeId}` (paged), the id
 * found by name first. The old `createmeta?expand=projects.issuetypes.fields`
 * is deprecated.
 */
export const createMetaFields = async (
  ctx: JiraContext,
  base: string,
  queue: string,
): Promise<JiraField[]> => {
  const { project, issueType } = parseQueue(queue);
  try {
    let id: string | undefined;
    for await (const type of issueTypesOf(ctx, base, project)) {
      if (type.name === issueType && typeof type.id === 'string') {
        id = type.id;
        break;
      }
    }
    if (id === undefined) {
      throw new PermanentError(
        `Jira project ${project} has no issue type "${clip(issueType, 80)}" this account can create`,
      );
    }
    const fields: JiraField[] = [];
    for await (const field of ctx.http.paginate<JiraField>(
      `${base}/rest/api/3/issue/createmeta/${encodeURIComponent(project)}/issuetypes/${encodeURIComponent(id)}`,
      { style: 'startAt', items: 'fields', pageSize: PAGE_SIZE, headers: headersOf(ctx) },
    )) {
      fields.push(field);
    }
    return fields;
  } catch (e) {
    throw await asJiraError(ctx, e, `list the create fields of ${project}:${issueType}`);
  }
};

/** An issue of a search answer. */
export interface JiraIssue {
  key?: string;
  fields?: { status?: JiraStatus };
}

export const taskOf = (base: string, issue: JiraIssue & { key: string }): TicketTask => ({
  id: issue.key,
  status: taskStatusOf(issue.fields?.status),
  link: linkOf(base, issue.key),
});

/**
 * `POST /rest/api/3/search/jql` (never the removed `/rest/api/3/search`),
 * paged by `nextPageToken`, asking for the status only.
 */
export const searchIssues = (
  ctx: JiraContext,
  base: string,
  jql: string,
  pageSize: number,
): AsyncIterableIterator<JiraIssue> =>
  ctx.http.paginate<JiraIssue>(`${base}/rest/api/3/search/jql`, {
    style: 'nextPageToken',
    method: 'post',
    json: { jql, fields: ['status'] },
    items: 'issues',
    pageSize,
    headers: headersOf(ctx),
  });

/**
 * The keys a 400 of the search names as missing ("An issue with key 'OPS-9'
 * does not exist for field 'key'."): issues deleted since we stored them.
 * Jira's older search refused the whole query for one; the new one may too.
 */
export const missingKeysOf = async (e: unknown): Promise<string[]> => {
  if (!isHttpError(e) || e.response.status !== 400) return [];
  const text = await answerText(e.response);
  return [...text.matchAll(/An issue with key '([^']+)' does not exist/g)].flatMap((m) =>
    m[1] === undefined ? [] : [m[1]],
  );
};
