import { createPipelineDeps } from '../wiring/pipeline.ts';

/**
 * The worker's ports: the table (job, run), the queue (retry back-off moves
 * its message), the claim-check bucket (a large event is read back from it)
 * and Secrets Manager (secret parameters) — the same as ingest's. The
 * delivery store shares the table client and costs nothing more; the
 * runtime's worker takes whole `Deps`.
 */
export const createWorkerDeps = createPipelineDeps;
