import { iso, lazy, object, record, string, union, unknown, enum as zEnum } from 'zod';
import type { infer as Infer } from 'zod';
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
    trigger: string().min(1),
    deliveryId: string(),
    receivedAt: iso.datetime(),
    /** Request headers worth keeping; authentication headers are never kept. */
    headers: record(string(), string()).default({}),
    /** Query string parameters of the request. */
    query: record(string(), string()).default({}),
    contentType: string().optional(),
    /** The parsed body: JSON value, or the XML parsed to an object. */
    payload: unknown(),
    /** SecureChange: the normalized ticket. */
    ticket: SecureChangeTicketSchema.optional(),
    /** Check Point: the normalized publish session. */
    session: CheckPointSessionSchema.optional(),
  }),
);

export type TriggerEvent = Infer<typeof TriggerEventSchema>;
