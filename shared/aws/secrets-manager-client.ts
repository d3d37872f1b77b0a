import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AwsClientsConfig } from './client-config.ts';
import { transportOf } from './client-config.ts';

/**
 * The job secrets' client, one per process, built like its siblings (the
 * SDK's own retry settings, the bench's transport when given). No endpoint:
 * no emulator serves Secrets Manager — `npm start` reads its secrets from
 * the environment and files (LocalSecretStore).
 */
export const createSecretsManagerClient = (
  cfg: Pick<AwsClientsConfig, 'region' | 'requestHandler'>,
): SecretsManagerClient => new SecretsManagerClient({ region: cfg.region, ...transportOf(cfg) });
