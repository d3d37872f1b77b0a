import type { Config } from '../../shared/config.ts';
import type { AdminDeps } from '../../shared/http/admin-app.ts';
import type { LeaseStore, PayloadStore, Queue, ScheduleStore, SecretWriter } from '../../shared/ports.ts';
import { notBuilt } from '../../shared/testing/not-built.ts';
import { systemClock } from '../../shared/ports.ts';
import { withLastKnownJobs } from '../../shared/resilience/last-known.ts';
import { DynamoCheckpointStore } from '../../shared/store/dynamo-checkpoint-store.ts';
import { DynamoEffectLedger } from '../../shared/store/dynamo-effect-store.ts';
import { DynamoGlobalStore } from '../../shared/store/dynamo-global-store.ts';
import { DynamoJobStore } from '../../shared/store/dynamo-job-store.ts';
import { DynamoNotificationStore } from '../../shared/store/dynamo-notification-store.ts';
import { DynamoRunStore } from '../../shared/store/dynamo-run-store.ts';
import { DynamoStateStore } from '../../shared/store/dynamo-state-store.ts';
import type { FunctionDepsOptions } from '../wiring/clients.ts';
import { clientConfigOf } from '../wiring/clients.ts';
import { runtimeSettings, tableOf } from '../wiring/common.ts';
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
 * A port whose module (and SDK client) loads with its first call: admin
 * answers most requests from the table alone, so its cold start keeps only
 * DynamoDB. A failed load is tried again by the next call.
 */
const onFirstUse = <T>(load: () => Promise<T>): (() => Promise<T>) => {
  let loaded: Promise<T> | undefined;
  return () =>
    (loaded ??= load().catch((e: unknown) => {
      loaded = undefined;
      throw e;
    }));
};

/** The run queue, for run now (and replays): SQS is loaded by the first send. */
const lazyRunQueue = (config: Config, options: FunctionDepsOptions): Queue => {
  const queue = onFirstUse(async () => (await import('../wiring/queue.ts')).runQueue(config, options));
  return {
    send: async (message) => (await queue()).send(message),
    sendBatch: async (messages) => (await queue()).sendBatch(messages),
    retryLater: async (handle, seconds) => (await queue()).retryLater(handle, seconds),
    sendLater: async (message, seconds) => (await queue()).sendLater(message, seconds),
  };
};

/** The claim-check bucket (a run's event too large for its item): S3 is loaded by the first call. */
const lazyPayloads = (config: Config, options: FunctionDepsOptions): PayloadStore => {
  const payloads = onFirstUse(async () =>
    (await import('../wiring/payloads.ts')).claimCheckStore(config, options),
  );
  return {
    put: async (key, body) => (await payloads()).put(key, body),
    get: async (ref) => (await payloads()).get(ref),
  };
};

/**
 * The admin function's ports: the table (jobs, runs and the run toolbox's
 * stores), the integrations' manifests, and a Secrets Manager writer created
 * on first use (it never reads a secret); the run queue and the claim-check
 * bucket (run now) are loaded by their first call too.
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
    secretWriter: lazySecretWriter(config, options),
    queue: lazyRunQueue(config, options),
    payloads: lazyPayloads(config, options),
    settings: runtimeSettings(config),
    // SEAM PLACEHOLDERS (issue 9): the jobs grid reads them; replaced by their DynamoDB stores.
    schedules: notBuilt<ScheduleStore>('ScheduleStore'),
    leases: notBuilt<LeaseStore>('LeaseStore'),
    ...notificationPublisher(config, options),
  };
};
