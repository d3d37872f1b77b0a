import type { Command } from 'commander';
import { cell, formatDuration, nextPageHint, renderRun, renderTable } from '../output.ts';
import { intArg, shellWord } from './context.ts';
import type { CommandContext } from './context.ts';

export const registerRunCommands = (program: Command, ctx: CommandContext): void => {
  const runs = program.command('runs').description("List a job's runs and show one run with its log.");

  runs
    .command('list')
    .description('List the runs of a job, newest first, one page at a time.')
    .argument('<jobId>', 'job id')
    .option('--limit <n>', 'runs per page (1-100; default 20)', intArg('--limit', 1, 100))
    .option('--cursor <cursor>', 'the page to show, as printed under the previous page')
    .action(async (jobId: string, opts: { limit?: number; cursor?: string }, cmd: Command) => {
      const page = await ctx.client(cmd).listRuns(jobId, opts);
      if (ctx.printJson(cmd, page)) return;
      if (page.items.length === 0) {
        ctx.io.stdout(`No runs of ${cell(jobId)}.\n`);
      } else {
        ctx.io.stdout(
          renderTable(
            ['RUN', 'STATUS', 'TRIGGER', 'ATTEMPT', 'CREATED', 'DURATION', 'MESSAGE'],
            page.items.map((r) => [
              cell(r.id, 64),
              r.status,
              cell(r.trigger, 24),
              String(r.attempt),
              r.createdAt,
              formatDuration(r.durationMs) ?? '-',
              cell(r.message ?? r.error, 60),
            ]),
          ),
        );
      }
      const limit = opts.limit === undefined ? '' : ` --limit ${opts.limit}`;
      ctx.io.stdout(
        nextPageHint(
          `triggerhub runs list ${shellWord(jobId)}${limit}`,
          page.nextCursor && shellWord(page.nextCursor),
        ),
      );
    });

  runs
    .command('show')
    .description('Show one run: status, times, result, then its log lines.')
    .argument('<runId>', 'run id')
    .action(async (runId: string, _opts: unknown, cmd: Command) => {
      const run = await ctx.client(cmd).getRun(runId);
      if (ctx.printJson(cmd, run)) return;
      ctx.io.stdout(renderRun(run));
    });
};
