import { z } from 'zod';

/**
 * One received request. The payload itself lives with its run (inline or by
 * reference) so that it is kept as long as the run's history; the delivery is
 * the dedupe record: put-if-absent on `dedupeKey` within the job's window.
 */
export const DeliverySchema = z.object({
  id: z.string(),
  jobId: z.string(),
  runId: z.string(),
  dedupeKey: z.string(),
  receivedAt: z.iso.datetime(),
  /** Until when a repeat with the same key is a duplicate. */
  dedupeUntil: z.iso.datetime(),
  contentType: z.string().optional(),
  bytes: z.number().int().min(0),
});
export type Delivery = z.infer<typeof DeliverySchema>;
