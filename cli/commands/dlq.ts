import type { Command } from 'commander';
import { PartialFailureError } from '../admin-client.ts';
import { cell, renderTable } from '../output.ts';
import { intArg } from './context.ts';
import type { CommandContext } from './context.ts';

export const registerDlqCommands = (program: Command, ctx: CommandContext): void => {
  const dlq = program
    .command('dlq')
    .description('See the runs in the dead-letter queue (every attempt failed) and run them again.');

  dlq
    .command('list')
    .description('List dead-lettered runs: run, job, status, last error, when first sent.')
    .option('--job <jobId>', 'only this job’s')
    .option('--limit <n>', 'messages to show (1-100; default the API’s)', intArg('--limit', 1, 100))
    .addHelpText(
      'after',
      '\nThe messages stay in the queue. With --json: {"items": [{messageId, runId, jobId, status, error,\n' +
        'sentAt, receiveCount}], "count"}.',
    )
    .action(async (opts: { job?: string; limit?: number }, cmd: Command) => {
      const answer = await ctx.client(cmd).listDeadLetters({ jobId: opts.job, limit: opts.limit });
      if (ctx.printJson(cmd, answer)) return;
      if (answer.items.length === 0) {
        ctx.io.stdout(
          `The dead-letter queue is empty${opts.job === undefined ? '' : ` for ${cell(opts.job)}`}.\n`,
        );
        return;
      }
      ctx.io.stdout(
        renderTable(
          ['RUN', 'JOB', 'STATUS', 'ERROR', 'SENT', 'RECEIVED'],
          answer.items.map((m) => [
            cell(m.runId ?? `(message ${m.messageId})`, 64),
            cell(m.jobId, 64),
            cell(m.status, 20),
            cell(m.error, 80),
            cell(m.sentAt, 30),
            `${m.receiveCount}×`,
          ]),
        ),
      );
      if (answer.count > answer.items.length) {
        ctx.io.stdout(`\n${answer.items.length} of ${answer.count} shown (--limit shows more, up to 100)\n`);
      }
    });

  dlq
    .command('redrive')
    .description(
      'Run every dead-lettered run (of one job, or all) again as a new run with a fresh attempt budget, ' +
        'and remove its message from the queue.',
    )
    .option('--job <jobId>', 'only this job’s')
    .addHelpText(
      'after',
      '\nEach new run is a replay (fired by "replay", replayOf the dead run). A message that is not a\n' +
        'run, or whose run is gone, is deleted and counted as dropped. Prints the new run ids.',
    )
    .action(async (opts: { job?: string }, cmd: Command) => {
      const answer = await ctx.client(cmd).redriveDeadLetters({ jobId: opts.job });
      // What was done is printed first; a redrive that stopped at an error then fails (exit 1).
      const partial = (): PartialFailureError | undefined =>
        answer.error === undefined
          ? undefined
          : new PartialFailureError(
              `the redrive stopped at an error after ${answer.count} run${answer.count === 1 ? '' : 's'}` +
                `${answer.dropped ? ` and ${answer.dropped} dropped` : ''}: ${answer.error}; run it again for the rest`,
            );
      if (ctx.printJson(cmd, answer)) {
        const failure = partial();
        if (failure !== undefined) throw failure;
        return;
      }
      ctx.io.stdout(
        `redriven ${answer.count} run${answer.count === 1 ? '' : 's'}${answer.count === 0 ? '' : ', new runs:'}\n`,
      );
      for (const id of answer.runIds) ctx.io.stdout(`  ${cell(id, 64)}\n`);
      if (answer.dropped) {
        ctx.io.stdout(
          `dropped ${answer.dropped} message${answer.dropped === 1 ? '' : 's'} that named no run to run again\n`,
        );
      }
      for (const left of answer.left ?? []) {
        ctx.io.stdout(
          `left in the queue: ${cell(left.runId, 64)} (${cell(left.jobId, 64)}): ${cell(left.reason, 80)}\n`,
        );
      }
      if (answer.truncated)
        ctx.io.stderr('note: more messages than one redrive takes: run it again for the rest\n');
      const failure = partial();
      if (failure !== undefined) throw failure;
    });
};
