import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { array, object, string } from 'zod';
import { NotificationSchema, SEVERITIES } from '../../shared/model/notification.ts';
import { cell, nextPageHint, renderTable } from '../output.ts';
import { intArg, shellWord } from './context.ts';
import type { CommandContext } from './context.ts';

const NotificationPageSchema = object({
  items: array(NotificationSchema),
  nextCursor: string().min(1).optional(),
});

const severityArg = (value: string): string => {
  if (!(SEVERITIES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${SEVERITIES.join(', ')}.`);
  }
  return value;
};

export const registerNotificationsCommands = (program: Command, ctx: CommandContext): void => {
  program
    .command('notifications')
    .description(
      'List notifications, newest first: what integrations raised (ctx.notifier) and what the platform ' +
        'raised (a run failed, rate limiting, a payload too large…). Kept 30 days.',
    )
    .option('--job <jobId>', 'only this job’s')
    .option('--severity <severity>', `only this severity (${SEVERITIES.join(', ')})`, severityArg)
    .option('--limit <n>', 'notifications per page (1-100; default 20)', intArg('--limit', 1, 100))
    .option('--cursor <cursor>', 'the page to show, as printed under the previous page')
    .action(
      async (opts: { job?: string; severity?: string; limit?: number; cursor?: string }, cmd: Command) => {
        const page = await ctx.client(cmd).call('get', 'admin/notifications', NotificationPageSchema, {
          searchParams: { jobId: opts.job, severity: opts.severity, limit: opts.limit, cursor: opts.cursor },
        });
        if (ctx.printJson(cmd, page)) return;
        if (page.items.length === 0) {
          ctx.io.stdout('No notifications.\n');
        } else {
          ctx.io.stdout(
            renderTable(
              ['TIME', 'SEVERITY', 'JOB', 'RUN', 'KIND', 'MESSAGE'],
              page.items.map((n) => [
                n.createdAt,
                n.severity,
                cell(n.jobId, 64),
                cell(n.runId, 26),
                n.kind,
                cell(n.message, 100),
              ]),
            ),
          );
        }
        const flags = [
          opts.job === undefined ? '' : ` --job ${shellWord(opts.job)}`,
          opts.severity === undefined ? '' : ` --severity ${opts.severity}`,
          opts.limit === undefined ? '' : ` --limit ${opts.limit}`,
        ].join('');
        ctx.io.stdout(
          nextPageHint(`triggerhub notifications${flags}`, page.nextCursor && shellWord(page.nextCursor)),
        );
      },
    );
};
