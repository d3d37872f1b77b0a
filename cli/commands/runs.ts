import { Option } from 'commander';
import type { Command } from 'commander';
import { errorMessage } from '../../shared/errors.ts';
import { FIRED_BY, RUN_STATUSES, formatLogLine, isFinal } from '../../shared/model/index.ts';
import type { FiredBy, Run, RunStatus, RunSummary } from '../../shared/model/index.ts';
import type { RunListQuery } from '../../shared/ports.ts';
import { AdminApiError, PartialFailureError } from '../admin-client.ts';
import type { AdminClient, ReplayFilter } from '../admin-client.ts';
import { cell, formatDuration, nextPageHint, renderRun, renderTable, safeText } from '../output.ts';
import { instantOf, interruptOnSigint, pause, timeArg } from './follow.ts';
import { intArg, shellWord } from './context.ts';
import type { CommandContext } from './context.ts';
import { waitForQueuedRun, waitOption, waitTimeoutOption } from './send.ts';

/** Statuses a replay can select: final runs that ran (a skipped occurrence has nothing to replay). */
const REPLAYABLE: readonly RunStatus[] = ['succeeded', 'failed', 'stopped', 'timed_out'];

/** `runs tail` polls every 2 s. */
const TAIL_INTERVAL_MS = 2000;
/** Runs `runs tail` reads per page, and the pages it follows per poll (a burst larger than this is cut). */
const TAIL_PAGE = 100;
const TAIL_MAX_PAGES = 10;

interface ListOptions {
  limit?: number;
  cursor?: string;
  status?: RunStatus;
  firedBy?: FiredBy;
  since?: string;
  until?: string;
}

interface ReplayOptions {
  wait?: boolean;
  timeout: number;
  job?: string;
  status?: RunStatus;
  since?: string;
  until?: string;
  errorContains?: string;
  dryRun?: boolean;
}

interface TailOptions {
  interval: number;
  polls?: number;
}

/** The Verdict column's cell: what a decision run answered (`deny (onError)` when the fallback gave it). */
const verdictCell = (r: RunSummary): string =>
  r.verdict === undefined
    ? '-'
    : `${r.verdict.allow ? 'allow' : 'deny'}${r.verdict.fallback ? ' (onError)' : ''}`;

/** A run recorded before `firedBy` existed was fired by a webhook (the only way then). */
const firedByOf = (r: RunSummary): FiredBy => r.firedBy ?? 'webhook';

export const renderRunList = (items: readonly RunSummary[]): string => {
  // A denied publish must not look like a plain success: the column appears when any run has a verdict.
  const verdicts = items.some((r) => r.verdict !== undefined);
  // Skipped occurrences of a catch-up are all created at the restart: which occurrence each was is what tells them apart.
  const scheduled = items.some((r) => r.scheduledFor !== undefined);
  const headers = [
    'RUN',
    'STATUS',
    'FIRED BY',
    'TRIGGER',
    'ATTEMPT',
    'CREATED',
    ...(scheduled ? ['SCHEDULED FOR'] : []),
    'DURATION',
    ...(verdicts ? ['VERDICT'] : []),
    'MESSAGE',
  ];
  return renderTable(
    headers,
    items.map((r) => [
      cell(r.id, 64),
      r.status,
      firedByOf(r),
      cell(r.trigger, 24),
      String(r.attempt),
      r.createdAt,
      ...(scheduled ? [r.scheduledFor ?? '-'] : []),
      formatDuration(r.durationMs) ?? '-',
      ...(verdicts ? [verdictCell(r)] : []),
      cell(r.message ?? r.error, 60),
    ]),
  );
};

/** A command line that cannot be right: exit 2, as commander's own. */
const usageError = (cmd: Command, message: string): never =>
  cmd.error(`error: ${message}`, { exitCode: 2, code: 'commander.invalidArgument' });

