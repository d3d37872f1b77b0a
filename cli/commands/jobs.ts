import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import { ValidationError, errorMessage } from '../../shared/errors.ts';
import { JobSchema, SecretRefSchema } from '../../shared/model/index.ts';
import type { IntegrationManifest, Job } from '../../shared/model/index.ts';
import { checkJobParams } from '../../shared/sdk/params.ts';
import { AdminApiError } from '../admin-client.ts';
import type { AdminClient, JobGridItem } from '../admin-client.ts';
import {
  CLEAR_SCREEN,
  cell,
  describeLastRun,
  describeNextRun,
  formatDuration,
  nextPageHint,
  renderFields,
  renderTable,
} from '../output.ts';
import { interruptOnSigint, pause } from './follow.ts';
import { waitForQueuedRun, waitOption, waitTimeoutOption } from './send.ts';
import { SECRET_PREFIX_OPTION, intArg, readStdin, shellWord } from './context.ts';
import type { CommandContext } from './context.ts';

interface PageOptions {
  limit?: number;
  cursor?: string;
}

interface ListOptions extends PageOptions {
  watch?: boolean;
  watchInterval: number;
  watchCount?: number;
}

interface RunOptions {
  param: Record<string, unknown>;
  wait?: boolean;
  timeout: number;
}

/**
 * Commander collector for `--param name=value`: the value as JSON when it
 * parses (numbers, booleans, a `{"secret": …}` reference), else the text.
 */
export const paramArg = (value: string, previous: Record<string, unknown>): Record<string, unknown> => {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected name=value, e.g. --param since=2026-11-01.');
  const name = value.slice(0, eq);
  if (Object.hasOwn(previous, name)) throw new InvalidArgumentError(`"${name}" is given twice.`);
  const text = value.slice(eq + 1);
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: the text as written.
  }
  return { ...previous, [name]: parsed };
};

/** `jobs list --watch` redraws every minute: the scheduler's tick. */
const WATCH_INTERVAL_MS = 60_000;
/** What `--watch` reads at most per draw: 10 pages of 100. */
const WATCH_MAX_JOBS = 1000;

/** The grid: Job, Schedule, Last run, Next run (as Plutora's Integration Hub shows it). */
export const renderGrid = (items: readonly JobGridItem[], now: Date): string =>
  items.length === 0
    ? 'No jobs.\n'
    : renderTable(
        ['Job', 'Schedule', 'Last run', 'Next run'],
        items.map((j) => [
          cell(j.id, 64),
          j.schedule === null || j.schedule === undefined ? '-' : cell(j.schedule, 60),
          describeLastRun(j.lastRun, now),
          describeNextRun(j.nextRun, j.nextRunAt, now),
        ]),
      );

/** Every job, following the cursor, up to {@link WATCH_MAX_JOBS}. */
const wholeGrid = async (client: AdminClient): Promise<{ items: JobGridItem[]; more: boolean }> => {
  const items: JobGridItem[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listJobs({ limit: 100, ...(cursor === undefined ? {} : { cursor }) });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== undefined && items.length < WATCH_MAX_JOBS);
  return {
    items: items.slice(0, WATCH_MAX_JOBS),
    more: cursor !== undefined || items.length > WATCH_MAX_JOBS,
  };
};

const readJobFile = async (ctx: CommandContext, file: string): Promise<string> => {
  if (file === '-') return (ctx.io.readStdin ?? readStdin)();
  try {
    return await readFile(resolve(ctx.cwd, file), 'utf8');
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
    throw new ValidationError(
      code === 'ENOENT' ? `cannot read ${file}: no such file` : `cannot read ${file}: ${errorMessage(error)}`,
    );
  }
};

/**
 * The files a path names: itself, or every `*.json` of a folder (sorted); `-`
 * is stdin. Relative paths are the command's folder's (`ctx.cwd`), and are
 * answered as given, for messages.
 */
const expandPath = async (path: string, cwd: string): Promise<string[]> => {
  if (path === '-') return [path];
  let isDir = false;
  try {
    isDir = (await stat(resolve(cwd, path))).isDirectory();
  } catch {
    // Not there: reading it says so.
  }
  if (!isDir) return [path];
  const files = (await readdir(resolve(cwd, path))).filter((f) => f.endsWith('.json')).sort();
  if (files.length === 0) throw new ValidationError(`${path}: no *.json files in the folder`);
  return files.map((f) => join(path, f));
};

/** One job as read from a file, with where it came from (for messages). */
interface JobEntry {
  where: string;
  body: Record<string, unknown>;
  job: Job;
}

/**
 * The jobs of a file: one job object or an array of them, each checked
 * against the job schema. Problems are collected, not thrown, so that every
 * file's are reported at once.
 */
