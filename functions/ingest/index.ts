import { createDynamoClient } from '../../shared/aws/dynamodb-client.ts';
import { createS3Client } from '../../shared/aws/s3-client.ts';
import { createSecretsManagerClient } from '../../shared/aws/secrets-manager-client.ts';
import { createSqsClient } from '../../shared/aws/sqs-client.ts';
import { loadConfig } from '../../shared/config.ts';
import { lazyHandler } from '../lazy-handler.ts';
import { clientConfigOf } from '../wiring/clients.ts';

// Cold start: the configuration and the clients of the four services ingest
// calls. Its app (router, pipeline, stores, schemas) loads with the first
// request: functions/lazy-handler.ts.
const config = loadConfig();
const cfg = clientConfigOf(config);
const clients = {
  ddb: createDynamoClient(cfg),
  sqs: createSqsClient(cfg),
  s3: createS3Client(cfg),
  secretsManager: createSecretsManagerClient(cfg),
};

/** API Gateway HTTP API → `POST /hooks/{jobId}`, `GET /health`. */
export const handler = lazyHandler(async () =>
  (await import('./app.ts')).createIngestHandler(config, { clients }),
);
