import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AwsRequestHandler } from '../shared/aws/clients.ts';
import { createAwsClients } from '../shared/aws/clients.ts';
import type { Config } from '../shared/config.ts';
import { S3PayloadStore } from '../shared/payloads/s3-payload-store.ts';
import type { PayloadStore, SecretStore } from '../shared/ports.ts';
import { systemClock } from '../shared/ports.ts';
import { SqsQueue } from '../shared/queue/sqs-queue.ts';
import { SecretsManagerStore } from '../shared/secrets/secrets-manager-store.ts';
import { DynamoDeliveryStore } from '../shared/store/dynamo-delivery-store.ts';
import { DynamoJobStore } from '../shared/store/dynamo-job-store.ts';
import { DynamoRunStore } from '../shared/store/dynamo-run-store.ts';
import { withLastKnownJobs, withLastKnownSecrets } from '../shared/resilience/last-known.ts';
import type { AnyIntegration } from '../shared/sdk/index.ts';
import { createRegistry } from '../shared/sdk/index.ts';
import { builtinIntegrations } from '../integrations/index.ts';
import type { Deps } from '../shared/runtime/deps.ts';
import { DEFAULT_SETTINGS } from '../shared/runtime/deps.ts';

/**
 * Wires the core to DynamoDB, SQS, S3 and a secret store. In Lambda the
 * secrets come from Secrets Manager; `npm start` passes its local store.
 */
export const createDeps = (
  config: Config,
  options: {
    secrets?: SecretStore;
    payloads?: PayloadStore;
    integrations?: readonly AnyIntegration[];
    /** @see AwsRequestHandler */
    requestHandler?: AwsRequestHandler;
  } = {},
): Deps => {
  const clients = createAwsClients({
    region: config.AWS_REGION,
    dynamodbEndpoint: config.TRIGGERHUB_DYNAMODB_ENDPOINT,
    sqsEndpoint: config.TRIGGERHUB_SQS_ENDPOINT,
    s3Endpoint: config.TRIGGERHUB_S3_ENDPOINT,
    requestHandler: options.requestHandler,
  });
  const table = {
    client: clients.ddb,
    tableName: config.TRIGGERHUB_TABLE,
    retentionDays: config.TRIGGERHUB_RETENTION_DAYS,
  };
  return {
    // A warm function keeps answering the jobs it has seen while the table or Secrets Manager is down.
    jobs: withLastKnownJobs(new DynamoJobStore(table)),
    runs: new DynamoRunStore(table),
    deliveries: new DynamoDeliveryStore(table),
    queue: new SqsQueue({ client: clients.sqs, queueUrl: config.TRIGGERHUB_QUEUE_URL }),
    payloads:
      options.payloads ??
      new S3PayloadStore({ client: clients.s3, bucket: config.TRIGGERHUB_PAYLOAD_BUCKET }),
    secrets: withLastKnownSecrets(
      options.secrets ??
        new SecretsManagerStore({
          ...(options.requestHandler === undefined
            ? {}
            : {
                client: new SecretsManagerClient({
                  region: config.AWS_REGION,
                  requestHandler: options.requestHandler,
                }),
              }),
          prefix: config.TRIGGERHUB_SECRET_PREFIX,
          maxAge: config.TRIGGERHUB_SECRET_CACHE_SECONDS,
        }),
    ),
    clock: systemClock,
    registry: createRegistry([...builtinIntegrations, ...(options.integrations ?? [])]),
    settings: {
      ...DEFAULT_SETTINGS,
      maxReceiveCount: config.TRIGGERHUB_MAX_RECEIVE_COUNT,
      retryBaseSeconds: config.TRIGGERHUB_RETRY_BASE_SECONDS,
    },
  };
};
