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
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = Math.max(0, maxBytes - Buffer.byteLength(CUT_MARK));
  // Step back over UTF-8 continuation bytes (10xxxxxx) to a character start.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8') + CUT_MARK;
};
