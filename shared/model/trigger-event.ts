import { z } from 'zod';
import { CheckPointSessionSchema } from './checkpoint-session.ts';
import { SourceSchema } from './job.ts';
import { SecureChangeTicketSchema } from './securechange-ticket.ts';

/**
 * The one normalized event every integration receives, whichever source fired it.
 * Source adapters (`shared/sources/`) fill `ticket` (SecureChange) or `session`
 * (Check Point); `payload` is always the parsed body as received.
 */
export const TriggerEventSchema = z.object({
  source: z.union([SourceSchema, z.enum(['schedule', 'manual'])]),
  /** What happened: `webhook` for generic JSON, a SecureChange `SCW_EVENT`, a SmartTask trigger… */
  trigger: z.string().min(1),
  deliveryId: z.string(),
  receivedAt: z.iso.datetime(),
  /** Request headers worth keeping; authentication headers are never kept. */
  headers: z.record(z.string(), z.string()).default({}),
  /** Query string parameters of the request. */
  query: z.record(z.string(), z.string()).default({}),
  contentType: z.string().optional(),
  /** The parsed body: JSON value, or the XML parsed to an object. */
  payload: z.unknown(),
  /** SecureChange: the normalized ticket. */
  ticket: SecureChangeTicketSchema.optional(),
  /** Check Point: the normalized publish session. */
  session: CheckPointSessionSchema.optional(),
});

export type TriggerEvent = z.infer<typeof TriggerEventSchema>;
