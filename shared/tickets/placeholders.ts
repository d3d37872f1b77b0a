import { ALERT_ATTRIBUTES } from '../model/index.ts';
import type { Alert, AlertAttribute } from '../model/index.ts';
import { cutText } from '../sdk/text.ts';
import { valueAtPath } from './alert.ts';

/** What a placeholder the alert cannot fill becomes (Netskope's convention). */
export const VALUE_UNAVAILABLE = 'value_unavailable';

/**
 * The longest text one template resolves to, in UTF-8 bytes. A placeholder
 * may name a whole object of the body; no target field takes more (Jira's
 * description: 32,767 characters), and a run's output and effect record stay small.
 */
export const MAX_RESOLVED_BYTES = 32 * 1024;

/**
 * `$name` or `$a.b.c`: a letter or `_` first, then letters, digits and `_`;
 * each further segment after a dot (digits index an array). A `$` before
 * anything else (`$5`, `$ `) is plain text; a trailing dot ends the placeholder.
 */
const PLACEHOLDER = /\$([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)/g;

const isMainAttribute = (name: string): name is AlertAttribute =>
  (ALERT_ATTRIBUTES as readonly string[]).includes(name);

/** A body value as text: scalars as themselves, objects and arrays as JSON; null and absent: unavailable. */
const textOf = (v: unknown): string => {
  if (v === undefined || v === null) return VALUE_UNAVAILABLE;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  try {
    return JSON.stringify(v) ?? VALUE_UNAVAILABLE;
  } catch {
    return VALUE_UNAVAILABLE;
  }
};

/** One placeholder's value: a main attribute of that name, else the body at that dotted path. */
export const placeholderValue = (path: string, alert: Alert): string => {
  if (isMainAttribute(path)) {
    const main = alert[path];
    if (main !== undefined) return main;
  }
  return textOf(valueAtPath(alert.rawAlert, path));
};

/**
 * Fills a mapping (or dedupe key) template: `$name` from the alert's main
 * attributes, then from `rawAlert` by dotted path (`$user.email`,
 * `$data.0.id`); a placeholder nothing fills becomes `value_unavailable`.
 * The result is cut at {@link MAX_RESOLVED_BYTES}.
 *
 * @example
 * ```ts
 * resolveTemplate('Netskope $appCategory alert: $alertName ($severity, $owner)', alert);
 * // 'Netskope Cloud Storage alert: DLP upload (high, value_unavailable)'
 * ```
 */
export const resolveTemplate = (template: string, alert: Alert): string => {
  // Work stops at the bound: once what is resolved so far is past it, the rest would be cut
  // anyway, so later placeholders are not turned into text (each may name a whole object of a
  // 10 MiB body, and a template may name it a thousand times).
  let bytes = 0;
  let last = 0;
  const out = template.replace(PLACEHOLDER, (match: string, path: string, offset: number) => {
    bytes += Buffer.byteLength(template.slice(last, offset), 'utf8');
    last = offset + match.length;
    if (bytes > MAX_RESOLVED_BYTES) return '';
    const value = placeholderValue(path, alert);
    bytes += Buffer.byteLength(value, 'utf8');
    return value;
  });
  return cutText(out, MAX_RESOLVED_BYTES);
};
