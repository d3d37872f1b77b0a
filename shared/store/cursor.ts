import { lazy, minLength, optional, strictObject, string } from '../model/zod.ts';
import type { infer as Infer } from '../model/zod.ts';
import { ValidationError } from '../errors.ts';

export const DEFAULT_PAGE_LIMIT = 20;
export const MAX_PAGE_LIMIT = 100;
/** Far above any key we write; refuses absurd input before decoding it. */
const MAX_CURSOR_LENGTH = 4096;

/** A LastEvaluatedKey of the table (pk/sk) or of gsi1 (plus gsi1pk/gsi1sk). */
const StartKeySchema = lazy(() =>
  strictObject({
    pk: string().check(minLength(1)),
    sk: string().check(minLength(1)),
    gsi1pk: optional(string().check(minLength(1))),
    gsi1sk: optional(string().check(minLength(1))),
    gsi2pk: optional(string().check(minLength(1))),
    gsi2sk: optional(string().check(minLength(1))),
  }),
);
export type StartKey = Infer<typeof StartKeySchema>;

/**
 * What a cursor must match: a table scan; one partition of the table from a
 * sort-key prefix (a job's state keys, effects, notifications: another job's
 * or listing's cursor would page somewhere else); or one partition of gsi1/gsi2.
 */
export type CursorScope =
  | { kind: 'table' }
  | { kind: 'partition'; pk: string; skPrefix: string }
  | { kind: 'gsi1'; gsi1pk: string }
  | { kind: 'gsi2'; gsi2pk: string };

/** The page size to ask DynamoDB for: 20 by default, at most 100. */
export const pageLimit = (limit: number | undefined): number => {
  if (limit === undefined) return DEFAULT_PAGE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new ValidationError('limit must be a positive integer', 'invalid_limit');
  }
  return Math.min(limit, MAX_PAGE_LIMIT);
};

/** base64url of the JSON LastEvaluatedKey; undefined at the end of a listing. */
export const encodeCursor = (lastEvaluatedKey: Record<string, unknown> | undefined): string | undefined => {
  if (lastEvaluatedKey === undefined) return undefined;
  const key = StartKeySchema.parse(lastEvaluatedKey);
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
};

/**
 * The ExclusiveStartKey a cursor stands for. A cursor is opaque to callers but
 * comes back from them: check its shape, and that it belongs to this listing,
 * so that DynamoDB never sees a key it would reject.
 */
export const decodeCursor = (cursor: string | undefined, scope: CursorScope): StartKey | undefined => {
  if (cursor === undefined) return undefined;
  const invalid = new ValidationError('invalid cursor', 'invalid_cursor');
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH) throw invalid;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  const parsed = StartKeySchema.safeParse(json);
  if (!parsed.success) throw invalid;
  const key = parsed.data;
  if (!fits(key, scope)) throw invalid;
  return key;
};

const fits = (key: StartKey, scope: CursorScope): boolean => {
  const noGsi1 = key.gsi1pk === undefined && key.gsi1sk === undefined;
  const noGsi2 = key.gsi2pk === undefined && key.gsi2sk === undefined;
  switch (scope.kind) {
    case 'table':
      return noGsi1 && noGsi2;
    case 'partition':
      return noGsi1 && noGsi2 && key.pk === scope.pk && key.sk.startsWith(scope.skPrefix);
    case 'gsi1':
      return key.gsi1pk === scope.gsi1pk && key.gsi1sk !== undefined && noGsi2;
    case 'gsi2':
      return key.gsi2pk === scope.gsi2pk && key.gsi2sk !== undefined && noGsi1;
  }
};

/**
 * The cursors of the in-memory stores (shared/testing, test/helpers): base64url
 * JSON of the listing they belong to (`scope`) and the last key served. Opaque
 * to callers, as the table's are, and refused (400 invalid_cursor) from any
 * other listing. Here, not in shared/testing: only shared/sdk/testing.ts may
 * import from there.
 */
export const encodeMemoryCursor = (scope: string, last: string): string =>
  Buffer.from(JSON.stringify({ scope, last }), 'utf8').toString('base64url');

/** The last key a cursor of listing `scope` served; anything else is ValidationError `invalid_cursor`. */
export const lastOfMemoryCursor = (cursor: string, scope: string): string => {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  if (
    typeof decoded !== 'object' ||
    decoded === null ||
    Object.keys(decoded).length !== 2 ||
    !('scope' in decoded) ||
    !('last' in decoded) ||
    decoded.scope !== scope ||
    typeof decoded.last !== 'string'
  ) {
    throw new ValidationError('invalid cursor', 'invalid_cursor');
  }
  return decoded.last;
};
