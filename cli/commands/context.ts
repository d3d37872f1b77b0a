import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { boolean, enum as zEnum, object, string } from 'zod';
import { errorMessage } from '../../shared/errors.ts';
import { AdminApiError, DEFAULT_ENDPOINT, createAdminClient } from '../admin-client.ts';
import type { AdminClient, AdminClientOptions } from '../admin-client.ts';
import { localDataDir, readEndpointRecord } from '../local/endpoint-record.ts';
import { toJson } from '../output.ts';
import {
  DEFAULT_SECRET_PREFIX,
  checkSecretPrefix,
  localSecretStore,
  secretsManagerSecretStore,
} from '../secret-store.ts';
import type { CliSecretStore } from '../secret-store.ts';
import {
  REGION_PATTERN,
  SIGV4_MODES,
  SigV4ConfigError,
  createSigV4Signer,
  isLoopbackEndpoint,
  isSigV4Mode,
  regionFromEndpoint,
  shouldSign,
} from '../sigv4.ts';
import type { SigV4Mode } from '../sigv4.ts';

/** Where the CLI writes and what it reads from its surroundings; tests pass fakes. */
export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** The fetch the admin client uses. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Reads all of stdin (`jobs apply -f -`). @default process.stdin */
  readStdin?: () => Promise<string>;
  /** The AWS credentials that sign requests to a deployed API. @default the AWS SDK's default chain */
  credentials?: AwsCredentialIdentityProvider;
  /** The signing clock. @default () => new Date() */
  now?: () => Date;
  /** Where the local data folder (`.triggerhub`) is looked for. @default process.cwd() */
  cwd?: string;
  /** Whether the process that recorded the local endpoint still runs. @default a signal-0 probe */
  isAlive?: (pid: number) => boolean;
  /** Whether stdin is a terminal (`secrets set` then prompts). @default process.stdin.isTTY */
  stdinIsTTY?: boolean;
  /** Asks for a value without echoing it (`secrets set` on a terminal). @default a muted readline prompt */
  promptHidden?: (question: string) => Promise<string>;
}

/** What every command receives: the io, and a client built from the global options. */
export interface CommandContext {
  io: CliIo;
  env: NodeJS.ProcessEnv;
  /** The folder relative paths are resolved against (`io.cwd`). */
  cwd: string;
  /** The local stack's data folder, resolved as `npm start` resolves it. */
  dataDir: string;
  /** Global options as given on the command line (or their defaults). */
  globals(cmd: Command): GlobalOptions;
  /** The admin client for this invocation's `--endpoint`, signing its requests when `--sigv4` says so. */
  client(cmd: Command, overrides?: Partial<AdminClientOptions>): AdminClient;
  /** Prints the value as pretty JSON when `--json` was given; returns whether it did. */
  printJson(cmd: Command, value: unknown): boolean;
  /**
   * The job secrets of the stack at the endpoint: the local data folder's for
   * `npm start` (a loopback endpoint), else Secrets Manager with the caller's
   * credentials, under `--secret-prefix`, else `TRIGGERHUB_SECRET_PREFIX`, else
   * the prefix the stack reports (`GET /admin/settings`), else `triggerhub/`.
   */
  secretStore(cmd: Command): Promise<CliSecretStore>;
}

const GlobalOptionsSchema = object({
  endpoint: string().min(1).optional(),
  json: boolean().optional(),
  sigv4: zEnum(SIGV4_MODES).optional(),
  region: string().min(1).optional(),
});

/** Where the endpoint came from, so that an error can point at the right fix. */
export type EndpointSource = 'flag' | 'env' | 'recorded' | 'default';

const SecretPrefixSchema = object({ secretPrefix: string().optional() });

/** The option of every command that reaches a deployed stack's Secrets Manager. */
export const SECRET_PREFIX_OPTION: [string, string] = [
  '--secret-prefix <prefix>',
  'Secrets Manager name prefix of job secrets on a deployed stack (default: $TRIGGERHUB_SECRET_PREFIX, else the ' +
    `stack's own, as GET /admin/settings reports it, else ${DEFAULT_SECRET_PREFIX})`,
];

export interface GlobalOptions {
  endpoint: string;
  endpointSource: EndpointSource;
  json: boolean;
  /** When requests are signed with SigV4: `--sigv4`, else `TRIGGERHUB_SIGV4`, else `auto`. */
  sigv4: SigV4Mode;
  /** `--region`; when absent, the signer's region comes from the endpoint or the environment. */
  region?: string;
}

/**
 * The endpoint when `--endpoint` is not given: `TRIGGERHUB_ENDPOINT`, else the
 * one `npm start` recorded in the data folder (while its process runs), else
 * `http://127.0.0.1:3000`.
 */
export const defaultEndpoint = (
  env: NodeJS.ProcessEnv,
  dataDir: string,
  isAlive?: (pid: number) => boolean,
): { endpoint: string; source: EndpointSource } => {
  if (env.TRIGGERHUB_ENDPOINT !== undefined && env.TRIGGERHUB_ENDPOINT !== '') {
    return { endpoint: env.TRIGGERHUB_ENDPOINT, source: 'env' };
  }
  const recorded = readEndpointRecord(dataDir, isAlive);
  if (recorded !== undefined) return { endpoint: recorded.url, source: 'recorded' };
  return { endpoint: DEFAULT_ENDPOINT, source: 'default' };
};

