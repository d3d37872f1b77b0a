import { PermanentError } from '../../shared/errors.ts';
import type { TriggerEvent } from '../../shared/model/index.ts';

/**
 * `$placeholders` of http-forward: `$path.to.field` or `${path.to.field}`
 * over the event's `source`, `trigger`, `deliveryId`, `receivedAt`,
 * `payload`, `ticket`, `session`, `headers` and `query`; `$$` is a literal
 * `$`. The braced form takes any characters but `}` in a segment
 * (`${headers.x-request-id}`); array items are numbered segments
 * (`$payload.items.0.id`). A path that leads nowhere is a missing value
 * (`null` in JSON, empty in text); a root that is not one of the names above
 * is a mistake in the job, refused with the list (write `$$` for a `$`).
 */
export const PLACEHOLDER_ROOTS = [
  'source',
  'trigger',
  'deliveryId',
  'receivedAt',
  'payload',
  'ticket',
  'session',
  'headers',
  'query',
] as const;

type Root = (typeof PLACEHOLDER_ROOTS)[number];
const ROOTS: ReadonlySet<string> = new Set(PLACEHOLDER_ROOTS);

/** What placeholders read: the event's fields by their root names. */
export type TemplateScope = Readonly<Partial<Record<Root, unknown>>>;

/**
 * The scope placeholders read from an event.
 *
 * @example
 * ```ts
 * const scope = scopeOf(ctx.event);
 * ```
 */
export const scopeOf = (event: TriggerEvent): TemplateScope => ({
  source: event.source,
  trigger: event.trigger,
  deliveryId: event.deliveryId,
  receivedAt: event.receivedAt,
  payload: event.payload,
  ticket: event.ticket,
  session: event.session,
  headers: event.headers,
  query: event.query,
});

/** `$$`, `${…}` or `$name(.segment)*`: a dot not followed by a word character ends the path (a sentence's full stop). */
const PLACEHOLDER = /\$(\$|\{([^}]*)\}|([A-Za-z_]\w*(?:\.\w+)*))/g;

/** One piece of a parsed template: literal text, or a path to look up. */
type Piece = { text: string } | { path: readonly string[]; source: string };

const parsePath = (path: string, source: string): readonly string[] => {
  const segments = path.split('.');
  const root = segments[0] ?? '';
  if (segments.some((s) => s === '') || !ROOTS.has(root)) {
    throw new PermanentError(
      `unknown placeholder ${source}: use one of ${PLACEHOLDER_ROOTS.map((r) => `$${r}`).join(', ')} (write $$ for a literal $)`,
    );
  }
  return segments;
};

/** The template cut into literal text and placeholders; throws a PermanentError for an unknown root. */
const parseTemplate = (template: string): Piece[] => {
  const pieces: Piece[] = [];
  let from = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    const at = m.index;
    if (at > from) pieces.push({ text: template.slice(from, at) });
    from = at + m[0].length;
    if (m[1] === '$') pieces.push({ text: '$' });
    else pieces.push({ path: parsePath(m[2] ?? m[3] ?? '', m[0]), source: m[0] });
  }
  if (from < template.length) pieces.push({ text: template.slice(from) });
  return pieces;
};

/**
 * The value at a path, own properties only (a path cannot reach
 * `__proto__` or `constructor`); `undefined` when it leads nowhere.
 */
export const lookup = (scope: TemplateScope, path: readonly string[]): unknown => {
  let value: unknown = scope;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
};

/** A value as it reads inside text: strings as they are, anything else as JSON, nothing as ''. */
const asText = (value: unknown): string => {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? '';
};

/**
 * The template with every placeholder replaced by its value as text
 * (`encode` applied to each value, not to the literal text).
 *
 * @example
 * ```ts
 * renderText('ticket $ticket.id: ${payload.title}', scope); // 'ticket 65: Open port 443'
 * ```
 */
export const renderText = (
  template: string,
  scope: TemplateScope,
  encode: (value: string) => string = (v) => v,
): string =>
  parseTemplate(template)
    .map((p) => ('text' in p ? p.text : encode(asText(lookup(scope, p.path)))))
    .join('');

const renderJsonString = (text: string, scope: TemplateScope): unknown => {
  const pieces = parseTemplate(text);
  const only = pieces.length === 1 ? pieces[0] : undefined;
  // A string that is one placeholder and nothing else takes the value itself, of any JSON type.
  if (only !== undefined && 'path' in only) return lookup(scope, only.path) ?? null;
  return pieces.map((p) => ('text' in p ? p.text : asText(lookup(scope, p.path)))).join('');
};

