import { createAwsClients } from '../shared/aws/clients.ts';
import type { AwsRequestHandler } from '../shared/aws/clients.ts';
import type { Config } from '../shared/config.ts';
import { S3PayloadStore } from '../shared/payloads/s3-payload-store.ts';
import type { PayloadStore, SecretStore } from '../shared/ports.ts';
import { systemClock } from '../shared/ports.ts';
import { SqsQueue } from '../shared/queue/sqs-queue.ts';
import { withLastKnownJobs, withLastKnownSecrets } from '../shared/resilience/last-known.ts';
import type { Deps } from '../shared/runtime/deps.ts';
import type { AnyIntegration } from '../shared/sdk/index.ts';
import { DynamoDeliveryStore } from '../shared/store/dynamo-delivery-store.ts';
import { DynamoJobStore } from '../shared/store/dynamo-job-store.ts';
import { DynamoRunStore } from '../shared/store/dynamo-run-store.ts';
import { runtimeSettings } from './wiring/common.ts';
import { integrationRegistry } from './wiring/registry.ts';
import { jobSecrets } from './wiring/secrets.ts';

/**
 * Every port at once, for the all-in-one local process (`npm start`, which
 * passes its local secret store and file payloads) and the bench. No Lambda
 * entry imports this module: each builds only the ports it uses
 * (functions/<name>/deps.ts), so that its bundle holds only the SDK clients
 * it calls.
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
  const registry = integrationRegistry(options.integrations);
  // A Lambda's registry checks its manifests on first use; this process checks them now,
  // so that a bad or duplicate integration stops `npm start` before it serves anything.
  registry.list();
  return {
    // A warm function keeps answering the jobs it has seen while the table or Secrets Manager is down.
    jobs: withLastKnownJobs(new DynamoJobStore(table)),
    runs: new DynamoRunStore(table),
    deliveries: new DynamoDeliveryStore(table),
    queue: new SqsQueue({ client: clients.sqs, queueUrl: config.TRIGGERHUB_QUEUE_URL }),
    payloads:
      options.payloads ??
      new S3PayloadStore({ client: clients.s3, bucket: config.TRIGGERHUB_PAYLOAD_BUCKET }),
    secrets:
      options.secrets === undefined
        ? jobSecrets(config, { requestHandler: options.requestHandler })
        : withLastKnownSecrets(options.secrets),
    clock: systemClock,
    registry,
    settings: runtimeSettings(config),
  };
};
