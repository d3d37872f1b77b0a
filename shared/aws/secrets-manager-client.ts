import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AwsClientsConfig } from './client-config.ts';
import { transportOf } from './client-config.ts';

/** The job secrets' client (Secrets Manager; no emulator: `npm start` keeps secrets in files). */
export const createSecretsManagerClient = (
  cfg: Pick<AwsClientsConfig, 'region' | 'requestHandler'>,
): SecretsManagerClient => new SecretsManagerClient({ region: cfg.region, ...transportOf(cfg) });
