import { ConflictError, NotFoundError, ValidationError, errorMessage } from '../errors.ts';
import { JOB_ID_PATTERN, OPEN_STATUSES } from '../model/index.ts';
import type { Job, Run, RunStatus, RunSummary } from '../model/index.ts';
import {
  boolean,
  iso,
  lazy,
  maxLength,
  minLength,
  optional,
  regex,
  strictObject,
  string,
  enum as zEnum,
} from '../model/zod.ts';
import type { infer as Infer } from '../model/zod.ts';
import type { Deps } from './deps.ts';
import { createPlatformRun } from './new-run.ts';
import type { NewRun } from './new-run.ts';
import { platformLogger } from './platform-logger.ts';

/** What a replay needs: the job and run stores, and what `createPlatformRun` writes to. */
export type ReplayDeps = Pick<Deps, 'jobs' | 'runs' | 'queue' | 'clock' | 'payloads' | 'settings'>;

/** A bulk replay replays at most this many runs per call (`truncated` says when more matched). */
export const MAX_REPLAYS = 1000;
/** The pace of a bulk replay's new runs: this many become visible per second, so that targets are not flooded. */
export const REPLAYS_PER_SECOND = 10;
/** SQS delays a message by at most 15 minutes. */
const MAX_DELAY_SECONDS = 900;
/** How many new runs a bulk replay writes and sends at once (a Lambda behind API Gateway has 29 s). */
const REPLAY_CONCURRENCY = 10;
/** The listing page a bulk replay reads runs in. */
const LIST_PAGE = 100;

/** The statuses a run may be replayed from: final, and not a skipped occurrence (it has no event to run). */
export const REPLAYABLE_STATUSES = ['succeeded', 'failed', 'stopped', 'timed_out'] as const;

/** The i-th new run of a bulk replay (from 0) becomes visible after this many seconds. */
export const replayDelaySeconds = (i: number): number =>
  Math.min(MAX_DELAY_SECONDS, Math.floor(i / REPLAYS_PER_SECOND));

/** `POST /admin/replays`: which runs to replay, and whether only to say which. Unknown keys are refused. */
export const ReplayFilterSchema = lazy(() =>
  strictObject({
    jobId: optional(string().check(regex(JOB_ID_PATTERN, 'job id: lower-case letters, digits, - and _'))),
    status: optional(zEnum(REPLAYABLE_STATUSES)),
    /** Runs created at or after this time (ISO, with `Z` or an offset). */
    from: optional(iso.datetime({ offset: true })),
    /** Runs created at or before this time. */
    to: optional(iso.datetime({ offset: true })),
    /** Runs whose error (or message) contains this text, ignoring case. */
    errorContains: optional(string().check(minLength(1), maxLength(500))),
    dryRun: optional(boolean()),
  }),
);
export type ReplayFilter = Infer<typeof ReplayFilterSchema>;

/** A bulk replay's answer: the new runs' ids, or with `dryRun` the original ones that would be replayed. */
export interface BulkReplayResult {
  count: number;
  runIds: string[];
  /** More runs matched than {@link MAX_REPLAYS}: the newest ones were taken; narrow `from`/`to` for the others. */
  truncated?: true;
  /**
   * The replay stopped at an error (a store or the queue unavailable): `runIds`
   * are the new runs made before it; calling again replays the rest (and those again).
   */
  error?: string;
}

/**
 * Why a run cannot be replayed, as the 409 says it; undefined when it can.
 * A summary (a listing's) carries no inline event: whether it has one is
 * checked on the run itself, when it is replayed.
 */
const refusal = (run: Run | RunSummary): ConflictError | undefined => {
  if (OPEN_STATUSES.includes(run.status)) {
    return new ConflictError(
      `run ${run.id} is still ${run.status}: stop it, or wait for it to end, before replaying it`,
      'run_open',
    );
  }
  if (run.status === 'skipped') {
    return new ConflictError(
      `run ${run.id} is a skipped occurrence: it never ran, there is nothing to replay`,
      'run_skipped',
    );
  }
  if (run.mode === 'decision') {
    // Its caller had the verdict long ago; a replay could not answer it again.
    return new ConflictError(
      `run ${run.id} is a decision: its verdict was answered to its caller`,
      'run_decision',
    );
  }
  if ('logs' in run && run.event === undefined && run.eventRef === undefined) {
    return new ConflictError(`run ${run.id} has no event to replay`, 'run_no_event');
  }
  return undefined;
};

