import { GetParameterError, ParameterNotFoundError } from '@aws-lambda-powertools/parameters/errors';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ServiceUnavailableError, ValidationError, errorMessage } from '../errors.ts';
import type { SecretStore } from '../ports.ts';
import { DEFAULT_SECRET_PREFIX } from '../model/index.ts';
import { isUnavailableError } from '../resilience/unavailable.ts';
import { platformLogger } from '../runtime/platform-logger.ts';
import { clip } from '../sdk/text.ts';

export { DEFAULT_SECRET_PREFIX };
const DEFAULT_MAX_AGE_SECONDS = 60;
/** Secrets remembered at most (oldest forgotten first): jobs name a handful. */
const MAX_CACHED_SECRETS = 1000;

type Stage = 'AWSCURRENT' | 'AWSPREVIOUS';

export interface SecretsManagerStoreOptions {
  /** The client to use (one per process); the store creates one from the environment when absent. */
  client?: SecretsManagerClient;
  /** Prefix of the Secrets Manager names: job secret `demo` is `triggerhub/demo`. @default 'triggerhub/' */
  prefix?: string;
  /** Seconds a value (or its absence) is cached; 0 reads every time. @default 60 */
  maxAge?: number;
}

const decoder = new TextDecoder('utf-8');

const nameOf = (e: unknown): string =>
  typeof e === 'object' && e !== null && 'name' in e && typeof e.name === 'string' ? e.name : 'Error';

/**
 * Why Secrets Manager will not give a secret's value, for the WARN line: the
 * operator's fix differs (restore the secret, grant the read, fix the key).
 */
const unreadableBecause = (name: string, message: string): string => {
  if (name === 'InvalidRequestException' && /deletion|deleted/i.test(message)) {
    return 'it is scheduled for deletion (restore it with aws secretsmanager restore-secret)';
  }
  if (name === 'AccessDeniedException') {
    return /kms/i.test(message)
      ? 'this function may not use its KMS key (kms:Decrypt)'
      : 'this function may not read it (secretsmanager:GetSecretValue, or kms:Decrypt on its key)';
  }
  if (name === 'DecryptionFailure') return 'Secrets Manager cannot decrypt it with its KMS key';
  if (/kms/i.test(name) || /kms/i.test(message))
    return 'its KMS key cannot be used (disabled, deleted or not granted)';
  return 'Secrets Manager refuses to return it';
};

/**
 * Job secrets from Secrets Manager, read through the Powertools provider and
 * cached here, both versions of a secret together, for `maxAge` seconds from
 * when the read began (Powertools is asked with `forceFetch`, so its own
 * cache never answers). During a rotation both the current and the previous
 * value are valid, so callers accept either.
 *
 * A secret Secrets Manager will not hand out — scheduled for deletion
 * (InvalidRequestException), the read or its KMS key no longer allowed
 * (AccessDeniedException, DecryptionFailure, KMS errors) — is answered as
 * absent, like a deleted one, with one WARN line saying why (never the
 * value): it must stop authenticating callers, not be mistaken for an
 * outage and answered from memory. Only an outage (throttling, a 5xx,
 * InternalServiceError, a network error or time-out) is a
 * ServiceUnavailableError.
 */
export class SecretsManagerStore implements SecretStore {
  // Powertools keys what it stores by name (and transform), not by SDK options: one provider per
  // version stage, so that the two stages never share an entry even though `forceFetch` skips reading it.
  readonly #providers: Record<Stage, SecretsProvider>;
  readonly #prefix: string;
  readonly #maxAge: number;
  /**
   * Both versions of each secret read less than `maxAge` ago: the one cache (Powertools is asked
   * with `forceFetch`), so a warm request costs one map lookup, not two provider reads.
   */
  readonly #versions = new Map<string, { values: string[]; until: number }>();
  /** Absences are not cached by Powertools; without this every request would ask again. */
  readonly #absentUntil = new Map<string, number>();
  /** Why each unreadable secret was last reported: one WARN per secret and reason, not one per request. */
  readonly #warned = new Map<string, string>();

  constructor(options: SecretsManagerStoreOptions = {}) {
    const maxAge = options.maxAge ?? DEFAULT_MAX_AGE_SECONDS;
    if (!Number.isFinite(maxAge) || maxAge < 0) {
      throw new ValidationError('maxAge must be a number of seconds ≥ 0', 'invalid_configuration');
    }
    // One client for both providers: left to itself, each provider would build its own, and a
    // second client costs its construction at cold start and its own connection pool.
    const config = { awsSdkV3Client: options.client ?? new SecretsManagerClient({}) };
    this.#providers = { AWSCURRENT: new SecretsProvider(config), AWSPREVIOUS: new SecretsProvider(config) };
    this.#prefix = options.prefix ?? DEFAULT_SECRET_PREFIX;
    this.#maxAge = maxAge;
  }

  async getVersions(name: string): Promise<string[]> {
    const known = this.#versions.get(name);
    if (known !== undefined) {
      if (known.until > Date.now()) return known.values;
      this.#versions.delete(name);
    }
    // Valid `maxAge` from when the read began: never longer than that after Secrets Manager said it.
    const until = Date.now() + this.#maxAge * 1000;
    const secretId = `${this.#prefix}${name}`;
    const [current, previous] = await Promise.all([
      this.#read(secretId, 'AWSCURRENT'),
      this.#read(secretId, 'AWSPREVIOUS'),
    ]);
    const values =
      current === undefined
        ? []
        : previous === undefined || previous === current
          ? [current]
          : [current, previous];
    if (this.#maxAge > 0 && values.length > 0) {
      this.#versions.set(name, { values, until });
      if (this.#versions.size > MAX_CACHED_SECRETS)
        this.#versions.delete(this.#versions.keys().next().value as string);
    }
    return values;
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
        forceFetch: true,
        throwOnMissing: true,
        sdkOptions: { VersionStage: stage },
      });
      if (stage === 'AWSCURRENT') this.#warned.delete(secretId);
      return typeof value === 'string' ? value : decoder.decode(value);
    } catch (e) {
      // Powertools wraps the SDK's error: that one says what went wrong.
      const cause = e instanceof GetParameterError && e.cause !== undefined ? e.cause : e;
      if (isUnavailableError(cause)) {
        const err = new ServiceUnavailableError('secret store unavailable');
        err.cause = cause;
        throw err;
      }
      // A missing secret, or a secret without a previous version (never rotated): absent, nothing to say.
      const missing = e instanceof ParameterNotFoundError || nameOf(cause) === 'ResourceNotFoundException';
      if (!missing) this.#warnUnreadable(secretId, stage, cause);
      if (this.#maxAge > 0) this.#absentUntil.set(absentKey, Date.now() + this.#maxAge * 1000);
      return undefined;
    }
  }

  #warnUnreadable(secretId: string, stage: Stage, cause: unknown): void {
    const reason = nameOf(cause);
    if (this.#warned.get(secretId) === reason) return;
    this.#warned.set(secretId, reason);
    // AWS's message names the secret and the caller, never the value.
    const message = errorMessage(cause);
    platformLogger.warn('secret cannot be read: treated as absent, so it authenticates nobody', {
      secret: secretId,
      stage,
      reason,
      why: unreadableBecause(reason, message),
      error: clip(message, 300),
    });
  }
}
