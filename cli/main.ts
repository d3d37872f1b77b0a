import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, Help, Option } from 'commander';
import { object, string } from 'zod';
import { errorMessage } from '../shared/errors.ts';
import packageJson from '../package.json' with { type: 'json' };
import { AdminApiError } from './admin-client.ts';
import { registerCheckpointCommands } from './commands/checkpoint.ts';
import { registerDlqCommands } from './commands/dlq.ts';
import { createContext, regionArg } from './commands/context.ts';
import type { CliIo } from './commands/context.ts';
import { registerEffectsCommands } from './commands/effects.ts';
import { registerGlobalsCommands } from './commands/globals.ts';
import { registerIntegrationCommands } from './commands/integrations.ts';
import { registerJobCommands } from './commands/jobs.ts';
import { registerMediatorCommand } from './commands/mediator.ts';
import { registerMockCommand } from './commands/mock.ts';
import { registerNotificationsCommands } from './commands/notifications.ts';
import { registerRunCommands } from './commands/runs.ts';
import { registerScriptCommands } from './commands/scripts.ts';
import { registerSecretCommands } from './commands/secrets.ts';
import { registerSendCommand } from './commands/send.ts';
import { registerStartCommand } from './commands/start.ts';
import { registerStateCommands } from './commands/state.ts';
import { registerTasksCommands } from './commands/tasks.ts';
import { SIGV4_MODES } from './sigv4.ts';

export type { CliIo } from './commands/context.ts';

/** Exit codes: 0 done, 1 the operation failed, 2 the command line was wrong. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

const { version } = object({ version: string() }).parse(packageJson);

/**
 * `-V, --version` is the program's only before the command: commander would
 * take it anywhere, and `scripts pull <id> --version <n>` means the script's
 * version. So the program does not register it; {@link run} answers it, and
 * the help lists it.
 */
const VERSION_OPTION = new Option('-V, --version', 'print the triggerhub version');
/** The global options that take a value (the scan for `--version` skips it). */
const VALUED_GLOBALS = new Set(['--endpoint', '--sigv4', '--region']);

/** Whether the arguments ask for the program's version: `-V`/`--version` before any command. */
export const asksVersion = (args: readonly string[]): boolean => {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '-V' || arg === '--version') return true;
    if (arg === '--') return false;
    if (VALUED_GLOBALS.has(arg)) i++;
    else if (!arg.startsWith('-')) return false;
  }
  return false;
};

/**
 * The `triggerhub` program. Output goes through `io`, so tests run it in-process;
 * it never calls `process.exit`: errors are thrown (commander's as `CommanderError`).
 */
export function buildProgram(io: CliIo): Command {
  const ctx = createContext(io);
  const program = new Command('triggerhub');
  // Set before any subcommand is added: subcommands copy these settings when created.
  program
    .description(
      'Manage triggerhub jobs, runs, scripts, secrets, globals and integrations; run, stop and replay runs, ' +
        'redrive the dead-letter queue; see state, checkpoints, effects and notifications; send test webhooks; ' +
        'run the local stack; generate mediator scripts; run a mock Jira, ServiceNow or SecureChange.',
    )
    .option(
      '--endpoint <url>',
      'triggerhub base URL (default: $TRIGGERHUB_ENDPOINT, else the stack npm start runs here, as recorded in ' +
        '.triggerhub/endpoint.json or under $TRIGGERHUB_DATA_DIR, else http://127.0.0.1:3000)',
    )
    .option('--json', 'machine output: the API JSON, pretty-printed, on stdout')
    .addOption(
      new Option(
        '--sigv4 <mode>',
        'sign admin requests with AWS SigV4: auto = when the endpoint is not this machine (default: $TRIGGERHUB_SIGV4 or auto)',
      ).choices(SIGV4_MODES),
    )
    .option(
      '--region <region>',
      'AWS region to sign for (default: from an execute-api endpoint, else $AWS_REGION)',
      regionArg,
    )
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
    })
    .showHelpAfterError('(add --help for usage)')
    .configureHelp({
      visibleOptions(cmd) {
        const options = Help.prototype.visibleOptions.call(this, cmd);
        return cmd === program ? [VERSION_OPTION, ...options] : options;
      },
    });

  registerStartCommand(program, ctx);
  registerJobCommands(program, ctx);
  registerRunCommands(program, ctx);
  registerDlqCommands(program, ctx);
  registerScriptCommands(program, ctx);
  registerSendCommand(program, ctx);
  registerSecretCommands(program, ctx);
  registerGlobalsCommands(program, ctx);
  registerStateCommands(program, ctx);
  registerCheckpointCommands(program, ctx);
  registerEffectsCommands(program, ctx);
  registerTasksCommands(program, ctx);
  registerNotificationsCommands(program, ctx);
  registerIntegrationCommands(program, ctx);
  registerMediatorCommand(program, ctx);
  registerMockCommand(program, ctx);
  return program;
}

const reportError = (error: unknown, io: CliIo): void => {
  const env = io.env ?? process.env;
  const detail = error instanceof AdminApiError ? ` (HTTP ${error.status} ${error.code})` : '';
  io.stderr(`error: ${errorMessage(error)}${detail}\n`);
  if (env.TRIGGERHUB_DEBUG === '1' && error instanceof Error && error.stack !== undefined) {
    io.stderr(`${error.stack}\n`);
    if (error.cause !== undefined)
      io.stderr(
        `cause: ${error.cause instanceof Error ? (error.cause.stack ?? error.cause.message) : JSON.stringify(error.cause)}\n`,
      );
  }
};

/**
 * Runs the CLI with the arguments after the program name and returns the exit
 * code: 0 done, 1 the operation failed (message on stderr), 2 usage error.
 */
export async function run(args: readonly string[], io: CliIo): Promise<number> {
  if (asksVersion(args)) {
    io.stdout(`${version}\n`);
    return EXIT_OK;
  }
  const program = buildProgram(io);
  try {
    await program.parseAsync([...args], { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    // Commander has already printed its message (or the help / version).
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    reportError(error, io);
    return EXIT_FAILURE;
  }
}

/** The entry point: `process.argv` in, `process.exitCode` out. */
export async function main(argv: readonly string[] = process.argv): Promise<void> {
  // `triggerhub jobs list | head -1`: the reader has gone, which is not an error of ours.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  process.exitCode = await run(argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    env: process.env,
  });
}

const isEntryPoint = (): boolean => {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
};

if (isEntryPoint()) await main();
