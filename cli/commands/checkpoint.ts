import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { iso, object, safeParse, string } from 'zod';
import type { infer as Infer } from 'zod';
import { cell, renderFields } from '../output.ts';
import type { CommandContext } from './context.ts';

/** `GET`/`PUT /admin/jobs/{id}/checkpoint`; loose, so that a later stack may add fields. */
export const CheckpointAnswerSchema = object({
  jobId: string(),
  lastRunAt: string().optional(),
  lastSuccessfulRunAt: string().optional(),
  cursor: string().optional(),
  updatedAt: string().optional(),
  rewoundAt: string().optional(),
  rewoundBy: string().optional(),
});
export type CheckpointAnswer = Infer<typeof CheckpointAnswerSchema>;

/** An ISO 8601 date-time with a zone (`Z` or `±hh:mm`), as the admin API takes it. */
const isoArg = (value: string): string => {
  const parsed = safeParse(iso.datetime({ offset: true }), value);
  if (!parsed.success) {
    throw new InvalidArgumentError('expected an ISO 8601 date-time such as 2026-11-22T10:00:00Z.');
  }
  return value;
};

/** The fields of a checkpoint as lines; `(none)` for a field that is not set. */
const renderCheckpoint = (c: CheckpointAnswer): string =>
  renderFields([
    ['Job', cell(c.jobId, 64)],
    ['Cursor', c.cursor === undefined ? '(none)' : cell(c.cursor, 200)],
    ['Last successful run', c.lastSuccessfulRunAt === undefined ? '(none)' : cell(c.lastSuccessfulRunAt)],
    ['Last run', c.lastRunAt === undefined ? '(none)' : cell(c.lastRunAt)],
    ['Updated', c.updatedAt === undefined ? undefined : cell(c.updatedAt)],
    [
      'Rewound',
      c.rewoundAt === undefined ? undefined : `${cell(c.rewoundAt)} by ${cell(c.rewoundBy ?? '?', 200)}`,
    ],
  ]);

export const registerCheckpointCommands = (program: Command, ctx: CommandContext): void => {
  const checkpoint = program
    .command('checkpoint')
    .description("Show a job's checkpoint (what its runs see as ctx.checkpoint) and rewind it.");

  checkpoint
    .command('show')
    .description('Show the cursor, the last successful run and the last run of a job, and its last rewind.')
    .argument('<jobId>', 'job id')
    .action(async (jobId: string, _opts: unknown, cmd: Command) => {
      const answer = await ctx
        .client(cmd)
        .call('get', `admin/jobs/${encodeURIComponent(jobId)}/checkpoint`, CheckpointAnswerSchema);
      if (ctx.printJson(cmd, answer)) return;
      ctx.io.stdout(renderCheckpoint(answer));
    });

  checkpoint
    .command('set')
    .description(
      'Rewind (or move) the checkpoint: the next run sees this cursor and last successful run time. ' +
        'Both are replaced: a flag left out clears that field, and no flag at all starts over.',
    )
    .argument('<jobId>', 'job id')
    .option('--cursor <cursor>', 'the cursor the next run starts from (at most 8192 characters)')
    .option(
      '--last-successful-run-at <iso>',
      'the last successful run time the next run sees, e.g. 2026-11-22T10:00:00Z',
      isoArg,
    )
    .action(async (jobId: string, opts: { cursor?: string; lastSuccessfulRunAt?: string }, cmd: Command) => {
      const client = ctx.client(cmd);
      const path = `admin/jobs/${encodeURIComponent(jobId)}/checkpoint`;
      const before = await client.call('get', path, CheckpointAnswerSchema);
      const body: Record<string, string> = {};
      if (opts.cursor !== undefined) body.cursor = opts.cursor;
      if (opts.lastSuccessfulRunAt !== undefined) body.lastSuccessfulRunAt = opts.lastSuccessfulRunAt;
      const after = await client.call('put', path, CheckpointAnswerSchema, { json: body });
      // PUT replaces both fields: say which ones this call cleared, so that it is never a surprise.
      const cleared = [
        ...(opts.cursor === undefined ? [['the cursor', '--cursor']] : []),
        ...(opts.lastSuccessfulRunAt === undefined
          ? [['the last successful run time', '--last-successful-run-at']]
          : []),
      ];
      if (cleared.length > 0) {
        ctx.io.stderr(
          `warning: cleared ${cleared.map(([what]) => what).join(' and ')} ` +
            `(no ${cleared.map(([, flag]) => flag).join(', no ')} given)\n`,
        );
      }
      if (ctx.printJson(cmd, { before, after })) return;
      ctx.io.stdout(`Before:\n${renderCheckpoint(before)}\nAfter:\n${renderCheckpoint(after)}`);
    });
};
