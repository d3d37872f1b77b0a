import { ValidationError } from '../errors.ts';
import { JOB_ID_PATTERN } from '../model/index.ts';
import { quote } from '../sdk/text.ts';

/**
 * Checks on the raw request path, shared by every HTTP edge (the local API
 * Gateway stand-in and the hono apps behind it or behind API Gateway).
 *
 * Routing must never depend on how a layer normalizes a path: `new URL()`
 * resolves `/hooks/%2e%2e/admin/jobs/x` to `/admin/jobs/x`, and a proxy may
 * decode `%2f`. No route of ours needs a dot segment, an encoded slash or
 * backslash, a NUL or an empty segment, so a path holding one is refused
 * before anything routes on it.
 */
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;
/** Encoded `/`, `\`, NUL and `%` (double encoding), raw `\`, control characters, `#`. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what it refuses
const FORBIDDEN = /%(?:2f|5c|00|25)|[\\\u0000-\u001f\u007f#]/i;

/** Plain segments only (letters, digits, `_`, `-`; no dot, `%`, empty segment): safe without a closer look. */
const PLAIN_PATH = /^(?:\/[\w-]+)+$/;

/** Why a raw path (without its query string) is refused, or undefined when it is safe to route on. */
export const unsafePathReason = (rawPath: string): string | undefined => {
  // Every webhook's path: one test, no split (this runs on every request).
  if (PLAIN_PATH.test(rawPath)) return undefined;
  if (!rawPath.startsWith('/')) return 'the path must start with /';
  if (FORBIDDEN.test(rawPath)) {
    return 'the path holds an encoded slash, backslash, NUL, percent sign or control character';
  }
  const segments = rawPath.split('/').slice(1);
  if (segments.some((s) => DOT_SEGMENT.test(s))) return 'the path holds a . or .. segment';
  // A trailing slash is an empty last segment: left to routing (404).
  if (segments.slice(0, -1).some((s) => s === '')) return 'the path holds an empty segment (//)';
  return undefined;
};

/** The path of a request target (`/a/b?c` → `/a/b`), without decoding or normalizing anything. */
export const rawPathOf = (target: string): string => {
  const q = target.indexOf('?');
  return q === -1 ? target : target.slice(0, q);
};

const PATH_JOB_ID = /^\/(?:hooks|admin\/jobs)\/([^/]+)/;

/**
 * The job id a refused request's path names (`/hooks/{id}…`,
 * `/admin/jobs/{id}…`) when it is a possible job id, else undefined: the
 * `jobId` of its refusal line, wherever the refusal is answered.
 */
export const refusalJobIdOf = (rawPath: string): string | undefined => {
  const id = PATH_JOB_ID.exec(rawPath)?.[1];
  return id !== undefined && JOB_ID_PATTERN.test(id) ? id : undefined;
};

const ASCII_WHITESPACE = /[\t\n\f\r ]/g;
const BASE64_ALPHABET = /^[A-Za-z0-9+/]*$/;

/**
 * Whether `atob` (hence hono's Lambda adapter) can decode a body API Gateway
 * marked `isBase64Encoded`: the WHATWG forgiving-base64 rules — ASCII
 * whitespace ignored, one or two `=` only as the padding of whole quads, no
 * lone sextet at the end, nothing outside the base64 alphabet.
 */
export const isDecodableBase64 = (body: string): boolean => {
  let data = body.replace(ASCII_WHITESPACE, '');
  if (data.length % 4 === 0) data = data.replace(/={1,2}$/, '');
  return data.length % 4 !== 1 && BASE64_ALPHABET.test(data);
};

export const isJobId = (id: string): boolean => JOB_ID_PATTERN.test(id);

/** Run ids are ULIDs: 26 characters of Crockford base32. */
export const RUN_ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/i;

/** A job id from an admin path, or a 400 naming the rule (before any store call). */
export const requireJobId = (id: string): string => {
  if (!isJobId(id)) {
    throw new ValidationError(
      `job id ${quote(id)}: lower-case letters, digits, - and _, starting with a letter or digit, at most 64`,
    );
  }
  return id;
};

/** A run id from an admin path, or a 400 naming the rule (before any store call). */
export const requireRunId = (id: string): string => {
  if (!RUN_ID_PATTERN.test(id)) {
    throw new ValidationError(`run id ${quote(id)}: a ULID, 26 characters of Crockford base32`);
  }
  return id.toUpperCase();
};
