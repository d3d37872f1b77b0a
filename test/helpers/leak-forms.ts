/**
 * The forms a secret takes when it leaves, computed for the leak checks of
 * the tests ONLY, and on purpose not with `secretForms` (shared/sdk/redaction.ts):
 * a check built on the code it checks would share its mistakes. Each form is
 * built the way the encoder that produces it would build it; base64 pieces are
 * found by encoding the secret behind two different filler prefixes and
 * keeping the characters both encodings agree on (those are the characters the
 * secret alone determines, whatever precedes it).
 */

/** Characters base64 encodes whatever precedes and follows the secret, at one byte alignment. */
const base64Core = (secret: string, offset: number, alphabet: 'base64' | 'base64url'): string => {
  const bytes = Buffer.from(secret, 'utf8');
  // All-zero vs all-one fillers: a character straddling filler and secret differs between the two.
  const a = Buffer.concat([Buffer.alloc(offset, 0x00), bytes, Buffer.alloc(3, 0x00)]).toString(alphabet);
  const b = Buffer.concat([Buffer.alloc(offset, 0xff), bytes, Buffer.alloc(3, 0xff)]).toString(alphabet);
  let start = 0;
  while (start < a.length && a[start] !== b[start]) start++;
  let end = start;
  while (end < a.length && a[end] === b[end]) end++;
  return a.slice(start, end);
};

/**
 * Named forms of `secret` a leak check looks for: raw, JSON-escaped, URL- and
 * form-encoded, base64 and base64url at every byte alignment (which covers
 * `base64("user:" + secret)`, Basic auth's form), hex lower and upper case.
 *
 * @example
 * ```ts
 * for (const [name, form] of Object.entries(leakForms(canary))) expect(haystack, name).not.toContain(form);
 * ```
 */
export const leakForms = (secret: string): Record<string, string> => {
  const forms: Record<string, string> = {
    raw: secret,
    json: JSON.stringify(secret).slice(1, -1),
    jsonTwice: JSON.stringify(JSON.stringify(secret)).slice(3, -3),
    // What Python's json.dumps writes by default: every non-ASCII UTF-16 unit as \uXXXX.
    jsonAscii: Array.from(JSON.stringify(secret).slice(1, -1), (c) =>
      c.length === 1 && c.charCodeAt(0) < 0x80
        ? c
        : Array.from(
            { length: c.length },
            (_, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`,
          ).join(''),
    ).join(''),
    url: encodeURIComponent(secret),
    form: new URLSearchParams({ v: secret }).toString().slice('v='.length),
    hex: Buffer.from(secret, 'utf8').toString('hex'),
    HEX: Buffer.from(secret, 'utf8').toString('hex').toUpperCase(),
  };
  for (const offset of [0, 1, 2]) {
    forms[`base64@${offset}`] = base64Core(secret, offset, 'base64');
    forms[`base64url@${offset}`] = base64Core(secret, offset, 'base64url');
  }
  return forms;
};

/**
 * The names of the forms of `secret` found in `haystack` (empty: nothing leaked).
 *
 * @example
 * ```ts
 * expect(leaksIn(JSON.stringify(run), canary)).toEqual([]);
 * ```
 */
export const leaksIn = (haystack: string, secret: string): string[] =>
  Object.entries(leakForms(secret))
    .filter(([, form]) => form.length > 0 && haystack.includes(form))
    .map(([name]) => name);
