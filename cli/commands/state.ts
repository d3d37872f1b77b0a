import type { Command } from 'commander';
import { array, object, string, undefined as zUndefined } from 'zod';
import { StateEntryViewSchema } from '../../shared/model/state.ts';
import { keyRequest } from '../key-path.ts';
import { cell, nextPageHint, renderTable } from '../output.ts';
import { intArg, shellWord } from './context.ts';
import type { CommandContext } from './context.ts';

const StatePageSchema = object({
  items: array(StateEntryViewSchema),
  nextCursor: string().min(1).optional(),
});

export const registerStateCommands = (program: Command, ctx: CommandContext): void => {
  const state = program
    .command('state')
    .description("Show and delete a job's state (the keys its integration keeps with ctx.state).");

  state
    .command('list')
    .description("List a job's live state keys with their values, in key order, one page at a time.")
    .argument('<jobId>', 'job id')
    .option('--prefix <prefix>', 'only keys starting with this')
    .option('--limit <n>', 'keys per page (1-100; default 20)', intArg('--limit', 1, 100))
    .option('--cursor <cursor>', 'the page to show, as printed under the previous page')
    .addHelpText('after', '\nValues are cut to 60 characters; --json prints them whole.')
    .action(
      async (jobId: string, opts: { prefix?: string; limit?: number; cursor?: string }, cmd: Command) => {
        const page = await ctx
          .client(cmd)
          .call('get', `admin/jobs/${encodeURIComponent(jobId)}/state`, StatePageSchema, {
            searchParams: { prefix: opts.prefix, limit: opts.limit, cursor: opts.cursor },
          });
        if (ctx.printJson(cmd, page)) return;
        if (page.items.length === 0) {
          const which =
            opts.prefix === undefined ? '' : ` starting with ${cell(JSON.stringify(opts.prefix))}`;
          ctx.io.stdout(`No state keys${which} in ${cell(jobId)}.\n`);
        } else {
          ctx.io.stdout(
            renderTable(
              ['KEY', 'VERSION', 'UPDATED', 'EXPIRES', 'VALUE'],
              page.items.map((item) => [
                cell(item.key, 64),
                String(item.version),
                item.updatedAt,
                item.expiresAt ?? '-',
                cell(JSON.stringify(item.value), 60),
              ]),
            ),
          );
        }
        const prefix = opts.prefix === undefined ? '' : ` --prefix ${shellWord(opts.prefix)}`;
        const limit = opts.limit === undefined ? '' : ` --limit ${opts.limit}`;
        ctx.io.stdout(
          nextPageHint(
            `triggerhub state list ${shellWord(jobId)}${prefix}${limit}`,
            page.nextCursor && shellWord(page.nextCursor),
          ),
        );
      },
    );

  state
    .command('delete')
    .description("Delete one key of a job's state.")
    .argument('<jobId>', 'job id')
    .argument('<key>', 'the state key, as listed')
    .addHelpText('after', '\nWith --json prints {"jobId": "<jobId>", "key": "<key>", "deleted": true}.')
    .action(async (jobId: string, key: string, _opts: unknown, cmd: Command) => {
      // A key the path cannot carry goes in the query (`DELETE …/state?key=`).
      const { path, searchParams } = keyRequest(`admin/jobs/${encodeURIComponent(jobId)}/state`, key);
      await ctx.client(cmd).call('delete', path, zUndefined(), { searchParams });
      if (ctx.printJson(cmd, { jobId, key, deleted: true })) return;
      ctx.io.stdout(`deleted  ${cell(jobId, 64)}  ${cell(key, 200)}\n`);
    });
};
