import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { boolean, enum as zEnum, object, string } from 'zod';
import { DEFAULT_ENDPOINT, createAdminClient } from '../admin-client.ts';
import type { AdminClient, AdminClientOptions } from '../admin-client.ts';
import { toJson } from '../output.ts';
import {
  REGION_PATTERN,
  SIGV4_MODES,
  SigV4ConfigError,
  createSigV4Signer,
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
}

/** What every command receives: the io, and a client built from the global options. */
export interface CommandContext {
  io: CliIo;
  env: NodeJS.ProcessEnv;
  /** Global options as given on the command line (or their defaults). */
  globals(cmd: Command): GlobalOptions;
  /** The admin client for this invocation's `--endpoint`, signing its requests when `--sigv4` says so. */
  client(cmd: Command, overrides?: Partial<AdminClientOptions>): AdminClient;
  /** Prints the value as pretty JSON when `--json` was given; returns whether it did. */
  printJson(cmd: Command, value: unknown): boolean;
}

const GlobalOptionsSchema = object({
  endpoint: string().min(1).optional(),
  json: boolean().optional(),
  sigv4: zEnum(SIGV4_MODES).optional(),
  region: string().min(1).optional(),
});

export interface GlobalOptions {
  endpoint: string;
  json: boolean;
  /** When requests are signed with SigV4: `--sigv4`, else `TRIGGERHUB_SIGV4`, else `auto`. */
  sigv4: SigV4Mode;
  /** `--region`; when absent, the signer's region comes from the endpoint or the environment. */
  region?: string;
}

export const defaultEndpoint = (env: NodeJS.ProcessEnv): string =>
  env.TRIGGERHUB_ENDPOINT !== undefined && env.TRIGGERHUB_ENDPOINT !== ''
    ? env.TRIGGERHUB_ENDPOINT
    : DEFAULT_ENDPOINT;

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

export const createContext = (io: CliIo): CommandContext => {
  const env = io.env ?? process.env;
  const globals = (cmd: Command): GlobalOptions => {
    const parsed = GlobalOptionsSchema.parse(cmd.optsWithGlobals());
    return {
      endpoint: parsed.endpoint ?? defaultEndpoint(env),
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
    printJson: (cmd, value) => {
      if (!globals(cmd).json) return false;
      io.stdout(toJson(value));
      return true;
    },
  };
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
