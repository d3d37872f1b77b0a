import { createPipelineDeps } from '../wiring/pipeline.ts';

/**
 * The ingest function's ports: it calls all four services — the table
 * (jobs, deliveries, runs), the queue, the claim-check bucket for large
 * events, and Secrets Manager for the callers' secrets.
 */
export const createIngestDeps = createPipelineDeps;
