import { createDynamoClient } from '../../shared/aws/dynamodb-client.ts';
import { createS3Client } from '../../shared/aws/s3-client.ts';
import { createSecretsManagerClient } from '../../shared/aws/secrets-manager-client.ts';
import { createSqsClient } from '../../shared/aws/sqs-client.ts';
import { loadConfig } from '../../shared/config.ts';
import { lazyHandler } from '../lazy-handler.ts';
import { clientConfigOf } from '../wiring/clients.ts';

// Cold start: the configuration and the clients of the four services the
// worker calls. Its app (batch processing, runtime, integrations) loads with
// the first batch: functions/lazy-handler.ts.
const config = loadConfig();
const cfg = clientConfigOf(config);
const clients = {
  ddb: createDynamoClient(cfg),
  sqs: createSqsClient(cfg),
  s3: createS3Client(cfg),
  secretsManager: createSecretsManagerClient(cfg),
};

/** SQS event source with `reportBatchItemFailures`. */
export const handler = lazyHandler(async () =>
  (await import('./app.ts')).createWorkerLambda(config, { clients }),
);
