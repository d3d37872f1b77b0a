import { errorMessage } from '../../errors.ts';
import { MAX_NOTIFICATION_CHARS } from '../../model/notification.ts';
import type { NotificationKind, NotificationRecord, Severity } from '../../ports.ts';
import type { Notifier } from '../../sdk/index.ts';
import { clip } from '../../sdk/text.ts';
import { isoTime } from '../../store/keys.ts';
import { platformLogger } from '../platform-logger.ts';
import { ulid } from '../ulid.ts';
import type { RunScope, ToolboxDeps, ToolboxTarget } from './index.ts';

/** Notifications one run may raise through `ctx.notifier`; past it, one WARN line and the rest are dropped. */
export const MAX_NOTIFICATIONS_PER_RUN = 20;
/** The longest `settle()` waits for notifications still being written before the run is recorded. */
export const SETTLE_TIMEOUT_MS = 2_000;

type NotifyDeps = Pick<ToolboxDeps, 'notifications' | 'clock'> & Partial<Pick<ToolboxDeps, 'publisher'>>;

/** Raises a platform notification of the run (redacted); never rejects. */
export type PlatformNotify = (kind: NotificationKind, severity: Severity, message: string) => Promise<void>;

/** A notification the platform raises (not the integration): a failed run, a refused payload… */
export interface PlatformNotification {
  jobId: string;
  runId?: string;
  kind: NotificationKind;
  severity: Severity;
  message: string;
  /** Redacts the run's secrets from the message; the message is taken as it is without one. */
  redact?: (text: string) => string;
}

/**
 * The one way a notification is raised: redacted, cut to 2000 characters,
 * stored (30-day expiry), and — for an error — published to the stack's SNS
 * topic, or, where there is none (`npm start`), written as one ERROR line.
 * Never throws: what fails is reported through `problem` (the run's log, or
 * the platform log), as a notification must never fail what raised it.
 */
const emit = async (
  deps: NotifyDeps,
  n: PlatformNotification,
  problem: (line: string) => void,
): Promise<NotificationRecord | undefined> => {
  let record: NotificationRecord;
  try {
    const now = deps.clock.now().getTime();
    const message = clip(n.redact === undefined ? n.message : n.redact(n.message), MAX_NOTIFICATION_CHARS);
    record = {
      id: ulid(now),
      jobId: n.jobId,
      ...(n.runId === undefined ? {} : { runId: n.runId }),
      severity: n.severity,
      kind: n.kind,
      message,
      createdAt: isoTime(now),
    };
  } catch (e) {
    problem(`notification not raised: ${errorMessage(e)}`);
    return undefined;
  }
  const stored = deps.notifications.add(record).catch((e: unknown) => {
    problem(`${record.severity} notification not stored: ${errorMessage(e)}`);
  });
  const published =
    record.severity !== 'error'
      ? undefined
      : deps.publisher === undefined
        ? platformLogger.error(`ERROR notification ${record.kind}: ${record.message}`, {
            jobId: record.jobId,
            ...(record.runId === undefined ? {} : { runId: record.runId }),
          })
        : deps.publisher.publish(record).catch((e: unknown) => {
            problem(`error notification not published: ${errorMessage(e)}`);
          });
  await Promise.all([stored, published]);
  return record;
};

/**
 * A notification the platform raises outside a run's toolbox (the worker's
 * or the sweeper's `run_failed`, ingest's `payload_too_large`, admin's
 * `checkpoint_rewound`). Never rejects: a failure is one WARN line.
 */
export const raisePlatform = async (deps: NotifyDeps, n: PlatformNotification): Promise<void> => {
  await emit(deps, n, (line) => {
    platformLogger.warn(line, { jobId: n.jobId, kind: n.kind });
  });
};

/**
 * The `run_failed` notification of a run recorded failed outside its run's
 * toolbox (the worker, before the integration ran; the sweeper). The caller
 * raises it only when its write recorded the failure: once per run.
 */
export const raiseRunFailed = (
  deps: NotifyDeps,
  run: { id: string; jobId: string },
  error: string,
): Promise<void> =>
  raisePlatform(deps, {
    jobId: run.jobId,
    runId: run.id,
    kind: 'run_failed',
    severity: 'error',
    message: `run ${run.id} failed: ${error}`,
  });

/**
 * `job_failing` (error: SNS in AWS): the job's last `failures` final runs
 * failed, this one with `error`. Raised once per streak, by the run whose
 * checkpoint write counted it to the job's `alertAfterFailures`.
 */
