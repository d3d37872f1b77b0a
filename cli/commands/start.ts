import { resolve } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { ValidationError } from '../../shared/errors.ts';
import { writeIntegrationRegistry } from '../integrations/registry-file.ts';
import { DEFAULT_DATA_DIR } from '../local/endpoint-record.ts';
import { checkNpmAteStartFlags } from '../local/npm-args.ts';
import { intArg } from './context.ts';
import type { CommandContext } from './context.ts';

const DEFAULT_PORT = 3000;

const parseEnvPort = (value: string, from: string): number => {
  const port = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new ValidationError(`${from} must be a port number between 1 and 65535, not "${value}"`);
  }
  return port;
};

// The values of platform-logger.ts's LOCAL_LOG_FORMATS, which is not imported here: it loads Powertools.
const LOG_FORMATS = ['text', 'json'] as const;
type LogFormat = (typeof LOG_FORMATS)[number];

const parseEnvLogFormat = (value: string | undefined): LogFormat => {
  if (!value) return 'text';
  const format = LOG_FORMATS.find((f) => f === value);
  if (!format) {
    throw new ValidationError(`TRIGGERHUB_LOG_FORMAT must be text or json, not "${value}"`);
  }
  return format;
};

export const registerStartCommand = (program: Command, ctx: CommandContext): void => {
  program
    .command('start')
    .description(
      'Run the whole pipeline on this machine (webhooks, admin API, worker, the console at /console; ' +
        'DynamoDB, SQS and S3 emulated; example jobs created on the first start) on ' +
        'http://127.0.0.1:<port> until Ctrl-C.',
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
    .addOption(
      new Option(
        '--log-format <format>',
        'platform log output: readable lines, or Powertools JSON (default: $TRIGGERHUB_LOG_FORMAT or text)',
      ).choices(LOG_FORMATS),
    )
    .option('--no-examples', 'do not create the example jobs (they are created on the first start only)')
    .addHelpText(
      'after',
      '\nThrough npm, options go after --: npm start -- --port 4567 --no-examples (or PORT=4567 npm start).',
    )
    // npm passes the value of an option it took for itself as a bare argument: explained below.
    .allowExcessArguments()
    .action(
      async (
        opts: { port?: number; dataDir?: string; logFormat?: LogFormat; examples: boolean },
        cmd: Command,
      ) => {
        try {
          checkNpmAteStartFlags(ctx.env, cmd.args, (flag) => cmd.getOptionValueSource(flag) === 'cli');
        } catch (e) {
          // A command line npm misread is a usage error (exit 2), like any other.
          if (e instanceof ValidationError) cmd.error(`error: ${e.message}`, { exitCode: 2, code: e.code });
          throw e;
        }
        if (cmd.args.length > 0) {
          cmd.error(
            `error: too many arguments for 'start'. Expected 0 arguments but got ${cmd.args.length}.`,
            {
              exitCode: 2,
              code: 'commander.excessArguments',
            },
          );
        }
        const port =
          opts.port !== undefined
            ? opts.port
            : ctx.env.PORT
              ? parseEnvPort(ctx.env.PORT, 'PORT')
              : DEFAULT_PORT;
        const dataDir = opts.dataDir === undefined ? ctx.dataDir : resolve(ctx.cwd, opts.dataDir);
        const logFormat = opts.logFormat ?? parseEnvLogFormat(ctx.env.TRIGGERHUB_LOG_FORMAT);
        // Loaded only here: the emulators and the AWS SDK are heavy, and no other command needs them.
        const { useLocalLogFormat } = await import('../../shared/runtime/platform-logger.ts');
        useLocalLogFormat(logFormat);
        // The folders of integrations/ as they are now: a folder dropped in since the last start runs.
        writeIntegrationRegistry();
        // The console as its sources are now (esbuild, loaded only by this command; ~0.3 s).
        (await import('../console/build.ts')).writeConsoleAssets();
        const { runLocal } = await import('../local/start.ts');
        await runLocal({
          port,
          dataDir,
          exitWhenStopped: true,
          ...(opts.examples ? {} : { examples: false }),
        });
      },
    );
};
