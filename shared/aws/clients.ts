import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { AwsClientsConfig } from './client-config.ts';
import { createDynamoClient } from './dynamodb-client.ts';
import { createS3Client } from './s3-client.ts';
import { createSqsClient } from './sqs-client.ts';

export type { AwsClientsConfig, AwsRequestHandler } from './client-config.ts';

export interface AwsClients {
  ddb: DynamoDBDocumentClient;
  sqs: SQSClient;
  s3: S3Client;
}

/**
 * The DynamoDB, SQS and S3 clients together, created once per process, for
 * `npm start` and the tests, which talk to all three emulators, and for
 * ingest and the worker, which call all three (functions/wiring/pipeline-clients.ts).
 * Admin and the sweeper never import this module: they create only the
 * clients they call, each from its own module, so that their bundles hold no
 * other client package.
 */
export const createAwsClients = (cfg: AwsClientsConfig): AwsClients => ({
  ddb: createDynamoClient(cfg),
  sqs: createSqsClient(cfg),
  s3: createS3Client(cfg),
});
