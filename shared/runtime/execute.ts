import {
  DeadlineError,
  EffectBusyError,
  errorMessage,
  RunDeferredError,
  StopRequestedError,
} from '../errors.ts';
import type { Job, LogLine, TriggerEvent, Verdict } from '../model/index.ts';
import { jobTimeoutMs } from '../model/index.ts';
import type { Clock, SecretStore } from '../ports.ts';
import type { AnyIntegration, IntegrationLogger } from '../sdk/index.ts';
import { cutText, resolveParams, RunLogger } from '../sdk/index.ts';
import type { Redactor } from '../sdk/redaction.ts';
import { createRedactor } from '../sdk/redaction.ts';
import { rememberJson } from './json-text.ts';
import { rememberSecrets } from './known-secrets.ts';
import { platformLogger } from './platform-logger.ts';
import type { PreparedToolbox, RunToolbox } from './toolbox/index.ts';
import { emptyToolbox } from './toolbox/index.ts';
import { isRetryableFailure } from '../outbound/classify.ts';
import type { RunHttp } from '../outbound/run-http.ts';
import { createRunHttp } from '../outbound/run-http.ts';

export type EntryPoint = 'run' | 'decide';

export interface ExecutionRequest {
  integration: AnyIntegration;
  job: Job;
  runId: string;
  event: TriggerEvent;
  entry: EntryPoint;
  secrets: SecretStore;
  clock: Clock;
  /** Log lines of earlier attempts, kept in front of this attempt's. */
  previousLogs?: LogLine[];
  attempt?: number;
  /** A decision job: the result must be a verdict (`allow: true|false`), whichever entry point gives it. */
  decision?: boolean;
  /** Aborts the run from outside (stop request). */
  signal?: AbortSignal;
  /**
   * Handed the attempt's live log when it starts: what a stop records of code
   * that never returns, and what the heartbeat saves while it runs.
   */
  onLog?: (log: LiveRunLog) => void;
  /** The run's deadline in ms, when less than the job's whole timeout is left (a decision's bookkeeping used some). */
  timeoutMs?: number;
  /** The run's toolbox, loaded by the caller (prepareToolbox); absent: emptyToolbox(). */
  toolbox?: PreparedToolbox;
  /** The run has raised its rate-limit notification in an earlier attempt. */
  alreadyRateLimited?: boolean;
  /** The job's auth secret versions when the caller has read them already (ingest, for a decision). */
  authSecretValues?: readonly string[];
}

/** An attempt's log as it grows (its RunLogger): this attempt's lines only. */
export interface LiveRunLog {
  readonly lines: LogLine[];
  readonly truncated: boolean;
}

export interface ExecutionOutcome {
  status: 'succeeded' | 'failed' | 'timed_out';
  message?: string;
  error?: string;
  output?: unknown;
  verdict?: Verdict;
  logs: LogLine[];
  logsTruncated: boolean;
  durationMs: number;
  /** Whether another attempt may succeed (transient failure or time-out). */
  retryable: boolean;
  /** What a successful run returned as its `cursor` (the checkpoint keeps it). */
  cursor?: string;
  /** ctx.effect met an effect in doubt: the run failed permanently, whatever the integration did. */
  inDoubt?: true;
  /** The run waits for a rate limit longer than its deadline: released, retried after this many ms. */
  deferMs?: number;
  /** The run raised its rate-limit notification. */
  rateLimited?: boolean;
  /** ctx.effect found its key held by a live run: released, retried after this many ms (the holder's hold). */
  effectBusyMs?: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** All attempts' log lines together stay well under DynamoDB's 400 KB item limit. */
const MAX_RUN_LOG_BYTES = 192 * 1024;
const logBytes = (lines: readonly LogLine[]): number =>
  lines.reduce((n, l) => n + Buffer.byteLength(l.message) + l.ts.length + 16, 0);

/** Earlier attempts' lines, newest kept, with one line saying what was dropped. */
const keepWithin = (lines: readonly LogLine[], budget: number, clock: Clock): readonly LogLine[] => {
  if (logBytes(lines) <= budget) return lines;
  const kept: LogLine[] = [];
  let used = 200;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i];
    if (!line) continue;
    const size = logBytes([line]);
    if (used + size > budget) break;
    kept.unshift(line);
    used += size;
  }
  const dropped = lines.length - kept.length;
  return [
    {
      ts: clock.now().toISOString(),
      level: 'WARN',
      message: `${dropped} earlier log lines dropped (log size limit)`,
    },
    ...kept,
  ];
};

