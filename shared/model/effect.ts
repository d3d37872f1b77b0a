// Plain constants and one check, no schema: ctx.effect (the worker, decisions) and the admin
// routes both use them, and neither should load the other for it.

/** The longest effect key, in UTF-8 bytes (the state-key rule). */
export const MAX_EFFECT_KEY_BYTES = 256;
/** The largest result an effect records, as JSON text. */
export const MAX_EFFECT_RESULT_BYTES = 64 * 1024;

// eslint-disable-next-line no-control-regex -- control characters are what a key may not hold
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Why `key` is no effect key (1–256 bytes of UTF-8, no control character), or undefined when it is one. */
export const effectKeyProblem = (key: string): string | undefined => {
  if (key.length === 0) return 'is empty';
  const bytes = Buffer.byteLength(key);
  if (bytes > MAX_EFFECT_KEY_BYTES) return `is ${bytes} bytes of UTF-8; at most ${MAX_EFFECT_KEY_BYTES}`;
  if (CONTROL.test(key)) return 'holds a control character';
  return undefined;
};
