import { int, iso, lazy, minimum, object, optional, string } from './zod.ts';
import type { infer as Infer } from './zod.ts';

/**
 * One received request. The payload itself lives with its run (inline or by
 * reference) so that it is kept as long as the run's history; the delivery is
 * the dedupe record: put-if-absent on `dedupeKey` within the job's window.
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
    contentType: optional(string()),
    bytes: int().check(minimum(0)),
  }),
);
export type Delivery = Infer<typeof DeliverySchema>;
