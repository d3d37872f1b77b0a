import { iso, lazy, object, string } from './zod.ts';
import type { infer as Infer } from './zod.ts';

/**
 * One received request. The payload itself lives with its run (inline or by
 * reference) so that it is kept as long as the run's history; the delivery is
 * the dedupe record: put-if-absent on `dedupeKey` within the job's window.
 * It holds only what dedupe reads (the holder's id and run, when it was
 * received, until when it dedupes): every attribute is marshalled on each
 * accepted delivery, and the request's size and type are the run's event's.
 */
export const DeliverySchema = lazy(() =>
  object({
    id: string(),
    jobId: string(),
    runId: string(),
    dedupeKey: string(),
    receivedAt: iso.datetime(),
    /** Until when a repeat with the same key is a duplicate. */
    dedupeUntil: iso.datetime(),
  }),
);
export type Delivery = Infer<typeof DeliverySchema>;
