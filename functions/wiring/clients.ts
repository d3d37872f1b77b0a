import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { AwsClientsConfig, AwsRequestHandler } from '../../shared/aws/client-config.ts';
import type { Config } from '../../shared/config.ts';

/**
 * SDK clients a function's entry has already created at cold start
 * (functions/<name>/index.ts), handed to its app when the first request
 * loads it: one client per service and process. A composition creates any
 * client it is not given.
 */
export interface FunctionClients {
  ddb?: DynamoDBDocumentClient;
  sqs?: SQSClient;
  s3?: S3Client;
  secretsManager?: SecretsManagerClient;
}

/** What every function's composition accepts beside its config. */
export interface FunctionDepsOptions {
  /** @see AwsRequestHandler — the bench builds the real handlers through it. */
  requestHandler?: AwsRequestHandler;
  /** Clients the entry created at cold start. */
  clients?: FunctionClients;
}

/** The client settings the configuration holds: region, and the local emulators' endpoints. */
export const clientConfigOf = (config: Config, options: FunctionDepsOptions = {}): AwsClientsConfig => ({
  region: config.AWS_REGION,
  dynamodbEndpoint: config.TRIGGERHUB_DYNAMODB_ENDPOINT,
  sqsEndpoint: config.TRIGGERHUB_SQS_ENDPOINT,
  s3Endpoint: config.TRIGGERHUB_S3_ENDPOINT,
  requestHandler: options.requestHandler,
});
