import type { core } from '../model/zod.ts';
import type { Config } from '../config.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { IntegrationManifest, Job, Run, RunSummary } from '../model/index.ts';
import type { Schedule } from '../model/schedule.ts';
import { JobSchema, jobSchedule } from '../model/index.ts';
import type { LastRun, OpenKind, Page, PageRequest, RunListQuery } from '../ports.ts';
import { checkJobParams, clip } from '../sdk/index.ts';
import {
  describeSchedule,
  isOverdue,
  nextOccurrence,
  scheduleHash,
  scheduleProblem,
} from '../schedule/index.ts';
import type { Deps } from './deps.ts';
import { checkScriptParams } from './scripts/params.ts';
import { checkScriptExists } from './scripts/validate.ts';
import type { TicketApplyOptions } from './ticket-apply.ts';
import { TRIGGERHUB_VERSION } from '../version.ts';

/** `path: message; path: message` for every problem zod found; keys and messages from input are clipped. */
export const describeIssues = (error: core.$ZodError): string => {
  const issues = error.issues.flatMap(unionBranch);
  return (
    issues
      .slice(0, 10)
      .map((i) => {
        const message = clip(i.message);
        return i.path.length > 0
          ? `${i.path.map((p) => clip(String(p), 64)).join('.')}: ${message}`
          : message;
      })
      .join('; ') + (issues.length > 10 ? `; and ${issues.length - 10} more` : '')
  );
};

interface PathIssue {
  path: PropertyKey[];
  message: string;
  /** An `unrecognized_keys` issue's keys: the first one names the field at fault. */
  keys?: string[];
}

/**
 * The dotted path of the first field zod refused (`schedule.every`, `auth.secret`,
 * an unknown key itself), for the error body's `param`; undefined for a problem
 * of the whole value.
 */
export const firstIssuePath = (error: core.$ZodError): string | undefined => {
  const first = error.issues.flatMap(unionBranch)[0];
  if (first === undefined) return undefined;
  const path = [...first.path, ...(first.keys ?? []).slice(0, 1)];
  return path.length === 0 ? undefined : path.map((p) => clip(String(p), 64)).join('.');
};

/** A schedule problem's field (`timezone: …`, `startOn: …`, `cron: …`; see scheduleProblem). */
export const scheduleProblemParam = (problem: string): string | undefined =>
  /^(timezone|startOn|cron):/.exec(problem)?.[1];

/**
 * A value that fits none of a union's shapes (a job's `auth`) says only
 * "Invalid input": name instead what is wrong with the shape it came closest
 * to — the branch with the fewest problems (`{"type":"hmac"}` → `auth.secret`).
 */
const unionBranch = (issue: core.$ZodIssue): PathIssue[] => {
  if (issue.code === 'unrecognized_keys') return [issue];
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
  const closest = issue.errors.reduce((best, branch) => (branch.length < best.length ? branch : best));
  if (closest.length === 0) return [issue];
  return closest.flatMap((inner) =>
    unionBranch(inner).map((i) => ({ ...i, path: [...issue.path, ...i.path] })),
  );
};

/**
 * Validates a job definition against the job schema and its integration's
 * manifest. Throws one ValidationError naming every problem.
 */
