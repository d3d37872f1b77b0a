/**
 * The JSON text of values serialized on the hot path, kept for the one
 * write that follows: `storeEvent` measures an event's JSON and the run
 * store writes that same text, `executeIntegration` bounds the output's
 * JSON and the store writes it — each value serialized once per write.
 *
 * The text is handed out once ({@link takeJsonText}): a value changed after
 * it was measured is never written with its old text by a later write. Only
 * the last {@link SLOTS} values measured are held, by identity, in a small
 * ring rather than a WeakMap: the text is taken a few calls later, and a
 * WeakMap entry per delivery (its identity hash, its ephemeron) cost more
 * than the lookup it saves. A value pushed out of the ring before it is
 * taken is simply serialized again by its writer.
 */
// A worker batch (10 records) runs its records in parallel: room for all of them and more.
export const JSON_TEXT_SLOTS = 16;
const SLOTS = JSON_TEXT_SLOTS;
const values: (object | undefined)[] = new Array<object | undefined>(SLOTS).fill(undefined);
const texts: (string | undefined)[] = new Array<string | undefined>(SLOTS).fill(undefined);
let next = 0;

/** `JSON.stringify(value)`, remembered for the next {@link takeJsonText} of the same object. */
export const measuredJson = (value: unknown): string | undefined => {
  const text = JSON.stringify(value);
  if (text !== undefined) rememberJson(value, text);
  return text;
};

/** Remembers `text` as the JSON of `value` (an object) for the next {@link takeJsonText}. */
export const rememberJson = (value: unknown, text: string): void => {
  if (typeof value !== 'object' || value === null) return;
  let slot = values.indexOf(value);
  if (slot < 0) {
    slot = next;
    next = (next + 1) % SLOTS;
    values[slot] = value;
  }
  texts[slot] = text;
};

/** The JSON text remembered for `value` (forgotten as it is taken), else undefined. */
export const takeJsonText = (value: unknown): string | undefined => {
  if (typeof value !== 'object' || value === null) return undefined;
  const slot = values.indexOf(value);
  if (slot < 0) return undefined;
  const text = texts[slot];
  values[slot] = undefined;
  texts[slot] = undefined;
  return text;
};
