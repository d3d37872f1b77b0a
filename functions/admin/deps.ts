import { createSqsClient } from '../../shared/aws/sqs-client.ts';
import type { Config } from '../../shared/config.ts';
import type { AdminDeps } from '../../shared/http/admin-app.ts';
import type { PayloadStore, SecretStore, SecretWriter } from '../../shared/ports.ts';
import { systemClock } from '../../shared/ports.ts';
import { withLastKnownJobs } from '../../shared/resilience/last-known.ts';
import { SqsDeadLetterQueue } from '../../shared/queue/sqs-dead-letter-queue.ts';
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
import type { FunctionDepsOptions } from '../wiring/clients.ts';
import { clientConfigOf } from '../wiring/clients.ts';
import { runtimeSettings, tableOf } from '../wiring/common.ts';
import { notificationPublisher } from '../wiring/notifications.ts';
import { runQueue } from '../wiring/queue.ts';
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
 * Job secrets, read (as the worker reads them: Secrets Manager under the
 * stack's prefix, cached, last-known while it is down) for a ticket job's
 * calls to its target — validate on apply, queues, fields, default mappings
 * — and masked globals (a `proxy`). The store, its commands and its client
 * are loaded and created by the first read, so the admin function's cold
 * start keeps only DynamoDB.
 */
const lazyJobSecrets = (config: Config, options: FunctionDepsOptions): SecretStore => {
  let store: Promise<SecretStore> | undefined;
  const load = (): Promise<SecretStore> =>
    (store ??= import('../wiring/secrets.ts').then(
      ({ jobSecrets }) => jobSecrets(config, options),
      (e: unknown) => {
        store = undefined;
        throw e;
      },
    ));
  return {
    getVersions: async (name) => (await load()).getVersions(name),
    getMany: async (names) => {
      const loaded = await load();
      if (loaded.getMany !== undefined) return loaded.getMany(names);
      const found = new Map<string, string>();
      for (const name of names) {
        const [current] = await loaded.getVersions(name);
        if (current !== undefined) found.set(name, current);
      }
      return found;
    },
  };
};

/**
 * The claim-check bucket (uploaded scripts' sources, and a replayed event too
 * large for the run item): the store, its commands and its S3 client are
 * loaded and created by the first upload or download, so the admin
 * function's cold start keeps only DynamoDB.
 */
const lazyClaimCheck = (config: Config, options: FunctionDepsOptions): PayloadStore => {
  let store: Promise<PayloadStore> | undefined;
  const load = (): Promise<PayloadStore> =>
    (store ??= Promise.all([
      import('../../shared/payloads/s3-payload-store.ts'),
      import('../../shared/aws/s3-client.ts'),
    ]).then(
      ([{ S3PayloadStore }, { createS3Client }]) =>
        new S3PayloadStore({
          client: options.clients?.s3 ?? createS3Client(clientConfigOf(config, options)),
          bucket: config.TRIGGERHUB_PAYLOAD_BUCKET,
        }),
      (e: unknown) => {
        store = undefined;
        throw e;
      },
    ));
  return {
    put: async (key, body) => (await load()).put(key, body),
    get: async (ref) => (await load()).get(ref),
    // A replay asks whether its original's event is still kept (S3PayloadStore has it).
    exists: async (ref) => {
      const store = await load();
      return store.exists === undefined ? true : store.exists(ref);
    },
  };
};

/**
 * The admin function's ports: the table (jobs, runs and the run toolbox's
 * stores), the integrations' manifests, a Secrets Manager writer (masked
 * globals) and a reader of job secrets (a ticket job's calls to its target),
 * both created on first use; the claim-check bucket, its client also created on
 * first use: uploaded scripts' sources, and an event too large for a run item that a replay or
 * redrive makes; the run queue for those runs, and the dead-letter queue when `TRIGGERHUB_DLQ_URL`
 * is set (one SQS client for both, created with the app).
 */
export const createAdminDeps = (config: Config, options: FunctionDepsOptions = {}): AdminDeps => {
  const table = tableOf(config, options);
  const sqs = options.clients?.sqs ?? createSqsClient(clientConfigOf(config, options));
  const withSqs: FunctionDepsOptions = { ...options, clients: { ...options.clients, sqs } };
  const payloads = lazyClaimCheck(config, options);
  return {
    queue: runQueue(config, withSqs),
    payloads,
    settings: runtimeSettings(config),
    deliveries: new DynamoDeliveryStore(table),
    ...(config.TRIGGERHUB_DLQ_URL === undefined
      ? {}
      : { deadLetters: new SqsDeadLetterQueue({ client: sqs, queueUrl: config.TRIGGERHUB_DLQ_URL }) }),
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
    scripts: new DynamoScriptStore({ ...table, payloads }),
    secretWriter: lazySecretWriter(config, options),
    // A ticket job's target calls (validate on apply, queues, fields): its password parameters.
    secrets: lazyJobSecrets(config, options),
    // The jobs grid: a scheduled job's `schedule` lease says it is running.
    leases: new DynamoLeaseStore(table),
    // Tickets (issue 10): ticket jobs' tasks; per-key lines that keep one ticket's events in order.
    tasks: new DynamoTaskStore(table),
    turns: new DynamoTurnStore(table),
    ...notificationPublisher(config, options),
  };
};
