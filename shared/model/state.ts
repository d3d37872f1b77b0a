import { PermanentError, StateLimitError } from '../errors.ts';
import { clip, quote } from '../sdk/text.ts';
import { int, iso, lazy, minimum, object, optional, string, unknown } from './zod.ts';
import type { infer as Infer } from './zod.ts';

/**
 * The limits of `ctx.state` (issue 8 §2): what one job may keep. A broken one
 * is a StateLimitError naming it (in a run) or a 400 (at the admin API).
 */
export const STATE_LIMITS = {
  /** A key's UTF-8 length: DynamoDB sort keys go to 1 KiB; 256 keeps listings and log lines readable. */
  keyBytes: 256,
  /** A value's JSON text, 64 KiB: with its key it stays a fraction of an item (400 KB). */
  valueBytes: 65_536,
  /** Live keys per job: `list()` and the admin listing stay one bounded read. */
  keysPerJob: 1_000,
  /** `ttlSeconds`: 1 s to 365 days. */
  maxTtlSeconds: 31_536_000,
} as const;

// C0, DEL and C1 controls: a key is shown in tables and log lines, one line each.
// eslint-disable-next-line no-control-regex -- control characters are exactly what it refuses
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** A lone surrogate has no UTF-8 form: stored, it would come back as U+FFFD, another key. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const textProblem = (what: string, text: unknown, allowEmpty: boolean): string | undefined => {
  if (typeof text !== 'string') return `${what} must be a string`;
  if (text.length === 0) return allowEmpty ? undefined : `${what} must not be empty`;
  if (CONTROL.test(text)) return `${what} ${quote(text, 64)} holds a control character`;
  if (LONE_SURROGATE.test(text)) return `${what} ${quote(text, 64)} is not well-formed Unicode`;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > STATE_LIMITS.keyBytes) {
    return `${what} ${quote(text, 64)} is ${bytes} bytes of UTF-8; at most ${STATE_LIMITS.keyBytes}`;
  }
  return undefined;
};

/** Why `key` cannot be a state key (1–256 bytes of UTF-8, no control character), or undefined when it can. */
export const stateKeyProblem = (key: unknown): string | undefined => textProblem('state key', key, false);

/** The same rules for a listing's prefix, which may be empty. */
export const statePrefixProblem = (prefix: unknown): string | undefined =>
  textProblem('state key prefix', prefix, true);

/** A key `ctx.state` may use; a StateLimitError (`key`) otherwise. */
export const checkStateKey = (key: unknown): string => {
  const problem = stateKeyProblem(key);
  if (problem !== undefined) throw new StateLimitError('key', problem);
  return key as string;
};

/**
 * The value's JSON text, as the store keeps it. JSON cannot hold `undefined`,
 * a function or a symbol (JSON.stringify answers nothing), nor a BigInt or a
 * cycle (it throws): each is refused (`value`), as is a text over 64 KiB
 * (`value_bytes`). Anything else keeps JSON's own rules (a Date becomes its
 * ISO string, NaN `null`), as a run's output does.
 */
export const serializeStateValue = (key: string, value: unknown): string => {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (e) {
    // V8's cycle message runs over several lines: the first says what it is.
    const why = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
    throw new StateLimitError('value', `value of state key ${quote(key, 64)} is not JSON: ${clip(why)}`);
  }
  // JSON.stringify answers undefined (despite its type) for undefined, functions and symbols.
  if (json === undefined) {
    throw new StateLimitError(
      'value',
      `value of state key ${quote(key, 64)} is ${typeof value}, which JSON cannot hold (delete the key instead)`,
    );
  }
  // A UTF-16 code unit is at most 3 bytes of UTF-8: a short text needs no count.
  const bytes = json.length * 3 <= STATE_LIMITS.valueBytes ? json.length : Buffer.byteLength(json, 'utf8');
  if (bytes > STATE_LIMITS.valueBytes) {
    throw new StateLimitError(
      'value_bytes',
      `value of state key ${quote(key, 64)} is ${bytes} bytes of JSON; at most ${STATE_LIMITS.valueBytes} (64 KiB)`,
    );
  }
  return json;
};

/** A number as JS prints it; anything else as JSON (a string quoted), cut short. */
const shown = (value: unknown): string => {
  if (typeof value === 'number' || typeof value === 'bigint') return clip(String(value), 40);
  try {
    return clip(JSON.stringify(value) ?? typeof value, 40);
  } catch {
    return typeof value; // a cycle
  }
};

/** `ttlSeconds`: an integer from 1 to 31 536 000 (365 days); a StateLimitError (`ttl`) otherwise. */
export const checkTtlSeconds = (ttlSeconds: unknown): number | undefined => {
  if (ttlSeconds === undefined) return undefined;
  if (
    typeof ttlSeconds !== 'number' ||
    !Number.isInteger(ttlSeconds) ||
    ttlSeconds < 1 ||
    ttlSeconds > STATE_LIMITS.maxTtlSeconds
  ) {
    throw new StateLimitError(
      'ttl',
      `ttlSeconds ${shown(ttlSeconds)}: an integer from 1 to ${STATE_LIMITS.maxTtlSeconds} (365 days)`,
    );
  }
  return ttlSeconds;
};

/** `ifVersion`: an integer ≥ 0 (0: the key must not exist); a PermanentError otherwise (a bug, not a limit). */
export const checkIfVersion = (ifVersion: unknown): number | undefined => {
  if (ifVersion === undefined) return undefined;
  if (typeof ifVersion !== 'number' || !Number.isSafeInteger(ifVersion) || ifVersion < 0) {
    throw new PermanentError(`ifVersion ${shown(ifVersion)}: an integer ≥ 0 (0: the key must not exist)`);
  }
  return ifVersion;
};

/** Epoch second at which a key set at `now` with `ttlSeconds` expires: never sooner than asked. */
export const stateExpiresAt = (now: Date, ttlSeconds: number): number =>
  Math.ceil(now.getTime() / 1000) + ttlSeconds;

/** Whether a key expiring at `expiresAt` (epoch s) is gone at `now`: the table's TTL deletes lag up to 48 h. */
export const isStateExpired = (expiresAt: number | undefined, now: Date): boolean =>
  expiresAt !== undefined && expiresAt <= Math.floor(now.getTime() / 1000);

/**
 * A key as `GET /admin/jobs/{id}/state` shows it: its value, version, when it
 * was last set and, when it was set with a TTL, when it expires.
 */
export const StateEntryViewSchema = lazy(() =>
  object({
    key: string(),
    value: unknown(),
    version: int().check(minimum(1)),
    updatedAt: iso.datetime(),
    expiresAt: optional(iso.datetime()),
  }),
);
export type StateEntryView = Infer<typeof StateEntryViewSchema>;
