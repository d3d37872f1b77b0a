import { errorMessage, NotFoundError, RetryableRunError } from '../errors.ts';

export { RetryableRunError } from '../errors.ts';
import { jobTimeoutMs, runnableOf } from '../model/index.ts';
import type { Job, LogLine, Run } from '../model/index.ts';
import type { RunFinish } from '../ports.ts';
import { parseRunMessage } from '../model/index.ts';
import type { Deps } from './deps.ts';
import { loadEvent } from './event-storage.ts';
import { executeIntegration } from './execute.ts';
import type { ExecutionOutcome } from './execute.ts';
import { platformLogger } from './platform-logger.ts';
import { afterRun, prepareToolbox } from './toolbox/index.ts';
import type { PreparedToolbox, ToolboxTarget } from './toolbox/index.ts';
import { raiseRunFailed } from './toolbox/notifier.ts';
import { scriptIntegration } from './scripts/integration.ts';
import { ticketIntegration } from '../tickets/orchestrate.ts';
import { hotJob } from '../resilience/last-known.ts';
import { admitRun, guardRun, HeldLeases, LiveLog, stoppedFinish } from './run-control.ts';
import type { Admission, StopRequest } from './run-control.ts';
import { admitTurn, leaveTurn } from './turns.ts';

/** One queue message as the worker sees it. */
export interface RunDelivery {
  body: string;
  /** SQS `ApproximateReceiveCount`: 1 on the first receive. */
  receiveCount: number;
  receiptHandle: string;
}

/** How long past a run's deadline its attempt counts as dead and may be taken over. */
export const TAKEOVER_GRACE_MS = 60_000;

/**
 * A run deferred (by rate limits, or waiting for an effect another run holds)
 * more often than this (≈ 6 h of waits at most 15 min each) is retried as an
 * ordinary failure: its attempts then run out.
 */
export const MAX_DEFERRALS = 24;
/** SQS delays a message by at most 15 minutes: a longer wait is chained (the next attempt asks again). */
const MAX_DEFER_SECONDS = 900;

export const backoffSeconds = (receiveCount: number, baseSeconds: number): number =>
  Math.min(900, baseSeconds * 2 ** Math.max(0, receiveCount - 1));

/**
 * Processes one run message: `queued → running → succeeded | failed`. A
 * transient failure throws so the queue retries it, after a back-off; on the
 * queue's last receive the run is recorded as failed and the throw sends the
 * message to the DLQ. A message whose run has already finished changes nothing.
 */
export const processRunMessage = async (deps: Deps, delivery: RunDelivery): Promise<void> => {
  // The leases the attempt takes (overlap, concurrency) are given back however it ends.
  const held = new HeldLeases(deps);
  try {
    await processRun(deps, delivery, held);
  } finally {
    await held.releaseAll();
  }
};

