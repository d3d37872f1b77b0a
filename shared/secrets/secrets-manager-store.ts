import { GetParameterError, ParameterNotFoundError } from '@aws-lambda-powertools/parameters/errors';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ServiceUnavailableError, ValidationError } from '../errors.ts';
import type { SecretStore } from '../ports.ts';
import { DEFAULT_SECRET_PREFIX } from '../model/index.ts';

export { DEFAULT_SECRET_PREFIX };
const DEFAULT_MAX_AGE_SECONDS = 60;

type Stage = 'AWSCURRENT' | 'AWSPREVIOUS';

export interface SecretsManagerStoreOptions {
  /** The client to use (one per process); Powertools creates one when absent. */
  client?: SecretsManagerClient;
  /** Prefix of the Secrets Manager names: job secret `demo` is `triggerhub/demo`. @default 'triggerhub/' */
  prefix?: string;
  /** Seconds a value (or its absence) is cached; 0 reads every time. @default 60 */
  maxAge?: number;
}

const decoder = new TextDecoder('utf-8');

/**
 * Job secrets from Secrets Manager, through the Powertools provider (cached
 * for `maxAge` seconds). During a rotation both the current and the previous
 * value are valid, so callers accept either.
 */
export class SecretsManagerStore implements SecretStore {
  // Powertools caches by name (and transform), not by SDK options: one provider per version
  // stage, or AWSPREVIOUS would be answered from AWSCURRENT's cache entry.
  readonly #providers: Record<Stage, SecretsProvider>;
  readonly #prefix: string;
  readonly #maxAge: number;
  /** Absences are not cached by Powertools; without this every request would ask again. */
  readonly #absentUntil = new Map<string, number>();

  constructor(options: SecretsManagerStoreOptions = {}) {
    const maxAge = options.maxAge ?? DEFAULT_MAX_AGE_SECONDS;
    if (!Number.isFinite(maxAge) || maxAge < 0) {
      throw new ValidationError('maxAge must be a number of seconds ≥ 0', 'invalid_configuration');
    }
    const config = options.client === undefined ? {} : { awsSdkV3Client: options.client };
    this.#providers = { AWSCURRENT: new SecretsProvider(config), AWSPREVIOUS: new SecretsProvider(config) };
    this.#prefix = options.prefix ?? DEFAULT_SECRET_PREFIX;
    this.#maxAge = maxAge;
  }

  async getVersions(name: string): Promise<string[]> {
    const secretId = `${this.#prefix}${name}`;
    const [current, previous] = await Promise.all([
      this.#read(secretId, 'AWSCURRENT'),
      this.#read(secretId, 'AWSPREVIOUS'),
    ]);
    if (current === undefined) return [];
    return previous === undefined || previous === current ? [current] : [current, previous];
  }

  async #read(secretId: string, stage: Stage): Promise<string | undefined> {
    const absentKey = `${stage}\n${secretId}`;
    const absentUntil = this.#absentUntil.get(absentKey);
    if (absentUntil !== undefined) {
      if (absentUntil > Date.now()) return undefined;
      this.#absentUntil.delete(absentKey);
    }
    try {
      const value = await this.#providers[stage].get(secretId, {
        maxAge: this.#maxAge,
        throwOnMissing: true,
        sdkOptions: { VersionStage: stage },
      });
      return typeof value === 'string' ? value : decoder.decode(value);
    } catch (e) {
      // A missing secret, or a secret without a previous version (never rotated).
      if (e instanceof ParameterNotFoundError) {
        if (this.#maxAge > 0) this.#absentUntil.set(absentKey, Date.now() + this.#maxAge * 1000);
        return undefined;
      }
      const err = new ServiceUnavailableError('secret store unavailable');
      // Powertools wraps the SDK's error: keep that one, it says what went wrong.
      err.cause = e instanceof GetParameterError && e.cause !== undefined ? e.cause : e;
      throw err;
    }
  }
}
