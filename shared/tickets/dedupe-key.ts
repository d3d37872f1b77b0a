import type { TicketsConfig } from '../model/index.ts';

/**
 * The dedupe key of a posted alert body under a job's `tickets` (its
 * `dedupe.key` template resolved against the alert), or undefined when the job
 * has no `dedupe`. Pure and cheap: ingest calls it to give the run its order key.
 */
// SEAM PLACEHOLDER (issue 10): the tickets-core helper replaces this body (same signature).
export const dedupeKeyOf = (tickets: TicketsConfig, payload: unknown): string | undefined =>
  tickets.dedupe === undefined || payload === undefined ? undefined : undefined;
