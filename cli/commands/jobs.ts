import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ValidationError, errorMessage } from '../../shared/errors.ts';
import { JobSchema } from '../../shared/model/index.ts';
import type { Job } from '../../shared/model/index.ts';
import { AdminApiError } from '../admin-client.ts';
import { cell, nextPageHint, renderFields, renderTable } from '../output.ts';
import { intArg, shellWord } from './context.ts';
import type { CommandContext } from './context.ts';

interface PageOptions {
  limit?: number;
  cursor?: string;
}

const readStdin = async (): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
};

const readJobFile = async (ctx: CommandContext, file: string): Promise<string> => {
  if (file === '-') return (ctx.io.readStdin ?? readStdin)();
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
    throw new ValidationError(
      code === 'ENOENT' ? `cannot read ${file}: no such file` : `cannot read ${file}: ${errorMessage(error)}`,
    );
  }
};

/**
 * The jobs of a file: one job object or an array of them. All are checked
 * before any is sent, so a mistake in the third job does not leave the first
 * two applied and the rest not.
 */
export const parseJobFile = (
  text: string,
  source: string,
): { jobs: Record<string, unknown>[]; many: boolean } => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`${source}: not valid JSON (${errorMessage(error)})`);
  }
  const many = Array.isArray(json);
  const items: unknown[] = Array.isArray(json) ? json : [json];
  if (items.length === 0) throw new ValidationError(`${source}: no jobs in the file`);
  const problems: string[] = [];
  const seen = new Set<string>();
  const jobs: Record<string, unknown>[] = [];
  items.forEach((item, index) => {
    const where = many ? `${source}[${index}]` : source;
    const parsed = JobSchema.safeParse(item);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .map((i) => `${i.path.join('.') || '(job)'}: ${i.message}`)
        .join('; ');
      problems.push(`${where}: ${issues}`);
      return;
    }
    if (seen.has(parsed.data.id)) problems.push(`${where}: job "${parsed.data.id}" appears twice`);
    seen.add(parsed.data.id);
    // Send what the operator wrote, not the parsed copy: the server applies its own defaults.
    if (typeof item === 'object' && item !== null && !Array.isArray(item)) jobs.push({ ...item });
  });
  if (problems.length > 0) throw new ValidationError(`invalid job definition:\n  ${problems.join('\n  ')}`);
  return { jobs, many };
};

const jobIdOf = (job: Record<string, unknown>): string => (typeof job.id === 'string' ? job.id : '');

const describeAuth = (job: Job): string =>
  job.auth.type === 'hmac'
    ? `hmac (secret ${job.auth.secret}; ${job.auth.signatureHeader}, ${job.auth.timestampHeader}; ±${job.auth.toleranceSeconds}s)`
    : `shared secret ${job.auth.secret} in ${job.auth.header}`;

const renderJob = (job: Job): string => {
  const fields = renderFields([
    ['ID', job.id],
    ['Name', cell(job.name, 200)],
    ['Description', job.description === '' ? undefined : cell(job.description, 500)],
    ['Enabled', job.enabled ? 'yes' : 'no'],
    ['Integration', cell(job.integration, 100)],
    ['Source', job.source],
    ['Event', job.event === undefined ? undefined : cell(job.event, 100)],
    ['Mode', job.mode],
    ['Timeout', job.timeoutSeconds === undefined ? 'default' : `${job.timeoutSeconds}s`],
    ['On error', job.mode === 'decision' ? job.onError : undefined],
    ['Auth', describeAuth(job)],
    ['Max body', `${job.maxBodyBytes} bytes`],
    ['Dedupe window', `${job.dedupeWindowSeconds}s`],
    ['Created', job.createdAt],
    ['Updated', job.updatedAt],
  ]);
  const params = Object.keys(job.params).length === 0 ? '{}' : JSON.stringify(job.params, null, 2);
  return `${fields}\nParams:\n${params
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}\n`;
};

export const registerJobCommands = (program: Command, ctx: CommandContext): void => {
  const jobs = program.command('jobs').description('Create, list, show and delete jobs.');

  jobs
    .command('list')
    .description('List jobs, one page at a time.')
    .option('--limit <n>', 'jobs per page (1-100; default 20)', intArg('--limit', 1, 100))
    .option('--cursor <cursor>', 'the page to show, as printed under the previous page')
    .action(async (opts: PageOptions, cmd: Command) => {
      const page = await ctx.client(cmd).listJobs(opts);
      if (ctx.printJson(cmd, page)) return;
      if (page.items.length === 0) {
        ctx.io.stdout('No jobs.\n');
      } else {
        ctx.io.stdout(
          renderTable(
            ['ID', 'NAME', 'INTEGRATION', 'SOURCE', 'MODE', 'ENABLED'],
            page.items.map((j) => [
              cell(j.id, 64),
              cell(j.name, 40),
              cell(j.integration, 30),
              j.source,
              j.mode,
              j.enabled ? 'yes' : 'no',
            ]),
          ),
        );
      }
      const limit = opts.limit === undefined ? '' : ` --limit ${opts.limit}`;
      ctx.io.stdout(
        nextPageHint(`triggerhub jobs list${limit}`, page.nextCursor && shellWord(page.nextCursor)),
      );
    });

  jobs
    .command('get')
    .description('Show one job.')
    .argument('<id>', 'job id')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const job = await ctx.client(cmd).getJob(id);
      if (ctx.printJson(cmd, job)) return;
      ctx.io.stdout(renderJob(job));
    });

  jobs
    .command('apply')
    .description(
      'Create or replace jobs from a JSON file holding one job or an array of jobs. ' +
        'Every job is checked before any is sent.',
    )
    .requiredOption('-f, --file <file>', 'the JSON file; - reads standard input')
    .addHelpText(
      'after',
      '\nPrints "created <id>" or "updated <id>" per job. With --json: the jobs as the API returned them\n' +
        '(one object, or an array when the file holds an array).',
    )
    .action(async (opts: { file: string }, cmd: Command) => {
      const source = opts.file === '-' ? 'stdin' : opts.file;
      const { jobs: items, many } = parseJobFile(await readJobFile(ctx, opts.file), source);
      const client = ctx.client(cmd);
      const applied: Job[] = [];
      const failed: string[] = [];
      for (const item of items) {
        const id = jobIdOf(item);
        try {
          const { created, job } = await client.putJob(id, item);
          applied.push(job);
          if (!ctx.globals(cmd).json) ctx.io.stdout(`${created ? 'created' : 'updated'}  ${id}\n`);
        } catch (error) {
          // A refused connection or a broken answer stops everything; a rejected job does not stop the others.
          if (!(error instanceof AdminApiError)) throw error;
          failed.push(id);
          ctx.io.stderr(`error: ${id}: ${error.message} (HTTP ${error.status} ${error.code})\n`);
        }
      }
      if (many || applied.length > 0) ctx.printJson(cmd, many ? applied : applied[0]);
      if (failed.length > 0) {
        throw new ValidationError(
          `${failed.length} of ${items.length} jobs not applied: ${failed.join(', ')}`,
        );
      }
    });

  jobs
    .command('delete')
    .description('Delete a job.')
    .argument('<id>', 'job id')
    .addHelpText('after', '\nWith --json prints {"id": "<id>", "deleted": true}.')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      await ctx.client(cmd).deleteJob(id);
      if (ctx.printJson(cmd, { id, deleted: true })) return;
      ctx.io.stdout(`deleted  ${id}\n`);
    });
};
