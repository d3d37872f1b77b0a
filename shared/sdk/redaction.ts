/**
 * Secret redaction: every form a secret value takes on its way out (a log
 * line, a message, an error, an output, a notification, stdout) is replaced
 * by `***`. A secret rarely leaves raw: it leaves JSON-escaped in a body,
 * URL-encoded in a query, base64-encoded in a Basic auth header, hex in a
 * digest dump. {@link secretForms} lists those forms; a {@link Redactor}
 * hides them all.
 */

/**
 * What replaces a secret value in logs and error messages.
 *
 * @example
 * ```ts
 * redact('token abcd1234', ['abcd1234']) === `token ${REDACTED}`; // true
 * ```
 */
export const REDACTED = '***';

/** Shorter values would blank out ordinary words and numbers all over the log. */
export const MIN_SECRET_LENGTH = 4;
/**
 * A derived form shorter than this is not hidden: a 4-character secret's hex
 * or base64 pieces are short enough to match ordinary text by chance, and
 * what they would hide is less than the raw value's own minimum.
 */
export const MIN_FORM_LENGTH = 6;

/** How many secrets' forms are kept computed: a warm worker sees the same few secrets run after run. */
const FORMS_CACHE_SIZE = 512;
const formsCache = new Map<string, FormSet>();

const BASE64_URL: Readonly<Record<string, string>> = { '+': '-', '/': '_' };

/**
 * The base64 characters that a secret alone determines when it starts at
 * byte `offset` (0, 1 or 2) of a 3-byte group: the encoder's other input (a
 * `user:` before it, as Basic auth builds `base64(user:secret)`) changes only
 * the characters that straddle the edges. `tail` also gives the encoding up
 * to the end with its last partial character and padding, the form of a
 * secret that ends the encoded text (Basic auth again): it hides those last
 * bits too.
 */
const base64Pieces = (bytes: Buffer, offset: number): { inner: string; tail: string } => {
  const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
  // Character i covers bits [6i, 6i + 6); the secret's bits are [8·offset, 8·(offset + n)).
  const first = Math.ceil((8 * offset) / 6);
  const last = Math.floor((8 * (offset + bytes.length)) / 6);
  return { inner: encoded.slice(first, last), tail: encoded.slice(first) };
};

/** JSON's escaping with every non-ASCII character as `\uXXXX` too (what Python's json.dumps and others write). */
const asciiJsonInner = (text: string): string =>
  JSON.stringify(text)
    .slice(1, -1)
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

const jsonInner = (text: string): string => JSON.stringify(text).slice(1, -1);

const computeForms = (secret: string): readonly string[] => {
  if (secret.length < MIN_SECRET_LENGTH) return [];
  const derived = new Set<string>();
  const json = jsonInner(secret);
  derived.add(json);
  // A JSON text quoted inside another JSON text (a body logged as a string field).
  derived.add(jsonInner(json));
  derived.add(asciiJsonInner(secret));
  const uri = encodeURIComponent(secret);
  derived.add(uri);
  derived.add(uri.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()));
  derived.add(encodeURI(secret));
  // application/x-www-form-urlencoded: `+` for a space, and a few characters encodeURIComponent keeps.
  derived.add(new URLSearchParams([['', secret]]).toString().slice(1));
  const bytes = Buffer.from(secret, 'utf8');
  for (const offset of [0, 1, 2]) {
    const { inner, tail } = base64Pieces(bytes, offset);
    for (const piece of [inner, tail, tail.replace(/=+$/, '')]) {
      derived.add(piece);
      derived.add(piece.replace(/[+/]/g, (c) => BASE64_URL[c] ?? c));
    }
  }
  const hex = bytes.toString('hex');
  derived.add(hex);
  derived.add(hex.toUpperCase());
  derived.delete(secret);
  const forms = [secret, ...[...derived].filter((f) => f.length >= MIN_FORM_LENGTH)];
  return Object.freeze(forms.sort((a, b) => b.length - a.length));
};

/**
 * Every form of a secret value that is redacted, longest first: the value
 * itself (from 4 characters); and, each from 6 characters, its JSON-escaped
 * forms (once, twice, non-ASCII as `\uXXXX`), URL-encoded forms
 * (`encodeURIComponent`, with lower-case escapes, `encodeURI`, form encoding
 * with `+` for a space), base64 and base64url at the three byte alignments
 * (so `base64("user:" + secret)` is caught: at most two edge characters,
 * which carry less than two bytes of it, stay), with and without padding, and
 * hex of its UTF-8 bytes in lower and upper case. Values shorter than 4
 * characters have no form. Cached (the last 512 values).
 *
 * @example
 * ```ts
 * secretForms('s3cr3t-token').includes(Buffer.from('s3cr3t-token').toString('hex')); // true
 * ```
 */
