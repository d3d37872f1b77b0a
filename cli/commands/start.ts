import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ValidationError } from '../../shared/errors.ts';
import { intArg } from './context.ts';
import type { CommandContext } from './context.ts';

const DEFAULT_PORT = 3000;
const DEFAULT_DATA_DIR = '.triggerhub';

const parseEnvPort = (value: string, from: string): number => {
  const port = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new ValidationError(`${from} must be a port number between 1 and 65535, not "${value}"`);
  }
  return port;
};

export const registerStartCommand = (program: Command, ctx: CommandContext): void => {
  program
    .command('start')
    .description(
      'Run the whole pipeline on this machine (webhooks, admin API, worker; DynamoDB, SQS and S3 ' +
        'emulated; example jobs loaded) on http://127.0.0.1:<port> until Ctrl-C.',
    )
    .option(
      '--port <n>',
      `port on 127.0.0.1 (default: $PORT or ${DEFAULT_PORT})`,
      intArg('--port', 1, 65_535),
    )
    .option(
      '--data-dir <dir>',
      `folder for the local state (default: $TRIGGERHUB_DATA_DIR or ${DEFAULT_DATA_DIR})`,
    )
    .action(async (opts: { port?: number; dataDir?: string }) => {
      const port =
        opts.port !== undefined
          ? opts.port
          : ctx.env.PORT
            ? parseEnvPort(ctx.env.PORT, 'PORT')
            : DEFAULT_PORT;
      const dataDir = resolve(opts.dataDir ?? (ctx.env.TRIGGERHUB_DATA_DIR || DEFAULT_DATA_DIR));
      // Loaded only here: the emulators and the AWS SDK are heavy, and no other command needs them.
      const { runLocal } = await import('../local/start.ts');
      await runLocal({ port, dataDir, exitWhenStopped: true });
    });
};
