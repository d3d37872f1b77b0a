import { Option } from 'commander';
import type { Command } from 'commander';
import { array, enum as zEnum, number, object, string } from 'zod';
import { TASK_STATUSES } from '../../shared/model/tickets.ts';
import { cell, nextPageHint, renderTable } from '../output.ts';
import { intArg, shellWord } from './context.ts';
import type { CommandContext } from './context.ts';

/** One task as `GET /admin/jobs/{id}/tasks` answers it (shared/http/admin/ticket-routes.ts). */
const TaskViewSchema = object({
  id: string(),
  status: zEnum(TASK_STATUSES),
  link: string(),
  key: string().optional(),
  dedupeKey: string().optional(),
  dedupeCount: number(),
  alertIds: array(string()),
  queue: string(),
  createdAt: string(),
  updatedAt: string(),
  syncedAt: string().optional(),
});
const TaskPageSchema = object({ items: array(TaskViewSchema), nextCursor: string().min(1).optional() });

interface ListOptions {
  status?: string;
  limit?: number;
  cursor?: string;
}

/** The alerts column: the newest alert id, and how many more the task stands for. */
const alertsOf = (alertIds: readonly string[]): string => {
  const newest = alertIds.at(-1);
  if (newest === undefined) return '-';
  return alertIds.length === 1 ? cell(newest, 40) : `${cell(newest, 40)} (+${alertIds.length - 1})`;
};

export const registerTasksCommands = (program: Command, ctx: CommandContext): void => {
  const tasks = program
    .command('tasks')
    .description(
      'List the tasks (Jira issues, ServiceNow incidents…) a ticket job opened, with their status.',
    );

  tasks
    .command('list')
    .description(
      'List the tasks a ticket job opened, newest first, one page at a time: TASK the key a person knows ' +
        '(a Jira issue key, a ServiceNow incident number), status as last synced from ' +
        'the target, DEDUPE the alerts the task stands for (1 + those deduplicated onto it), ALERTS the ' +
        'newest alert id.',
    )
    .argument('<jobId>', 'job id')
    .addOption(new Option('--status <status>', 'only tasks in this status').choices(TASK_STATUSES))
    .option('--limit <n>', 'tasks per page (1-100; default 25)', intArg('--limit', 1, 100))
    .option('--cursor <cursor>', 'the page to show, as printed under the previous page')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  triggerhub tasks list alerts-to-jira\n' +
        '  triggerhub tasks list alerts-to-jira --status new --limit 50\n' +
        '  triggerhub --json tasks list alerts-to-jira   # the API items: id, key, status, link, dedupeKey, dedupeCount, alertIds, queue, createdAt, updatedAt, syncedAt\n',
    )
    .action(async (jobId: string, opts: ListOptions, cmd: Command) => {
      const page = await ctx
        .client(cmd)
        .call('get', `admin/jobs/${encodeURIComponent(jobId)}/tasks`, TaskPageSchema, {
          searchParams: { status: opts.status, limit: opts.limit, cursor: opts.cursor },
        });
      if (ctx.printJson(cmd, page)) return;
      if (page.items.length === 0) {
        ctx.io.stdout(
          `No tasks of ${cell(jobId)}${opts.status === undefined ? '' : ` in status ${opts.status}`}.\n`,
        );
      } else {
        ctx.io.stdout(
          renderTable(
            ['TASK', 'STATUS', 'DEDUPE', 'ALERTS', 'UPDATED', 'LINK'],
            page.items.map((t) => [
              cell(t.key ?? t.id, 40),
              t.status,
              String(t.dedupeCount),
              alertsOf(t.alertIds),
              t.updatedAt,
              cell(t.link, 200),
            ]),
          ),
        );
      }
      const flags =
        (opts.status === undefined ? '' : ` --status ${opts.status}`) +
        (opts.limit === undefined ? '' : ` --limit ${opts.limit}`);
      ctx.io.stdout(
        nextPageHint(
          `triggerhub tasks list ${shellWord(jobId)}${flags}`,
          page.nextCursor && shellWord(page.nextCursor),
        ),
      );
    });
};