const renderJsonValue = (value: unknown, scope: TemplateScope): unknown => {
  if (typeof value === 'string') return renderJsonString(value, scope);
  if (Array.isArray(value)) return value.map((v) => renderJsonValue(v, scope));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const key = asText(renderJsonString(k, scope));
      // A key named __proto__ stays data, as JSON.parse made it.
      Object.defineProperty(out, key, {
        value: renderJsonValue(v, scope),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
};

/**
 * A JSON template rendered: the template is JSON itself, placeholders live in
 * its strings (keys included). A string that is exactly one placeholder
 * becomes the value, whatever its type (`"$payload"` is the whole payload;
 * missing: `null`); placeholders inside a longer string are written into it
 * (strings as they are, other values as JSON). Values are never spliced into
 * JSON text, so any string — quotes, backslashes, U+2028 — arrives exactly.
 * Throws a PermanentError when the template is not JSON.
 *
 * @example
 * ```ts
 * renderJson('{"text":"ticket $ticket.id","data":"$payload"}', scope); // '{"text":"ticket 65","data":{…}}'
 * ```
 */
export const renderJson = (template: string, scope: TemplateScope): string => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(template);
  } catch (e) {
    throw new PermanentError(
      `parameter "body" is not JSON (${e instanceof Error ? e.message : String(e)}): put placeholders inside strings, e.g. {"id": "$payload.id"}, or choose bodyFormat text`,
    );
  }
  return JSON.stringify(renderJsonValue(parsed, scope)) ?? 'null';
};

/**
 * The URL to call: placeholders only after the origin (scheme, host, port),
 * each value URL-encoded, so an event can pick a path or a query value but
 * never the host a job sends to. Throws a PermanentError for a URL that is
 * not http(s), has a placeholder in its origin, or is not a URL once rendered.
 *
 * @example
 * ```ts
 * renderUrl('https://api.example.com/tickets/$ticket.id?src=$source', scope); // 'https://api.example.com/tickets/65?src=securechange'
 * ```
 */
export const renderUrl = (template: string, scope: TemplateScope): URL => {
  const origin = /^https?:\/\/[^/?#]*/i.exec(template.trim())?.[0];
  if (origin === undefined) {
    throw new PermanentError('parameter "url" must start with http:// or https://');
  }
  if (origin.includes('$')) {
    throw new PermanentError('parameter "url": placeholders are allowed after the host only, never in it');
  }
  const rendered = origin + renderText(template.trim().slice(origin.length), scope, encodeURIComponent);
  try {
    return new URL(rendered);
  } catch {
    throw new PermanentError('parameter "url" is not a valid URL once its placeholders are filled in');
  }
};

/** Headers a job may not set: the HTTP client owns them. */
const FORBIDDEN_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection']);
/** RFC 9110 token. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// eslint-disable-next-line no-control-regex
const BAD_HEADER_VALUE = /[\u0000\r\n]/;

/**
 * The `headers` parameter read: one `Name: value` per line (blank lines and
 * lines starting with `#` skipped), placeholders in values. Throws a
 * PermanentError for a line without a colon, a bad name, a header the client
 * owns (`host`, `content-length`, `transfer-encoding`, `connection`), or a
 * value with a line break once rendered (it could forge another header).
 *
 * @example
 * ```ts
 * renderHeaders('X-Source: $source\nX-Ticket: ${ticket.id}', scope); // [['X-Source', 'securechange'], ['X-Ticket', '65']]
 * ```
 */
export const renderHeaders = (text: string, scope: TemplateScope): [string, string][] => {
  const out: [string, string][] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    const name = colon === -1 ? '' : line.slice(0, colon).trim();
    if (!HEADER_NAME.test(name)) {
      throw new PermanentError(`parameter "headers", line ${i + 1}: write "Name: value"`);
    }
    if (FORBIDDEN_HEADERS.has(name.toLowerCase())) {
      throw new PermanentError(`parameter "headers", line ${i + 1}: ${name} is set by the HTTP client`);
    }
    const value = renderText(line.slice(colon + 1).trim(), scope);
    if (BAD_HEADER_VALUE.test(value)) {
      throw new PermanentError(`parameter "headers", line ${i + 1}: the value of ${name} has a line break`);
    }
    out.push([name, value]);
  }
  return out;
};
