import type { HTTPError } from 'ky';
import { PermanentError } from '../../shared/errors.ts';
import { lazy, looseObject, nullish, optional, string, union, unknown } from '../../shared/model/zod.ts';
import { cutText, redact } from '../../shared/sdk/index.ts';

/** What every Table API call needs of the job's parameters. */
export interface TableApiParams {
  url: string;
  username: string;
  password: string;
  table: string;
}

/**
 * A sys_id: 32 lower-case hex characters. Only values of this form go into a
 * path or an encoded query (`sys_idIN…`): a `^` or a `/` in an id would
 * change what the request means.
 */
export const SYS_ID = /^[0-9a-f]{32}$/;

/** The instance's base URL, without the trailing slashes people paste. */
export const baseUrlOf = (params: Pick<TableApiParams, 'url'>): string =>
  params.url.trim().replace(/\/+$/, '');

/** `<base>/api/now/table/<table>[/<sys_id>]` */
export const tableUrl = (params: Pick<TableApiParams, 'url'>, table: string, sysId?: string): string =>
  `${baseUrlOf(params)}/api/now/table/${table}${sysId === undefined ? '' : `/${sysId}`}`;

/** Where a person opens the incident (the classic UI, which every instance serves). */
export const recordLink = (params: Pick<TableApiParams, 'url' | 'table'>, sysId: string): string =>
  `${baseUrlOf(params)}/nav_to.do?uri=${params.table}.do?sys_id=${sysId}`;

/** Basic auth and JSON, on every call. */
export const headersOf = (params: Pick<TableApiParams, 'username' | 'password'>): Record<string, string> => ({
  authorization: `Basic ${Buffer.from(`${params.username}:${params.password}`, 'utf8').toString('base64')}`,
  accept: 'application/json',
});

/** ky's HTTPError, recognized without loading ky (integrations import its types only). */
export const isHttpError = (e: unknown): e is HTTPError =>
  e instanceof Error && e.name === 'HTTPError' && 'response' in e && e.response instanceof Response;

/** ServiceNow's error body: `{ "error": { "message", "detail" }, "status": "failure" }`. */
const ErrorBodySchema = lazy(() =>
  looseObject({
    error: looseObject({ message: optional(string()), detail: nullish(union([string(), unknown()])) }),
  }),
);

const MAX_REASON_BYTES = 512;

/**
 * What ServiceNow said about a refused request: its `error.message` (and
 * `detail`, when it is text and says more), else the start of the answer,
 * else the status line. Its words only: never the request (which carries
 * the Authorization header).
 */
export const reasonOf = async (
  response: Response,
  password: string,
): Promise<{ message: string; detail?: string }> => {
  let text = '';
  try {
    // The password hidden before anything is cut: an answer that echoes the request would
    // otherwise leave its start in front of the cut, which no later redaction recognizes.
    text = redact((await response.text()).trim(), [password]);
  } catch {
    // Unreadable: the status says enough.
  }
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    body = undefined;
  }
  const parsed = ErrorBodySchema.safeParse(body);
  if (parsed.success && parsed.data.error.message !== undefined) {
    const { message, detail } = parsed.data.error;
    return {
      message: cutText(message, MAX_REASON_BYTES),
      ...(typeof detail === 'string' && detail !== '' && detail !== message
        ? { detail: cutText(detail, MAX_REASON_BYTES) }
        : {}),
    };
  }
  return {
    message: text !== '' ? cutText(text, MAX_REASON_BYTES) : response.statusText || `HTTP ${response.status}`,
  };
};

/** `message: detail`, or the message alone. */
export const reasonText = (reason: { message: string; detail?: string }): string =>
  reason.detail === undefined ? reason.message : `${reason.message}: ${reason.detail}`;

/**
 * What a failed call throws. A 4xx other than 408/429 is ServiceNow refusing
 * this request (wrong credentials, no role, a bad field, a record that is
 * gone): a retry cannot help, so it is permanent, with ServiceNow's words.
 * Anything else (5xx after ctx.http's retries, a time-out, a network error,
 * an egress refusal, a deferral) is passed on for the runtime to classify.
 * The HTTPError is not kept as the cause: its request carries the
 * Authorization header.
 */
export const asTargetError = async (e: unknown, doing: string, password: string): Promise<unknown> => {
  if (!isHttpError(e)) return e;
  const { status } = e.response;
  if (status < 400 || status >= 500 || status === 408 || status === 429) return e;
  const reason = await reasonOf(e.response, password);
  return new PermanentError(`ServiceNow refused to ${doing} (${status}): ${reasonText(reason)}`);
};

/** The value of a field as the Table API gives it: a string, or `{ value, link }` for a reference. */
export const valueOf = (field: unknown): string | undefined => {
  if (typeof field === 'string') return field;
  if (typeof field === 'number' && Number.isFinite(field)) return String(field);
  if (typeof field === 'object' && field !== null && 'value' in field && typeof field.value === 'string') {
    return field.value;
  }
  return undefined;
};
