import { createHash, timingSafeEqual } from 'node:crypto';

const sha256 = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Compares two strings in constant time. Both sides are hashed first, so the
 * buffers `timingSafeEqual` compares always have the same length and neither
 * the length nor a prefix of the expected value leaks through timing.
 */
export const constantTimeEqual = (received: string, expected: string): boolean =>
  timingSafeEqual(sha256(received), sha256(expected));

/**
 * True when `received` equals any of `candidates`. Every candidate is
 * compared (no early exit), so timing does not tell which one matched.
 */
export const matchesAny = (received: string, candidates: readonly string[]): boolean =>
  candidates.reduce((found, candidate) => constantTimeEqual(received, candidate) || found, false);
