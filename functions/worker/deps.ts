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
 * The worker's ports: the table (job, run), the queue (retry back-off moves
 * its message), the claim-check bucket (a large event is read back from it)
 * and Secrets Manager (secret parameters). The delivery store shares the
 * table client and costs nothing more; the runtime's worker takes whole `Deps`.
 */
export const createWorkerDeps = (config: Config, options: FunctionDepsOptions = {}): Deps => {
  const table = tableOf(config, options);
  return {
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
