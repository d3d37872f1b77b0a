import { ConflictError, ValidationError } from '../errors.ts';
import { MIN_SECRET_LENGTH } from '../sdk/redaction.ts';
import {
  _default,
  boolean,
  iso,
  lazy,
  maxLength,
  minLength,
  optional,
  refine,
  regex,
  strictObject,
  string,
} from './zod.ts';
import type { infer as Infer } from './zod.ts';

/**
 * A global's name: a letter, then letters, digits, `_` and `-`, at most 64. No
 * dot or `/` (it is a path segment of the admin API and part of a secret's
 * name), and never `__proto__` or `constructor`'s like: names start with a
 * letter and `ctx.globals` is a null-prototype object anyway.
 */
export const GLOBAL_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
export const MAX_GLOBAL_VALUE_CHARS = 4096;
/** At most this many globals: one Query page (≤ 1 MB) always holds them all, so a run reads them in one call. */
export const MAX_GLOBALS = 100;
/** A masked global's value is the secret `global/<name>` (Secrets Manager `<prefix>global/<name>`). */
export const GLOBAL_SECRET_PREFIX = 'global/';

export const globalSecretName = (name: string): string => `${GLOBAL_SECRET_PREFIX}${name}`;

const GLOBAL_NAME_MESSAGE = 'global name: a letter, then letters, digits, _ and -, at most 64';

/** Throws a 400 naming the rule unless `name` is a valid global name. */
export const checkGlobalName = (name: string): string => {
  if (!GLOBAL_NAME_PATTERN.test(name)) throw new ValidationError(GLOBAL_NAME_MESSAGE, 'invalid_global_name');
  return name;
};

/**
 * The body of `PUT /admin/globals/{name}`: strict, so a typo (`mask`) is a 400, not an unmasked secret.
 * A masked value has at least MIN_SECRET_LENGTH characters: the redactor leaves shorter ones
 * alone (they match ordinary text), so a shorter one would show in logs and errors.
 */
export const PutGlobalBodySchema = lazy(() =>
  strictObject({
    value: string().check(minLength(1), maxLength(MAX_GLOBAL_VALUE_CHARS)),
    masked: _default(boolean(), false),
  }).check(
    refine((b) => !b.masked || b.value.length >= MIN_SECRET_LENGTH, {
      message: `a masked value has at least ${MIN_SECRET_LENGTH} characters (a shorter one could not be redacted)`,
      path: ['value'],
    }),
  ),
);
export type PutGlobalBody = Infer<typeof PutGlobalBodySchema>;

/** A global as stored: a masked one never has its value here (it lives in the secret store). */
export const GlobalRecordSchema = lazy(() =>
  strictObject({
    name: string().check(regex(GLOBAL_NAME_PATTERN)),
    masked: boolean(),
    value: optional(string()),
    createdAt: iso.datetime(),
    updatedAt: iso.datetime(),
    updatedBy: optional(string()),
  }),
);

/**
 * A global as the admin API answers it: `value` only when unmasked. The
 * answer is built field by field from this shape, so nothing else the record
 * may carry ever leaves.
 */
export const GlobalViewSchema = lazy(() =>
  strictObject({
    name: string(),
    masked: boolean(),
    value: optional(string()),
    updatedAt: iso.datetime(),
  }),
);
export type GlobalView = Infer<typeof GlobalViewSchema>;

/** What an unmask refused says (409 `global_masked`). */
export const globalMaskedError = (name: string): ConflictError =>
  new ConflictError(
    `global ${name} is masked and cannot be unmasked; delete it and create it again`,
    'global_masked',
  );
