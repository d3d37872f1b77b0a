import { randomFillSync } from 'node:crypto';

/** Crockford's base32, as ULIDs spell it (no I, L, O, U). */
const ENCODING = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;
/** The largest time a ULID holds: 48 bits of milliseconds. */
const TIME_MAX = 2 ** 48 - 1;
/**
 * Random bytes are drawn this many at a time: one `randomFillSync` per 256
 * ids instead of the `ulid` package's 16 one-byte `getRandomValues` calls
 * per id (34 µs).
 */
const POOL_BYTES = 4096;

/** Fills a buffer with cryptographically strong random bytes (injectable for tests). */
export type RandomFill = (bytes: Uint8Array) => void;

export type UlidFactory = (time?: number) => string;

/**
 * A monotonic ULID factory: 26 characters of Crockford base32, 48 bits of
 * milliseconds then 80 random bits. Within one millisecond (or when the clock
 * steps back) each id is the previous one plus one, so the ids one process
 * makes sort in the order they were made and never repeat — the `ulid`
 * package's `monotonicFactory`, with its random bits drawn in bulk.
 */
export const ulidFactory = (fill: RandomFill = randomFillSync): UlidFactory => {
  const pool = new Uint8Array(POOL_BYTES);
  let poolAt = POOL_BYTES;
  /** The last id's random part, one base32 digit (0–31) each, most significant first. */
  const digits = new Uint8Array(RANDOM_CHARS);
  let lastTime = -1;
  let timePart = '';

  const freshRandom = (): void => {
    if (poolAt + RANDOM_CHARS > POOL_BYTES) {
      fill(pool);
      poolAt = 0;
    }
    // 256 is a multiple of 32: the low five bits of a uniform byte are uniform.
    for (let i = 0; i < RANDOM_CHARS; i++) digits[i] = (pool[poolAt++] ?? 0) & 31;
  };

  const increment = (): void => {
    for (let i = RANDOM_CHARS - 1; i >= 0; i--) {
      const d = digits[i] ?? 0;
      if (d < 31) {
        digits[i] = d + 1;
        return;
      }
      digits[i] = 0;
    }
    throw new Error('ulid: the random part overflowed within one millisecond');
  };

  return (time = Date.now()) => {
    if (!Number.isInteger(time) || time < 0 || time > TIME_MAX) {
      throw new Error(`ulid: time must be an integer from 0 to ${TIME_MAX}, got ${time}`);
    }
    if (time <= lastTime) {
      increment();
    } else {
      lastTime = time;
      let t = time;
      let encoded = '';
      for (let i = 0; i < TIME_CHARS; i++) {
        encoded = ENCODING.charAt(t % 32) + encoded;
        t = Math.floor(t / 32);
      }
      timePart = encoded;
      freshRandom();
    }
    let id = timePart;
    for (let i = 0; i < RANDOM_CHARS; i++) id += ENCODING.charAt(digits[i] ?? 0);
    return id;
  };
};

/** The process's one id factory: every delivery and run id comes from here. */
export const ulid: UlidFactory = ulidFactory();
