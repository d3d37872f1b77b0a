/**
 * Appended to a text that {@link cutText} shortened.
 *
 * @example
 * ```ts
 * cutText('x'.repeat(100), 20).endsWith(CUT_MARK); // true
 * ```
 */
export const CUT_MARK = ' …[cut]';

/**
 * The text unchanged when its UTF-8 form fits in `maxBytes`; otherwise its
 * longest prefix that fits together with {@link CUT_MARK}, cut on a character
 * boundary (never in the middle of a multi-byte character).
 *
 * @example
 * ```ts
 * cutText(JSON.stringify(event.payload), 8 * 1024); // at most 8 KiB
 * ```
 */
export const cutText = (text: string, maxBytes: number): string => {
  // A UTF-16 code unit is at most 3 bytes of UTF-8: a short text fits without being encoded.
  if (text.length * 3 <= maxBytes) return text;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = Math.max(0, maxBytes - Buffer.byteLength(CUT_MARK));
  // Step back over UTF-8 continuation bytes (10xxxxxx) to a character start.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8') + CUT_MARK;
};

/** How much of a caller's input an error message may quote. */
export const MAX_QUOTED_CHARS = 200;

/**
 * At most `max` characters of a caller's input, with `…` when cut: what an
 * error message may echo, so that a 3 MB tag name or path is never sent back
 * whole (and a log line stays a line).
 *
 * @example
 * ```ts
 * throw new ValidationError(`unknown field ${quote(name)}`);
 * ```
 */
export const clip = (text: string, max = MAX_QUOTED_CHARS): string => {
  if (text.length <= max) return text;
  // Never end on the first half of a surrogate pair.
  const end = /[\uD800-\uDBFF]/.test(text.charAt(max - 1)) ? max - 1 : max;
  return `${text.slice(0, end)}…`;
};

/** {@link clip}ped and JSON-quoted: control characters and quotes escaped, bounded. */
export const quote = (text: string, max = MAX_QUOTED_CHARS): string => JSON.stringify(clip(text, max));