/**
 * The log a run item holds: the earlier attempts' lines (the newest of them,
 * within what this attempt's leave of the budget), then this attempt's. What
 * a finish writes, and what the heartbeat writes of a running attempt.
 */
export const runLogOf = (previous: readonly LogLine[], lines: LogLine[], clock: Clock): LogLine[] => [
  ...keepWithin(previous, MAX_RUN_LOG_BYTES - logBytes(lines), clock),
  ...lines,
];

/**
 * What a run may keep of its result: together with the inline event (≤ 96 KiB)
 * and the log (≤ 192 KiB) the run item stays under DynamoDB's 400 KB, so that
 * finishing a run can never fail for its size and leave it `running`.
 */
const MAX_OUTPUT_BYTES = 32 * 1024;
const MAX_MESSAGE_BYTES = 4 * 1024;

/**
 * The output as stored: secret values redacted in every string, key and
 * number (it is served by the admin API; redacting its JSON text instead could
 * break the syntax), and bounded. Serialized once: when no form of a secret
 * shows in its JSON text (and every form reads the same inside JSON) nothing
 * needs redacting, and the parsed text is the stored value; otherwise the
 * parsed value is redacted by structure.
 */
const boundOutput = (output: unknown, logger: IntegrationLogger, redactor: Redactor): unknown => {
  if (output === undefined) return undefined;
  try {
    const json = JSON.stringify(output);
    if (json === undefined) return undefined;
    const clean = redactor.jsonPlain && redactor.text(json) === json;
    const redacted = clean ? (JSON.parse(json) as unknown) : redactor.value(JSON.parse(json));
    const text = clean ? json : JSON.stringify(redacted);
    const bytes = Buffer.byteLength(text);
    if (bytes <= MAX_OUTPUT_BYTES) {
      // The run store writes this text rather than serializing the output again.
      rememberJson(redacted, text);
      return redacted;
    }
    logger.warn(`output dropped: ${bytes} bytes is more than the ${MAX_OUTPUT_BYTES} a run keeps`);
    return { dropped: true, reason: 'too large', bytes };
  } catch {
    logger.warn('output dropped: not serializable as JSON');
    return { dropped: true, reason: 'not serializable as JSON' };
  }
};

/**
 * Runs one entry point of an integration with validated parameters, a deadline
 * and a log that redacts secret values. Never throws: every failure becomes an
 * outcome, so callers decide between finishing and retrying.
 */
