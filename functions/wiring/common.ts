import type { AwsRequestHandler } from '../../shared/aws/client-config.ts';
import { createDynamoClient } from '../../shared/aws/dynamodb-client.ts';
import type { Config } from '../../shared/config.ts';
import type { RuntimeSettings } from '../../shared/runtime/deps.ts';
import { DEFAULT_SETTINGS } from '../../shared/runtime/deps.ts';

/** What every function's composition accepts beside its config. */
export interface FunctionDepsOptions {
  /** @see AwsRequestHandler — the bench builds the real handlers through it. */
  requestHandler?: AwsRequestHandler;
}

/** The table every store of a function shares: one DynamoDB client per process. */
export const tableOf = (config: Config, options: FunctionDepsOptions) => ({
  client: createDynamoClient({
    region: config.AWS_REGION,
    dynamodbEndpoint: config.TRIGGERHUB_DYNAMODB_ENDPOINT,
    requestHandler: options.requestHandler,
  }),
  tableName: config.TRIGGERHUB_TABLE,
  retentionDays: config.TRIGGERHUB_RETENTION_DAYS,
});

/** The runtime's tunables: defaults, with what the stack configures. */
export const runtimeSettings = (config: Config): RuntimeSettings => ({
  ...DEFAULT_SETTINGS,
  maxReceiveCount: config.TRIGGERHUB_MAX_RECEIVE_COUNT,
  retryBaseSeconds: config.TRIGGERHUB_RETRY_BASE_SECONDS,
});
