import type { Config } from '../../shared/config.ts';
import type { AdminDeps } from '../../shared/http/admin-app.ts';
import { systemClock } from '../../shared/ports.ts';
import { withLastKnownJobs } from '../../shared/resilience/last-known.ts';
import { DynamoJobStore } from '../../shared/store/dynamo-job-store.ts';
import { DynamoRunStore } from '../../shared/store/dynamo-run-store.ts';
import type { FunctionDepsOptions } from '../wiring/clients.ts';
import { tableOf } from '../wiring/common.ts';
import { integrationRegistry } from '../wiring/registry.ts';

/**
 * The admin function's ports: only the table (jobs, runs) and the
 * integrations' manifests. No queue, bucket or secret store — not even
 * their SDK clients are in its bundle.
 */
export const createAdminDeps = (config: Config, options: FunctionDepsOptions = {}): AdminDeps => {
  const table = tableOf(config, options);
  return {
    jobs: withLastKnownJobs(new DynamoJobStore(table)),
    runs: new DynamoRunStore(table),
    clock: systemClock,
    registry: integrationRegistry(),
  };
};