/** `--since`/`--until` as the ISO instants the routes take, checked to be in order. */
const timeWindow = (
  cmd: Command,
  since: string | undefined,
  until: string | undefined,
  now: Date,
): { from?: string; to?: string } => {
  const from = since === undefined ? undefined : instantOf(since, now);
  const to = until === undefined ? undefined : instantOf(until, now);
  if (from !== undefined && to !== undefined && from > to) {
    usageError(cmd, `--since (${from}) is after --until (${to})`);
  }
  return { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
};

const statusArg = (allowed: readonly string[]) =>
  new Option('--status <status>', `only runs with this status (${allowed.join(', ')})`).choices(allowed);

/** A run's header line in `runs tail`. */
const tailHeader = (r: RunSummary): string => {
  const scheduled = r.scheduledFor === undefined ? '' : `, scheduled for ${r.scheduledFor}`;
  const replay = r.replayOf === undefined ? '' : `, replay of ${cell(r.replayOf, 64)}`;
  return `run ${cell(r.id, 64)} ${r.status} (fired by ${firedByOf(r)}${scheduled}${replay})\n`;
};

/** A run's end line in `runs tail`: its status, duration, verdict and message. */
const tailEnd = (r: Run): string => {
  const duration = formatDuration(r.durationMs);
  const verdict = r.verdict === undefined ? '' : `, ${r.verdict.allow ? 'allow' : 'deny'}`;
  const text = r.message ?? r.error;
  return (
    `run ${cell(r.id, 64)} ${r.status}${duration === undefined ? '' : ` in ${duration}`}${verdict}` +
    `${text === undefined ? '' : ` – ${cell(text, 500)}`}\n`
  );
};

/**
 * How far back `runs tail` looks again on every poll: a run is written by
 * whoever fired it (ingest, the scheduler, a replay), with its own clock, so
 * one created a little before a run already seen can appear after it.
 */
const TAIL_SLACK_MS = 60_000;

/**
 * Follows a job's runs: prints each new run, its log lines as they come and
 * how it ended. Remembers only the open runs (and how many of their lines it
 * printed) and the ids of the runs created in the last {@link TAIL_SLACK_MS}
 * before the newest one seen; a run not among them and not older is new.
 */
class RunTail {
  private readonly open = new Map<string, number>();
  /** The newest `createdAt` seen (ms). */
  private newest: number | undefined;
  /** Runs seen whose `createdAt` (ms) is within the slack before {@link newest}. */
  private readonly recent = new Map<string, number>();

  constructor(
    private readonly client: AdminClient,
    private readonly jobId: string,
    private readonly out: (s: string) => void,
  ) {}

  private get since(): number | undefined {
    return this.newest === undefined ? undefined : this.newest - TAIL_SLACK_MS;
  }

  /** The runs not seen before, oldest first (of the newest page the first time). */
  private async fresh(): Promise<RunSummary[]> {
    const since = this.since;
    const found: RunSummary[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < TAIL_MAX_PAGES; page++) {
      const query: RunListQuery = {
        limit: TAIL_PAGE,
        ...(since === undefined ? {} : { from: new Date(since).toISOString() }),
        ...(cursor === undefined ? {} : { cursor }),
      };
      const { items, nextCursor } = await this.client.listRuns(this.jobId, query);
      found.push(...items);
      cursor = nextCursor;
      // The first look is the newest page only: what is older is history, not something to follow.
      if (cursor === undefined || since === undefined) break;
    }
    return found
      .filter((r) => !this.recent.has(r.id) && (since === undefined || Date.parse(r.createdAt) >= since))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  private remember(runs: readonly RunSummary[]): void {
    for (const r of runs) {
      const at = Date.parse(r.createdAt);
      this.recent.set(r.id, at);
      if (this.newest === undefined || at > this.newest) this.newest = at;
    }
    const since = this.since ?? 0;
    for (const [id, at] of this.recent) if (at < since) this.recent.delete(id);
  }

  /** The first look: open runs are followed, finished ones are the past. */
  async start(): Promise<void> {
    const runs = await this.fresh();
    this.remember(runs);
    for (const r of runs) {
      if (!isFinal(r.status)) {
        this.out(tailHeader(r));
        this.open.set(r.id, 0);
      }
    }
    await this.followOpen();
  }

  async poll(): Promise<void> {
    const runs = await this.fresh();
    this.remember(runs);
    for (const r of runs) {
      this.out(tailHeader(r));
      this.open.set(r.id, 0);
    }
    await this.followOpen();
  }

  /** Prints the new log lines of each open run, and the end of each that finished. */
  private async followOpen(): Promise<void> {
    for (const [id, printed] of [...this.open]) {
      let run: Run;
      try {
        run = await this.client.getRun(id);
      } catch (error) {
        // Expired (retention) or deleted with its job: nothing more will come.
        if (error instanceof AdminApiError && error.status === 404) {
          this.out(`run ${cell(id, 64)} is gone\n`);
          this.open.delete(id);
          continue;
        }
        throw error;
      }
      // A log never shrinks; if it did (a fresh attempt's), print it again from its start.
      const from = run.logs.length < printed ? 0 : printed;
      for (const line of run.logs.slice(from)) {
        this.out(`${cell(id, 64)} ${safeText(formatLogLine(line))}\n`);
      }
      if (isFinal(run.status)) {
        if (run.logsTruncated) this.out(`${cell(id, 64)} (log truncated: later lines were not kept)\n`);
        this.out(tailEnd(run));
        this.open.delete(id);
      } else {
        this.open.set(id, run.logs.length);
      }
    }
  }
}

export const registerRunCommands = (program: Command, ctx: CommandContext): void => {
  const runs = program
    .command('runs')
    .description("List, follow, stop and replay a job's runs; show one run with its log.");
  const now = (): Date => (ctx.io.now ?? (() => new Date()))();

  runs
    .command('list')
    .description('List the runs of a job, newest first, one page at a time, optionally filtered.')
    .argument('<jobId>', 'job id')
    .addOption(statusArg(RUN_STATUSES))
    .addOption(new Option('--fired-by <what>', 'only runs fired so').choices(FIRED_BY))
    .option('--since <when>', 'runs created since: 30m, 2h, 1d, 1w ago, or an ISO time', timeArg('--since'))
    .option('--until <when>', 'runs created until: 30m, 2h, 1d, 1w ago, or an ISO time', timeArg('--until'))
    .option('--limit <n>', 'runs per page (1-100; default 20)', intArg('--limit', 1, 100))
    .option('--cursor <cursor>', 'the page to show, as printed under the previous page')
    .addHelpText(
      'after',
      '\nA VERDICT column (allow/deny) appears when a listed run is a decision, a SCHEDULED FOR column\n' +
        'when one is a scheduled occurrence. FIRED BY is webhook, schedule, manual or replay. An ISO time\n' +
        'without an offset is UTC.\n\n' +
        'Examples:\n' +
        '  triggerhub runs list nightly-sync --status failed --since 2h\n' +
        '  triggerhub runs list nightly-sync --status skipped --fired-by schedule',
    )
    .action(async (jobId: string, opts: ListOptions, cmd: Command) => {
      const { from, to } = timeWindow(cmd, opts.since, opts.until, now());
      const page = await ctx.client(cmd).listRuns(jobId, {
        status: opts.status,
        firedBy: opts.firedBy,
        from,
        to,
        limit: opts.limit,
        cursor: opts.cursor,
      });
      if (ctx.printJson(cmd, page)) return;
      ctx.io.stdout(page.items.length === 0 ? `No runs of ${cell(jobId)}.\n` : renderRunList(page.items));
      // The next page is the same query: relative times are repeated as the instants they meant.
      const flags = [
        opts.status === undefined ? '' : ` --status ${opts.status}`,
        opts.firedBy === undefined ? '' : ` --fired-by ${opts.firedBy}`,
        from === undefined ? '' : ` --since ${from}`,
        to === undefined ? '' : ` --until ${to}`,
        opts.limit === undefined ? '' : ` --limit ${opts.limit}`,
      ].join('');
      ctx.io.stdout(
        nextPageHint(
          `triggerhub runs list ${shellWord(jobId)}${flags}`,
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

  runs
    .command('tail')
    .description(
      "Follow a job's runs live: each new run as it appears, its log lines as they come, and how it " +
        'ended, polling every 2 s until Ctrl-C.',
    )
    .argument('<jobId>', 'job id')
    // For tests: a shorter period, and an end after so many polls.
    .addOption(
      new Option('--interval <ms>')
        .argParser(intArg('--interval', 10, 600_000))
        .default(TAIL_INTERVAL_MS)
        .hideHelp(),
    )
    .addOption(new Option('--polls <n>').argParser(intArg('--polls', 1, 1_000_000)).hideHelp())
    .addHelpText(
      'after',
      '\nRuns already open when it starts are followed too; finished ones are not repeated.\n' +
        'Log lines are printed as "<runId> [time] [LEVEL] – message".',
    )
    .action(async (jobId: string, opts: TailOptions, cmd: Command) => {
      if (ctx.globals(cmd).json) {
        cmd.error('error: runs tail prints for people; runs list --json gives the API JSON', {
          exitCode: 2,
          code: 'commander.conflictingOption',
        });
      }
      const client = ctx.client(cmd);
      const tail = new RunTail(client, jobId, ctx.io.stdout);
      const interrupt = interruptOnSigint();
      try {
        // An unknown job or an unreachable stack ends the command at once.
        await tail.start();
        ctx.io.stderr(`following the runs of ${cell(jobId)} (Ctrl-C to stop)\n`);
        for (let poll = 1; opts.polls === undefined || poll <= opts.polls; poll++) {
          await pause(opts.interval, interrupt.signal);
          if (interrupt.signal.aborted) break;
          try {
            await tail.poll();
          } catch (error) {
            // A blip (a restart, a time-out) must not end the tail: the next poll catches up.
            ctx.io.stderr(`error: ${errorMessage(error)} (still following)\n`);
          }
        }
      } finally {
        interrupt.dispose();
      }
    });

  runs
    .command('stop')
    .description(
      'Stop a run: a queued one at once, a running one within seconds (it ends "stopped" even if its ' +
        'code ignores the signal).',
    )
    .argument('<runId>', 'run id')
    .addHelpText(
      'after',
      '\nPrints "stopped <runId>" or "stopping <runId>". A finished run is refused (409 run_finished).',
    )
    .action(async (runId: string, _opts: unknown, cmd: Command) => {
      const answer = await ctx.client(cmd).stopRun(runId);
      if (ctx.printJson(cmd, answer)) return;
      ctx.io.stdout(
        answer.status === 'stopped'
          ? `stopped   ${cell(answer.runId, 64)}\n`
          : `stopping  ${cell(answer.runId, 64)}  (it ends at its next heartbeat, within seconds)\n`,
      );
    });

  runs
    .command('replay')
    .description(
      'Run a finished run again as a new run with the same event (effects already done are not repeated), ' +
        'or, with filters instead of a run id, every finished run they select (at most 1,000 per call).',
    )
    .argument('[runId]', 'the run to replay')
    .option('--job <jobId>', 'bulk: runs of this job (default: every job)')
    .addOption(statusArg(REPLAYABLE))
    .option(
      '--since <when>',
      'bulk: runs created since: 30m, 2h, 1d, 1w ago, or an ISO time',
      timeArg('--since'),
    )
    .option(
      '--until <when>',
      'bulk: runs created until: 30m, 2h, 1d, 1w ago, or an ISO time',
      timeArg('--until'),
    )
    .option('--error-contains <text>', 'bulk: runs whose error contains this text')
    .option('--dry-run', 'bulk: list the runs that would be replayed, replay nothing')
    .addOption(waitOption())
    .addOption(waitTimeoutOption())
    .addHelpText(
      'after',
      '\nPrints the new run id (bulk: the count and the new run ids; --dry-run: the runs that would be\n' +
        'replayed). A bulk replay names --job or --status (or both), and is paced: 10 new runs a second.\n' +
        'Only finished runs are replayed: an open run is refused (409 run_open), and so is a skipped\n' +
        'occurrence. --wait (one run only) follows the new run to its end, as jobs run --wait does;\n' +
        'with --json it prints {"runId", "replayOf"} and the finished run as "run".\n\n' +
        'Examples:\n' +
        '  triggerhub runs replay 01KABCDEFGHJKMNPQRSTVWXYZ0\n' +
        '  triggerhub runs replay 01KABCDEFGHJKMNPQRSTVWXYZ0 --wait\n' +
        '  triggerhub runs replay --job nightly-sync --status failed --since 2h --dry-run',
    )
    .action(async (runId: string | undefined, opts: ReplayOptions, cmd: Command) => {
      const bulk = [opts.job, opts.status, opts.since, opts.until, opts.errorContains].some(
        (v) => v !== undefined,
      );
      if (runId === undefined && opts.wait) {
        usageError(cmd, '--wait follows one run: give a run id, not filters');
      }
      if (runId !== undefined && (bulk || opts.dryRun)) {
        usageError(cmd, 'give a run id, or filters (--job, --status, --since…) for a bulk replay, not both');
      }
      if (runId === undefined && !bulk) {
        usageError(
          cmd,
          'give the run to replay, or filters for a bulk replay (triggerhub runs replay --job <id> --status failed --since 2h)',
        );
      }
      if (runId === undefined && opts.job === undefined && opts.status === undefined) {
        // The API's own rule (every finished run of every job is never what is meant), said before asking.
        usageError(
          cmd,
          'a bulk replay must name a jobId or a status (or both): --job <id>, --status <status>',
        );
      }
      const client = ctx.client(cmd);
      if (runId !== undefined) {
        const answer = await client.replayRun(runId);
        const line = `queued  ${cell(answer.runId, 64)}  (replay of ${cell(answer.replayOf, 64)})\n`;
        if (opts.wait) return waitForQueuedRun(ctx, cmd, answer, line, opts.timeout);
        if (ctx.printJson(cmd, answer)) return;
        ctx.io.stdout(line);
        return;
      }
      const filter: ReplayFilter = {
        ...(opts.job === undefined ? {} : { jobId: opts.job }),
        ...(opts.status === undefined ? {} : { status: opts.status }),
        ...timeWindow(cmd, opts.since, opts.until, now()),
        ...(opts.errorContains === undefined ? {} : { errorContains: opts.errorContains }),
        ...(opts.dryRun ? { dryRun: true } : {}),
      };
      const answer = await client.replayRuns(filter);
      const runsWord = (n: number): string => `${n} run${n === 1 ? '' : 's'}`;
      const partial = (): PartialFailureError | undefined =>
        answer.error === undefined
          ? undefined
          : new PartialFailureError(
              // The same filter again would replay the originals of the new runs again too.
              `the replay stopped at an error after ${runsWord(answer.count)}: ${answer.error}; ` +
                'the same filter again would replay those again too: narrow it to the runs not replayed',
            );
      if (ctx.printJson(cmd, answer)) {
        const failure = partial();
        if (failure !== undefined) throw failure;
        return;
      }
      ctx.io.stdout(
        opts.dryRun
          ? `would replay ${runsWord(answer.count)}${answer.count === 0 ? '' : ':'}\n`
          : `replaying ${runsWord(answer.count)}${answer.count === 0 ? '' : ' (10 a second), new runs:'}\n`,
      );
      for (const id of answer.runIds) ctx.io.stdout(`  ${cell(id, 64)}\n`);
      if (answer.truncated) {
        ctx.io.stderr(
          'note: more runs matched than one call replays (1,000): narrow --since/--until for the rest\n',
        );
      }
      const failure = partial();
      if (failure !== undefined) throw failure;
    });
};
