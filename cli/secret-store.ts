import { join, relative } from 'node:path';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type * as SecretsManagerSdk from '@aws-sdk/client-secrets-manager';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { NotFoundError, ServiceUnavailableError, ValidationError, errorMessage } from '../shared/errors.ts';
import {
  GLOBAL_SECRET_PREFIX,
  RESERVED_SECRET_MESSAGE,
  SECRET_NAME_PATTERN,
  isReservedSecretName,
} from '../shared/model/index.ts';
import { LocalSecretStore, secretEnvName, secretFilePath } from '../shared/secrets/local-secret-store.ts';

/** The Secrets Manager prefix of job secrets unless `--secret-prefix` says otherwise (the stack's default). */
export { DEFAULT_SECRET_PREFIX } from '../shared/model/index.ts';
/** Days a deleted Secrets Manager secret can still be restored, unless `--recovery-window` says otherwise. */
export const DEFAULT_RECOVERY_WINDOW_DAYS = 7;
/** Pages of ListSecrets read at most (100 each): a bound, not a limit anyone should meet. */
const MAX_LIST_PAGES = 100;

export interface SecretInfo {
  name: string;
  lastChanged?: Date;
}

/**
 * The job secrets the CLI manages: the local stack's files, or a deployed
 * stack's Secrets Manager secrets, read and written with the caller's own
 * credentials (the admin API never handles a secret's value).
 */
export interface CliSecretStore {
  readonly kind: 'local' | 'secrets-manager';
  /** Where the secrets are, for messages: `.triggerhub/secrets` or `Secrets Manager (eu-west-1), triggerhub/…`. */
  readonly where: string;
  /** Where one secret is, for messages. */
  locate(name: string): string;
  /** The current value, or undefined when there is no such secret. */
  get(name: string): Promise<string | undefined>;
  exists(name: string): Promise<boolean>;
  set(name: string, value: string): Promise<{ created: boolean }>;
  list(): Promise<SecretInfo[]>;
  /** Returns what happened, in words (e.g. when it can still be restored). */
  delete(name: string, recoveryWindowDays: number): Promise<string>;
}

const SECRET_PREFIX_PATTERN = /^[A-Za-z0-9/_+=.@-]{0,200}$/;

/** Throws a ValidationError unless `prefix` can start a Secrets Manager name. */
export const checkSecretPrefix = (prefix: string): string => {
  if (!SECRET_PREFIX_PATTERN.test(prefix)) {
    throw new ValidationError(
      `--secret-prefix: letters, digits and /_+=.@- only, not ${JSON.stringify(prefix.slice(0, 80))}`,
    );
  }
  return prefix;
};

/**
 * Throws a ValidationError unless `name` is a valid job secret name. Names
 * under `global/` hold masked globals: writing or deleting one here would
 * change a global behind its record, so they go through `globals` instead.
 */
export const checkSecretName = (name: string): void => {
  if (!SECRET_NAME_PATTERN.test(name)) {
    throw new ValidationError(
      `not a secret name: ${JSON.stringify(name.slice(0, 80))} (letters, digits and /_+=.@- only, at most 256)`,
    );
  }
  if (isReservedSecretName(name)) {
    // Shell-safe as it is: the pattern above allows no character a shell reads.
    const global = name.slice(GLOBAL_SECRET_PREFIX.length);
    throw new ValidationError(
      `${RESERVED_SECRET_MESSAGE}: use \`triggerhub globals set ${global} --masked\` ` +
        `or \`triggerhub globals delete ${global}\``,
      'reserved_secret_name',
    );
  }
};

/** The local stack's store: `TRIGGERHUB_SECRET_<NAME>`, else `<dataDir>/secrets/<name>`. */
export const localSecretStore = (
  dataDir: string,
  env: NodeJS.ProcessEnv,
  cwd: string = process.cwd(),
): CliSecretStore => {
  const store = new LocalSecretStore({ dataDir, env });
  const shown = (path: string): string => {
    const rel = relative(cwd, path);
    return rel === '' || rel.startsWith('..') || rel.startsWith('/') ? path : rel;
  };
  return {
    kind: 'local',
    where: shown(join(dataDir, 'secrets')),
    locate: (name) => shown(secretFilePath(dataDir, name)),
    get: async (name) => (await store.getVersions(name))[0],
    exists: async (name) => (await store.getVersions(name)).length > 0,
    set: async (name, value) => {
      const existed = (await store.listSecrets()).some((s) => s.name === name);
      await store.setSecret(name, value);
      return { created: !existed };
    },
    list: () => store.listSecrets(),
    delete: async (name) => {
      if (!(await store.deleteSecret(name))) {
        const inEnv = env[secretEnvName(name)] ? ` (it comes from ${secretEnvName(name)})` : '';
        throw new NotFoundError(`no secret ${name} in ${shown(join(dataDir, 'secrets'))}${inEnv}`);
      }
      return `deleted ${name} (${shown(secretFilePath(dataDir, name))})`;
    },
  };
};

export interface SecretsManagerStoreOptions {
  region: string;
  prefix: string;
  credentials?: AwsCredentialIdentityProvider;
  /** Tests pass a mocked client. @default a new client for `region` */
  client?: SecretsManagerClient;
}

const nameOf = (e: unknown): string | undefined => (e instanceof Error ? e.name : undefined);

