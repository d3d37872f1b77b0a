import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { boolean, object, string } from 'zod';
import { DEFAULT_ENDPOINT, createAdminClient } from '../admin-client.ts';
import type { AdminClient, AdminClientOptions } from '../admin-client.ts';
import { toJson } from '../output.ts';

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
}

/** What every command receives: the io, and a client built from the global options. */
export interface CommandContext {
  io: CliIo;
  env: NodeJS.ProcessEnv;
  /** Global options as given on the command line (or their defaults). */
  globals(cmd: Command): GlobalOptions;
  /** The admin client for this invocation's `--endpoint`. */
  client(cmd: Command, overrides?: Partial<AdminClientOptions>): AdminClient;
  /** Prints the value as pretty JSON when `--json` was given; returns whether it did. */
  printJson(cmd: Command, value: unknown): boolean;
}

const GlobalOptionsSchema = object({
  endpoint: string().min(1).optional(),
  json: boolean().optional(),
});

export interface GlobalOptions {
  endpoint: string;
  json: boolean;
}

export const defaultEndpoint = (env: NodeJS.ProcessEnv): string =>
  env.TRIGGERHUB_ENDPOINT !== undefined && env.TRIGGERHUB_ENDPOINT !== ''
    ? env.TRIGGERHUB_ENDPOINT
    : DEFAULT_ENDPOINT;

export const createContext = (io: CliIo): CommandContext => {
  const env = io.env ?? process.env;
  const globals = (cmd: Command): GlobalOptions => {
    const parsed = GlobalOptionsSchema.parse(cmd.optsWithGlobals());
    return { endpoint: parsed.endpoint ?? defaultEndpoint(env), json: parsed.json ?? false };
  };
  return {
    io,
    env,
    globals,
    client: (cmd, overrides = {}) =>
      createAdminClient({
        endpoint: globals(cmd).endpoint,
        ...(io.fetch ? { fetch: io.fetch } : {}),
        ...overrides,
      }),
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
