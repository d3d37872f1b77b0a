import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AwsClientsConfig } from './client-config.ts';
import { EMULATOR_CREDENTIALS, transportOf } from './client-config.ts';

/** The DynamoDB document client every table adapter uses; with an endpoint it talks to dynalite. */
export const createDynamoClient = (
  cfg: Pick<AwsClientsConfig, 'region' | 'dynamodbEndpoint' | 'requestHandler'>,
): DynamoDBDocumentClient => {
  const { region } = cfg;
  const dynamo = new DynamoDBClient(
    cfg.dynamodbEndpoint === undefined
      ? { region, ...transportOf(cfg) }
      : { region, ...transportOf(cfg), endpoint: cfg.dynamodbEndpoint, credentials: EMULATOR_CREDENTIALS },
  );
  return DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
};
