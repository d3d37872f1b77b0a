/**
 * Safe readers for parsed, untrusted documents (JSON values, XML turned into
 * objects). They never trust a shape: a wrong type reads as `undefined`, and
 * only own properties are read, so that a payload key named `toString` or
 * `__proto__` is data, never a prototype member.
 */

export type PlainRecord = Record<string, unknown>;

export const isRecord = (v: unknown): v is PlainRecord =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export const asRecord = (v: unknown): PlainRecord | undefined => (isRecord(v) ? v : undefined);

/** An own property of an object, or undefined. */
export const own = (v: unknown, key: string): unknown =>
  isRecord(v) && Object.prototype.hasOwnProperty.call(v, key) ? v[key] : undefined;

/** A repeated element or JSON array as a list: absent → [], one → [it]. */
export const asList = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

const scalarText = (v: unknown): string | undefined => {
  if (typeof v === 'string') {
    const t = v.trim();
    return t === '' ? undefined : t;
  }
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : undefined;
  if (typeof v === 'boolean') return String(v);
  return undefined;
};

/**
 * The text of a scalar: a non-blank string (trimmed), a finite number or a
 * boolean as a string; an XML element with attributes gives its `#text`.
 */
export const textOf = (v: unknown): string | undefined => scalarText(isRecord(v) ? own(v, '#text') : v);

/** Drops keys whose value is undefined; undefined when nothing is left. */
export const compact = <T extends object>(o: T): T | undefined => {
  const entries = Object.entries(o).filter(([, v]) => v !== undefined);
  return entries.length === 0 ? undefined : (Object.fromEntries(entries) as T);
};
