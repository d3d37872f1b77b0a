import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type * as SecretsManagerSdk from '@aws-sdk/client-secrets-manager';
import { ServiceUnavailableError, errorMessage } from '../errors.ts';
import type { SecretWriter } from '../ports.ts';
import { isUnavailableError } from '../resilience/unavailable.ts';

export interface SecretsManagerWriterOptions {
  /** Prefix of the Secrets Manager names (`TRIGGERHUB_SECRET_PREFIX`): `global/token` is `triggerhub/global/token`. */
  prefix: string;
  /**
   * The client, made on first use: the admin function writes a secret only
   * when an operator sets or deletes a masked global, so its cold start
   * creates (and, through the dynamic imports here, loads) no Secrets
   * Manager code.
   */
  client: () => SecretsManagerClient | Promise<SecretsManagerClient>;
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
 * (AWS-managed key, unless an operator created it beforehand under another),
 * and a delete without recovery window, so that a global deleted can be
 * created again at once under the same name. Never reads a value back.
 */
export class SecretsManagerWriter implements SecretWriter {
  readonly #prefix: string;
  readonly #client: SecretsManagerWriterOptions['client'];
  #ready: Promise<{ client: SecretsManagerClient; sdk: typeof SecretsManagerSdk }> | undefined;

  constructor(options: SecretsManagerWriterOptions) {
    this.#prefix = options.prefix;
    this.#client = options.client;
  }

  #load(): Promise<{ client: SecretsManagerClient; sdk: typeof SecretsManagerSdk }> {
    this.#ready ??= Promise.all([import('@aws-sdk/client-secrets-manager'), this.#client()]).then(
      ([sdk, client]) => ({ sdk, client }),
      (e: unknown) => {
        this.#ready = undefined;
        throw e;
      },
    );
    return this.#ready;
  }

  async put(name: string, value: string): Promise<void> {
    const { client, sdk } = await this.#load();
    const secretId = `${this.#prefix}${name}`;
    // Most writes replace a value: try that first, create on "not found", and on a create that lost a
    // race with another (ResourceExistsException) put the value again.
    for (let round = 0; round < 2; round++) {
      try {
        await client.send(new sdk.PutSecretValueCommand({ SecretId: secretId, SecretString: value }));
        return;
      } catch (e) {
        if (nameOf(e) !== 'ResourceNotFoundException') throw writeError(e, 'put secret value');
      }
      try {
        await client.send(
          new sdk.CreateSecretCommand({
            Name: secretId,
            SecretString: value,
            Description: `triggerhub masked global "${name.replace(/^global\//, '')}"`,
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
    const { client, sdk } = await this.#load();
    try {
      await client.send(
        new sdk.DeleteSecretCommand({ SecretId: `${this.#prefix}${name}`, ForceDeleteWithoutRecovery: true }),
      );
      return true;
    } catch (e) {
      if (nameOf(e) === 'ResourceNotFoundException') return false;
      throw writeError(e, 'delete secret');
    }
  }
}
