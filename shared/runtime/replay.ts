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
import { recordPlatformRun } from './new-run.ts';
import type { NewRun, RecordedRun } from './new-run.ts';
import { platformLogger } from './platform-logger.ts';

/** What a replay needs: the job and run stores, and what `recordPlatformRun` writes to. */
export type ReplayDeps = Pick<Deps, 'jobs' | 'runs' | 'queue' | 'clock' | 'payloads' | 'settings' | 'turns'>;

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
/**
 * A bulk replay reads at most this many listing pages (runs and jobs) per
 * call, then answers `truncated`: a filter that selects few of many runs
 * (an `errorContains` that matches nothing) would otherwise read every run,
 * past API Gateway's 29 s, and a client retrying the timeout would replay
 * twice. 100 pages of 100 runs read one after the other take a few seconds.
 */
export const MAX_REPLAY_PAGES = 100;

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
  /**
   * Not every matching run was taken: more than {@link MAX_REPLAYS} matched
   * (the newest were taken), or the call read its {@link MAX_REPLAY_PAGES}
   * listing pages before the end (the newest of those read were taken).
   * Narrow `from`/`to` (or name the job) for the others.
   */
  truncated?: true;
  /**
   * The replay stopped at an error (a store unavailable, the queue refusing
   * a message): `runIds` are every new run recorded before it — a run the
   * queue refused is among them, recorded `queued`, and the sweeper sends
   * it. Calling again with the same filter replays the originals of those
   * again too: narrow the filter to the ones not replayed.
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

/**
 * Whether the event a run keeps in the payload store is still there: events
 * expire with the stack's payload retention (`TRIGGERHUB_RETENTION_DAYS`, 30
 * days by default) while a job may keep its runs up to 3,650 days. Asked of
 * the store rather than worked out from dates, as the object's age is not
 * the run's (a replay copies its original's reference) and S3 removes
 * expired objects late. A store without `exists` is read.
 */
export const eventExists = async (deps: Pick<Deps, 'payloads'>, ref: string): Promise<boolean> => {
  if (deps.payloads.exists !== undefined) return deps.payloads.exists(ref);
  try {
    await deps.payloads.get(ref);
    return true;
  } catch (e) {
    if (e instanceof NotFoundError) return false;
    throw e;
  }
};

/** 409 `run_event_expired` when the run's event was kept in the payload store and is gone. */
const checkEventKept = async (deps: Pick<Deps, 'payloads'>, run: Run): Promise<void> => {
  if (run.event !== undefined || run.eventRef === undefined) return;
  if (await eventExists(deps, run.eventRef)) return;
  throw new ConflictError(
    `run ${run.id}'s event was kept in the payload store and has expired there: there is nothing to replay`,
    'run_event_expired',
  );
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
  // Events of one ticket run in order: a replay takes a new place in its key's line.
  ...(run.orderKey === undefined ? {} : { orderKey: run.orderKey }),
  ...extra,
});

/**
 * Checks that `run` can be replayed (409/404 otherwise) and records the new
 * run. `jobOf` reads the job (a bulk replay reads each job once).
 */
const replayRecorded = async (
  deps: ReplayDeps,
  run: Run,
  extra: Pick<NewRun, 'delaySeconds' | 'runId'>,
  jobOf: (jobId: string) => Promise<Job> = (jobId) => runnableJob(deps, jobId),
): Promise<RecordedRun> => {
  const refused = refusal(run);
  if (refused) throw refused;
  const job = await jobOf(run.jobId);
  await checkEventKept(deps, run);
  return recordPlatformRun(deps, job, replayOf(run, extra));
};

/**
 * Checks that `run` can be replayed on `job` (409/404 otherwise) and records
 * the new run: answered once recorded, even when the queue refused its
 * message (the sweeper sends it), as a caller answering an error would be
 * asked again and make a second one.
 */
export const replayLoadedRun = async (
  deps: ReplayDeps,
  run: Run,
  extra: Pick<NewRun, 'delaySeconds' | 'runId'> = {},
): Promise<Run> => (await replayRecorded(deps, run, extra)).run;

/**
 * `POST /admin/runs/{runId}/replay`: a new run of the same job with the same
 * event. 404 for an unknown run (or its job gone); 409 `run_open` while it is
 * queued or running, `run_skipped` for a skipped occurrence, `run_decision`
 * for a decision, `run_event_expired` when its event was kept in the payload
 * store and has expired there, `job_disabled`.
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
  if (filter.jobId === undefined && filter.status === undefined) {
    // Every final run of every job, succeeded ones too, is never what is meant.
    throw new ValidationError('invalid replay filter: name a jobId or a status (or both)');
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

/** Newest first: by creation time, then by id (a ULID of the same time). */
const newestFirst = (a: RunSummary, b: RunSummary): number =>
  a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;

/** The runs a filter selects: the newest MAX_REPLAYS + 1 of those read (the one more says "truncated"). */
interface Matches {
  runs: RunSummary[];
  /** Its {@link MAX_REPLAY_PAGES} were read before the end: runs not read may match too. */
  cut: boolean;
}