const runnableJob = async (deps: Pick<Deps, 'jobs'>, jobId: string): Promise<Job> => {
  const job = await deps.jobs.get(jobId);
  if (!job) throw new NotFoundError(`no job ${jobId}`);
  if (!job.enabled) throw new ConflictError(`job ${jobId} is disabled`, 'job_disabled');
  return job;
};

/**
 * The new run of a replay: the original's event as it was kept (inline as is,
 * or its payload-store reference copied, never read), its source, trigger and
 * parameter overrides, `firedBy: replay` and `replayOf`. A new run id: its
 * attempts start afresh, and the effects the original did (`ctx.effect`,
 * keyed by job and key) are found done, not repeated.
 */
export const replayOf = (run: Run, extra: Pick<NewRun, 'delaySeconds' | 'runId'> = {}): NewRun => ({
  firedBy: 'replay',
  replayOf: run.id,
  source: run.source,
  trigger: run.trigger,
  ...(run.event === undefined ? { eventRef: run.eventRef } : { event: run.event }),
  ...(run.paramOverrides === undefined ? {} : { paramOverrides: run.paramOverrides }),
  ...extra,
});

/** Checks that `run` can be replayed on `job` (409/404 otherwise) and records the new run. */
export const replayLoadedRun = async (
  deps: ReplayDeps,
  run: Run,
  extra: Pick<NewRun, 'delaySeconds' | 'runId'> = {},
): Promise<Run> => {
  const refused = refusal(run);
  if (refused) throw refused;
  const job = await runnableJob(deps, run.jobId);
  return createPlatformRun(deps, job, replayOf(run, extra));
};

/**
 * `POST /admin/runs/{runId}/replay`: a new run of the same job with the same
 * event. 404 for an unknown run (or its job gone); 409 `run_open` while it is
 * queued or running, `run_skipped` for a skipped occurrence, `run_decision`
 * for a decision, `job_disabled`.
 */
export const replayRun = async (deps: ReplayDeps, runId: string): Promise<Run> => {
  const run = await deps.runs.get(runId);
  if (!run) throw new NotFoundError(`no run ${runId}`);
  return replayLoadedRun(deps, run);
};

/** `POST /admin/replays`'s body, checked: 400 naming every problem. */
export const parseReplayFilter = (body: unknown): ReplayFilter => {
  const parsed = ReplayFilterSchema.safeParse(body ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    throw new ValidationError(`invalid replay filter: ${problems.join('; ')}`);
  }
  const filter = parsed.data;
  if (
    filter.from !== undefined &&
    filter.to !== undefined &&
    Date.parse(filter.from) > Date.parse(filter.to)
  ) {
    throw new ValidationError('invalid replay filter: from is after to');
  }
  return filter;
};

/**
 * Whether a listed run is one the filter selects. Checked here whatever the
 * store filtered already: the listing's filters are the store's business (and
 * an older store ignores them), errorContains only this code knows.
 */
const selects = (filter: ReplayFilter, from: number | undefined, to: number | undefined) => {
  const needle = filter.errorContains?.toLowerCase();
  return (r: RunSummary): boolean => {
    if (filter.status !== undefined ? r.status !== filter.status : !isReplayableStatus(r.status))
      return false;
    if (refusal(r) !== undefined) return false;
    const created = Date.parse(r.createdAt);
    if (from !== undefined && created < from) return false;
    if (to !== undefined && created > to) return false;
    if (needle !== undefined) {
      const text = `${r.error ?? ''}\n${r.message ?? ''}`.toLowerCase();
      if (!text.includes(needle)) return false;
    }
    return true;
  };
};

const isReplayableStatus = (s: RunStatus): boolean =>
  (REPLAYABLE_STATUSES as readonly RunStatus[]).includes(s);

