import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import { ValidationError, errorMessage } from '../../shared/errors.ts';
import { secretEnvName } from '../../shared/secrets/local-secret-store.ts';
import { cell, renderTable } from '../output.ts';
import { DEFAULT_RECOVERY_WINDOW_DAYS, checkSecretName } from '../secret-store.ts';
import { SECRET_PREFIX_OPTION, intArg, readStdin } from './context.ts';
import type { CommandContext } from './context.ts';

/**
 * Asks on the terminal without echoing what is typed: the prompt goes to
 * stderr, the keystrokes nowhere. Ctrl-C cancels.
 */
export const promptHidden = (question: string): Promise<string> =>
  new Promise((resolve, reject) => {
    let muted = false;
    const output = new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        if (!muted) process.stderr.write(chunk);
        done();
      },
    });
    const rl = createInterface({ input: process.stdin, output, terminal: true });
    rl.on('SIGINT', () => {
      rl.close();
      process.stderr.write('\n');
      reject(new ValidationError('cancelled'));
    });
    rl.question(question, (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
    // The question is written synchronously above; from here on, nothing typed is shown.
    muted = true;
  });

/** A value as files and pipes carry it: one final newline (`echo`, editors) is not part of it. */
export const stripOneNewline = (value: string): string => value.replace(/\r?\n$/, '');

const readValue = async (
  ctx: CommandContext,
  name: string,
  fromFile: string | undefined,
): Promise<string> => {
  let value: string;
  if (fromFile !== undefined) {
    try {
      value = stripOneNewline(await readFile(fromFile, 'utf8'));
    } catch (error) {
      throw new ValidationError(`cannot read ${fromFile}: ${errorMessage(error)}`);
    }
  } else if (!(ctx.io.stdinIsTTY ?? process.stdin.isTTY === true)) {
    value = stripOneNewline(await (ctx.io.readStdin ?? readStdin)());
  } else {
    value = await (ctx.io.promptHidden ?? promptHidden)(`Value of secret ${name} (not shown): `);
  }
  if (value.trim() === '')
    throw new ValidationError(`the value of secret ${name} is empty: nothing was written`);
  return value;
};

export const registerSecretCommands = (program: Command, ctx: CommandContext): void => {
  const secrets = program
    .command('secrets')
    .description(
      'Set, list and delete job secrets: the local stack’s files (.triggerhub/secrets), or on a deployed ' +
        'stack Secrets Manager with your own AWS credentials. Values are never printed.',
    )
    .option(...SECRET_PREFIX_OPTION);

  secrets
    .command('set')
    .description(
      'Create or replace a secret. The value comes from --from-file, else stdin, else a hidden prompt.',
    )
    .argument('<name>', 'secret name, as in a job’s auth.secret or a password parameter')
    .option('--from-file <file>', 'read the value from this file (one final newline is dropped)')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  triggerhub secrets set checkpoint                      # asks, without echo\n' +
        '  openssl rand -base64 32 | triggerhub secrets set alerts\n' +
        '  triggerhub --endpoint https://<api> secrets set demo --from-file demo.secret',
    )
    .action(async (name: string, opts: { fromFile?: string }, cmd: Command) => {
      checkSecretName(name);
      const store = await ctx.secretStore(cmd);
      const value = await readValue(ctx, name, opts.fromFile);
      const { created } = await store.set(name, value);
      const where = store.locate(name);
      if (ctx.printJson(cmd, { name, created, where })) return;
      ctx.io.stdout(`${created ? 'created' : 'updated'}  ${name}  (${where})\n`);
      if (store.kind === 'local' && ctx.env[secretEnvName(name)]) {
        ctx.io.stderr(
          `note: ${secretEnvName(name)} is set in this shell; where it is set for npm start, it wins over the file\n`,
        );
      }
    });

  secrets
    .command('list')
    .description('List the secrets by name with their last change; never their values.')
    .action(async (_opts: unknown, cmd: Command) => {
      const store = await ctx.secretStore(cmd);
      const items = await store.list();
      if (
        ctx.printJson(cmd, {
          items: items.map((s) => ({ name: s.name, lastChanged: s.lastChanged?.toISOString() })),
        })
      )
        return;
      if (items.length === 0) {
        ctx.io.stdout(`No secrets in ${store.where}.\n`);
        return;
      }
      ctx.io.stdout(
        renderTable(
          ['NAME', 'LAST CHANGED'],
          items.map((s) => [cell(s.name, 100), s.lastChanged?.toISOString() ?? '-']),
        ),
      );
    });

  secrets
    .command('delete')
    .description(
      'Delete a secret. In Secrets Manager it is scheduled for deletion and can be restored during the recovery window.',
    )
    .argument('<name>', 'secret name')
    .option(
      '--recovery-window <days>',
      `Secrets Manager: days it can still be restored (7-30; default ${DEFAULT_RECOVERY_WINDOW_DAYS})`,
      intArg('--recovery-window', 7, 30),
    )
    .action(async (name: string, opts: { recoveryWindow?: number }, cmd: Command) => {
      checkSecretName(name);
      const said = await (
        await ctx.secretStore(cmd)
      ).delete(name, opts.recoveryWindow ?? DEFAULT_RECOVERY_WINDOW_DAYS);
      if (ctx.printJson(cmd, { name, deleted: true, message: said })) return;
      ctx.io.stdout(`${said}\n`);
    });
};