const processRun = async (deps: Deps, delivery: RunDelivery, held: HeldLeases): Promise<void> => {
  const message = parseRunMessage(delivery.body);
  const now = deps.clock.now();
  // The job first: its deadline tells how long another attempt may legitimately hold the run.
  let job = await hotJob(deps.jobs, message.jobId);
  const staleBefore = new Date(now.getTime() - (job ? jobTimeoutMs(job) : 0) - TAKEOVER_GRACE_MS);
  const run = await deps.runs.start(message.runId, {
    startedAt: now.toISOString(),
    staleBefore: staleBefore.toISOString(),
  });
  if (!run) {
    // Finished already, or another attempt is running it now (a duplicate message): nothing to do.
    platformLogger.info('run finished or held by another attempt; message ignored', { runId: message.runId });
    return;
  }
  // The store counts attempts too: a run the sweeper requeued (a fresh message, receive count 1) gets no new budget.
  const lastAttempt = Math.max(delivery.receiveCount, run.attempt) >= deps.settings.maxReceiveCount;
  const fail = async (error: string): Promise<void> => {
    if (
      await deps.runs.finish(run.id, baseFinish(run, deps, now, { status: 'failed', error, message: error }))
    ) {
      await raiseRunFailed(deps, run, error);
      await leaveTurn(deps, run);
    }
  };

  if (!job || job.id !== run.jobId) {
    await fail(`job ${run.jobId} no longer exists`);
    return;
  }
  // Asked to stop while it waited for a retry: it ends here, never run again.
  if (run.stopRequest !== undefined) {
    return finishStopped(deps, job, run, now, run.stopRequest, { lines: run.logs });
  }
  // Events of one ticket, one at a time in arrival order: an earlier run of its order key not ended → wait.
  let turn: Admission;
  try {
    turn = await admitTurn(deps, run);
  } catch (e) {
    return retryOrFail(deps, run, delivery, lastAttempt, `could not check its turn: ${errorMessage(e)}`, now);
  }
  if (turn.kind !== 'run') return notAdmitted(deps, run, delivery, now, turn);
  const admission = await admitRun(deps, job, run, held);
  if (admission.kind !== 'run') return notAdmitted(deps, run, delivery, now, admission);
  // A manual run's parameter overrides (checked when it was asked for) win over the job's own.
  if (run.paramOverrides !== undefined) job = { ...job, params: { ...job.params, ...run.paramOverrides } };
  // An uploaded script runs as an integration of its own (shared/runtime/scripts), through the same path.
  const scripted = job.script === undefined ? undefined : scriptIntegration(deps, job, run);
  const installed =
    scripted ?? (job.integration === undefined ? undefined : deps.registry.get(job.integration));
  if (!installed) {
    await fail(`${runnableOf(job)} is not installed`);
    return;
  }
  // A ticket job runs its integration's ticket plugin inside the platform's orchestration (shared/tickets).
  const integration = job.tickets === undefined ? installed : ticketIntegration(deps, job, installed);
  const target: ToolboxTarget = {
    job,
    runId: run.id,
    attempt: run.attempt,
    startedAt: now,
    deadlineAt: now.getTime() + jobTimeoutMs(job),
    decision: false,
  };
  // The event and the run's toolbox (checkpoint, globals) at once: neither waits for the other.
  const [loaded, prepared] = await Promise.allSettled([loadEvent(deps, run), prepareToolbox(deps, target)]);
  if (loaded.status === 'rejected') {
    const e: unknown = loaded.reason;
    if (e instanceof NotFoundError) {
      await fail(`could not load the event: ${errorMessage(e)}`);
      return;
    }
    // The stored payload could not be read: worth another try while attempts remain.
    return retryOrFail(deps, run, delivery, lastAttempt, `could not load the event: ${errorMessage(e)}`, now);
  }
  const event = loaded.value;
  if (!event) {
    await fail('run has no event');
    return;
  }
  if (prepared.status === 'rejected') {
    // The checkpoint or the globals could not be read: the run may not start without them.
    const error = `could not prepare the run: ${errorMessage(prepared.reason)}`;
    return retryOrFail(deps, run, delivery, lastAttempt, error, now);
  }
  const toolbox: PreparedToolbox = prepared.value;

  const live = new LiveLog(deps, run);
  const guarded = await guardRun(
    deps,
    job,
    run,
    held,
    (signal) =>
      executeIntegration({
        integration,
        job,
        runId: run.id,
        event,
        entry: 'run',
        secrets: deps.secrets,
        clock: deps.clock,
        previousLogs: run.logs,
        attempt: run.attempt,
        toolbox,
        alreadyRateLimited: run.rateLimited === true,
        signal,
        onLog: (log) => live.attach(log),
      }),
    live,
  );
  if (guarded.stopped !== undefined) {
    const log = guarded.outcome
      ? { lines: guarded.outcome.logs, truncated: guarded.outcome.logsTruncated }
      : { lines: [...run.logs, ...live.lines] };
    return finishStopped(deps, job, run, now, guarded.stopped, log);
  }
  const outcome = guarded.outcome;

  // A rate limit asked for a wait past the deadline: the run goes back to the queue as a new,
  // delayed message (a visibility change would spend one of its receives), its attempt not spent.
  if (outcome.deferMs !== undefined && (run.deferrals ?? 0) < MAX_DEFERRALS) {
    return deferRun(deps, run, delivery, outcome, outcome.deferMs, 'rate limited');
  }
  // An effect another live run is performing: waiting for its holder is no failure of this run (spent
  // attempts would fail it long before the holder lets go), and the result is there when it comes back.
  if (outcome.effectBusyMs !== undefined && (run.deferrals ?? 0) < MAX_DEFERRALS) {
    return deferRun(deps, run, delivery, outcome, outcome.effectBusyMs, 'effect busy');
  }

  if (outcome.status !== 'succeeded' && outcome.retryable && !lastAttempt) {
    const released = await deps.runs.release(run.id, {
      attempt: run.attempt,
      error: outcome.error ?? outcome.status,
      logs: outcome.logs,
      logsTruncated: outcome.logsTruncated,
      ...(outcome.rateLimited === true ? { rateLimited: true } : {}),
    });
    if (!released) return; // a newer attempt holds the run; this message is stale
    await deps.queue
      .retryLater(
        delivery.receiptHandle,
        backoffSeconds(delivery.receiveCount, deps.settings.retryBaseSeconds),
      )
      .catch((e: unknown) => platformLogger.warn('could not set retry back-off', { error: errorMessage(e) }));
    throw new RetryableRunError(run.id, outcome.error ?? outcome.status);
  }

  const ended = deps.clock.now();
  const finished = await deps.runs.finish(run.id, {
    attempt: run.attempt,
    status: outcome.status,
    endedAt: ended.toISOString(),
    durationMs: Math.max(0, ended.getTime() - now.getTime()),
    message: outcome.status === 'succeeded' ? outcome.message : outcome.error,
    error: outcome.error,
    output: outcome.output,
    logs: outcome.logs,
    logsTruncated: outcome.logsTruncated,
    script: scripted?.ran(),
    ...lagOf(run, now),
  });
  if (!finished) {
    platformLogger.warn('run finished by a newer attempt; result dropped', { runId: run.id });
    return;
  }
  // The run's one platform line.
  platformLogger.info('run finished', { runId: run.id, jobId: run.jobId, status: outcome.status });
  // Only the attempt that recorded the run commits its checkpoint (and raises run_failed).
  await afterRun(deps, target, outcome);
  // Ended for good (a retryable failure on its last attempt too): the next run of its key may go,
  // once this one's state and checkpoint are committed.
  await leaveTurn(deps, run);
  if (outcome.status !== 'succeeded' && outcome.retryable) {
    // Last receive: the run is recorded. Made visible at once, the message is moved to the
    // DLQ by the redrive policy on its next receive instead of after a whole visibility timeout.
    await deps.queue.retryLater(delivery.receiptHandle, 0).catch(() => undefined);
    throw new RetryableRunError(run.id, `${outcome.error ?? outcome.status} (last attempt)`);
  }
};

