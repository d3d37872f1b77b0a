import { createHash } from 'node:crypto';
import type { Job, TriggerEvent } from '../model/index.ts';
import { dedupeKeyOf } from './dedupe-key.ts';

/**
 * Order keys are kept in sort keys (the turn's, at most 1024 bytes in all):
 * bounded in UTF-8 bytes, not characters — a SecureChange ticket id is text
 * from the posted XML, and 512 three-byte characters would not fit.
 */
export const MAX_ORDER_KEY_LENGTH = 512;
const KEPT_PREFIX_BYTES = 400;

/** The key as it is when it fits; else its start and a hash of the whole (two long keys stay two). */
const bounded = (key: string): string => {
  if (Buffer.byteLength(key, 'utf8') <= MAX_ORDER_KEY_LENGTH) return key;
  let prefix = '';
  let bytes = 0;
  for (const char of key) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > KEPT_PREFIX_BYTES) break;
    prefix += char;
    bytes += size;
  }
  return `${prefix}…#${createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 32)}`;
};

/**
 * The key whose runs must run one at a time in arrival order (Run.orderKey),
 * or undefined: a SecureChange ticket's id; a ticket job's alert dedupe key.
 * Decision jobs answer their caller inline and are never queued: no key.
 */
export const orderKeyOf = (job: Job, event: TriggerEvent): string | undefined => {
  if (job.mode !== 'async') return undefined;
  const key =
    event.ticket?.id ?? (job.tickets === undefined ? undefined : dedupeKeyOf(job.tickets, event.payload));
  if (key === undefined || key === '') return undefined;
  return bounded(key);
};
