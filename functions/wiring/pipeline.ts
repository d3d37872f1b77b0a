import type { Config } from '../../shared/config.ts';
import { systemClock } from '../../shared/ports.ts';
import { withLastKnownJobs, withLastKnownSecrets } from '../../shared/resilience/last-known.ts';
import type { Deps } from '../../shared/runtime/deps.ts';
import type { PayloadStore, ScriptRunner, SecretStore, SecretWriter } from '../../shared/ports.ts';
import type { AnyIntegration } from '../../shared/sdk/index.ts';
import { DynamoCheckpointStore } from '../../shared/store/dynamo-checkpoint-store.ts';
import { DynamoDeliveryStore } from '../../shared/store/dynamo-delivery-store.ts';
import { DynamoEffectLedger } from '../../shared/store/dynamo-effect-store.ts';
import { DynamoGlobalStore } from '../../shared/store/dynamo-global-store.ts';
import { DynamoJobStore } from '../../shared/store/dynamo-job-store.ts';
import { DynamoTaskStore } from '../../shared/store/dynamo-task-store.ts';
import { DynamoTurnStore } from '../../shared/store/dynamo-turn-store.ts';
import { DynamoLeaseStore } from '../../shared/store/dynamo-lease-store.ts';
import { DynamoNotificationStore } from '../../shared/store/dynamo-notification-store.ts';
import { DynamoRunStore } from '../../shared/store/dynamo-run-store.ts';
import { DynamoScheduleStore } from '../../shared/store/dynamo-schedule-store.ts';
import { DynamoScriptStore } from '../../shared/store/dynamo-script-store.ts';
import { DynamoStateStore } from '../../shared/store/dynamo-state-store.ts';
import type { FunctionDepsOptions } from './clients.ts';
import { runtimeSettings, tableOf } from './common.ts';
import { notificationPublisher } from './notifications.ts';
import { claimCheckStore } from './payloads.ts';
import { runQueue } from './queue.ts';
import { integrationRegistry } from './registry.ts';
import { jobSecrets } from './secrets.ts';

/**
 * The ports of the two functions on a run's path, ingest and the worker: both
 * call all four services — the table (jobs, deliveries, runs), the queue
 * (ingest sends; the worker moves its message for retry back-off), the
 * claim-check bucket (ingest keeps a large event there, the worker reads it
 * back) and Secrets Manager (callers' secrets, secret parameters).
 */
export interface PipelineDepsOptions extends FunctionDepsOptions {
  /** Instead of Secrets Manager (`npm start`: its local store). */
  secrets?: SecretStore;
  /** Instead of the S3 claim-check bucket (`npm start`: files). */
  payloads?: PayloadStore;
  /** Beside the built-in integrations. */
  integrations?: readonly AnyIntegration[];
  /** Writes masked globals' secrets (`npm start`: its local store; admin has its own). */
  secretWriter?: SecretWriter;
  /** Runs uploaded scripts (`npm start`: a child process per run; the AWS worker: the script-runner Lambda). */
  scriptRunner?: ScriptRunner;
}

export const createPipelineDeps = (config: Config, options: PipelineDepsOptions = {}): Deps => {
  const table = tableOf(config, options);
  const payloads = options.payloads ?? claimCheckStore(config, options);
  return {
    // A warm function keeps answering the jobs it has seen while the table is down.
    jobs: withLastKnownJobs(new DynamoJobStore(table)),
    runs: new DynamoRunStore(table),
    deliveries: new DynamoDeliveryStore(table),
    queue: runQueue(config, options),
    payloads,
    secrets:
      options.secrets === undefined ? jobSecrets(config, options) : withLastKnownSecrets(options.secrets),
    clock: systemClock,
    registry: integrationRegistry(options.integrations),
    settings: runtimeSettings(config),
    state: new DynamoStateStore(table),
    checkpoints: new DynamoCheckpointStore(table),
    globals: new DynamoGlobalStore(table),
    notifications: new DynamoNotificationStore(table),
    effects: new DynamoEffectLedger(table),
    // Uploaded scripts: their sources beside large events (S3 in AWS, files under npm start).
    scripts: new DynamoScriptStore({ ...table, payloads }),
    // Operations (issue 9): the worker's overlap lease and concurrency slots; schedules armed by admin.
    schedules: new DynamoScheduleStore(table),
    leases: new DynamoLeaseStore(table),
    // Tickets (issue 10): ticket jobs' tasks; per-key lines that keep one ticket's events in order.
    tasks: new DynamoTaskStore(table),
    turns: new DynamoTurnStore(table),
    ...(options.secretWriter === undefined ? {} : { secretWriter: options.secretWriter }),
    ...(options.scriptRunner === undefined ? {} : { scriptRunner: options.scriptRunner }),
    // Error notifications to the stack's SNS topic (none configured: `npm start`).
    ...notificationPublisher(config, options),
  };
};
