import type { Config } from '../../shared/config.ts';
import { systemClock } from '../../shared/ports.ts';
import { withLastKnownJobs } from '../../shared/resilience/last-known.ts';
import type { Deps } from '../../shared/runtime/deps.ts';
import { DynamoDeliveryStore } from '../../shared/store/dynamo-delivery-store.ts';
import { DynamoJobStore } from '../../shared/store/dynamo-job-store.ts';
import { DynamoRunStore } from '../../shared/store/dynamo-run-store.ts';
import type { FunctionDepsOptions } from '../wiring/common.ts';
import { runtimeSettings, tableOf } from '../wiring/common.ts';
import { claimCheckStore } from '../wiring/payloads.ts';
import { runQueue } from '../wiring/queue.ts';
import { integrationRegistry } from '../wiring/registry.ts';
import { jobSecrets } from '../wiring/secrets.ts';

/**
 * The ingest function's ports: it calls all four services — the table
 * (jobs, deliveries, runs), the queue, the claim-check bucket for large
 * events, and Secrets Manager for the callers' secrets.
 */
export const createIngestDeps = (config: Config, options: FunctionDepsOptions = {}): Deps => {
  const table = tableOf(config, options);
  return {
    // A warm function keeps answering the jobs it has seen while the table is down.
    jobs: withLastKnownJobs(new DynamoJobStore(table)),
    runs: new DynamoRunStore(table),
    deliveries: new DynamoDeliveryStore(table),
    queue: runQueue(config, options),
    payloads: claimCheckStore(config, options),
    secrets: jobSecrets(config, options),
    clock: systemClock,
    registry: integrationRegistry(),
    settings: runtimeSettings(config),
  };
};
