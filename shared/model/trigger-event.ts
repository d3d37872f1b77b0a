import {
  _default,
  iso,
  lazy,
  minLength,
  object,
  optional,
  record,
  string,
  union,
  unknown,
  enum as zEnum,
} from './zod.ts';
import type { infer as Infer } from './zod.ts';
import { CheckPointSessionSchema } from './checkpoint-session.ts';
import { SourceSchema } from './job.ts';
import { SecureChangeTicketSchema } from './securechange-ticket.ts';

/**
 * The one normalized event every integration receives, whichever source fired it.
 * Source adapters (`shared/sources/`) fill `ticket` (SecureChange) or `session`
 * (Check Point); `payload` is always the parsed body as received.
 */
export const TriggerEventSchema = lazy(() =>
  object({
    source: union([SourceSchema, zEnum(['schedule', 'manual'])]),
    /** What happened: `webhook` for generic JSON, a SecureChange `SCW_EVENT`, a SmartTask trigger… */
    trigger: string().check(minLength(1)),
    deliveryId: string(),
    receivedAt: iso.datetime(),
    /** Request headers worth keeping; authentication headers are never kept. */
    headers: _default(record(string(), string()), {}),
    /** Query string parameters of the request. */
    query: _default(record(string(), string()), {}),
    contentType: optional(string()),
    /** The parsed body: JSON value, or the XML parsed to an object. */
    payload: unknown(),
    /** SecureChange: the normalized ticket. */
    ticket: optional(SecureChangeTicketSchema),
    /** Check Point: the normalized publish session. */
    session: optional(CheckPointSessionSchema),
  }),
);

export type TriggerEvent = Infer<typeof TriggerEventSchema>;
