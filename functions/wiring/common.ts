import { createDynamoClient } from '../../shared/aws/dynamodb-client.ts';
import type { Config } from '../../shared/config.ts';
import type { RuntimeSettings } from '../../shared/runtime/deps.ts';
import { DEFAULT_SETTINGS } from '../../shared/runtime/deps.ts';
import type { FunctionDepsOptions } from './clients.ts';
import { clientConfigOf } from './clients.ts';

/** The table every store of a function shares: one DynamoDB client per process. */
export const tableOf = (config: Config, options: FunctionDepsOptions) => ({
  client: options.clients?.ddb ?? createDynamoClient(clientConfigOf(config, options)),
  tableName: config.TRIGGERHUB_TABLE,
  retentionDays: config.TRIGGERHUB_RETENTION_DAYS,
});

/** The runtime's tunables: defaults, with what the stack configures. */
export const runtimeSettings = (config: Config): RuntimeSettings => ({
  ...DEFAULT_SETTINGS,
  maxReceiveCount: config.TRIGGERHUB_MAX_RECEIVE_COUNT,
  retryBaseSeconds: config.TRIGGERHUB_RETRY_BASE_SECONDS,
});
