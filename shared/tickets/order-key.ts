import type { Job, TriggerEvent } from '../model/index.ts';
import { dedupeKeyOf } from './dedupe-key.ts';

/** Order keys are kept in sort keys: bounded. */
export const MAX_ORDER_KEY_LENGTH = 512;

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
  return key.length <= MAX_ORDER_KEY_LENGTH ? key : key.slice(0, MAX_ORDER_KEY_LENGTH);
};