export const executeIntegration = async (req: ExecutionRequest): Promise<ExecutionOutcome> => {
  const { integration, job, runId, event, clock } = req;
  const started = clock.now().getTime();
  const timeoutMs = Math.max(0, req.timeoutMs ?? jobTimeoutMs(job));
  const prepared = req.toolbox ?? emptyToolbox();
  // One redactor for everything the run's text goes through (log, message, error, output, verdict,
  // notifications): masked globals are known before the params' secrets, redacted from the first line on.
  const redactor = createRedactor(prepared.secretValues);
  let toolbox: RunToolbox | undefined;
  let runHttp: RunHttp | undefined;
  // One logger per run, built when first needed: after the secrets are resolved it redacts them.
  let runLogger: RunLogger | undefined;
  const log = (): RunLogger => {
    if (runLogger === undefined) {
      const logger = new RunLogger({ runId, jobId: job.id, clock, redactor, logger: platformLogger });
      runLogger = logger;
      req.onLog?.(logger);
    }
    return runLogger;
  };
  type Result = Omit<ExecutionOutcome, 'logs' | 'logsTruncated' | 'durationMs'>;
  const finish = (o: Result): ExecutionOutcome => {
    const logger = log();
    const output = boundOutput(o.output, logger, redactor);
    return {
      ...o,
      message: o.message === undefined ? undefined : cutText(o.message, MAX_MESSAGE_BYTES),
      error: o.error === undefined ? undefined : cutText(o.error, MAX_MESSAGE_BYTES),
      ...(o.verdict
        ? { verdict: { ...o.verdict, message: cutText(o.verdict.message, MAX_MESSAGE_BYTES) } }
        : {}),
      output,
      logs: runLogOf(req.previousLogs ?? [], logger.lines, clock),
      logsTruncated: logger.truncated,
      durationMs: Math.max(0, clock.now().getTime() - started),
    };
  };
  /**
   * ctx.state: the attempt's writes are applied here, once it succeeded, and
   * only then; an attempt that cannot apply them fails (a conflict may pass
   * on a retry, the keys limit not), or times out past its deadline.
   */
  const commit = async (o: Result): Promise<Result> => {
    if (o.status !== 'succeeded' || toolbox === undefined) return o;
    try {
      await toolbox.commit();
      return o;
    } catch (e) {
      const text = redactor.text(errorMessage(e));
      const rateLimited = o.rateLimited === true ? { rateLimited: true } : {};
      if (e instanceof DeadlineError) {
        log().error(text);
        return { status: 'timed_out', error: text, retryable: true, ...rateLimited };
      }
      log().error(`run failed: ${text}`);
      return { status: 'failed', error: text, retryable: isRetryableFailure(e), ...rateLimited };
    }
  };
  /** The outcome once the run's notifications are written (their failures are log lines of the run). */
  const done = async (o: Result): Promise<ExecutionOutcome> => {
    // ctx.http: a rate-limit deferral wins over what the run returned or threw.
    const result = await commit(runHttp?.outcome(o) ?? o);
    await toolbox?.settle();
    return finish(result);
  };

  const handler = req.entry === 'decide' ? integration.decide : integration.run;
  if (!handler) {
    const message = `integration ${integration.manifest.id} has no ${req.entry} entry point`;
    log().error(message);
    return finish({ status: 'failed', error: message, retryable: false });
  }

  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(req.signal?.reason);
  req.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  // ctx.http's requests end before this (the deadline timer's clock, not the run's Clock).
  const deadlineAt = Date.now() + timeoutMs;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const e = new DeadlineError(timeoutMs);
      controller.abort(e);
      reject(e);
    }, timeoutMs);
  });
  // Raced below; a rejection that nobody awaits any more must not crash the process.
  deadline.catch(() => undefined);

  try {
    // Resolving secrets counts against the deadline too: a slow secret store cannot stall a decision.
    // The job's own auth secret too (every version): a caller may put it in the body, and the
    // integration would then show it. Ingest hands a decision the versions it checked the call with.
    const [resolved, authValues] = await Promise.race([
      Promise.all([
        resolveParams(integration.manifest, job.params, req.secrets),
        req.authSecretValues ?? (job.auth === undefined ? [] : req.secrets.getVersions(job.auth.secret)),
      ]),
      deadline,
    ]);
    redactor.add(resolved.secretValues);
    redactor.add(authValues);
    // Every line this process writes from now on hides them too, whoever writes it (stdout, CloudWatch).
    rememberSecrets(redactor.secrets);
    const logger = log();
    if (req.attempt !== undefined && req.attempt > 1) logger.info(`attempt ${req.attempt}`);
    toolbox = prepared.build({ logger, signal: controller.signal, redact: redactor.text });
    const runToolbox = toolbox;
    const http = (runHttp = createRunHttp({
      integration,
      job,
      runId,
      params: resolved.params,
      globals: prepared.globals,
      logger,
      signal: controller.signal,
      deadlineAt,
      decision: req.entry === 'decide' || req.decision === true,
      alreadyRateLimited: req.alreadyRateLimited,
      platformNotify: (kind, severity, text) => runToolbox.platformNotify(kind, severity, text),
    }));
    const ctx = {
      event,
      params: resolved.params,
      logger,
      signal: controller.signal,
      runId,
      jobId: job.id,
      ...toolbox.members,
      // toolbox: http
      http: http.http,
    };
    const result: unknown = await Promise.race([Promise.resolve(handler(ctx)), deadline]);
    // An effect in doubt fails the run even when the integration caught the error.
    const inDoubt = toolbox.inDoubt();
    if (inDoubt) throw inDoubt;
    const message = isObject(result) && typeof result.message === 'string' ? result.message : undefined;
    const output = isObject(result) ? result.output : undefined;
    const cursor = isObject(result) && typeof result.cursor === 'string' ? result.cursor : undefined;
    if (req.entry === 'decide' || req.decision) {
      // A verdict is an explicit `allow: true|false`: nothing, `"yes"` or `1` is no verdict, and a
      // decision without one gets the job's onError — never an allow nobody gave.
      const allow = isObject(result) ? result.allow : undefined;
      if (typeof allow !== 'boolean') {
        const error =
          req.entry === 'decide'
            ? `integration ${integration.manifest.id} decide returned no verdict (allow: true or false)`
            : `integration ${integration.manifest.id} has no decide entry point and its run returned no verdict (allow: true or false)`;
        logger.error(error);
        return await done({ status: 'failed', error, output, retryable: false });
      }
      const verdict: Verdict = { allow, message: redactor.text(message ?? '') };
      return await done({
        status: 'succeeded',
        message: verdict.message,
        verdict,
        output,
        retryable: false,
        ...(cursor === undefined ? {} : { cursor }),
      });
    }
    return await done({
      status: 'succeeded',
      message: message === undefined ? 'succeeded' : redactor.text(message),
      output,
      retryable: false,
      ...(cursor === undefined ? {} : { cursor }),
    });
  } catch (caught) {
    // An effect in doubt wins over whatever else the run then threw.
    const inDoubt = toolbox?.inDoubt();
    const e: unknown = inDoubt ?? caught;
    const text = redactor.text(errorMessage(e));
    if (e instanceof DeadlineError) {
      log().error(text);
      return await done({ status: 'timed_out', error: text, retryable: e.retryable });
    }
    // A rate-limit deferral is not a failure of the run: it goes back to the queue (worker.ts).
    if (e instanceof RunDeferredError) log().warn(`run deferred: ${text}`);
    // An operator's stop is not a failure: run-control.ts records the run `stopped` with its own
    // `stopped by <who>` line, so what the code threw on the abort adds none.
    else if (!(req.signal?.reason instanceof StopRequestedError)) log().error(`run failed: ${text}`);
    const busyUntil =
      e instanceof EffectBusyError && e.heldUntil !== undefined ? Date.parse(e.heldUntil) : NaN;
    return await done({
      status: 'failed',
      error: text,
      // Permanent: our typed errors and a target's 4xx (but 408, 429); the rest may pass on a retry.
      retryable: isRetryableFailure(e),
      ...(inDoubt ? { inDoubt: true as const } : {}),
      ...(Number.isNaN(busyUntil) ? {} : { effectBusyMs: Math.max(0, busyUntil - clock.now().getTime()) }),
    });
  } finally {
    clearTimeout(timer);
    runHttp?.close();
    req.signal?.removeEventListener('abort', onOuterAbort);
  }
};