export const secretForms = (secret: string): readonly string[] => formSetOf(secret).list;

/** One secret's forms, ready to look for; cached (most recently used last, the first key is dropped). */
const formSetOf = (secret: string): FormSet => {
  const cached = formsCache.get(secret);
  if (cached !== undefined) {
    formsCache.delete(secret);
    formsCache.set(secret, cached);
    return cached;
  }
  const list = computeForms(secret);
  const set: FormSet = { list, jsonPlain: list.every(isJsonPlain) };
  formsCache.set(secret, set);
  if (formsCache.size > FORMS_CACHE_SIZE) {
    const oldest = formsCache.keys().next();
    if (oldest.done !== true) formsCache.delete(oldest.value);
  }
  return set;
};

/**
 * The forms of several secrets, longest first, ready to look for. With many
 * (a warm process remembers hundreds of secrets, ~25 forms each) they are
 * also indexed by their first 4 characters (every form has at least 4), so a
 * text is read once, not once per form.
 */
interface FormSet {
  readonly list: readonly string[];
  /** Whether every form reads the same inside a JSON string (no quote, backslash or control character). */
  readonly jsonPlain: boolean;
  readonly byPrefix?: ReadonlyMap<string, readonly string[]>;
}

const PREFIX_LENGTH = MIN_SECRET_LENGTH;
/** From this many forms on, one pass over the text with the index beats one `indexOf` per form. */
const INDEX_FROM_FORMS = 128;
const NO_FORMS: FormSet = { list: [], jsonPlain: true };

const isJsonPlain = (form: string): boolean => JSON.stringify(form).length === form.length + 2;

const formsOf = (secrets: ReadonlySet<string>): FormSet => {
  // One secret (the common case: the job's auth secret): its cached set as it is.
  if (secrets.size === 1) for (const s of secrets) return formSetOf(s);
  const all = new Set<string>();
  let jsonPlain = true;
  for (const s of secrets) {
    const one = formSetOf(s);
    jsonPlain &&= one.jsonPlain;
    for (const f of one.list) all.add(f);
  }
  const list = [...all].sort((a, b) => b.length - a.length);
  if (list.length < INDEX_FROM_FORMS) return { list, jsonPlain };
  const byPrefix = new Map<string, string[]>();
  for (const f of list) {
    const prefix = f.slice(0, PREFIX_LENGTH);
    const bucket = byPrefix.get(prefix);
    if (bucket) bucket.push(f);
    else byPrefix.set(prefix, [f]);
  }
  return { list, jsonPlain, byPrefix };
};

/** Where the forms occur in the text, as [start, end) spans (overlapping ones included). */
const spansOf = (text: string, forms: FormSet): [number, number][] | undefined => {
  let spans: [number, number][] | undefined;
  const { byPrefix } = forms;
  if (byPrefix === undefined) {
    for (const form of forms.list) {
      for (let at = text.indexOf(form); at !== -1; at = text.indexOf(form, at + 1)) {
        (spans ??= []).push([at, at + form.length]);
      }
    }
    return spans;
  }
  for (let i = 0; i + PREFIX_LENGTH <= text.length; i++) {
    const bucket = byPrefix.get(text.slice(i, i + PREFIX_LENGTH));
    if (bucket === undefined) continue;
    for (const form of bucket) if (text.startsWith(form, i)) (spans ??= []).push([i, i + form.length]);
  }
  return spans;
};

/**
 * The text with every occurrence of every form replaced by `***`. Where forms
 * overlap (two secrets sharing characters, or a form inside another) the
 * whole stretch they cover becomes one `***`: replacing one form first could
 * cut another and leave its rest readable.
 */
const redactForms = (text: string, forms: FormSet): string => {
  const spans = spansOf(text, forms);
  if (spans === undefined) return text;
  spans.sort((a, b) => a[0] - b[0]);
  let out = '';
  let from = 0;
  let i = 0;
  while (i < spans.length) {
    const span = spans[i] as [number, number];
    let [start, end] = span;
    i++;
    for (let next = spans[i]; next !== undefined && next[0] <= end; next = spans[++i]) {
      end = Math.max(end, next[1]);
    }
    if (start < from) start = from;
    out += text.slice(from, start) + REDACTED;
    from = end;
  }
  return out + text.slice(from);
};

const MAX_DEPTH = 20;

/**
 * A JSON-safe copy of a value with the forms redacted in every string, key
 * and number (a number that shows a secret becomes its redacted text): cycles, errors,
 * bigints and dates become plain JSON values, so that nothing built from it
 * can fail to serialize.
 */