export const parseJobFile = (
  text: string,
  source: string,
  problems: string[],
): { jobs: JobEntry[]; many: boolean } => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    problems.push(`${source}: not valid JSON (${errorMessage(error)})`);
    return { jobs: [], many: false };
  }
  const many = Array.isArray(json);
  const items: unknown[] = Array.isArray(json) ? json : [json];
  if (items.length === 0) problems.push(`${source}: no jobs in the file`);
  const jobs: JobEntry[] = [];
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
    // Send what the operator wrote, not the parsed copy: the server applies its own defaults.
    if (typeof item === 'object' && item !== null && !Array.isArray(item)) {
      jobs.push({ where, body: { ...item }, job: parsed.data });
    }
  });
  return { jobs, many };
};

/**
 * What the server would refuse, checked before anything is sent: the
 * integration exists there, and the parameters fit its manifest (the
 * manifests come from `GET /admin/integrations`: the CLI cannot load
 * integration code that runs in a deployed stack).
 */
const checkAgainstManifests = (
  entries: readonly JobEntry[],
  manifests: readonly IntegrationManifest[],
  problems: string[],
): void => {
  const byId = new Map(manifests.map((m) => [m.id, m]));
  for (const { where, job } of entries) {
    // A script's parameters are free-form: the stack checks the script exists when the job is applied.
    if (job.integration === undefined) continue;
    const manifest = byId.get(job.integration);
    if (manifest === undefined) {
      problems.push(
        `${where}: integration: unknown integration "${job.integration}" (known: ${[...byId.keys()].join(', ')})`,
      );
      continue;
    }
    if (job.mode === 'decision' && !manifest.entryPoints.includes('decide')) {
      problems.push(
        `${where}: mode: integration "${job.integration}" cannot decide (it has no decide entry point)`,
      );
    }
    try {
      checkJobParams(manifest, job.params);
    } catch (error) {
      problems.push(`${where}: params: ${errorMessage(error)}`);
    }
  }
};

/** The secrets a job needs: its auth secret, and the secret of every password parameter (`params`). */
const secretsOf = (
  job: Job,
  manifest: IntegrationManifest | undefined,
): { name: string; param: boolean }[] => {
  const names = new Map<string, boolean>(job.auth === undefined ? [] : [[job.auth.secret, false]]);
  for (const [name, spec] of Object.entries(manifest?.parameters ?? {})) {
    if (spec.type !== 'password') continue;
    const ref = SecretRefSchema.safeParse(job.params[name]);
    if (ref.success) names.set(ref.data.secret, true);
  }
  return [...names].map(([name, param]) => ({ name, param }));
};

/**
 * Checks that each secret a job needs exists where the stack reads it. A
 * missing one is a warning (stderr, not fatal: the job is applied, and runs
 * fail until the secret is set) — except a password parameter's secret of
 * a ticket job checked with its target (`verify`): the stack needs it for
 * that call and would refuse the job, so that job is not sent and the
 * answer, per job id, is the error to print.
 */
const checkSecrets = async (
  ctx: CommandContext,
  cmd: Command,
  entries: readonly JobEntry[],
  manifests: readonly IntegrationManifest[],
  verify: boolean,
): Promise<Map<string, string>> => {
  const store = await ctx.secretStore(cmd);
  const checked = new Map<string, Promise<boolean | Error>>();
  const blocked = new Map<string, string>();
  for (const { job } of entries) {
    const checkedWithTarget = verify && job.tickets !== undefined;
    for (const { name, param } of secretsOf(
      job,
      manifests.find((m) => m.id === job.integration),
    )) {
      if (!checked.has(name)) {
        checked.set(
          name,
          store.exists(name).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))),
        );
      }
      const exists = await checked.get(name);
      const missing = `secret "${name}" does not exist (${store.locate(name)}); create it with: triggerhub secrets set ${shellWord(name)}`;
      if (exists instanceof Error) {
        ctx.io.stderr(`warning: job ${job.id}: could not check secret "${name}": ${exists.message}\n`);
      } else if (exists) {
        continue;
      } else if (checkedWithTarget && param) {
        if (!blocked.has(job.id)) {
          blocked.set(
            job.id,
            `${missing} (a ticket job is checked with its target, which needs it; --no-verify applies it without the check)`,
          );
        }
      } else {
        ctx.io.stderr(`warning: job ${job.id}: ${missing}\n`);
      }
    }
  }
  return blocked;
};

