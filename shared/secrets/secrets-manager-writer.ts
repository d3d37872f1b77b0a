import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  PutSecretValueCommand,
} from '@aws-sdk/client-secrets-manager';
import { ServiceUnavailableError, errorMessage } from '../errors.ts';
import type { SecretWriter } from '../ports.ts';
import { isUnavailableError } from '../resilience/unavailable.ts';

export interface SecretsManagerWriterOptions {
  /** Prefix of the Secrets Manager names (`TRIGGERHUB_SECRET_PREFIX`): `global/token` is `triggerhub/global/token`. */
  prefix: string;
  /** The client, made on the first write (admin's wiring loads this module only then, too). */
  client: () => SecretsManagerClient;
  /** The KMS key a new secret is created under (`TRIGGERHUB_SECRETS_KMS_KEY_ARN`); absent: the AWS-managed key. */
  kmsKeyId?: string;
}

const nameOf = (e: unknown): string =>
  typeof e === 'object' && e !== null && 'name' in e && typeof e.name === 'string' ? e.name : 'Error';

/** An outage is a 503 the operator may retry; anything else (AccessDenied…) is passed on as it is. */
const writeError = (e: unknown, what: string): Error => {
  if (isUnavailableError(e)) {
    const err = new ServiceUnavailableError(`secret store unavailable (${what})`);
    err.cause = e;
    return err;
  }
  return e instanceof Error ? e : new Error(`${what}: ${errorMessage(e)}`);
};

/**
 * Writes secrets the platform itself owns (masked globals) to Secrets
 * Manager: PutSecretValue on an existing secret, CreateSecret for a new one
 * (under the configured KMS key, else the AWS-managed one; a secret an
 * operator created beforehand keeps its own),
 * and a delete without recovery window, so that a global deleted can be
 * created again at once under the same name. Never reads a value back.
 */
export class SecretsManagerWriter implements SecretWriter {
  readonly #prefix: string;
  readonly #makeClient: SecretsManagerWriterOptions['client'];
  readonly #kmsKeyId: string | undefined;
  #client: SecretsManagerClient | undefined;

  constructor(options: SecretsManagerWriterOptions) {
    this.#prefix = options.prefix;
    this.#makeClient = options.client;
    this.#kmsKeyId = options.kmsKeyId;
  }

  get #sm(): SecretsManagerClient {
    return (this.#client ??= this.#makeClient());
  }

  async put(name: string, value: string): Promise<void> {
    const client = this.#sm;
    const secretId = `${this.#prefix}${name}`;
    // Most writes replace a value: try that first, create on "not found", and on a create that lost a
    // race with another (ResourceExistsException) put the value again.
    for (let round = 0; round < 2; round++) {
      try {
        await client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: value }));
        return;
      } catch (e) {
        if (nameOf(e) !== 'ResourceNotFoundException') throw writeError(e, 'put secret value');
      }
      try {
        await client.send(
          new CreateSecretCommand({
            Name: secretId,
            SecretString: value,
            Description: `triggerhub masked global "${name.replace(/^global\//, '')}"`,
            ...(this.#kmsKeyId === undefined ? {} : { KmsKeyId: this.#kmsKeyId }),
          }),
        );
        return;
      } catch (e) {
        if (nameOf(e) !== 'ResourceExistsException') throw writeError(e, 'create secret');
      }
    }
    throw new ServiceUnavailableError(`secret ${secretId} changed while it was written: try again`);
  }

  async delete(name: string): Promise<boolean> {
    const client = this.#sm;
    try {
      await client.send(
        new DeleteSecretCommand({ SecretId: `${this.#prefix}${name}`, ForceDeleteWithoutRecovery: true }),
      );
      return true;
    } catch (e) {
      if (nameOf(e) === 'ResourceNotFoundException') return false;
      throw writeError(e, 'delete secret');
    }
  }
}