/**
 * Releases the run with its attempt given back (`deferred`), sends it again
 * delayed by the wait (a rate limit's, or an effect holder's), and returns,
 * so that the message it came in is deleted. If the send fails, the old message brings the run back after the
 * wait instead (one receive spent, nothing lost); a crash in between leaves a
 * queued run the sweeper requeues (its threshold, 50 min, is past the longest
 * delay).
 */
const deferRun = async (
  deps: Deps,
  run: Run,
  delivery: RunDelivery,
  outcome: ExecutionOutcome,
  deferMs: number,
  why: 'rate limited' | 'effect busy' | Extract<Admission, { kind: 'wait' }>['why'],
): Promise<void> => {
  const delaySeconds = Math.min(MAX_DEFER_SECONDS, Math.max(1, Math.ceil(deferMs / 1_000)));
  const error = outcome.error ?? why;
  const released = await deps.runs.release(run.id, {
    attempt: run.attempt,
    error,
    logs: outcome.logs,
    logsTruncated: outcome.logsTruncated,
    deferred: true,
    // Waiting for its turn is no deferral of its own: it never spends the budget rate limits need.
    ...(why === 'turn' ? { uncounted: true } : {}),
    ...(why === 'rate limited' || outcome.rateLimited === true ? { rateLimited: true } : {}),
    visibleAt: new Date(deps.clock.now().getTime() + delaySeconds * 1_000).toISOString(),
  });
  if (!released) return; // a newer attempt holds the run; this message is stale
  try {
    await deps.queue.sendLater({ runId: run.id, jobId: run.jobId }, delaySeconds);
  } catch (e) {
    platformLogger.warn('could not send the deferred run; its message brings it back', {
      runId: run.id,
      error: errorMessage(e),
    });
    await deps.queue.retryLater(delivery.receiptHandle, delaySeconds).catch(() => undefined);
    throw new RetryableRunError(run.id, error);
  }
  platformLogger.info(`run deferred (${why})`, { runId: run.id, jobId: run.jobId, delaySeconds });
};

/** A scheduled run's lag: how late this attempt started after its occurrence. */
const lagOf = (run: Run, startedAt: Date): { lagMs?: number } => {
  if (run.firedBy !== 'schedule' || run.scheduledFor === undefined) return {};
  const due = Date.parse(run.scheduledFor);
  return Number.isNaN(due) ? {} : { lagMs: Math.max(0, startedAt.getTime() - due) };
};

