/**
 * The JSON text of values serialized on the hot path, kept for the one
 * write that follows: `storeEvent` measures an event's JSON and the run
 * store writes that same text, `executeIntegration` bounds the output's
 * JSON and the store writes it — each value serialized once per write.
 *
 * The text is handed out once ({@link takeJsonText}) and held weakly: a
 * value changed after it was measured is never written with its old text by
 * a later write.
 */
const texts = new WeakMap<object, string>();

/** `JSON.stringify(value)`, remembered for the next {@link takeJsonText} of the same object. */
export const measuredJson = (value: unknown): string | undefined => {
  const text = JSON.stringify(value);
  if (text !== undefined) rememberJson(value, text);
  return text;
};

/** Remembers `text` as the JSON of `value` (an object) for the next {@link takeJsonText}. */
export const rememberJson = (value: unknown, text: string): void => {
  if (typeof value === 'object' && value !== null) texts.set(value, text);
};

/** The JSON text remembered for `value` (forgotten as it is taken), else undefined. */
export const takeJsonText = (value: unknown): string | undefined => {
  if (typeof value !== 'object' || value === null) return undefined;
  const text = texts.get(value);
  texts.delete(value);
  return text;
};
