import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { array, object, undefined as zUndefined } from 'zod';
import { ValidationError, errorMessage } from '../../shared/errors.ts';
import { GlobalViewSchema, checkGlobalName } from '../../shared/model/global.ts';
import type { GlobalView } from '../../shared/model/global.ts';
import { cell, renderFields, renderTable } from '../output.ts';
import { readStdin } from './context.ts';
import type { CommandContext } from './context.ts';
import { promptHidden, stripOneNewline } from './secrets.ts';

const GlobalListSchema = object({ items: array(GlobalViewSchema) });
/** What a global's value reads as where a masked one's would be. */
const MASKED = '(masked)';

const pathOf = (name: string): string => `admin/globals/${encodeURIComponent(name)}`;

/**
 * The value to set: `--value` (unmasked only), else `--from-file`, else
 * stdin, else a hidden prompt. A masked value never comes from the command
 * line: it would stay in the shell's history and the process list.
 */
const readValue = async (
  ctx: CommandContext,
  name: string,
  opts: { masked?: boolean; value?: string; fromFile?: string },
): Promise<string> => {
  if (opts.value !== undefined && opts.fromFile !== undefined) {
    throw new ValidationError('give the value with --value or --from-file, not both');
  }
  if (opts.value !== undefined && opts.masked === true) {
    throw new ValidationError(
      'a masked value is never taken from --value (it would stay in your shell history): ' +
        'use --from-file, pipe it on stdin, or type it at the prompt',
    );
  }
  let value: string;
  if (opts.value !== undefined) {
    value = opts.value;
  } else if (opts.fromFile !== undefined) {
    try {
      value = stripOneNewline(await readFile(opts.fromFile, 'utf8'));
    } catch (error) {
      throw new ValidationError(`cannot read ${opts.fromFile}: ${errorMessage(error)}`);
    }
  } else if (!(ctx.io.stdinIsTTY ?? process.stdin.isTTY === true)) {
    value = stripOneNewline(await (ctx.io.readStdin ?? readStdin)());
  } else {
    value = await (ctx.io.promptHidden ?? promptHidden)(`Value of global ${name} (not shown): `);
  }
  if (value === '') throw new ValidationError(`the value of global ${name} is empty: nothing was written`);
  return value;
};

/** A global's value as the CLI shows it: `(masked)` for a masked one (the API never sends its value). */
const shownValue = (g: GlobalView, max: number): string => (g.masked ? MASKED : cell(g.value, max));

export const registerGlobalsCommands = (program: Command, ctx: CommandContext): void => {
  const globals = program
    .command('globals')
    .description(
      'Set, list, show and delete global parameters (ctx.globals in every run). A masked global’s value is ' +
        'kept in the secret store and never shown again, by any command or API.',
    );

  globals
    .command('set')
    .description(
      'Create or replace a global. A masked value comes from --from-file, else stdin, else a hidden prompt; ' +
        'an unmasked one may also be given with --value. A masked global cannot be unmasked (delete it first).',
    )
    .argument('<name>', 'global name: a letter, then letters, digits, _ and -, at most 64')
    .option('--masked', 'keep the value in the secret store and never show it again')
    .option('--value <value>', 'the value (unmasked globals only)')
    .option('--from-file <file>', 'read the value from this file (one final newline is dropped)')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  triggerhub globals set jiraBaseUrl --value https://acme.atlassian.net\n' +
        '  triggerhub globals set jiraToken --masked                 # asks, without echo\n' +
        '  printf %s "$TOKEN" | triggerhub globals set jiraToken --masked',
    )
    .action(
      async (name: string, opts: { masked?: boolean; value?: string; fromFile?: string }, cmd: Command) => {
        checkGlobalName(name);
        const value = await readValue(ctx, name, opts);
        const saved = await ctx
          .client(cmd)
          .call('put', pathOf(name), GlobalViewSchema, { json: { value, masked: opts.masked === true } });
        if (ctx.printJson(cmd, saved)) return;
        ctx.io.stdout(
          saved.masked
            ? `set  ${saved.name}  ${MASKED}\n`
            : `set  ${saved.name} = ${shownValue(saved, 200)}\n`,
        );
      },
    );

  globals
    .command('list')
    .description('List the globals; a masked one’s value shows as (masked).')
    .action(async (_opts: unknown, cmd: Command) => {
      const { items } = await ctx.client(cmd).call('get', 'admin/globals', GlobalListSchema);
      if (ctx.printJson(cmd, { items })) return;
      if (items.length === 0) {
        ctx.io.stdout('No globals.\n');
        return;
      }
      ctx.io.stdout(
        renderTable(
          ['NAME', 'VALUE', 'UPDATED'],
          items.map((g) => [cell(g.name, 64), shownValue(g, 60), g.updatedAt]),
        ),
      );
    });

  globals
    .command('get')
    .description('Show one global; a masked one’s value shows as (masked).')
    .argument('<name>', 'global name')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      checkGlobalName(name);
      const g = await ctx.client(cmd).call('get', pathOf(name), GlobalViewSchema);
      if (ctx.printJson(cmd, g)) return;
      ctx.io.stdout(
        renderFields([
          ['Name', cell(g.name, 64)],
          ['Masked', g.masked ? 'yes' : 'no'],
          ['Value', shownValue(g, 4096)],
          ['Updated', g.updatedAt],
        ]),
      );
    });

  globals
    .command('delete')
    .description('Delete a global (a masked one’s secret is deleted at once, without a recovery window).')
    .argument('<name>', 'global name')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      checkGlobalName(name);
      await ctx.client(cmd).call('delete', pathOf(name), zUndefined());
      if (ctx.printJson(cmd, { name, deleted: true })) return;
      ctx.io.stdout(`deleted  ${name}\n`);
    });
};
