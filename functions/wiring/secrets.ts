import { createSecretsManagerClient } from '../../shared/aws/secrets-manager-client.ts';
import type { Config } from '../../shared/config.ts';
import type { SecretStore } from '../../shared/ports.ts';
import { withLastKnownSecrets } from '../../shared/resilience/last-known.ts';
import { SecretsManagerStore } from '../../shared/secrets/secrets-manager-store.ts';
import type { FunctionDepsOptions } from './common.ts';

/**
 * Job secrets from Secrets Manager, on the process's one client, behind the
 * last-known wrapper: a warm function keeps authenticating the callers it has
 * seen while Secrets Manager is down.
 */
export const jobSecrets = (config: Config, options: FunctionDepsOptions): SecretStore =>
  withLastKnownSecrets(
    new SecretsManagerStore({
      client: createSecretsManagerClient({
        region: config.AWS_REGION,
        requestHandler: options.requestHandler,
      }),
      prefix: config.TRIGGERHUB_SECRET_PREFIX,
      maxAge: config.TRIGGERHUB_SECRET_CACHE_SECONDS,
    }),
  );
