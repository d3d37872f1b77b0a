import { createAwsClients } from '../aws/clients.ts';
import type { Config } from '../config.ts';
import { S3PayloadStore } from '../payloads/s3-payload-store.ts';
import type { PayloadStore, SecretStore } from '../ports.ts';
import { systemClock } from '../ports.ts';
import { SqsQueue } from '../queue/sqs-queue.ts';
import { SecretsManagerStore } from '../secrets/secrets-manager-store.ts';
import { DynamoDeliveryStore } from '../store/dynamo-delivery-store.ts';
import { DynamoJobStore } from '../store/dynamo-job-store.ts';
import { DynamoRunStore } from '../store/dynamo-run-store.ts';
import type { AnyIntegration } from '../../integrations/index.ts';
import { builtinIntegrations, createRegistry } from '../../integrations/index.ts';
import type { Deps } from './deps.ts';
import { DEFAULT_SETTINGS } from './deps.ts';

/**
 * Wires the core to DynamoDB, SQS, S3 and a secret store. In Lambda the
 * secrets come from Secrets Manager; `npm start` passes its local store.
 */
export const createDeps = (
  config: Config,
  options: { secrets?: SecretStore; payloads?: PayloadStore; integrations?: readonly AnyIntegration[] } = {},
): Deps => {
  const clients = createAwsClients({
    region: config.AWS_REGION,
    dynamodbEndpoint: config.TRIGGERHUB_DYNAMODB_ENDPOINT,
    sqsEndpoint: config.TRIGGERHUB_SQS_ENDPOINT,
    s3Endpoint: config.TRIGGERHUB_S3_ENDPOINT,
  });
  const table = {
    client: clients.ddb,
    tableName: config.TRIGGERHUB_TABLE,
    retentionDays: config.TRIGGERHUB_RETENTION_DAYS,
  };
  return {
    jobs: new DynamoJobStore(table),
    runs: new DynamoRunStore(table),
    deliveries: new DynamoDeliveryStore(table),
    queue: new SqsQueue({ client: clients.sqs, queueUrl: config.TRIGGERHUB_QUEUE_URL }),
    payloads:
      options.payloads ??
      new S3PayloadStore({ client: clients.s3, bucket: config.TRIGGERHUB_PAYLOAD_BUCKET }),
    secrets:
      options.secrets ??
      new SecretsManagerStore({
        prefix: config.TRIGGERHUB_SECRET_PREFIX,
        maxAge: config.TRIGGERHUB_SECRET_CACHE_SECONDS,
      }),
    clock: systemClock,
    registry: createRegistry([...builtinIntegrations, ...(options.integrations ?? [])]),
    settings: {
      ...DEFAULT_SETTINGS,
      maxReceiveCount: config.TRIGGERHUB_MAX_RECEIVE_COUNT,
      retryBaseSeconds: config.TRIGGERHUB_RETRY_BASE_SECONDS,
    },
  };
};
