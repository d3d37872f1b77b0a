import { createHash } from 'node:crypto';
import { ALERT_ATTRIBUTES } from '../model/index.ts';
import type { Alert, AlertAttribute, TicketsConfig } from '../model/index.ts';

/**
 * The longest alert id kept as it is. An id lands in effect keys, task markers
 * and a task's `alertIds` (one DynamoDB item): a longer one, or one holding a
 * control character, is replaced by `sha256:<hex>` of it — stable, so a
 * replay of the same body is still the same alert.
 */
export const MAX_ALERT_ID_LENGTH = 256;

/** Epoch values below this are seconds, above it milliseconds (1e11 s is the year 5138; 1e11 ms is 1973). */
const SECONDS_BELOW = 1e11;

// eslint-disable-next-line no-control-regex -- control characters are what an id may not hold
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The value at a dotted path (`alert.name`, `data.0.user`) of a parsed body,
 * own properties only (a path never reaches `__proto__` or `constructor`).
 */
export const valueAtPath = (root: unknown, path: string): unknown => {
  let at: unknown = root;
  for (const segment of path.split('.')) {
    if (typeof at !== 'object' || at === null || !Object.hasOwn(at, segment)) return undefined;
    at = (at as Record<string, unknown>)[segment];
  }
  return at;
};

/** A scalar as an attribute's text; objects, arrays and null are no attribute (they stay in rawAlert). */
const textOf = (v: unknown): string | undefined => {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : undefined;
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return undefined;
};

/** Epoch seconds or milliseconds (a number, or digits) → ISO 8601; any other text stays as it is. */
export const timestampText = (v: unknown): string | undefined => {
  const epoch =
    typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,16}(\.\d+)?$/.test(v) ? Number(v) : NaN;
  if (Number.isFinite(epoch) && epoch >= 0) {
    const date = new Date(epoch < SECONDS_BELOW ? epoch * 1000 : epoch);
    if (!Number.isNaN(date.getTime())) return date.toISOString();
  }
  return textOf(v);
};

/** An id as kept: short, printable ones as they are; others as the hash of their text. */
const boundedId = (id: string): string =>
  id.length <= MAX_ALERT_ID_LENGTH && !CONTROL.test(id)
    ? id
    : `sha256:${createHash('sha256').update(id, 'utf8').digest('hex')}`;

/**
 * An Alert (Netskope's model) from a posted body: each main attribute from
 * the body's top level under its own name, or from the dotted path
 * `tickets.attributes` gives for it; as text (numbers and booleans turned into
 * text, `timestamp` from epoch seconds or milliseconds into ISO 8601). `id`
 * falls back to `fallbackId` (the delivery id) when the body has none.
 * `rawAlert` is the whole body: an object, or `{ value: body }` for any other
 * JSON value.
 *
 * @example
 * ```ts
 * alertOf({ queue: 'q' }, { id: 'a1', alertName: 'DLP', timestamp: 1700000000, severity: 'high' }, 'D1');
 * // { id: 'a1', alertName: 'DLP', timestamp: '2023-11-14T22:13:20.000Z', rawAlert: { …the body } }
 * ```
 */
export const alertOf = (
  tickets: Pick<TicketsConfig, 'attributes'>,
  payload: unknown,
  fallbackId: string,
): Alert => {
  const rawAlert = isRecord(payload) ? payload : { value: payload };
  const paths = tickets.attributes ?? {};
  const read = (name: AlertAttribute): unknown => valueAtPath(rawAlert, paths[name] ?? name);
  const alert: Alert = { id: '', rawAlert };
  for (const name of ALERT_ATTRIBUTES) {
    if (name === 'id') continue;
    const text = name === 'timestamp' ? timestampText(read(name)) : textOf(read(name));
    if (text !== undefined) alert[name] = text;
  }
  const id = textOf(read('id'));
  alert.id = boundedId(id === undefined || id === '' ? fallbackId : id);
  return alert;
};

/** The main attributes that are set, as one record (what a rule and a template see first). */
export const mainAttributesOf = (alert: Alert): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const name of ALERT_ATTRIBUTES) {
    const value = alert[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
};