/** An SDK failure, as the user can act on it; never with a value in it (the SDK's messages carry none). */
const awsError = (what: string, e: unknown): Error => {
  const name = nameOf(e);
  if (name === 'CredentialsProviderError' || name === 'ExpiredTokenException') {
    return new ValidationError(
      `${what}: no usable AWS credentials (${errorMessage(e)}); sign in (aws sso login, AWS_PROFILE…) and try again`,
    );
  }
  if (name === 'AccessDeniedException') {
    return new ValidationError(`${what}: access denied by IAM (${errorMessage(e)})`);
  }
  return new ServiceUnavailableError(`${what}: ${errorMessage(e)}`);
};

const scheduledForDeletion = (secretId: string): ValidationError =>
  new ValidationError(
    `secret ${secretId} is scheduled for deletion: restore it first with ` +
      `aws secretsmanager restore-secret --secret-id ${secretId}`,
  );

/**
 * A deployed stack's job secrets: the Secrets Manager secret `<prefix><name>`
 * as a plain string (what the stack's functions read).
 */
export const secretsManagerSecretStore = (options: SecretsManagerStoreOptions): CliSecretStore => {
  // Loaded when first used: only commands that reach a deployed stack's secrets pay for the SDK.
  let loaded: Promise<{ sdk: typeof SecretsManagerSdk; client: SecretsManagerClient }> | undefined;
  const aws = () =>
    (loaded ??= import('@aws-sdk/client-secrets-manager').then((sdk) => ({
      sdk,
      client:
        options.client ??
        new sdk.SecretsManagerClient({
          region: options.region,
          ...(options.credentials ? { credentials: options.credentials } : {}),
        }),
    })));
  const { prefix, region } = options;
  const id = (name: string): string => `${prefix}${name}`;
  const decoder = new TextDecoder('utf-8');
  return {
    kind: 'secrets-manager',
    where: `Secrets Manager (${region}), names ${prefix}…`,
    locate: (name) => `Secrets Manager secret ${id(name)} (${region})`,
    get: async (name) => {
      const { sdk, client } = await aws();
      try {
        const out = await client.send(new sdk.GetSecretValueCommand({ SecretId: id(name) }));
        if (out.SecretString !== undefined) return out.SecretString;
        return out.SecretBinary === undefined ? undefined : decoder.decode(out.SecretBinary);
      } catch (e) {
        if (nameOf(e) === 'ResourceNotFoundException') return undefined;
        // Reading a secret that is scheduled for deletion is refused: for a sender, it is gone.
        if (nameOf(e) === 'InvalidRequestException') return undefined;
        throw awsError(`cannot read secret ${id(name)}`, e);
      }
    },
    exists: async (name) => {
      const { sdk, client } = await aws();
      try {
        const out = await client.send(new sdk.DescribeSecretCommand({ SecretId: id(name) }));
        return out.DeletedDate === undefined;
      } catch (e) {
        if (nameOf(e) === 'ResourceNotFoundException') return false;
        throw awsError(`cannot look up secret ${id(name)}`, e);
      }
    },
    set: async (name, value) => {
      const { sdk, client } = await aws();
      try {
        await client.send(
          new sdk.CreateSecretCommand({
            Name: id(name),
            SecretString: value,
            Description: `triggerhub job secret "${name}"`,
          }),
        );
        return { created: true };
      } catch (e) {
        if (nameOf(e) === 'InvalidRequestException') throw scheduledForDeletion(id(name));
        if (nameOf(e) !== 'ResourceExistsException') throw awsError(`cannot create secret ${id(name)}`, e);
      }
      try {
        await client.send(new sdk.PutSecretValueCommand({ SecretId: id(name), SecretString: value }));
        return { created: false };
      } catch (e) {
        if (nameOf(e) === 'InvalidRequestException') throw scheduledForDeletion(id(name));
        throw awsError(`cannot update secret ${id(name)}`, e);
      }
    },
    list: async () => {
      const { sdk, client } = await aws();
      const items: SecretInfo[] = [];
      let token: string | undefined;
      for (let page = 0; page < MAX_LIST_PAGES; page++) {
        let out;
        try {
          out = await client.send(
            new sdk.ListSecretsCommand({
              // A `name` filter matches names that start with the value.
              Filters: [{ Key: 'name', Values: [prefix] }],
              MaxResults: 100,
              ...(token === undefined ? {} : { NextToken: token }),
            }),
          );
        } catch (e) {
          throw awsError(`cannot list the secrets under ${prefix}`, e);
        }
        for (const s of out.SecretList ?? []) {
          if (s.Name === undefined || !s.Name.startsWith(prefix)) continue;
          const lastChanged = s.LastChangedDate ?? s.CreatedDate;
          items.push({
            name: s.Name.slice(prefix.length),
            ...(lastChanged === undefined ? {} : { lastChanged }),
          });
        }
        token = out.NextToken;
        if (token === undefined) break;
      }
      return items.sort((a, b) => a.name.localeCompare(b.name));
    },
    delete: async (name, recoveryWindowDays) => {
      const { sdk, client } = await aws();
      try {
        const out = await client.send(
          new sdk.DeleteSecretCommand({ SecretId: id(name), RecoveryWindowInDays: recoveryWindowDays }),
        );
        const when = out.DeletionDate?.toISOString() ?? `in ${recoveryWindowDays} days`;
        return (
          `scheduled ${id(name)} for deletion on ${when}; until then restore it with ` +
          `aws secretsmanager restore-secret --secret-id ${id(name)}`
        );
      } catch (e) {
        if (nameOf(e) === 'ResourceNotFoundException')
          throw new NotFoundError(`no secret ${id(name)} in ${region}`);
        if (nameOf(e) === 'InvalidRequestException') {
          throw new ValidationError(`secret ${id(name)} is already scheduled for deletion`);
        }
        throw awsError(`cannot delete secret ${id(name)}`, e);
      }
    },
  };
};