/** `TRIGGERHUB_SIGV4`, or `auto`; read here rather than by commander so tests can pass their env. */
export const defaultSigV4Mode = (env: NodeJS.ProcessEnv): SigV4Mode => {
  const value = env.TRIGGERHUB_SIGV4?.trim().toLowerCase();
  if (value === undefined || value === '') return 'auto';
  if (isSigV4Mode(value)) return value;
  throw new SigV4ConfigError(`TRIGGERHUB_SIGV4 must be one of ${SIGV4_MODES.join(', ')}, not "${value}"`);
};

/** Commander argument parser for `--region`; a bad value is a usage error. */
export const regionArg = (value: string): string => {
  if (!REGION_PATTERN.test(value)) {
    throw new InvalidArgumentError('expected an AWS region such as eu-west-1.');
  }
  return value;
};

/**
 * The prefix a deployed stack keeps job secrets under, as its `GET
 * /admin/settings` says (`cdk deploy -c stage=prod` → `triggerhub-prod/`).
 * A stack that cannot tell (older than the route, unreachable, not allowed)
 * gets `triggerhub/` and one warning line: the user may be writing where the
 * stack does not look.
 */
export const discoverSecretPrefix = async (
  client: AdminClient,
  warn: (line: string) => void,
): Promise<string> => {
  const fallback = (why: string): string => {
    warn(
      `warning: ${client.endpoint} did not say where it keeps job secrets (${why}); using ${DEFAULT_SECRET_PREFIX} ` +
        '(pass --secret-prefix or set TRIGGERHUB_SECRET_PREFIX if the stack uses another)\n',
    );
    return DEFAULT_SECRET_PREFIX;
  };
  let settings;
  try {
    settings = await client.getSettings();
  } catch (error) {
    return fallback(
      error instanceof AdminApiError
        ? `GET /admin/settings: ${error.status} ${error.code}`
        : errorMessage(error),
    );
  }
  if (settings.secretPrefix === undefined) return fallback('no secretPrefix in GET /admin/settings');
  try {
    return checkSecretPrefix(settings.secretPrefix);
  } catch {
    return fallback('its secretPrefix is not a valid prefix');
  }
};

export const createContext = (io: CliIo): CommandContext => {
  const env = io.env ?? process.env;
  const cwd = io.cwd ?? process.cwd();
  const dataDir = localDataDir(env, cwd);
  const globals = (cmd: Command): GlobalOptions => {
    const parsed = GlobalOptionsSchema.parse(cmd.optsWithGlobals());
    const { endpoint, source } =
      parsed.endpoint === undefined
        ? defaultEndpoint(env, dataDir, io.isAlive)
        : { endpoint: parsed.endpoint, source: 'flag' as const };
    return {
      endpoint,
      endpointSource: source,
      json: parsed.json ?? false,
      sigv4: parsed.sigv4 ?? defaultSigV4Mode(env),
      ...(parsed.region === undefined ? {} : { region: parsed.region }),
    };
  };
  const signer = ({ endpoint, sigv4, region }: GlobalOptions): Partial<AdminClientOptions> => {
    if (!shouldSign(sigv4, endpoint)) return {};
    return {
      sign: createSigV4Signer({
        region: region ?? regionFromEndpoint(endpoint, env),
        ...(io.credentials ? { credentials: io.credentials } : {}),
        ...(io.now ? { now: io.now } : {}),
      }),
    };
  };
  return {
    io,
    env,
    cwd,
    dataDir,
    globals,
    client: (cmd, overrides = {}) => {
      const options = globals(cmd);
      return createAdminClient({
        endpoint: options.endpoint,
        ...(io.fetch ? { fetch: io.fetch } : {}),
        ...signer(options),
        ...overrides,
      });
    },
    secretStore: async (cmd) => {
      const options = globals(cmd);
      if (isLoopbackEndpoint(options.endpoint)) return localSecretStore(dataDir, env, cwd);
      const flag = SecretPrefixSchema.parse(cmd.optsWithGlobals()).secretPrefix;
      const explicit = flag ?? (env.TRIGGERHUB_SECRET_PREFIX || undefined);
      const prefix =
        explicit === undefined
          ? await discoverSecretPrefix(
              // One quick question: a stack that does not answer gets the default, not three retries.
              createAdminClient({
                endpoint: options.endpoint,
                ...(io.fetch ? { fetch: io.fetch } : {}),
                ...signer(options),
                retryLimit: 0,
              }),
              io.stderr,
            )
          : checkSecretPrefix(explicit);
      return secretsManagerSecretStore({
        region: options.region ?? regionFromEndpoint(options.endpoint, env),
        prefix,
        ...(io.credentials ? { credentials: io.credentials } : {}),
      });
    },
    printJson: (cmd, value) => {
      if (!globals(cmd).json) return false;
      io.stdout(toJson(value));
      return true;
    },
  };
};

/** All of the process's stdin, as UTF-8 (`-f -`, `-d -`, a piped secret). */
export const readStdin = async (): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
};

/** Commander argument parser for a whole number in [min, max]; a bad value is a usage error. */
export const intArg =
  (name: string, min: number, max: number) =>
  (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be a whole number.`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`${name} must be between ${min} and ${max}.`);
    return n;
  };

/** Quotes a value for the shell when it needs it (in "next page" hints). */
export const shellWord = (value: string): string =>
  /^[A-Za-z0-9._~=+/:@%-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
