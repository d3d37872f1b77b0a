import { createHash } from 'node:crypto';
import type { Alert, TicketsConfig } from '../model/index.ts';
import { alertOf } from './alert.ts';
import { resolveTemplate, VALUE_UNAVAILABLE } from './placeholders.ts';

/**
 * The longest dedupe key, in UTF-8 bytes: it is kept in sort keys (the task
 * key item, the run's order key, whose limit is 512). A longer key keeps its
 * start for people and ends with a hash of the whole, so two long keys that
 * differ only at their end stay two keys.
 */
export const MAX_DEDUPE_KEY_BYTES = 512;
const KEPT_PREFIX_BYTES = 400;

/**
 * A key bounded to {@link MAX_DEDUPE_KEY_BYTES} UTF-8 bytes (not characters:
 * 512 three-byte characters would not fit a sort key): as it is when it fits,
 * else its first 400 bytes and a hash of the whole. Dedupe and order keys alike.
 */
export const boundedKey = (key: string): string => {
  if (Buffer.byteLength(key, 'utf8') <= MAX_DEDUPE_KEY_BYTES) return key;
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

/** The dedupe key of an alert (its `dedupe.key` template resolved), or undefined without `dedupe`. */
export const dedupeKeyOfAlert = (tickets: Pick<TicketsConfig, 'dedupe'>, alert: Alert): string | undefined =>
  tickets.dedupe === undefined ? undefined : boundedKey(resolveTemplate(tickets.dedupe.key, alert));

/**
 * The dedupe key of a posted alert body under a job's `tickets` (its
 * `dedupe.key` template resolved against the alert), or undefined when the job
 * has no `dedupe`. Pure and cheap: ingest calls it to give the run its order key,
 * and the worker the same way, so both agree. A body without an id gives `$id`
 * `value_unavailable` (ingest has no delivery id to fall back to here).
 */
export const dedupeKeyOf = (tickets: TicketsConfig, payload: unknown): string | undefined =>
  tickets.dedupe === undefined
    ? undefined
    : dedupeKeyOfAlert(tickets, alertOf(tickets, payload, VALUE_UNAVAILABLE));