export const validateJob = (deps: Pick<Deps, 'registry'>, input: unknown): Job => {
  const parsed = JobSchema.safeParse(input);
  if (!parsed.success) {
    throw new ValidationError(
      `invalid job: ${describeIssues(parsed.error)}`,
      undefined,
      firstIssuePath(parsed.error),
    );
  }
  const job = parsed.data;
  const problem = job.schedule === undefined ? undefined : scheduleProblem(job.schedule);
  if (problem !== undefined) {
    const field = scheduleProblemParam(problem);
    throw new ValidationError(
      `invalid job: schedule: ${problem}`,
      undefined,
      field === undefined ? 'schedule' : `schedule.${field}`,
    );
  }
  // An uploaded script's parameters are free-form: text, numbers, booleans, { "secret": name }.
  if (job.integration === undefined) return { ...job, params: checkScriptParams(job.params) };
  const integration = deps.registry.get(job.integration);
  if (!integration) {
    const known = deps.registry
      .list()
      .map((m) => m.id)
      .join(', ');
    throw new ValidationError(
      `invalid job: integration: unknown integration "${job.integration}" (known: ${known})`,
      undefined,
      'integration',
    );
  }
  return { ...job, params: checkJobParams(integration.manifest, job.params) };
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * What `GET /admin/settings` tells a client about the stack it talks to:
 * where job secrets live, so that `triggerhub secrets set` writes them where
 * the stack reads them. Nothing secret.
 */
export type StackSettings =
  | {
      /** A deployed stack: job `demo`'s secret is the Secrets Manager secret `<secretPrefix>demo`. */
      secretStore: 'secrets-manager';
      secretPrefix: string;
      /** `cdk deploy -c stage=<stage>`; absent for the default stage. */
      stage?: string;
    }
  | {
      /** `npm start`: secrets are files in the local data folder; there is no prefix. */
      secretStore: 'local';
    };

/** The settings of a deployed stack, from its functions' configuration. */
export const deployedStackSettings = (
  config: Pick<Config, 'TRIGGERHUB_SECRET_PREFIX' | 'TRIGGERHUB_STAGE'>,
) =>
  ({
    secretStore: 'secrets-manager',
    secretPrefix: config.TRIGGERHUB_SECRET_PREFIX,
    ...(config.TRIGGERHUB_STAGE === undefined ? {} : { stage: config.TRIGGERHUB_STAGE }),
  }) satisfies StackSettings;

export { TRIGGERHUB_VERSION };

/**
 * Keeps the job's place in its schedule in step with its definition, after
 * it is stored: a new or changed schedule is armed from `now` (no catch-up
 * for time before it existed); a disabled job is disarmed where it stands;
 * re-enabled, it is armed from where it stopped, so that the disabled period
 * is caught up per its `catchUp` (`resumedAt` makes those skipped say
 * `missed while disabled`); an unchanged one is left alone; no schedule, no record.
 */
const armSchedule = async (deps: Pick<Deps, 'schedules'>, job: Job, now: Date): Promise<void> => {
  const at = now.toISOString();
  // The effective schedule: a ticket job's `tickets.sync` arms one too.
  const schedule = jobSchedule(job);
  if (schedule === undefined) {
    await deps.schedules.remove(job.id);
    return;
  }
  const hash = scheduleHash(schedule);
  const record = await deps.schedules.get(job.id);
  const changed = record?.scheduleHash !== hash;
  const through = changed ? at : (record.through ?? at);
  if (!job.enabled) {
    if (record !== undefined && !changed && record.nextRunAt === undefined) return;
    await deps.schedules.arm(job.id, { through, scheduleHash: hash, at });
    return;
  }
  if (!changed && record.nextRunAt !== undefined) return;
  const next = nextOccurrence(schedule, new Date(through));
  await deps.schedules.arm(job.id, {
    through,
    ...(next === undefined ? {} : { nextRunAt: next.toISOString() }),
    scheduleHash: hash,
    ...(changed ? {} : { resumedAt: at }),
    at,
  });
};

/**
 * What the jobs grid says of a job's next run: `disabled` (the job is),
 * `webhook` (enabled, no schedule: it runs when called), `running` (its
 * scheduled run holds the job's `schedule` lease), `overdue` (its next
 * occurrence is more than two scheduler ticks past and unclaimed: the
 * scheduler is not running it), or `scheduled`.
 */
export type NextRun = 'disabled' | 'webhook' | 'running' | 'overdue' | 'scheduled';

/**
 * A row of the jobs grid (`GET /admin/jobs`): the stored job definition, its
 * effective schedule (`jobSchedule`: its `schedule`, or a ticket job's
 * `tickets.sync`) as a sentence (`null` without one) and as
 * `scheduleDefinition`, the last finished run, and when it runs next.
 */
export type JobGridItem = Omit<Job, 'schedule'> & {
  schedule: string | null;
  scheduleDefinition?: Schedule;
  lastRun: LastRun | null;
  nextRunAt: string | null;
  nextRun: NextRun;
  /** Queued and running runs of the job (decisions in flight included), at most {@link OPEN_RUNS_CAP}. */
  openRuns: number;
};

/** The grid counts a job's open runs up to this: enough to say "there are many", no more. */
export const OPEN_RUNS_CAP = 100;
/**
 * Pages (of 100) of each (kind, shard) partition of the open-runs index one grid page reads at
 * most: a backlog of thousands of queued runs costs the grid a bounded number of queries, and
 * a count past it is a lower bound.
 */
export const OPEN_RUNS_MAX_PAGES = 10;
const OPEN_PAGE = 100;
/** Every kind of open run: a decision in flight is open too (the stop button is for it as well). */
const OPEN_KINDS: readonly OpenKind[] = ['queued', 'running', 'decision'];

/**
 * The open runs of `jobIds`, counted from the sparse index of open runs (one
 * query per kind and shard while it holds fewer than 100 runs): the index is
 * the whole table's, not a job's, so this reads it all — bounded by
 * {@link OPEN_RUNS_MAX_PAGES} — and stops early once every job of the page
 * has reached {@link OPEN_RUNS_CAP}.
 */
const countOpenRuns = async (
  deps: Pick<Deps, 'runs'>,
  jobIds: readonly string[],
): Promise<Map<string, number>> => {
  const counts = new Map(jobIds.map((id) => [id, 0]));
  if (jobIds.length === 0) return counts;
  let full = 0;
  const partitions = OPEN_KINDS.flatMap((kind) =>
    Array.from({ length: deps.runs.openShards }, (_, shard) => ({ kind, shard })),
  );
  await Promise.all(
    partitions.map(async ({ kind, shard }) => {
      let cursor: string | undefined;
      for (let page = 0; page < OPEN_RUNS_MAX_PAGES && full < counts.size; page++) {
        const open = await deps.runs.listOpen({ kind, shard, limit: OPEN_PAGE, cursor });
        for (const run of open.items) {
          const count = counts.get(run.jobId);
          if (count === undefined || count >= OPEN_RUNS_CAP) continue;
          counts.set(run.jobId, count + 1);
          if (count + 1 === OPEN_RUNS_CAP) full++;
        }
        cursor = open.nextCursor;
        if (cursor === undefined) break;
      }
    }),
  );
  return counts;
};

/**
 * One page of jobs as grid rows: the page itself, then at once at most
 * three batched reads for it — the checkpoints (each job's `lastRun`), the
 * schedule records and the `schedule` leases of the enabled scheduled jobs
 * (none when the page has no such job) — and the open-runs index, for
 * `openRuns` (one query per kind and shard while few runs are open; none for
 * an empty page). `nextRunAt` is the schedule record's, or, before the
 * scheduler has armed one, the next occurrence after now.
 */
export const jobGridPage = async (
  deps: Pick<Deps, 'jobs' | 'checkpoints' | 'schedules' | 'leases' | 'runs' | 'clock'>,
  page: PageRequest,
): Promise<Page<JobGridItem>> => {
  const jobs = await deps.jobs.list(page);
  const scheduled = jobs.items.filter((j) => j.enabled && jobSchedule(j) !== undefined).map((j) => j.id);
  const [checkpoints, schedules, leases, openRuns] = await Promise.all([
    jobs.items.length === 0
      ? new Map<string, never>()
      : deps.checkpoints.getMany(jobs.items.map((j) => j.id)),
    scheduled.length === 0 ? new Map<string, never>() : deps.schedules.getMany(scheduled),
    scheduled.length === 0 ? new Map<string, never>() : deps.leases.getMany(scheduled, 'schedule'),
    countOpenRuns(
      deps,
      jobs.items.map((j) => j.id),
    ),
  ]);
  const now = deps.clock.now();
  const items = jobs.items.map((job): JobGridItem => {
    const { schedule: _own, ...definition } = job;
    // What the scheduler fires: a ticket job's `tickets.sync` shows as `every 15 minutes`.
    const schedule = jobSchedule(job);
    const lastRun = checkpoints.get(job.id)?.lastRun ?? null;
    let nextRunAt: string | null = null;
    let nextRun: NextRun;
    if (!job.enabled) nextRun = 'disabled';
    else if (schedule === undefined) nextRun = 'webhook';
    else {
      nextRunAt = schedules.get(job.id)?.nextRunAt ?? nextOccurrence(schedule, now)?.toISOString() ?? null;
      const lease = leases.get(job.id);
      if (lease !== undefined && Date.parse(lease.until) > now.getTime()) nextRun = 'running';
      else if (
        nextRunAt !== null &&
        isOverdue({ nextRunAt, resumedAt: schedules.get(job.id)?.resumedAt }, now)
      ) {
        nextRun = 'overdue';
      } else nextRun = 'scheduled';
    }
    return {
      ...definition,
      schedule: schedule === undefined ? null : describeSchedule(schedule),
      ...(schedule === undefined ? {} : { scheduleDefinition: schedule }),
      lastRun,
      nextRunAt,
      nextRun,
      openRuns: openRuns.get(job.id) ?? 0,
    };
  });
  return jobs.nextCursor === undefined ? { items } : { items, nextCursor: jobs.nextCursor };
};

/** Operations behind `/admin`: the same for the HTTP API and for loading example jobs. */
export const admin = {
  /** `GET /admin/settings`: the stack's settings and triggerhub's version. */
  settings: (stack: StackSettings): StackSettings & { version: string } => ({
    ...stack,
    version: TRIGGERHUB_VERSION,
  }),

  /** `GET /admin/jobs`: the jobs grid (see {@link jobGridPage}); `getJob` answers the plain definition. */
  listJobs: (
    deps: Pick<Deps, 'jobs' | 'checkpoints' | 'schedules' | 'leases' | 'runs' | 'clock'>,
    page: PageRequest,
  ): Promise<Page<JobGridItem>> => jobGridPage(deps, page),

  getJob: async (deps: Pick<Deps, 'jobs'>, id: string): Promise<Job> => {
    const job = await deps.jobs.get(id);
    if (!job) throw new NotFoundError(`no job ${id}`);
    return job;
  },

  /**
   * Creates or replaces a job; `id` in the body, when given, must match. A
   * job with `tickets` is checked further before anything is stored (its
   * rule, its integration's ticket contract and, unless `verify` is false,
   * the target's answer to `tickets.validate`: see ticket-apply.ts).
   */
  putJob: async (
    // The secret store and the globals: a ticket job's `validate` call (absent: ticket jobs only with `verify: false`).
    deps: Pick<Deps, 'jobs' | 'clock' | 'registry' | 'scripts' | 'schedules'> &
      Partial<Pick<Deps, 'secrets' | 'globals'>>,
    id: string,
    body: unknown,
    options: TicketApplyOptions = {},
  ): Promise<{ created: boolean; job: Job }> => {
    if (!isRecord(body)) throw new ValidationError('invalid job: expected a JSON object');
    if (body.id !== undefined && body.id !== id) {
      throw new ValidationError(
        `invalid job: id: ${clip(JSON.stringify(body.id) ?? '')} does not match the path's "${id}"`,
        undefined,
        'id',
      );
    }
    const { createdAt: _c, updatedAt: _u, ...definition } = body;
    const job = validateJob(deps, { ...definition, id });
    await checkScriptExists(deps, job);
    // Loaded with the first ticket job: its target call needs the outbound http client.
    if (job.tickets !== undefined)
      await (await import('./ticket-apply.ts')).checkTicketJob(deps, job, options);
    const existing = await deps.jobs.get(id);
    const now = deps.clock.now().toISOString();
    const stored: Job = { ...job, createdAt: existing?.createdAt ?? now, updatedAt: now };
    const { created } = await deps.jobs.put(stored);
    await armSchedule(deps, stored, new Date(now));
    return { created, job: stored };
  },

  deleteJob: async (deps: Pick<Deps, 'jobs' | 'schedules'>, id: string): Promise<void> => {
    if (!(await deps.jobs.delete(id))) throw new NotFoundError(`no job ${id}`);
    await deps.schedules.remove(id);
  },

  /**
   * Summaries as the store lists them (from gsi1, which holds nothing more);
   * `getRun` has the rest. Filters (`status`, `firedBy`, `from`/`to`) pass
   * through to the store, which checks them (400 `invalid_filter`).
   */
  listRuns: async (
    deps: Pick<Deps, 'jobs' | 'runs'>,
    jobId: string,
    page: RunListQuery,
  ): Promise<Page<RunSummary>> => {
    const runs = await deps.runs.listByJob(jobId, page);
    if (runs.items.length === 0 && page.cursor === undefined && !(await deps.jobs.get(jobId))) {
      throw new NotFoundError(`no job ${jobId}`);
    }
    return runs;
  },

  getRun: async (deps: Pick<Deps, 'runs'>, runId: string): Promise<Run> => {
    const run = await deps.runs.get(runId);
    if (!run) throw new NotFoundError(`no run ${runId}`);
    return run;
  },

  listIntegrations: (deps: Pick<Deps, 'registry'>): { items: IntegrationManifest[] } => ({
    items: deps.registry.list(),
  }),
};
