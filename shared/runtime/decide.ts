import { errorMessage } from '../errors.ts';
import type { Job, LogLine, TriggerEvent, Verdict } from '../model/index.ts';
import { jobTimeoutMs } from '../model/index.ts';
import { sourceAdapter } from '../sources/index.ts';
import type { SourceResponse } from '../sources/types.ts';
import type { Deps } from './deps.ts';
import { storeEvent } from './event-storage.ts';
import type { ExecutionOutcome } from './execute.ts';
import { executeIntegration } from './execute.ts';
import type { IngestAnswer } from './ingest.ts';
import { platformLogger } from './platform-logger.ts';
import { afterRun, prepareToolbox } from './toolbox/index.ts';
import type { FinishedOutcome, PreparedToolbox, ToolboxTarget } from './toolbox/index.ts';

/**
 * Time kept back from the integration for recording the verdict, so that the
 * answer leaves within the job's `timeoutSeconds` even when the integration
 * uses all it gets: a second, or a fifth of a shorter deadline.
 */
export const recordReserveMs = (timeoutMs: number): number => Math.min(1000, Math.floor(timeoutMs / 5));

/** A bookkeeping call that did not finish in the time left. */
class BookkeepingTimeout extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not finish within the ${ms} ms left`);
    this.name = 'BookkeepingTimeout';
  }
}

/**
 * `work`, or a BookkeepingTimeout after `ms`. The work goes on in the
 * background; its late failure is swallowed (the sweeper repairs what it
 * leaves behind), so it can neither crash the process nor hold the answer.
 */
const within = async <T>(work: Promise<T>, ms: number, what: string): Promise<T> => {
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BookkeepingTimeout(what, Math.max(0, ms))), Math.max(0, ms));
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
};

const fallbackVerdict = (job: Job, reason: string): Verdict => ({
  allow: job.onError === 'allow',
  message: `${reason}; onError=${job.onError}: ${job.onError === 'allow' ? 'allowed' : 'denied'}`,
  fallback: true,
});

/**
 * The verdict of a Check Point publish that came without its change set, when
 * the job's `onMissingChanges` denies it; undefined when there is nothing
 * missing or the job lets its integration look at what there is.
 */
const missingChangesVerdict = (job: Job, event: TriggerEvent): Verdict | undefined => {
  const session = event.session;
  if (!session || session.trigger === 'after-install-policy' || session.changes !== undefined) {
    return undefined;
  }
  // Absent is deny: a gate that did not see the changes does not pass them.
  if (job.onMissingChanges === 'allow') return undefined;
  return {
    allow: false,
    message:
      'the publish came without its change set (Check Point sends none when its management API server is unavailable), so the changes could not be checked; onMissingChanges=deny: denied',
    fallback: true,
  };
};

/**
 * A verdict that could not be recorded: an unrecorded allow becomes the job's
 * `onError` verdict (a gate lets nothing through that leaves no trace, unless
 * the job says failures allow); a deny stays a deny.
 */
const unrecordedVerdict = (job: Job, verdict: Verdict, reason: string): Verdict =>
  verdict.allow ? fallbackVerdict(job, reason) : verdict;

/**
 * One structured ERROR line (CloudWatch in AWS) for a verdict the run table
 * does not hold, with what the caller was answered: when the run was never
 * created this line is the only record; when it was, the sweeper later
 * records it failed with the job's fallback verdict.
 */
const logUnrecorded = (
  job: Job,
  runId: string,
  event: TriggerEvent,
  stage: 'claim' | 'create' | 'finish',
  verdict: Verdict,
  error: string,
): void => {
  platformLogger.error('decision verdict not recorded', {
    jobId: job.id,
    runId,
    deliveryId: event.deliveryId,
    source: event.source,
    trigger: event.trigger,
    stage,
    answered: verdict.allow ? 'allow' : 'deny',
    verdict: verdict.message,
    error,
  });
};

/** The verdict in the source's format; an output the source cannot render is dropped rather than failing the answer. */
const render = (
  job: Job,
  event: TriggerEvent,
  runId: string,
  verdict: Verdict,
  output: unknown,
): SourceResponse => {
  const adapter = sourceAdapter(job.source);
  try {
    // The integration's output rides along: a SecureChange assignment verdict renders it as XML.
    return adapter.renderVerdict(
      { ...verdict, ...(output === undefined ? {} : { output }) },
      { job, event, runId },
    );
  } catch (e) {
    platformLogger.error('could not render the verdict with its output', {
      jobId: job.id,
      runId,
      error: errorMessage(e),
    });
    return adapter.renderVerdict(verdict, { job, event, runId });
  }
};

export interface DecideOptions {
  /**
   * Claims the request before anything runs or is written (an HMAC job's
   * replay key: one conditional write): resolves undefined when this request
   * now holds the claim, else the id of the run that already answered it.
   */
  claim?: () => Promise<string | undefined>;
  /** The job's auth secret versions ingest checked the call with: the run redacts them without reading them again. */
  authSecretValues?: readonly string[];
}

/** A decision's answer: the verdict, or — for a claimed request seen before — the run that answered it. */
export type DecisionAnswer = Extract<IngestAnswer, { kind: 'verdict' }> | { kind: 'replayed'; runId: string };

/**
 * Runs a decision job inline and renders the verdict in the source's format.
 * It never throws and answers within the job's deadline (`timeoutSeconds`):
 * - a request already claimed (`options.claim`) → `replayed`, with nothing
 *   run nor written; a claim that fails or hangs → `onError` at once,
 *   without running the integration, logged as one ERROR line;
 * - the integration fails, times out, or returns no verdict → the job's `onError`;
 * - a Check Point publish without its change set → the job's `onMissingChanges`
 *   (`deny`: answered at once; `allow`: the integration decides);
 * - the run cannot be created (table or payload store failing, throttled or
 *   slow) → `onError` at once, without running the integration, logged as
 *   one ERROR line;
 * - the verdict cannot be recorded → an allow becomes `onError` (a deny
 *   stays), logged; the sweeper later records the run failed.
 * Each bookkeeping call is bounded by the time left; the integration gets the
 * deadline less {@link recordReserveMs}. Two writes (three with a claim):
 * the run is created `running` and finished with its verdict.
 */
export const decide = async (
  deps: Deps,
  job: Job,
  runId: string,
  event: TriggerEvent,
  options: DecideOptions = {},
): Promise<DecisionAnswer> => {
  const startedAt = deps.clock.now();
  const timeoutMs = jobTimeoutMs(job);
  // Real time, not deps.clock: the deadline is what the caller waits.
  const deadline = performance.now() + timeoutMs;
  const reserve = recordReserveMs(timeoutMs);
  const left = (keep = 0): number => Math.max(0, Math.floor(deadline - keep - performance.now()));
  const answer = (verdict: Verdict, output?: unknown): DecisionAnswer => ({
    kind: 'verdict',
    runId,
    response: render(job, event, runId, verdict, output),
  });

  if (options.claim) {
    let answeredBy: string | undefined;
    try {
      answeredBy = await within(options.claim(), left(reserve), 'claiming the request');
    } catch (e) {
      // Not knowing whether this request was answered before, nothing may run for it: a replay must not pass.
      const verdict = fallbackVerdict(job, 'the request could not be checked for a replay');
      logUnrecorded(job, runId, event, 'claim', verdict, errorMessage(e));
      return answer(verdict);
    }
    if (answeredBy !== undefined) return { kind: 'replayed', runId: answeredBy };
  }

  const target: ToolboxTarget = {
    job,
    runId,
    attempt: 1,
    startedAt,
    deadlineAt: startedAt.getTime() + timeoutMs,
    decision: true,
  };
  // Loaded beside the run's create: the run's checkpoint and the globals cost the caller no extra wait.
  const preparing = within(prepareToolbox(deps, target), left(reserve), 'preparing the run');
  preparing.catch(() => undefined);

  try {
    const created = async (): Promise<void> => {
      const stored = await storeEvent(
        deps,
        job.id,
        runId,
        event,
        deps.settings.decisionInlineEventLimitBytes,
      );
      await deps.runs.create(
        {
          id: runId,
          jobId: job.id,
          deliveryId: event.deliveryId,
          source: event.source,
          trigger: event.trigger,
          mode: 'decision',
          status: 'running',
          attempt: 1,
          createdAt: startedAt.toISOString(),
          startedAt: startedAt.toISOString(),
          logs: [],
          firedBy: 'webhook',
          ...stored,
        },
        { retentionDays: job.retentionDays },
      );
    };
    await within(created(), left(reserve), 'recording the run');
  } catch (e) {
    // Nothing recorded: no verdict may come from an integration that leaves no run behind.
    const error = errorMessage(e);
    const verdict = fallbackVerdict(job, 'the decision could not be recorded');
    logUnrecorded(job, runId, event, 'create', verdict, error);
    return answer(verdict);
  }

  // A decision job always names an integration (JobSchema refuses a script for one).
  const integration = job.integration === undefined ? undefined : deps.registry.get(job.integration);
  let outcome: Pick<
    ExecutionOutcome,
    'status' | 'error' | 'output' | 'logs' | 'logsTruncated' | 'durationMs' | 'cursor'
  >;
  let verdict: Verdict;
  let toolbox: PreparedToolbox | undefined;
  let unprepared: string | undefined;
  try {
    toolbox = await preparing;
  } catch (e) {
    unprepared = `could not prepare the run: ${errorMessage(e)}`;
  }
  const missing = missingChangesVerdict(job, event);
  if (missing) {
    verdict = missing;
    const line: LogLine = { ts: deps.clock.now().toISOString(), level: 'WARN', message: missing.message };
    outcome = { status: 'failed', error: missing.message, logs: [line], logsTruncated: false, durationMs: 0 };
  } else if (!integration) {
    verdict = fallbackVerdict(job, `integration ${job.integration} is not installed`);
    outcome = { status: 'failed', error: verdict.message, logs: [], logsTruncated: false, durationMs: 0 };
  } else if (unprepared !== undefined || toolbox === undefined) {
    // Without its checkpoint and globals the integration may not run: the job's onError answers.
    const error = unprepared ?? 'could not prepare the run';
    verdict = fallbackVerdict(job, error);
    const line: LogLine = { ts: deps.clock.now().toISOString(), level: 'ERROR', message: error };
    outcome = { status: 'failed', error, logs: [line], logsTruncated: false, durationMs: 0 };
  } else {
    const executed = await executeIntegration({
      integration,
      job,
      runId,
      event,
      entry: integration.decide ? 'decide' : 'run',
      decision: true,
      timeoutMs: left(reserve),
      secrets: deps.secrets,
      clock: deps.clock,
      toolbox,
      authSecretValues: options.authSecretValues,
    });
    outcome = executed;
    verdict =
      executed.status === 'succeeded' && executed.verdict
        ? executed.verdict
        : fallbackVerdict(job, executed.error ?? executed.status);
  }

  const finishedOutcome: FinishedOutcome = outcome;
  try {
    const finished = await within(
      deps.runs.finish(runId, {
        attempt: 1,
        status: outcome.status,
        endedAt: deps.clock.now().toISOString(),
        durationMs: outcome.durationMs,
        message: verdict.message,
        error: outcome.error,
        output: outcome.output,
        verdict,
        logs: outcome.logs,
        logsTruncated: outcome.logsTruncated,
      }),
      left(),
      'recording the verdict',
    );
    if (!finished) throw new Error('the run was no longer running (the sweeper took it over)');
    // Only once the run is recorded: a cursor must not advance (nor run_failed be raised) for a
    // run that ends recorded otherwise, by the sweeper or not at all. afterRun never throws;
    // bounded by what is left, it cannot hold the answer.
    await within(afterRun(deps, target, finishedOutcome), left(), 'after the run').catch(() => undefined);
  } catch (e) {
    const error = errorMessage(e);
    const answered = unrecordedVerdict(job, verdict, 'the verdict could not be recorded');
    logUnrecorded(job, runId, event, 'finish', answered, error);
    return answer(answered, answered === verdict ? outcome.output : undefined);
  }
  return answer(verdict, outcome.output);
};
