import type { Job, TicketsConfig, TriggerEvent } from '../model/index.ts';
import type { TargetWebhook, TicketPlugin } from '../sdk/tickets.ts';
import { boundedKey, dedupeKeyOf, MAX_DEDUPE_KEY_BYTES } from './dedupe-key.ts';

/**
 * Order keys are kept in sort keys (the turn's, at most 1024 bytes in all):
 * bounded in UTF-8 bytes like dedupe keys ({@link boundedKey}) — a SecureChange
 * ticket id is text from the posted XML.
 */
export const MAX_ORDER_KEY_LENGTH = MAX_DEDUPE_KEY_BYTES;

/** A ticket integration as the order key needs it: its (pure) recognizer of the target's webhooks. */
export type OrderKeyIntegration = { tickets?: Pick<TicketPlugin<never>, 'parseWebhook'> } | undefined;

/**
 * What a ticket job's webhook body is ordered by: a target webhook (the
 * integration's `tickets.parseWebhook` recognizes it) by the first task it
 * names, `task:<id>` (none when it names none) — never by the alert dedupe
 * key, which its body has no attributes for (every target webhook of the job
 * would share `value_unavailable:value_unavailable`, one line behind
 * id-less alerts); an alert by its dedupe key.
 */
const ticketKeyOf = (
  tickets: TicketsConfig,
  integration: OrderKeyIntegration,
  event: TriggerEvent,
): string | undefined => {
  const parse = integration?.tickets?.parseWebhook;
  if (parse !== undefined) {
    let hook: TargetWebhook | undefined;
    try {
      hook = parse(event.payload, event.headers);
    } catch {
      // A body the recognizer chokes on is no target webhook it knows: the run finds out.
      hook = undefined;
    }
    if (hook !== undefined) {
      const first = hook.taskIds[0];
      return first === undefined || first === '' ? undefined : `task:${first}`;
    }
  }
  return dedupeKeyOf(tickets, event.payload);
};

/**
 * The key whose runs must run one at a time in arrival order (Run.orderKey),
 * or undefined: a SecureChange ticket's id; on a ticket job, a target
 * webhook's first task (`task:<id>`, given the job's `integration`) or an
 * alert's dedupe key. Decision jobs answer their caller inline and are never
 * queued: no key. `parseWebhook` is pure, so ingest stays cheap.
 */
export const orderKeyOf = (
  job: Job,
  event: TriggerEvent,
  integration?: OrderKeyIntegration,
): string | undefined => {
  if (job.mode !== 'async') return undefined;
  const key =
    event.ticket?.id ??
    (job.tickets === undefined ? undefined : ticketKeyOf(job.tickets, integration, event));
  if (key === undefined || key === '') return undefined;
  return boundedKey(key);
};
