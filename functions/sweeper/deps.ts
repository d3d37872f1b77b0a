import type { Config } from '../../shared/config.ts';
import { systemClock } from '../../shared/ports.ts';
import type { sweepStaleRuns } from '../../shared/runtime/recovery.ts';
import { DynamoJobStore } from '../../shared/store/dynamo-job-store.ts';
import { DynamoRunStore } from '../../shared/store/dynamo-run-store.ts';
import type { FunctionDepsOptions } from '../wiring/clients.ts';
import { runtimeSettings, tableOf } from '../wiring/common.ts';
import { runQueue } from '../wiring/queue.ts';

/** The ports the sweep uses, as the runtime declares them. */
export type SweeperDeps = Parameters<typeof sweepStaleRuns>[0];

/**
 * The sweeper's ports: the table (open runs, their jobs' `onError`) and the
 * queue it requeues stale runs on. No bucket, secret store or integrations.
 */
export const createSweeperDeps = (config: Config, options: FunctionDepsOptions = {}): SweeperDeps => {
  const table = tableOf(config, options);
  return {
    jobs: new DynamoJobStore(table),
    runs: new DynamoRunStore(table),
    queue: runQueue(config, options),
    clock: systemClock,
    settings: runtimeSettings(config),
  };
};
