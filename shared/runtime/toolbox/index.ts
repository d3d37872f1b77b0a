/**
 * The run toolbox: what `ctx` holds beside the event, params, logger and
 * signal — `state`, `checkpoint`, `globals`, `notifier` and `effect` (and
 * `http`, which execute.ts adds). The caller (worker, decide) prepares it
 * beside its own first call, so loading it adds no round trip before the run;
 * execute builds the members once the run's logger, signal and redaction
 * list exist; once the run succeeded, `commit` applies its ctx.state writes;
 * after the run is recorded, `afterRun` commits the checkpoint and raises the
 * run-failed notification, and — when the run moved the job's count of
 * failures in a row — the `job_failing` and `job_recovered` alerts.
 */
import { errorMessage, PermanentError } from '../../errors.ts';
import type { EffectInDoubtError } from '../../errors.ts';
import { DEFAULT_ALERT_AFTER_FAILURES } from '../../model/index.ts';
import type { Job } from '../../model/index.ts';
import type { NotificationKind, Severity } from '../../ports.ts';
import type { HttpClient } from '../../outbound/types.ts';
import type { RunContext } from '../../sdk/index.ts';
import type { RunLogger } from '../../sdk/index.ts';
import type { Checkpoint } from '../../sdk/index.ts';
import type { Deps } from '../deps.ts';
import type { ExecutionOutcome } from '../execute.ts';
import { platformLogger } from '../platform-logger.ts';
import { commitCheckpoint, loadCheckpoint } from './checkpoint.ts';
import { createEffect } from './effect.ts';
import { loadGlobals } from './globals.ts';
import type { RecordedRun } from './checkpoint.ts';
import { createNotifier, raiseJobFailing, raiseJobRecovered, raisePlatform } from './notifier.ts';
import { createState } from './state.ts';

export type ToolboxDeps = Pick<
  Deps,
  'state' | 'checkpoints' | 'globals' | 'notifications' | 'effects' | 'secrets' | 'clock'
> &
  Partial<Pick<Deps, 'publisher'>>;

/** The run the toolbox serves. */
export interface ToolboxTarget {
  job: Job;
  runId: string;
  attempt: number;
  /** When this attempt started. */
  startedAt: Date;
  /** The attempt's deadline, epoch ms (deps.clock's time). */
  deadlineAt: number;
  /** A decision run (the caller waits on it). */
  decision: boolean;
}

/** What the members need from the run execute is running. */
export interface RunScope {
  logger: RunLogger;
  signal: AbortSignal;
  /** Redacts every secret value of the run (password params and masked globals). */
  redact: (s: string) => string;
}

/** The `ctx` members the toolbox gives (execute adds `http`). */
export type ToolboxMembers = Pick<
  RunContext<unknown>,
  'state' | 'checkpoint' | 'globals' | 'notifier' | 'effect'
>;

/** The toolbox loaded for one run, before the run's logger exists. */
export interface PreparedToolbox {
  /** Masked global values: redacted everywhere, like password params. */
  readonly secretValues: readonly string[];
  readonly globals: Readonly<Record<string, string>>;
  readonly checkpoint: Readonly<Checkpoint>;
  build(scope: RunScope): RunToolbox;
}

/** The toolbox of a run under way. */
export interface RunToolbox {
  readonly members: ToolboxMembers;
  /** A platform notification of this run (the http member: rate_limited, egress_refused); never rejects. */
  platformNotify(kind: NotificationKind, severity: Severity, message: string): Promise<void>;
  /** Set by ctx.effect: the run fails permanently even if the integration caught the error. */
  inDoubt(): EffectInDoubtError | undefined;
  /** Awaits the notifications still being written; never throws. */
  settle(): Promise<void>;
  /**
   * Applies the attempt's ctx.state writes, staged until now: execute calls it
   * once the run succeeded, and only then. Throws what failed (a conflict is
   * retryable, the keys limit permanent); the writes applied before it stay.
   */
  commit(): Promise<void>;
}

/**
 * The outcome `afterRun` looks at: an executed run's, or a decision's that
 * never reached the integration; or a run an operator stopped, or a skipped
 * one, which leave the checkpoint and the failure count alone.
 */
export type FinishedOutcome = Pick<ExecutionOutcome, 'error' | 'cursor'> & {
  status: ExecutionOutcome['status'] | 'stopped' | 'skipped';
};

const frozen = <T extends object>(value: T): Readonly<T> => Object.freeze(value);

/** Loads what a run reads before it starts: its checkpoint and the globals, at once. */
export const prepareToolbox = async (deps: ToolboxDeps, t: ToolboxTarget): Promise<PreparedToolbox> => {
  const [checkpoint, globals] = await Promise.all([loadCheckpoint(deps, t), loadGlobals(deps)]);
  const values = frozen(Object.assign(Object.create(null) as Record<string, string>, globals.values));
  const point = frozen({ ...checkpoint });
  return {
    secretValues: frozen([...globals.maskedValues]),
    globals: values,
    checkpoint: point,
    build(scope) {
      const notifier = createNotifier(deps, t, scope);
      const effect = createEffect(deps, t, scope, notifier.platformNotify);
      const state = createState(deps, t, scope);
      return {
        members: {
          state: state.state,
          checkpoint: point,
          globals: values,
          notifier: notifier.notifier,
          effect: effect.effect,
        },
        platformNotify: notifier.platformNotify,
        inDoubt: effect.inDoubt,
        settle: notifier.settle,
        commit: state.commit,
      };
    },
  };
};