const safeValue = (value: unknown, forms: FormSet, ancestors: object[] = []): unknown => {
  switch (typeof value) {
    case 'string':
      return redactForms(value, forms);
    case 'number': {
      if (!Number.isFinite(value)) return String(value);
      const text = String(value);
      const redacted = redactForms(text, forms);
      return redacted === text ? value : redacted;
    }
    case 'bigint':
      return redactForms(value.toString(), forms);
    case 'boolean':
      return value;
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (typeof value !== 'object' || value === null) return null;
  if (ancestors.includes(value)) return '[Circular]';
  if (ancestors.length >= MAX_DEPTH) return '[…]';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  const inner = [...ancestors, value];
  if (value instanceof Error) return { name: value.name, message: redactForms(value.message, forms) };
  if (Array.isArray(value)) return value.map((v: unknown) => safeValue(v, forms, inner) ?? null);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const safe = safeValue(v, forms, inner);
    if (safe !== undefined) out[redactForms(k, forms)] = safe;
  }
  return out;
};

/**
 * Hides a set of secret values, in every form {@link secretForms} gives,
 * wherever a run's text leaves: one per run, shared by its logger, its
 * message, error, output and verdict, its notifications. Secrets added later
 * (`add`) apply to everything redacted after.
 *
 * @example
 * ```ts
 * const redactor = createRedactor(resolved.secretValues);
 * redactor.add(toolbox.secretValues);
 * const message = redactor.text(result.message);
 * ```
 */
export interface Redactor {
  // Function-valued members, not methods: they are handed around unbound (`redact: redactor.text`).
  /** The text with every form of every secret replaced by `***`. */
  readonly text: (text: string) => string;
  /** A JSON-safe copy of `value` redacted in every string, key and number (see {@link secretForms}). */
  readonly value: (value: unknown) => unknown;
  /** More secret values to hide from now on (shorter than 4 characters: ignored). */
  readonly add: (values: Iterable<string>) => void;
  /**
   * Whether a JSON text free of every form is free of them in its values too:
   * true when every form reads the same inside a JSON string (no quote,
   * backslash or control character), so that `text(json) === json` tells a
   * clean value without walking it.
   */
  readonly jsonPlain: boolean;
  /** How many distinct secret values it hides. */
  readonly size: number;
  /** The secret values it hides (for the process-wide registry, never to be shown). */
  readonly secrets: readonly string[];
}

/**
 * A {@link Redactor} for the given secret values.
 *
 * @example
 * ```ts
 * const redactor = createRedactor(['s3cr3t-token']);
 * redactor.text(`Basic ${btoa('me:s3cr3t-token')}`); // 'Basic bWU6***' (two edge characters stay)
 * ```
 */
export const createRedactor = (secrets: Iterable<string> = []): Redactor => new SecretRedactor(secrets);

/** One per run: a class, not an object literal with accessors (built per run, ~10× cheaper). */
class SecretRedactor implements Redactor {
  readonly #values = new Set<string>();
  #forms: FormSet = NO_FORMS;

  constructor(secrets: Iterable<string>) {
    this.add(secrets);
  }

  // Arrow fields: handed around unbound (`redact: redactor.text`).
  // Most runs' texts show no secret: one scan, and the text itself back.
  readonly text = (text: string): string =>
    this.#forms.list.length === 0 ? text : redactForms(text, this.#forms);

  readonly value = (value: unknown): unknown => safeValue(value, this.#forms);

  readonly add = (more: Iterable<string>): void => {
    let changed = false;
    for (const v of more) {
      if (v.length < MIN_SECRET_LENGTH || this.#values.has(v)) continue;
      this.#values.add(v);
      changed = true;
    }
    if (changed) this.#forms = formsOf(this.#values);
  };

  get jsonPlain(): boolean {
    return this.#forms.jsonPlain;
  }

  get size(): number {
    return this.#values.size;
  }

  get secrets(): readonly string[] {
    return [...this.#values];
  }
}

/**
 * The text with every occurrence of every secret value, in every form
 * {@link secretForms} gives, replaced by `***`. Values shorter than 4
 * characters are ignored.
 *
 * @example
 * ```ts
 * redact('login with s3cr3t-token failed', ['s3cr3t-token']); // 'login with *** failed'
 * ```
 */
export const redact = (text: string, secrets: readonly string[]): string =>
  secrets.length === 0
    ? text
    : redactForms(text, formsOf(new Set(secrets.filter((s) => s.length >= MIN_SECRET_LENGTH))));
