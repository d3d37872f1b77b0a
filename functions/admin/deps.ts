import type { Config } from '../../shared/config.ts';
import type { AdminDeps } from '../../shared/http/admin-app.ts';
import type { SecretWriter } from '../../shared/ports.ts';
import { systemClock } from '../../shared/ports.ts';
import { withLastKnownJobs } from '../../shared/resilience/last-known.ts';
import { DynamoCheckpointStore } from '../../shared/store/dynamo-checkpoint-store.ts';
import { DynamoEffectLedger } from '../../shared/store/dynamo-effect-store.ts';
import { DynamoGlobalStore } from '../../shared/store/dynamo-global-store.ts';
import { DynamoJobStore } from '../../shared/store/dynamo-job-store.ts';
import { DynamoNotificationStore } from '../../shared/store/dynamo-notification-store.ts';
import { DynamoRunStore } from '../../shared/store/dynamo-run-store.ts';
import { DynamoScheduleStore } from '../../shared/store/dynamo-schedule-store.ts';
import { DynamoStateStore } from '../../shared/store/dynamo-state-store.ts';
import type { FunctionDepsOptions } from '../wiring/clients.ts';
import { clientConfigOf } from '../wiring/clients.ts';
import { tableOf } from '../wiring/common.ts';
import { notificationPublisher } from '../wiring/notifications.ts';
import { integrationRegistry } from '../wiring/registry.ts';

/**
 * Writes masked globals' values (never reads them) to Secrets Manager: the
 * writer, its commands and its client are loaded and created by the first
 * write, so the admin function's cold start keeps only DynamoDB.
 */
const lazySecretWriter = (config: Config, options: FunctionDepsOptions): SecretWriter => {
  let writer: Promise<SecretWriter> | undefined;
  const load = (): Promise<SecretWriter> =>
    (writer ??= Promise.all([
      import('../../shared/secrets/secrets-manager-writer.ts'),
      import('../../shared/aws/secrets-manager-client.ts'),
    ]).then(
      ([{ SecretsManagerWriter }, { createSecretsManagerClient }]) =>
        new SecretsManagerWriter({
          prefix: config.TRIGGERHUB_SECRET_PREFIX,
          kmsKeyId: config.TRIGGERHUB_SECRETS_KMS_KEY_ARN,
          client: () =>
            options.clients?.secretsManager ?? createSecretsManagerClient(clientConfigOf(config, options)),
        }),
      (e: unknown) => {
        writer = undefined;
        throw e;
      },
    ));
  return {
    put: async (name, value) => (await load()).put(name, value),
    delete: async (name) => (await load()).delete(name),
  };
};

/**
 * The admin function's ports: the table (jobs, runs and the run toolbox's
 * stores), the integrations' manifests, and a Secrets Manager writer created
 * on first use (it never reads a secret). No queue or bucket — not even their SDK clients are in its bundle.
 */
export const createAdminDeps = (config: Config, options: FunctionDepsOptions = {}): AdminDeps => {
  const table = tableOf(config, options);
  return {
    jobs: withLastKnownJobs(new DynamoJobStore(table)),
    runs: new DynamoRunStore(table),
    clock: systemClock,
    registry: integrationRegistry(),
    state: new DynamoStateStore(table),
    checkpoints: new DynamoCheckpointStore(table),
    globals: new DynamoGlobalStore(table),
    notifications: new DynamoNotificationStore(table),
    effects: new DynamoEffectLedger(table),
    // A job's schedule is armed when it is applied, removed when it is deleted.
    schedules: new DynamoScheduleStore(table),
    secretWriter: lazySecretWriter(config, options),
    ...notificationPublisher(config, options),
  };
};