const describeAuth = ({ auth }: Job): string =>
  auth === undefined
    ? 'none (no webhook)'
    : auth.type === 'hmac'
      ? `hmac (secret ${auth.secret}; ${auth.signatureHeader}, ${auth.timestampHeader}; ±${auth.toleranceSeconds}s)`
      : `shared secret ${auth.secret} in ${auth.header}`;

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
    .description(
      'The jobs grid: each job with its schedule, last run and next run. --watch redraws it every minute.',
    )
    .option('--limit <n>', 'jobs per page (1-100; default 20)', intArg('--limit', 1, 100))
    .option('--cursor <cursor>', 'the page to show, as printed under the previous page')
    .option('--watch', 'clear the screen and redraw the grid (every job) every 60 s, until Ctrl-C')
    // For tests: a shorter period, and an end after so many draws.
    .addOption(
      new Option('--watch-interval <ms>')
        .argParser(intArg('--watch-interval', 10, 3_600_000))
        .default(WATCH_INTERVAL_MS)
        .hideHelp(),
    )
    .addOption(new Option('--watch-count <n>').argParser(intArg('--watch-count', 1, 1_000_000)).hideHelp())
    .addHelpText(
      'after',
      '\nColumns: Job (the id), Schedule (as a sentence, - for none), Last run (its status and when),\n' +
        'Next run: in 3 minutes, Running (its scheduled run still runs), Overdue (due more than two\n' +
        'minutes ago and not started), Disabled, or Webhook (no schedule: runs when called).\n' +
        'With --json: the API items (each job definition with schedule, scheduleDefinition, lastRun,\n' +
        'nextRunAt and nextRun).',
    )
    .action(async (opts: ListOptions, cmd: Command) => {
      const client = ctx.client(cmd);
      const now = ctx.io.now ?? (() => new Date());
      if (!opts.watch) {
        const page = await client.listJobs({ limit: opts.limit, cursor: opts.cursor });
        if (ctx.printJson(cmd, page)) return;
        ctx.io.stdout(renderGrid(page.items, now()));
        const limit = opts.limit === undefined ? '' : ` --limit ${opts.limit}`;
        ctx.io.stdout(
          nextPageHint(`triggerhub jobs list${limit}`, page.nextCursor && shellWord(page.nextCursor)),
        );
        return;
      }
      if (ctx.globals(cmd).json) {
        cmd.error('error: --watch draws the grid for people; for the API JSON leave out --watch', {
          exitCode: 2,
          code: 'commander.conflictingOption',
        });
      }
      if (opts.cursor !== undefined) {
        cmd.error('error: --watch shows every job: leave out --cursor', {
          exitCode: 2,
          code: 'commander.conflictingOption',
        });
      }
      const interrupt = interruptOnSigint();
      try {
        for (let draw = 1; ; draw++) {
          try {
            const { items, more } = await wholeGrid(client);
            const at = now();
            ctx.io.stdout(
              `${CLEAR_SCREEN}${renderGrid(items, at)}` +
                (more ? `(the first ${WATCH_MAX_JOBS} jobs)\n` : '') +
                `\nUpdated ${at.toISOString().replace(/\.\d+Z$/, 'Z')}, every ${formatDuration(opts.watchInterval) ?? ''}. ` +
                'Ctrl-C to stop.\n',
            );
          } catch (error) {
            // The first draw fails as any command does; later, a blip must not end the watch.
            if (draw === 1) throw error;
            ctx.io.stderr(`error: ${errorMessage(error)} (still watching)\n`);
          }
          if (opts.watchCount !== undefined && draw >= opts.watchCount) break;
          await pause(opts.watchInterval, interrupt.signal);
          if (interrupt.signal.aborted) break;
        }
      } finally {
        interrupt.dispose();
      }
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
      'Create or replace jobs from JSON files (one job or an array of jobs each), or every *.json of a folder. ' +
        'Every job is checked (schema, integration, parameters) before any is sent.',
    )
    .argument('[paths...]', 'JSON files or folders; - reads standard input')
    .option('-f, --file <file>', 'a JSON file (as a path argument); - reads standard input')
    .option(...SECRET_PREFIX_OPTION)
    .option(
      '--no-verify',
      "store ticket jobs without checking them with their target (the integration's validate call)",
    )
    .addHelpText(
      'after',
      '\nNothing is sent when any job is invalid. A job whose secret does not exist is applied, with a\n' +
        'warning on stderr (create it with triggerhub secrets set <name>).\n' +
        'A ticket job (with "tickets") is checked by the stack with its target before it is stored: the\n' +
        "target's refusal is printed and the job is not applied; --no-verify skips that call. That check\n" +
        "needs the job's secrets: without --no-verify, a ticket job whose secret does not exist is not\n" +
        'applied (an error, not a warning).\n' +
        'Prints "created <id>" or "updated <id>" per job. With --json: the jobs as the API returned them\n' +
        '(one object, or an array when there are several).\n\n' +
        'Examples:\n' +
        '  triggerhub jobs apply examples/jobs/demo.json\n' +
        '  triggerhub jobs apply jobs/            # every jobs/*.json, in name order\n' +
        '  cat job.json | triggerhub jobs apply -\n' +
        '  triggerhub jobs apply jobs/alerts-to-jira.json --no-verify   # the target is not reachable yet',
    )
    .action(async (paths: string[], opts: { file?: string; verify: boolean }, cmd: Command) => {
      const given = [...(opts.file === undefined ? [] : [opts.file]), ...paths];
      if (given.length === 0) {
        cmd.error('error: give a job file, a folder, or - for stdin (triggerhub jobs apply <file>)', {
          exitCode: 2,
          code: 'commander.missingArgument',
        });
      }
      const problems: string[] = [];
      const entries: JobEntry[] = [];
      let many = false;
      for (const file of (await Promise.all(given.map((p) => expandPath(p, ctx.cwd)))).flat()) {
        const source = file === '-' ? 'stdin' : file;
        const parsed = parseJobFile(await readJobFile(ctx, file), source, problems);
        many ||= parsed.many;
        entries.push(...parsed.jobs);
      }
      many ||= entries.length > 1;
      const firstSeen = new Map<string, string>();
      for (const { where, job } of entries) {
        const first = firstSeen.get(job.id);
        if (first !== undefined) problems.push(`${where}: job "${job.id}" appears twice (first in ${first})`);
        else firstSeen.set(job.id, where);
      }
      if (problems.length > 0)
        throw new ValidationError(`invalid job definition:\n  ${problems.join('\n  ')}`);

      const client = ctx.client(cmd);
      const manifests = await client.listIntegrations();
      checkAgainstManifests(entries, manifests, problems);
      if (problems.length > 0) {
        throw new ValidationError(`invalid job definition (nothing applied):\n  ${problems.join('\n  ')}`);
      }
      const blocked = await checkSecrets(ctx, cmd, entries, manifests, opts.verify);

      const applied: Job[] = [];
      const failed: string[] = [];
      for (const {
        body,
        job: { id },
      } of entries) {
        const missingSecret = blocked.get(id);
        if (missingSecret !== undefined) {
          failed.push(id);
          ctx.io.stderr(`error: ${id}: ${missingSecret}\n`);
          continue;
        }
        try {
          const { created, job } = await client.putJob(id, body, { verify: opts.verify });
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
          `${failed.length} of ${entries.length} jobs not applied: ${failed.join(', ')}`,
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

  jobs
    .command('run')
    .description(
      'Run a job now, as its schedule would (firedBy "manual"), optionally with parameter overrides. ' +
        'Prints the run id; --wait follows the run to its end.',
    )
    .argument('<id>', 'job id')
    .option(
      '--param <name=value>',
      'override a parameter for this run (repeatable); the value is JSON when it parses as JSON ' +
        '(3, true, {"secret":"name"}), else text',
      paramArg,
      {},
    )
    .addOption(waitOption())
    .addOption(waitTimeoutOption())
    .addHelpText(
      'after',
      "\nOverrides are checked against the job's parameters; a password parameter only as a secret\n" +
        'reference, {"secret":"<name>"}. A disabled job is refused (409 job_disabled).\n' +
        'With --json: {"runId", "status"}, and with --wait the finished run as "run".\n\n' +
        'Examples:\n' +
        '  triggerhub jobs run nightly-sync --wait\n' +
        '  triggerhub jobs run nightly-sync --param since=2026-11-01 --param dryRun=true',
    )
    .action(async (id: string, opts: RunOptions, cmd: Command) => {
      const client = ctx.client(cmd);
      const overrides = Object.keys(opts.param).length === 0 ? undefined : opts.param;
      const queued = await client.startRun(id, overrides);
      const line = `${queued.status}  ${queued.runId}\n`;
      if (!opts.wait) {
        if (!ctx.printJson(cmd, queued)) ctx.io.stdout(line);
        return;
      }
      await waitForQueuedRun(ctx, cmd, queued, line, opts.timeout);
    });

  jobs
    .command('stop')
    .description(
      'Stop every open run of a job: a queued run is stopped at once, a running one is asked to stop ' +
        '(it ends "stopped" within seconds, even if its code ignores the signal).',
    )
    .argument('<id>', 'job id')
    .addHelpText(
      'after',
      '\nPrints "stopped <runId>" or "stopping <runId>" per run. With --json: {"stopped", "stopping"}.',
    )
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const answer = await ctx.client(cmd).stopJob(id);
      if (ctx.printJson(cmd, answer)) return;
      if (answer.stopped.length === 0 && answer.stopping.length === 0) {
        ctx.io.stdout(`No open runs of ${cell(id)}.\n`);
        return;
      }
      for (const runId of answer.stopped) ctx.io.stdout(`stopped   ${cell(runId, 64)}\n`);
      for (const runId of answer.stopping) ctx.io.stdout(`stopping  ${cell(runId, 64)}\n`);
    });
};
