import type { GetSecretValueCommandOutput } from '@aws-sdk/client-secrets-manager';
import {
  BatchGetSecretValueCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { ServiceUnavailableError, ValidationError, errorMessage } from '../errors.ts';
import type { SecretStore } from '../ports.ts';
import { DEFAULT_SECRET_PREFIX } from '../model/index.ts';
import { isUnavailableError } from '../resilience/unavailable.ts';
import { platformLogger } from '../runtime/platform-logger.ts';
import { clip } from '../sdk/text.ts';

export { DEFAULT_SECRET_PREFIX };
const DEFAULT_MAX_AGE_SECONDS = 60;
/** BatchGetSecretValue takes at most 20 secret ids per call. */
export const BATCH_GET_MAX_IDS = 20;
/** Pages of one BatchGetSecretValue followed at most: 20 ids fit in one; a bound, not a limit. */
const MAX_BATCH_PAGES = 5;
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

/** Sets a cache entry, forgetting the oldest one beyond {@link MAX_CACHED_SECRETS}. */
const remember = <V>(cache: Map<string, V>, key: string, value: V): void => {
  cache.delete(key);
  cache.set(key, value);
  if (cache.size > MAX_CACHED_SECRETS) cache.delete(cache.keys().next().value as string);
};

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
 * Job secrets from Secrets Manager: `GetSecretValue` for the current and the
 * previous version stage, on the one client given, both versions of a secret
 * cached together here for `maxAge` seconds from when the read began. During
 * a rotation both the current and the previous value are valid, so callers
 * accept either.
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
  readonly #client: SecretsManagerClient;
  readonly #prefix: string;
  readonly #maxAge: number;
  /** Both versions of each secret read less than `maxAge` ago: a warm request costs one map lookup. */
  readonly #versions = new Map<string, { values: string[]; until: number }>();
  /** Each version stage found absent less than `maxAge` ago: without this every request would ask again. */
  readonly #absentUntil = new Map<string, number>();
  /** Why each unreadable secret was last reported: one WARN per secret and reason, not one per request. */
  readonly #warned = new Map<string, string>();
  /** Current values (undefined: absent) read by {@link getMany} less than `maxAge` ago. */
  readonly #current = new Map<string, { value: string | undefined; until: number }>();

  constructor(options: SecretsManagerStoreOptions = {}) {
    const maxAge = options.maxAge ?? DEFAULT_MAX_AGE_SECONDS;
    if (!Number.isFinite(maxAge) || maxAge < 0) {
      throw new ValidationError('maxAge must be a number of seconds ≥ 0', 'invalid_configuration');
    }
    this.#client = options.client ?? new SecretsManagerClient({});
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
      this.#read(secretId, 'AWSCURRENT', until),
      this.#read(secretId, 'AWSPREVIOUS', until),
    ]);
    const values =
      current === undefined
        ? []
        : previous === undefined || previous === current
          ? [current]
          : [current, previous];
    if (this.#maxAge > 0 && values.length > 0) remember(this.#versions, name, { values, until });
    return values;
  }

  /**
   * The current values of several secrets (masked globals), by name; a
   * secret that is absent or unreadable is left out. BatchGetSecretValue,
   * at most 20 names a call, AWSCURRENT only: a run needs no previous value,
   * and one call instead of two GetSecretValue per secret. Cached per name
   * for `maxAge` like {@link getVersions}; an outage is a
   * ServiceUnavailableError.
   */
  async getMany(names: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const now = Date.now();
    const wanted: string[] = [];
    for (const name of new Set(names)) {
      const known = this.#current.get(name);
      if (known !== undefined && known.until > now) {
        if (known.value !== undefined) found.set(name, known.value);
      } else {
        wanted.push(name);
      }
    }
    const until = now + this.#maxAge * 1000;
    for (let at = 0; at < wanted.length; at += BATCH_GET_MAX_IDS) {
      const batch = wanted.slice(at, at + BATCH_GET_MAX_IDS);
      const values = await this.#batchGet(batch);
      for (const name of batch) {
        const value = values.get(name);
        if (value !== undefined) found.set(name, value);
        if (this.#maxAge > 0) remember(this.#current, name, { value, until });
      }
    }
    return found;
  }

  /** One BatchGetSecretValue (and its pages, if any) for at most 20 names. */
  async #batchGet(names: readonly string[]): Promise<Map<string, string>> {
    const values = new Map<string, string>();
    const byId = new Map(names.map((name) => [`${this.#prefix}${name}`, name]));
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_BATCH_PAGES; page++) {
      let out;
      try {
        out = await this.#client.send(
          new BatchGetSecretValueCommand({ SecretIdList: [...byId.keys()], NextToken: nextToken }),
        );
      } catch (e) {
        if (isUnavailableError(e)) {
          const err = new ServiceUnavailableError('secret store unavailable');
          err.cause = e;
          throw err;
        }
        throw e;
      }
      for (const secret of out.SecretValues ?? []) {
        const name = secret.Name === undefined ? undefined : byId.get(secret.Name);
        const value =
          secret.SecretString ??
          (secret.SecretBinary === undefined ? undefined : decoder.decode(secret.SecretBinary));
        if (name !== undefined && value !== undefined) values.set(name, value);
      }
      for (const error of out.Errors ?? []) {
        // A missing secret is absent, nothing to say; anything else gets its one WARN line.
        if (error.ErrorCode === 'ResourceNotFoundException' || error.SecretId === undefined) continue;
        const cause = Object.assign(new Error(error.Message ?? 'refused'), {
          name: error.ErrorCode ?? 'Error',
        });
        this.#warnUnreadable(error.SecretId, 'AWSCURRENT', cause);
      }
      nextToken = out.NextToken;
      if (nextToken === undefined) break;
    }
    return values;
  }

  /** One version stage's value; undefined when it is absent or unreadable. */
  async #read(secretId: string, stage: Stage, until: number): Promise<string | undefined> {
    const absentKey = `${stage}\n${secretId}`;
    const absentUntil = this.#absentUntil.get(absentKey);
    if (absentUntil !== undefined) {
      if (absentUntil > Date.now()) return undefined;
      this.#absentUntil.delete(absentKey);
    }
    let out: GetSecretValueCommandOutput;
    try {
      out = await this.#client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
    } catch (e) {
      if (isUnavailableError(e)) {
        const err = new ServiceUnavailableError('secret store unavailable');
        err.cause = e;
        throw err;
      }
      // A missing secret, or a secret without a previous version (never rotated): absent, nothing to say.
      if (nameOf(e) !== 'ResourceNotFoundException') this.#warnUnreadable(secretId, stage, e);
      return this.#absent(absentKey, until);
    }
    const value =
      out.SecretString ?? (out.SecretBinary === undefined ? undefined : decoder.decode(out.SecretBinary));
    if (value === undefined) return this.#absent(absentKey, until);
    if (stage === 'AWSCURRENT') this.#warned.delete(secretId);
    return value;
  }

  /** Remembers a version stage as absent until `until` (when there is a cache); answers undefined. */
  #absent(absentKey: string, until: number): undefined {
    if (this.#maxAge > 0) remember(this.#absentUntil, absentKey, until);
    return undefined;
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
