import type { Redactor } from '../sdk/redaction.ts';
import { createRedactor, MIN_SECRET_LENGTH } from '../sdk/redaction.ts';

/**
 * The secret values this process has resolved for runs, so that the platform
 * logger hides them from every line it writes (stdout, CloudWatch) — a line
 * the platform itself writes, one an integration writes through a child
 * logger, or one a run logger already redacted (its secrets are here too).
 * Bounded: the last 512 values, a warm worker's secrets many times over.
 */
const MAX_KNOWN = 512;

/** Insertion order is use order: the first key is the least recently remembered. */
const known = new Set<string>();
/** Built from {@link known} when a line needs it after a change; undefined: none known. */
let redactor: Redactor | undefined;
let stale = false;

/**
 * Remembers secret values a run resolved (password parameters, masked
 * globals, the job's auth secret): from now on no platform log line shows
 * them, in any form the redactor knows. Called once per run.
 *
 * @example
 * ```ts
 * rememberSecrets(redactor.secrets);
 * ```
 */
export const rememberSecrets = (values: Iterable<string>): void => {
  for (const v of values) {
    if (v.length < MIN_SECRET_LENGTH) continue;
    if (known.has(v)) {
      // Most recently used last; the set itself does not change.
      known.delete(v);
      known.add(v);
      continue;
    }
    known.add(v);
    stale = true;
    if (known.size > MAX_KNOWN) {
      const oldest = known.values().next();
      if (oldest.done !== true) known.delete(oldest.value);
    }
  }
};

/**
 * {@link rememberSecrets} for a hot path that sees the same values again and
 * again (ingest, with the job's auth secrets on every request): when every
 * value is known already — the common case — a few lookups and nothing else:
 * no allocation, no change to the set or its order. A value evicted since is
 * remembered again.
 *
 * @example
 * ```ts
 * rememberNewSecrets(await deps.secrets.getVersions(job.auth.secret));
 * ```
 */
export const rememberNewSecrets = (values: readonly string[]): void => {
  // An indexed loop: for…of would build an iterator on every call.
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== undefined && v.length >= MIN_SECRET_LENGTH && !known.has(v)) {
      rememberSecrets(values);
      return;
    }
  }
};

const current = (): Redactor | undefined => {
  if (stale) {
    redactor = known.size === 0 ? undefined : createRedactor(known);
    stale = false;
  }
  return redactor;
};

/** Whether any secret is known (no redaction work at all otherwise: the common case of ingest and admin). */
export const anySecretKnown = (): boolean => known.size > 0;

/**
 * The text with every known secret, in every form, replaced by `***`.
 *
 * @example
 * ```ts
 * sink(redactKnown(line));
 * ```
 */
export const redactKnown = (text: string): string => current()?.text(text) ?? text;

const MAX_DEPTH = 20;

/**
 * A log event's value with every known secret hidden in its strings and keys,
 * its shape kept (errors stay errors, with message and stack redacted, so the
 * logger formats them as before); the value itself when nothing shows a
 * secret, so that a clean line costs no copy.
 */
export const redactKnownValue = <T>(value: T): T => {
  const r = current();
  return r === undefined ? value : (walk(value, r, 0) as T);
};

const walk = (value: unknown, r: Redactor, depth: number): unknown => {
  if (typeof value === 'string') return r.text(value);
  if (typeof value === 'number' || typeof value === 'bigint') {
    const text = String(value);
    return r.text(text) === text ? value : r.text(text);
  }
  if (typeof value !== 'object' || value === null || depth >= MAX_DEPTH) return value;
  if (value instanceof Error) {
    const message = r.text(value.message);
    const stack = value.stack === undefined ? undefined : r.text(value.stack);
    if (message === value.message && stack === value.stack && value.cause === undefined) return value;
    const copy = new Error(message, { cause: walk(value.cause, r, depth + 1) });
    copy.name = value.name;
    copy.stack = stack;
    return copy;
  }
  if (Array.isArray(value)) {
    const items = value as readonly unknown[];
    let out: unknown[] | undefined;
    items.forEach((v, i) => {
      const w = walk(v, r, depth + 1);
      if (w !== v) (out ??= [...items])[i] = w;
    });
    return out ?? value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) {
    // A Date, a Map, a class instance: serialized by its own rules, left as it is.
    return value;
  }
  let out: Record<string, unknown> | undefined;
  const entries = Object.entries(value);
  for (const [k, v] of entries) {
    const key = r.text(k);
    const w = walk(v, r, depth + 1);
    if (key !== k || w !== v) {
      out ??= {};
      break;
    }
  }
  if (out === undefined) return value;
  for (const [k, v] of entries) out[r.text(k)] = walk(v, r, depth + 1);
  return out;
};

/** Forgets every remembered secret (tests). */
export const forgetKnownSecrets = (): void => {
  known.clear();
  redactor = undefined;
  stale = false;
};