/**
 * Records a stopped attempt (its log, then who stopped it). Returns normally:
 * the message is deleted, so a stopped run is never retried nor dead-lettered.
 * A stop neither moves the checkpoint nor counts as a failure: `afterRun`
 * only keeps it as the job's last run (it ran).
 */
const finishStopped = async (
  deps: Deps,
  job: Job,
  run: Run,
  startedAt: Date,
  request: StopRequest,
  log: { lines: readonly LogLine[]; truncated?: boolean },
): Promise<void> => {
  const finish = stoppedFinish(run, startedAt, deps.clock.now(), request, log);
  if (await deps.runs.finish(run.id, { ...finish, ...lagOf(run, startedAt) })) {
    platformLogger.info('run stopped', { runId: run.id, jobId: run.jobId, by: request.by });
    const target: ToolboxTarget = {
      job,
      runId: run.id,
      attempt: run.attempt,
      startedAt,
      deadlineAt: startedAt.getTime() + jobTimeoutMs(job),
      decision: false,
    };
    await afterRun(deps, target, { status: 'stopped' });
    await leaveTurn(deps, run);
  } else {
    platformLogger.warn('run finished by a newer attempt; stop not recorded', { runId: run.id });
  }
};

/**
 * A run that could not take its lease: the first attempt of a scheduled run
 * whose job is still running ends `skipped` (overlap `skip`); otherwise (a
 * retry of one included: it ran already) it goes back to the
 * queue, delayed, its attempt not spent (overlap `queue`, concurrency).
 */
const notAdmitted = async (
  deps: Deps,
  run: Run,
  delivery: RunDelivery,
  startedAt: Date,
  admission: Exclude<Admission, { kind: 'run' }>,
): Promise<void> => {
  if (admission.kind === 'wait') {
    const error =
      admission.why === 'turn'
        ? `waiting for its turn: run ${admission.ahead} of the same order key has not ended`
        : admission.why === 'concurrency'
          ? 'waiting for a free concurrency slot'
          : 'waiting for the previous scheduled run to end';
    const waiting: ExecutionOutcome = {
      status: 'failed',
      error,
      logs: run.logs,
      logsTruncated: run.logsTruncated === true,
      durationMs: 0,
      retryable: true,
    };
    return deferRun(deps, run, delivery, waiting, admission.delaySeconds * 1_000, admission.why);
  }
  const ended = deps.clock.now();
  const skipped = await deps.runs.finish(run.id, {
    attempt: run.attempt,
    status: 'skipped',
    endedAt: ended.toISOString(),
    durationMs: 0,
    message: admission.message,
    logs: [...run.logs, { ts: ended.toISOString(), level: 'INFO', message: `skipped: ${admission.message}` }],
    ...lagOf(run, startedAt),
  });
  if (skipped) {
    platformLogger.info('run skipped', { runId: run.id, jobId: run.jobId, why: admission.message });
    await leaveTurn(deps, run);
  }
};

const baseFinish = (
  run: Run,
  deps: Deps,
  startedAt: Date,
  f: Pick<RunFinish, 'status' | 'error' | 'message'>,
): RunFinish => ({
  attempt: run.attempt,
  endedAt: deps.clock.now().toISOString(),
  durationMs: Math.max(0, deps.clock.now().getTime() - startedAt.getTime()),
  logs: run.logs,
  ...f,
});

const retryOrFail = async (
  deps: Deps,
  run: Run,
  delivery: RunDelivery,
  lastAttempt: boolean,
  error: string,
  startedAt: Date,
): Promise<void> => {
  if (lastAttempt) {
    // The `run_failed` notification of a run recorded failed before its integration ran (afterRun
    // raises it for the others): only the write that recorded the failure raises it.
    if (
      await deps.runs.finish(
        run.id,
        baseFinish(run, deps, startedAt, { status: 'failed', error, message: error }),
      )
    ) {
      await raiseRunFailed(deps, run, error);
      await leaveTurn(deps, run);
    }
    await deps.queue.retryLater(delivery.receiptHandle, 0).catch(() => undefined);
  } else {
    await deps.runs.release(run.id, { attempt: run.attempt, error, logs: run.logs });
    await deps.queue
      .retryLater(
        delivery.receiptHandle,
        backoffSeconds(delivery.receiveCount, deps.settings.retryBaseSeconds),
      )
      .catch(() => undefined);
  }
  throw new RetryableRunError(run.id, error);
};