/**
 * The runs a filter selects, of one job or of every enabled async job, the
 * newest across them all (not the first jobs' newest): each job is read
 * newest first until its runs are older than the oldest of the newest
 * MAX_REPLAYS + 1 found so far (none of the rest could be taken), or until
 * it gave MAX_REPLAYS + 1 itself. At most {@link MAX_REPLAY_PAGES} listing
 * pages in all.
 */
const matchingRuns = async (deps: ReplayDeps, filter: ReplayFilter): Promise<Matches> => {
  const from = filter.from === undefined ? undefined : Date.parse(filter.from);
  const to = filter.to === undefined ? undefined : Date.parse(filter.to);
  // The store's filters take ISO times as it writes them (toISOString, UTC).
  const query = {
    ...(filter.status === undefined ? {} : { status: filter.status }),
    ...(from === undefined ? {} : { from: new Date(from).toISOString() }),
    ...(to === undefined ? {} : { to: new Date(to).toISOString() }),
  };
  const selected = selects(filter, from, to);
  let pages = 0;
  let found: RunSummary[] = [];

  /** One job's runs into `found`; false when the pages ran out before its end. */
  const scan = async (jobId: string): Promise<boolean> => {
    // Once MAX_REPLAYS + 1 are found, a run older than the oldest of them is never taken.
    const floor = found.length > MAX_REPLAYS ? found[MAX_REPLAYS]?.createdAt : undefined;
    const mine: RunSummary[] = [];
    let cursor: string | undefined;
    try {
      do {
        if (pages >= MAX_REPLAY_PAGES) return false;
        pages++;
        const page = await deps.runs.listByJob(jobId, {
          ...query,
          limit: LIST_PAGE,
          ...(cursor === undefined ? {} : { cursor }),
        });
        for (const r of page.items) {
          if (floor !== undefined && r.createdAt < floor) return true;
          if (!selected(r)) continue;
          mine.push(r);
          if (mine.length > MAX_REPLAYS) return true;
        }
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      return true;
    } finally {
      if (mine.length > 0) found = [...found, ...mine].sort(newestFirst).slice(0, MAX_REPLAYS + 1);
    }
  };

  if (filter.jobId !== undefined) {
    const job = await runnableJob(deps, filter.jobId);
    const whole = await scan(job.id);
    return { runs: found, cut: !whole };
  }
  let cursor: string | undefined;
  do {
    if (pages >= MAX_REPLAY_PAGES) return { runs: found, cut: true };
    pages++;
    const page = await deps.jobs.list({ limit: LIST_PAGE, ...(cursor === undefined ? {} : { cursor }) });
    for (const job of page.items) {
      if (!job.enabled || job.mode === 'decision') continue;
      if (!(await scan(job.id))) return { runs: found, cut: true };
    }
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return { runs: found, cut: false };
};

/**
 * `POST /admin/replays`: replays every final run (not skipped, not a
 * decision) of one job or of every enabled job that the filter selects (it
 * names a job or a status: 400 otherwise), at most {@link MAX_REPLAYS} — the
 * newest — oldest first, the i-th new run enqueued with a delay of
 * `floor(i / 10)` seconds (10 a second). A run whose event expired from the
 * payload store, or that changed since it was listed (opened again, its job
 * disabled or gone), is passed over. `dryRun` only answers which runs it
 * would replay (without asking the payload store whether their events are
 * still kept).
 */
export const replayRuns = async (deps: ReplayDeps, filter: ReplayFilter): Promise<BulkReplayResult> => {
  const found = await matchingRuns(deps, filter);
  const truncated = found.cut || found.runs.length > MAX_REPLAYS;
  // The newest MAX_REPLAYS, replayed oldest first: the order they first happened in.
  const chosen = found.runs.slice(0, MAX_REPLAYS).sort((a, b) => newestFirst(b, a));
  const more = truncated ? { truncated: true as const } : {};
  if (filter.dryRun === true) return { count: chosen.length, runIds: chosen.map((r) => r.id), ...more };

  // Each job is read once, not once per run.
  const jobs = new Map<string, Promise<Job>>();
  const jobOf = (jobId: string): Promise<Job> => {
    let job = jobs.get(jobId);
    if (job === undefined) {
      job = runnableJob(deps, jobId);
      jobs.set(jobId, job);
    }
    return job;
  };
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
        const recorded = await replayRecorded(deps, run, { delaySeconds: replayDelaySeconds(i) }, jobOf);
        // Recorded is made, sent or not: the sweeper sends a run the queue refused.
        made[i] = recorded.run.id;
        if (!recorded.enqueued) {
          // The queue is failing: the next sends would wait out the same retries, past the 29 s.
          failure ??= {
            error: new Error(
              `the run queue refused run ${recorded.run.id} (recorded queued: the sweeper sends it): ${recorded.error ?? 'unknown error'}`,
            ),
          };
        }
      } catch (e) {
        // It changed since it was listed (its job disabled or deleted, its event expired…).
        if (e instanceof ConflictError || e instanceof NotFoundError) continue;
        failure ??= { error: e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(REPLAY_CONCURRENCY, chosen.length) }, worker));
  const runIds = made.filter((id): id is string => id !== undefined);
  if (failure !== undefined) {
    // Nothing made: the error is the answer (a 503 for a store outage). Else what was made is.
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
