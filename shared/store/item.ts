import type { output, ZodMiniType as ZodType } from '../model/zod.ts';

/** Attributes that place an item in the table rather than describe it. */
const KEY_ATTRIBUTES = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'expiresAt']);

/**
 * Maps a stored item to its domain object: key attributes dropped, the rest
 * checked by the domain schema (items are outside data too: an older writer,
 * a hand edit).
 */
export const fromItem = <S extends ZodType>(
  schema: S,
  item: Record<string, unknown>,
  what: string,
): output<S> => {
  const data = Object.fromEntries(Object.entries(item).filter(([name]) => !KEY_ATTRIBUTES.has(name)));
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const where = typeof item.pk === 'string' ? item.pk : 'unknown key';
    throw new Error(`stored ${what} ${where} does not match its schema: ${parsed.error.message}`);
  }
  return parsed.data;
};

/**
 * A JSON-safe copy of a value headed for the table: integration output is
 * arbitrary (`undefined`, `NaN`, class instances, functions), which the
 * marshaller refuses; a value JSON cannot hold at all (a BigInt, a cycle) is
 * recorded as such rather than failing the run's final write.
 */
export const jsonSafe = (value: unknown): unknown => {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    return '[output not serializable as JSON]';
  }
  // JSON.stringify answers undefined (despite its type) for undefined and functions.
  const json: unknown = text === undefined ? undefined : JSON.parse(text);
  return json;
};