/**
 * The alerts a recorded run raises from the failure count its checkpoint
 * write moved: `job_failing` exactly when the count reaches the job's
 * `alertAfterFailures` (so once per streak: the next failure counts past
 * it), `job_recovered` on the success that ends a streak that had reached
 * it. A run that did not move the count (a late, older run; a write that
 * failed) raises neither. Never rejects.
 */
export const raiseFailureAlerts = async (
  deps: Pick<ToolboxDeps, 'notifications' | 'clock'> & Partial<Pick<ToolboxDeps, 'publisher'>>,
  t: Pick<ToolboxTarget, 'job' | 'runId'>,
  outcome: Pick<FinishedOutcome, 'status' | 'error'>,
  recorded: RecordedRun,
): Promise<void> => {
  const threshold = t.job.alertAfterFailures ?? DEFAULT_ALERT_AFTER_FAILURES;
  const run = { jobId: t.job.id, runId: t.runId };
  if (outcome.status === 'succeeded') {
    if (recorded.previousFailures !== undefined && recorded.previousFailures >= threshold) {
      await raiseJobRecovered(deps, run, recorded.previousFailures);
    }
  } else if (recorded.failures === threshold) {
    await raiseJobFailing(deps, run, recorded.failures, outcome.error ?? outcome.status);
  }
};

/**
 * After the run is recorded, by the attempt whose finish succeeded: commits
 * the checkpoint (with the run as the job's last run), raises `run_failed`
 * for a run recorded failed or timed out, and the failing/recovered alerts.
 * A stopped or skipped run does none of it: it is no failure of the job and
 * did not do its work — but a stopped run did run, so it is kept as the
 * job's last run (the jobs grid) when it is the newest. Never throws: the
 * run is recorded already, and this must not retry it.
 */
export const afterRun = async (
  deps: ToolboxDeps,
  t: ToolboxTarget,
  outcome: FinishedOutcome,
): Promise<void> => {
  if (outcome.status === 'stopped') return recordStopped(deps, t);
  if (outcome.status === 'skipped') return;
  const failed =
    outcome.status === 'succeeded'
      ? Promise.resolve()
      : raisePlatform(deps, {
          jobId: t.job.id,
          runId: t.runId,
          kind: 'run_failed',
          severity: 'error',
          message: `run ${t.runId} ${outcome.status === 'timed_out' ? 'timed out' : 'failed'}: ${outcome.error ?? outcome.status}`,
        });
  const committed = commitCheckpoint(deps, t, outcome).then((recorded) =>
    raiseFailureAlerts(deps, t, outcome, recorded),
  );
  const results = await Promise.allSettled([committed, failed]);
  for (const r of results) {
    if (r.status === 'rejected') {
      platformLogger.warn('after-run bookkeeping failed', { runId: t.runId, error: errorMessage(r.reason) });
    }
  }
};

/** A stopped run as the job's last run: lastRun alone, in one write (see CheckpointStore.recordLastRun). */
const recordStopped = async (deps: ToolboxDeps, t: ToolboxTarget): Promise<void> => {
  const at = deps.clock.now().toISOString();
  const startedAt = t.startedAt.toISOString();
  try {
    await deps.checkpoints.recordLastRun(t.job.id, {
      lastRun: { id: t.runId, status: 'stopped', startedAt, endedAt: at },
      at,
    });
  } catch (e) {
    platformLogger.warn('stopped run not recorded as the last run', {
      runId: t.runId,
      jobId: t.job.id,
      error: errorMessage(e),
    });
  }
};

/** Every call of a member that has no run behind it. */
const unavailable = (member: string): PermanentError =>
  new PermanentError(`ctx.${member} is not available outside a run`);
const refuse = (member: string) => (): Promise<never> => Promise.reject(unavailable(member));

/** `ctx.state`, `ctx.notifier` and `ctx.effect` outside a run: each call rejects. */
const membersOutsideRun = (): ToolboxMembers => ({
  state: {
    get: refuse('state'),
    getEntry: refuse('state'),
    set: refuse('state'),
    delete: refuse('state'),
    list: refuse('state'),
  },
  checkpoint: frozen({}),
  globals: frozen({}),
  notifier: { info: refuse('notifier'), warn: refuse('notifier'), error: refuse('notifier') },
  effect: refuse('effect'),
});

/**
 * The toolbox of an execution with none prepared (tests, and callers that run
 * an integration outside the worker and decide): an empty checkpoint and
 * globals; state, notifier and effect reject with a PermanentError.
 */
export const emptyToolbox = (): PreparedToolbox => ({
  secretValues: [],
  globals: frozen({}),
  checkpoint: frozen({}),
  build: () => ({
    members: membersOutsideRun(),
    platformNotify: () => Promise.resolve(),
    inDoubt: () => undefined,
    settle: () => Promise.resolve(),
    commit: () => Promise.resolve(),
  }),
});

/**
 * A `ctx.http` that refuses every use, for a context built outside a run.
 * A Proxy, so that holding or spreading the context touches nothing.
 */
export const httpOutsideRun = (): HttpClient =>
  new Proxy(() => undefined, {
    get: (_target, property) => {
      if (typeof property === 'symbol' || property === 'then') return undefined;
      throw unavailable('http');
    },
    apply: () => {
      throw unavailable('http');
    },
  }) as unknown as HttpClient;

/**
 * Every toolbox member of `ctx` for a context built outside a run (tests and
 * benches that call an integration's entry point directly).
 */
export const contextOutsideRun = (): ToolboxMembers & { http: HttpClient } => ({
  ...membersOutsideRun(),
  http: httpOutsideRun(),
});