/** The jobs a bulk replay looks at: the one named (404, 409 when disabled), or every enabled async job. */
async function* jobsOf(deps: Pick<Deps, 'jobs'>, jobId: string | undefined): AsyncGenerator<Job> {
  if (jobId !== undefined) {
    yield await runnableJob(deps, jobId);
    return;
  }
  let cursor: string | undefined;
  do {
    const page = await deps.jobs.list({ limit: LIST_PAGE, ...(cursor === undefined ? {} : { cursor }) });
    for (const job of page.items) if (job.enabled && job.mode !== 'decision') yield job;
    cursor = page.nextCursor;
  } while (cursor !== undefined);
}

/** The runs a filter selects, newest first per job, at most MAX_REPLAYS + 1 (the one more says "truncated"). */
const matchingRuns = async (deps: ReplayDeps, filter: ReplayFilter): Promise<RunSummary[]> => {
  const from = filter.from === undefined ? undefined : Date.parse(filter.from);
  const to = filter.to === undefined ? undefined : Date.parse(filter.to);
  // The store's filters take ISO times as it writes them (toISOString, UTC).
  const query = {
    ...(filter.status === undefined ? {} : { status: filter.status }),
    ...(from === undefined ? {} : { from: new Date(from).toISOString() }),
    ...(to === undefined ? {} : { to: new Date(to).toISOString() }),
  };
  const selected = selects(filter, from, to);
  const found: RunSummary[] = [];
  for await (const job of jobsOf(deps, filter.jobId)) {
    let cursor: string | undefined;
    do {
      const page = await deps.runs.listByJob(job.id, {
        ...query,
        limit: LIST_PAGE,
        ...(cursor === undefined ? {} : { cursor }),
      });
      for (const r of page.items) {
        if (!selected(r)) continue;
        found.push(r);
        if (found.length > MAX_REPLAYS) return found;
      }
      cursor = page.nextCursor;
    } while (cursor !== undefined);
  }
  return found;
};

/**
 * `POST /admin/replays`: replays every final run (not skipped, not a
 * decision) of one job or of every enabled job that the filter selects, at
 * most {@link MAX_REPLAYS}, oldest first, the i-th new run enqueued with a
 * delay of `floor(i / 10)` seconds (10 a second). `dryRun` only answers which
 * runs it would replay.
 */
export const replayRuns = async (deps: ReplayDeps, filter: ReplayFilter): Promise<BulkReplayResult> => {
  const found = await matchingRuns(deps, filter);
  const truncated = found.length > MAX_REPLAYS;
  // The newest MAX_REPLAYS, replayed oldest first: the order they first happened in.
  const chosen = found
    .slice(0, MAX_REPLAYS)
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
  const more = truncated ? { truncated: true as const } : {};
  if (filter.dryRun === true) return { count: chosen.length, runIds: chosen.map((r) => r.id), ...more };

  const made: (string | undefined)[] = Array.from({ length: chosen.length });
  let failure: { error: unknown } | undefined;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < chosen.length) {
      const i = next++;
      const summary = chosen[i] as RunSummary;
      try {
        // The summary has no event: the run itself has (the one read each replay needs).
        const run = await deps.runs.get(summary.id);
        // Gone since it was listed (expired): nothing to replay.
        if (!run) continue;
        made[i] = (await replayLoadedRun(deps, run, { delaySeconds: replayDelaySeconds(i) })).id;
      } catch (e) {
        if (e instanceof ConflictError) continue; // it changed since it was listed (its job disabled…)
        failure ??= { error: e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(REPLAY_CONCURRENCY, chosen.length) }, worker));
  const runIds = made.filter((id): id is string => id !== undefined);
  if (failure !== undefined) {
    // Nothing made: the error is the answer (a 503 for a store or queue outage). Else what was made is.
    if (runIds.length === 0) throw failure.error;
    const error = errorMessage(failure.error);
    platformLogger.warn('bulk replay stopped at an error', { replayed: runIds.length, error });
    return { count: runIds.length, runIds, ...more, error };
  }
  platformLogger.info('bulk replay', {
    replayed: runIds.length,
    ...(filter.jobId === undefined ? {} : { jobId: filter.jobId }),
  });
  return { count: runIds.length, runIds, ...more };
};
