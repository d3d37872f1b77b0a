import type { Command } from 'commander';
import { array, boolean, enum as zEnum, number, object, string, undefined as zUndefined, unknown } from 'zod';
import { keyRequest } from '../key-path.ts';
import { cell, nextPageHint, renderTable } from '../output.ts';
import { intArg, shellWord } from './context.ts';
import type { CommandContext } from './context.ts';

/** One effect as `GET /admin/jobs/{id}/effects` answers it (shared/http/admin/effect-routes.ts). */
const EffectViewSchema = object({
  key: string(),
  status: zEnum(['pending', 'done']),
  runId: string(),
  attempt: number(),
  startedAt: string(),
  heldUntil: string().optional(),
  doneAt: string().optional(),
  reconciled: boolean().optional(),
  inDoubt: boolean().optional(),
  result: unknown().optional(),
  resultProblem: string().optional(),
  expiresAt: string(),
});
const EffectPageSchema = object({ items: array(EffectViewSchema), nextCursor: string().min(1).optional() });

const statusOf = (e: { status: string; inDoubt?: boolean; reconciled?: boolean }): string =>
  e.inDoubt === true ? 'IN DOUBT' : e.reconciled === true ? 'done (reconciled)' : e.status;

export const registerEffectsCommands = (program: Command, ctx: CommandContext): void => {
  const effects = program
    .command('effects')
    .description("List a job's exactly-once effects (ctx.effect) and clear one, e.g. an effect in doubt.");

  effects
    .command('list')
    .description('List the effects a job has recorded, by key, one page at a time.')
    .argument('<jobId>', 'job id')
    .option('--key <prefix>', 'only keys starting with this (an exact key is a prefix too)')
    .option('--limit <n>', 'effects per page (1-100; default 20)', intArg('--limit', 1, 100))
    .option('--cursor <cursor>', 'the page to show, as printed under the previous page')
    .action(async (jobId: string, opts: { key?: string; limit?: number; cursor?: string }, cmd: Command) => {
      const page = await ctx
        .client(cmd)
        .call('get', `admin/jobs/${encodeURIComponent(jobId)}/effects`, EffectPageSchema, {
          searchParams: { key: opts.key, limit: opts.limit, cursor: opts.cursor },
        });
      if (ctx.printJson(cmd, page)) return;
      if (page.items.length === 0) {
        ctx.io.stdout(
          `No effects of ${cell(jobId)}${opts.key === undefined ? '' : ` under ${cell(opts.key)}`}.\n`,
        );
      } else {
        ctx.io.stdout(
          renderTable(
            ['KEY', 'STATUS', 'RUN', 'ATTEMPT', 'STARTED', 'DONE', 'RESULT'],
            page.items.map((e) => [
              cell(e.key, 64),
              statusOf(e),
              cell(e.runId, 32),
              String(e.attempt),
              e.startedAt,
              e.doneAt ?? '-',
              cell(e.resultProblem ?? (e.result === undefined ? '-' : JSON.stringify(e.result)), 60),
            ]),
          ),
        );
        if (page.items.some((e) => e.inDoubt === true)) {
          ctx.io.stdout(
            'IN DOUBT: a run started the effect and did not record its end. Check the target, then ' +
              `clear the key to let the next run call it again: triggerhub effects forget ${shellWord(jobId)} <key>\n`,
          );
        }
      }
      const flags =
        (opts.key === undefined ? '' : ` --key ${shellWord(opts.key)}`) +
        (opts.limit === undefined ? '' : ` --limit ${opts.limit}`);
      ctx.io.stdout(
        nextPageHint(
          `triggerhub effects list ${shellWord(jobId)}${flags}`,
          page.nextCursor && shellWord(page.nextCursor),
        ),
      );
    });

  effects
    .command('forget')
    .description(
      "Clear one effect's record: the next run that reaches its key calls the function again. " +
        'For an effect in doubt, once you have checked the target.',
    )
    .argument('<jobId>', 'job id')
    .argument('<key>', 'the effect key, exactly')
    .action(async (jobId: string, key: string, _opts: unknown, cmd: Command) => {
      // A key the path cannot carry goes in the query (`DELETE …/effects?key=`).
      const { path, searchParams } = keyRequest(`admin/jobs/${encodeURIComponent(jobId)}/effects`, key);
      await ctx.client(cmd).call('delete', path, zUndefined(), { searchParams });
      if (ctx.printJson(cmd, { jobId, key, forgotten: true })) return;
      ctx.io.stdout(
        `Forgot effect ${cell(key, 64)} of job ${cell(jobId)}: the next run that reaches it calls its function again.\n`,
      );
    });
};
