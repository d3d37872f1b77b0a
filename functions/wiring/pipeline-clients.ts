import { createAwsClients } from '../../shared/aws/clients.ts';
import { createSecretsManagerClient } from '../../shared/aws/secrets-manager-client.ts';
import type { Config } from '../../shared/config.ts';
import type { FunctionClients } from './clients.ts';
import { clientConfigOf } from './clients.ts';

/**
 * The clients of the four services ingest and the worker call, created at
 * their cold start (functions/ingest/index.ts, functions/worker/index.ts).
 * Not in ./clients.ts, which admin and the sweeper import: their bundles must
 * hold no S3, SQS or Secrets Manager client they do not call.
 */
export const pipelineClients = (config: Config): Required<FunctionClients> => {
  const cfg = clientConfigOf(config);
  return { ...createAwsClients(cfg), secretsManager: createSecretsManagerClient(cfg) };
};