export const raiseJobFailing = (
  deps: NotifyDeps,
  run: { jobId: string; runId: string },
  failures: number,
  error: string,
): Promise<void> =>
  raisePlatform(deps, {
    ...run,
    kind: 'job_failing',
    severity: 'error',
    message: `job ${run.jobId} is failing: ${failures} runs in a row failed, the last (${run.runId}): ${error}`,
  });

/** `job_recovered` (info): the first success after a streak of `failures` that raised `job_failing`. */
export const raiseJobRecovered = (
  deps: NotifyDeps,
  run: { jobId: string; runId: string },
  failures: number,
): Promise<void> =>
  raisePlatform(deps, {
    ...run,
    kind: 'job_recovered',
    severity: 'info',
    message: `job ${run.jobId} recovered: run ${run.runId} succeeded after ${failures} failed runs in a row`,
  });

/**
 * `ctx.notifier` for one run, and the platform's own notifications about it
 * (`platformNotify`: rate limiting, egress refusals). Each call resolves once
 * the notification is stored (and published); it never rejects — a failure
 * becomes a WARN line in the run's log. Calls the integration did not await
 * are awaited by `settle()`, before the run is recorded.
 */
export const createNotifier = (
  deps: NotifyDeps,
  t: Pick<ToolboxTarget, 'job' | 'runId'>,
  scope: Pick<RunScope, 'logger' | 'redact'>,
): { notifier: Notifier; platformNotify: PlatformNotify; settle: () => Promise<void> } => {
  const pending = new Set<Promise<unknown>>();
  let raised = 0;
  let capped = false;
  const problem = (line: string): void => {
    scope.logger.warn(line);
  };
  const raise = (kind: NotificationKind, severity: Severity, message: unknown): Promise<void> => {
    const text = typeof message === 'string' ? message : String(message);
    const done = emit(
      deps,
      { jobId: t.job.id, runId: t.runId, kind, severity, message: text, redact: scope.redact },
      problem,
    ).then((record) => {
      if (record !== undefined) scope.logger[severity](`notification (${kind}): ${record.message}`);
    });
    pending.add(done);
    void done.finally(() => pending.delete(done));
    return done;
  };
  const fromIntegration =
    (severity: Severity) =>
    (message: string): Promise<void> => {
      if (raised >= MAX_NOTIFICATIONS_PER_RUN) {
        if (!capped) {
          capped = true;
          scope.logger.warn(
            `more than ${MAX_NOTIFICATIONS_PER_RUN} notifications in one run: this one and the rest are dropped`,
          );
        }
        return Promise.resolve();
      }
      raised++;
      return raise('integration', severity, message);
    };
  return {
    notifier: {
      info: fromIntegration('info'),
      warn: fromIntegration('warn'),
      error: fromIntegration('error'),
    },
    platformNotify: (kind, severity, message) => raise(kind, severity, message),
    settle: async () => {
      if (pending.size === 0) return;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, SETTLE_TIMEOUT_MS);
        timer.unref();
      });
      await Promise.race([Promise.allSettled([...pending]), timeout]);
      clearTimeout(timer);
    },
  };
};

/** How often one job's `payload_too_large` is raised at most, by one process. */
export const PAYLOAD_TOO_LARGE_EVERY_MS = 5 * 60_000;
/** Jobs remembered by the throttle (oldest forgotten first): a bound on its memory, not a limit. */
const MAX_THROTTLED_KEYS = 1000;
const lastRaised = new Map<string, number>();

/**
 * {@link raisePlatform}, at most once per `key` every `everyMs` in this
 * process: for what a caller can repeat at will (a webhook over the job's
 * body limit), so that a flood of refusals is one notification, not a
 * write per request. Answers whether it raised.
 */
export const raiseThrottled = async (
  deps: NotifyDeps,
  key: string,
  everyMs: number,
  n: PlatformNotification,
): Promise<boolean> => {
  const now = deps.clock.now().getTime();
  const last = lastRaised.get(key);
  if (last !== undefined && now - last >= 0 && now - last < everyMs) return false;
  lastRaised.delete(key);
  lastRaised.set(key, now);
  if (lastRaised.size > MAX_THROTTLED_KEYS) lastRaised.delete(lastRaised.keys().next().value as string);
  await raisePlatform(deps, n);
  return true;
};
