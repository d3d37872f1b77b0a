import {
  _default,
  array,
  boolean,
  int,
  iso,
  lazy,
  minimum,
  object,
  optional,
  record,
  string,
  unknown,
  enum as zEnum,
} from './zod.ts';
import type { infer as Infer } from './zod.ts';
import { TriggerEventSchema } from './trigger-event.ts';

export const RUN_STATUSES = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'stopped',
  'timed_out',
  /** A scheduled occurrence that did not run (missed while down or disabled, or the job still running): `message` says why. */
  'skipped',
] as const;
export const RunStatusSchema = lazy(() => zEnum(RUN_STATUSES));
export type RunStatus = Infer<typeof RunStatusSchema>;
export const FINAL_STATUSES: readonly RunStatus[] = [
  'succeeded',
  'failed',
  'stopped',
  'timed_out',
  'skipped',
];
/** The statuses of a run that has not ended: what `stop` acts on. */
export const OPEN_STATUSES: readonly RunStatus[] = ['queued', 'running'];

/** What fired a run: a webhook call, the job's schedule, an operator's run now, or a replay (or DLQ redrive) of an earlier run. */
export const FIRED_BY = ['webhook', 'schedule', 'manual', 'replay'] as const;
export type FiredBy = (typeof FIRED_BY)[number];
export const isFinal = (s: RunStatus): boolean => FINAL_STATUSES.includes(s);

/**
 * A run log line's level: the logger's four, and for uploaded scripts what
 * their `console` method was (`console.log` → LOG, `console.dir` → DIR,
 * `console.trace` → TRACE).
 */
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'LOG', 'DIR', 'TRACE'] as const;
export const LogLineSchema = lazy(() =>
  object({
    ts: iso.datetime(),
    level: zEnum(LOG_LEVELS),
    message: string(),
  }),
);
export type LogLine = Infer<typeof LogLineSchema>;
export type LogLevel = LogLine['level'];

// The CLI and the console print lines the same way: the formatter lives in a dependency-free file the console bundles.
export { formatLogLine } from './log-format.ts';

export const VerdictSchema = lazy(() =>
  object({
    allow: boolean(),
    message: string(),
    /** Set when the verdict came from the job's `onError` rather than the integration. */
    fallback: optional(boolean()),
  }),
);
export type Verdict = Infer<typeof VerdictSchema>;

export const RunSchema = lazy(() =>
  object({
    id: string(),
    jobId: string(),
    deliveryId: optional(string()),
    source: string(),
    trigger: string(),
    mode: zEnum(['async', 'decision']),
    status: RunStatusSchema,
    /** How many times the worker has started this run (1 on the first try). */
    attempt: int().check(minimum(0)),
    createdAt: iso.datetime(),
    startedAt: optional(iso.datetime()),
    endedAt: optional(iso.datetime()),
    durationMs: optional(int().check(minimum(0))),
    message: optional(string()),
    /** Last error, kept across retries. */
    error: optional(string()),
    output: optional(unknown()),
    verdict: optional(VerdictSchema),
    logs: _default(array(LogLineSchema), []),
    logsTruncated: optional(boolean()),
    /** The event, inline when small enough for the table. */
    event: optional(TriggerEventSchema),
    /** Where the event is kept when it is too large for the table (claim check). */
    eventRef: optional(string()),

    /** What fired the run; absent on runs recorded before it existed (webhook runs). */
    firedBy: optional(zEnum(FIRED_BY)),
    /** Scheduled runs (and skipped occurrences): the occurrence's due time. */
    scheduledFor: optional(iso.datetime()),
    /** Scheduled runs: how late the run started after `scheduledFor`, in ms (set when it starts). */
    lagMs: optional(int().check(minimum(0))),
    /** A replayed (or redriven) run: the run whose event it runs again. */
    replayOf: optional(string()),
    /** A manual run's parameter overrides (validated against the manifest; secret refs, never values). */
    paramOverrides: optional(record(string(), unknown())),
    /** A script job's run: the script version it ran (set when it starts). */
    script: optional(object({ id: string(), version: int().check(minimum(1)), sha256: string() })),
    /** Who asked to stop the run, and when (`stopped` runs; a running one until its attempt ends). */
    stopRequest: optional(object({ by: string(), at: iso.datetime() })),

    /**
     * Runs with the same key (per job) run one at a time in the order they
     * arrived (their ids): a SecureChange ticket id, a ticket job's alert
     * dedupe key. Set when the run is created; see TurnStore.
     */
    orderKey: optional(string()),

    // ctx.http rate limits: a wait past the deadline hands the run back to the queue, delayed.
    /** How often a rate limit deferred the run (a deferral is not an attempt). */
    deferrals: optional(int().check(minimum(0))),
    /** The run raised its one rate-limit notification (not again on a later attempt). */
    rateLimited: optional(boolean()),
  }),
);
export type Run = Infer<typeof RunSchema>;

/**
 * The list view of a run: everything but logs, event and output — and the
 * rate-limit bookkeeping (`deferrals`, `rateLimited`), which a listing does
 * not show and the history index (gsi1) does not copy: one run shows them.
 */
export type RunSummary = Omit<Run, 'logs' | 'event' | 'output' | 'deferrals' | 'rateLimited'>;
export const summarizeRun = (run: Run): RunSummary => {
  const {
    logs: _logs,
    event: _event,
    output: _output,
    deferrals: _deferrals,
    rateLimited: _rateLimited,
    ...summary
  } = run;
  return summary;
};
