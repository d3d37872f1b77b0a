import { errorMessage, StopRequestedError } from '../errors.ts';
import type { Job, LogLine, Run } from '../model/index.ts';
import { jobSchedule, jobTimeoutMs } from '../model/index.ts';
import type { RunFinish } from '../ports.ts';
import type { Deps } from './deps.ts';
import { runLogOf } from './execute.ts';
import type { LiveRunLog } from './execute.ts';
import { platformLogger } from './platform-logger.ts';

/** Who stopped a run, and when (the run's `stopRequest`). */
export interface StopRequest {
  by: string;
  at: string;
}

/** How long a lease outlives its holder's deadline: the same grace as a run's takeover. */
export const LEASE_GRACE_MS = 60_000;
/** The overlap lease of a job's scheduled runs. */
export const SCHEDULE_LEASE = 'schedule';
/** One of a job's `concurrency` slots. */
export const slotLease = (n: number): string => `slot#${n}`;
/**
 * How long a run waits for a lease (overlap `queue`, or every concurrency slot
 * taken) before it asks again: the holder usually finishes well before its
 * lease's `until` (its whole timeout plus the grace), and a deferral costs one
 * write and one send.
 */
export const LEASE_WAIT_SECONDS = 15;

/** The leases one attempt holds; all released when the attempt ends, whichever way. */
export class HeldLeases {
  readonly #deps: Pick<Deps, 'leases'>;
  readonly #held: { jobId: string; name: string; holder: string }[] = [];

  constructor(deps: Pick<Deps, 'leases'>) {
    this.#deps = deps;
  }

  get names(): string[] {
    return this.#held.map((l) => l.name);
  }

  add(jobId: string, name: string, holder: string): void {
    this.#held.push({ jobId, name, holder });
  }

  /** Moves each lease's `until` on. A lost lease is a warning, not a stop: see {@link RunGuard}. */
  async renew(until: string): Promise<void> {
    await Promise.all(
      this.#held.map(async ({ jobId, name, holder }) => {
        if (!(await this.#deps.leases.renew(jobId, name, holder, until))) {
          platformLogger.warn('lease lost while the run holds it; the run goes on', {
            jobId,
            runId: holder,
            lease: name,
          });
        }
      }),
    );
  }

  /** Never throws: a lease that could not be released expires at its `until`. */
  async releaseAll(): Promise<void> {
    const held = this.#held.splice(0);
    await Promise.all(
      held.map(({ jobId, name, holder }) =>
        this.#deps.leases.release(jobId, name, holder).catch((e: unknown) => {
          platformLogger.warn('could not release a lease; it expires at its until', {
            jobId,
            runId: holder,
            lease: name,
            error: errorMessage(e),
          });
        }),
      ),
    );
  }
}

/** Until when a lease taken (or renewed) at `nowMs` by a run of `job` holds. */
export const leaseUntil = (job: Job, nowMs: number): string =>
  new Date(nowMs + jobTimeoutMs(job) + LEASE_GRACE_MS).toISOString();

/** Whether the run may go on, and if not what becomes of it. */
export type Admission =
  | { kind: 'run' }
  /** Overlap `skip`: the previous scheduled run is still running. */
  | { kind: 'skip'; message: string }
  /** Overlap `queue`, or every concurrency slot taken: asked again after `delaySeconds`. */
  | { kind: 'wait'; delaySeconds: number; why: 'still running' | 'concurrency' }
  /** An earlier run of its order key (the same ticket) has not ended: see shared/runtime/turns.ts. */
  | { kind: 'wait'; delaySeconds: number; why: 'turn'; ahead: string };

const shuffled = (n: number): number[] => {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
};

/** How long to wait for a lease held until `until`: {@link LEASE_WAIT_SECONDS}, less if it expires sooner. */
const waitFor = (until: string, nowMs: number): number =>
  Math.min(900, Math.max(1, Math.min(LEASE_WAIT_SECONDS, Math.ceil((Date.parse(until) - nowMs) / 1000))));

/**
 * Takes the leases a run needs before it runs: a scheduled run the job's
 * `schedule` lease (one running instance; when it is held, a first attempt
 * is skipped under overlap `skip`, a retry waits as under overlap `queue`),
 * a run of a job with `concurrency` one free slot (tried in a random order,
 * so that concurrent workers do not all contend for slot 0 first). Other
 * runs need none and pay nothing.
 */
export const admitRun = async (
  deps: Pick<Deps, 'leases' | 'clock'>,
  job: Job,
  run: Run,
  held: HeldLeases,
): Promise<Admission> => {
  const nowMs = deps.clock.now().getTime();
  const now = new Date(nowMs).toISOString();
  const lease = { holder: run.id, until: leaseUntil(job, nowMs) };
  if (run.firedBy === 'schedule') {
    const taken = await deps.leases.acquire(job.id, SCHEDULE_LEASE, lease, now);
    if (taken.acquired) {
      held.add(job.id, SCHEDULE_LEASE, run.id);
      return { kind: 'run' };
    }
    // Only an occurrence's first attempt may be skipped: a retry has run already (it gave the
    // lease back when it was released, and the next occurrence may have taken it), so it waits.
    return (jobSchedule(job)?.overlap ?? 'skip') === 'queue' || run.attempt > 1
      ? { kind: 'wait', delaySeconds: waitFor(taken.current.until, nowMs), why: 'still running' }
      : { kind: 'skip', message: 'still running' };
  }
  if (job.concurrency === undefined) return { kind: 'run' };
  let soonest: string | undefined;
  for (const n of shuffled(job.concurrency)) {
    const taken = await deps.leases.acquire(job.id, slotLease(n), lease, now);
    if (taken.acquired) {
      held.add(job.id, slotLease(n), run.id);
      return { kind: 'run' };
    }
    if (soonest === undefined || taken.current.until < soonest) soonest = taken.current.until;
  }
  return { kind: 'wait', delaySeconds: waitFor(soonest ?? now, nowMs), why: 'concurrency' };
};

/**
 * A running attempt's log, saved by its heartbeat when it has lines the last
 * save did not have: a running run's log can be read (`runs show`, `runs
 * tail`), and survives the attempt's crash (the next attempt starts from the
 * run's logs). Written as a finish would write it (every attempt's lines,
 * bounded alike), conditional on the run still being this attempt's.
 */
export class LiveLog {
  readonly #deps: Pick<Deps, 'runs' | 'clock'>;
  readonly #run: Run;
  #log: LiveRunLog | undefined;
  /** What the last save held: its line count and last line (a capped log's trailer counts its drops). */
  #saved = '';

  constructor(deps: Pick<Deps, 'runs' | 'clock'>, run: Run) {
    this.#deps = deps;
    this.#run = run;
  }

  /** The attempt's log, once it has one (execute's `onLog`). */
  attach(log: LiveRunLog): void {
    this.#log = log;
  }

  /** This attempt's lines so far. */
  get lines(): LogLine[] {
    return this.#log?.lines ?? [];
  }

  /** Saves the log if it grew since the last save. Never throws: the next beat tries again. */
  async save(): Promise<void> {
    const log = this.#log;
    if (log === undefined) return;
    const lines = log.lines;
    const last = lines.at(-1);
    if (last === undefined) return;
    const mark = `${lines.length}\u0000${last.ts}\u0000${last.message}`;
    if (mark === this.#saved) return;
    try {
      const logs = runLogOf(this.#run.logs, lines, this.#deps.clock);
      await this.#deps.runs.saveLogs(this.#run.id, this.#run.attempt, logs, log.truncated);
      this.#saved = mark;
    } catch (e) {
      platformLogger.warn('could not save the running log; tried again on the next beat', {
        runId: this.#run.id,
        error: errorMessage(e),
      });
    }
  }
}

/** What a guarded attempt came to: its outcome, or a stop (with the outcome if it came within the grace). */
export type Guarded<T> = { stopped?: undefined; outcome: T } | { stopped: StopRequest; outcome?: T };

/**
 * Runs one attempt under its heartbeat. Every `heartbeatMs` (a timer, unref'd;
 * an attempt shorter than that reads nothing) it reads the run's control
 * item, renews the attempt's leases and saves the attempt's log when it grew
 * (`live`). A stop request (or the run no longer being this attempt's)
 * aborts `signal` with the reason `stopped by <who>`;
 * the attempt then has `stopGraceMs` to return, after which it is given up:
 * the caller records the stop, and whatever the code returns later is
 * dropped. A lease lost on renewal only warns: the lease outlives the run's
 * deadline by a minute, so losing it means this attempt stalled past that,
 * and its own deadline ends it anyway.
 */
export const guardRun = async <T>(
  deps: Pick<Deps, 'runs' | 'clock' | 'settings'>,
  job: Job,
  run: Run,
  held: HeldLeases,
  attempt: (signal: AbortSignal) => Promise<T>,
  live?: LiveLog,
): Promise<Guarded<T>> => {
  const controller = new AbortController();
  let stopped: StopRequest | undefined;
  let onStop: (request: StopRequest) => void = () => undefined;
  const whenStopped = new Promise<StopRequest>((resolve) => {
    onStop = resolve;
  });
  const stop = (request: StopRequest): void => {
    if (stopped !== undefined) return;
    stopped = request;
    controller.abort(new StopRequestedError(request.by));
    onStop(request);
  };
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const beat = async (): Promise<void> => {
    try {
      const [control] = await Promise.all([
        deps.runs.control(run.id),
        held.renew(leaseUntil(job, deps.clock.now().getTime())),
        live?.save(),
      ]);
      if (control?.stopRequest !== undefined) {
        stop(control.stopRequest);
      } else if (control === undefined || control.status !== 'running' || control.attempt !== run.attempt) {
        // Finished or taken over by another attempt: nothing this one does can be recorded any more.
        controller.abort(new Error('the run is no longer this attempt’s'));
      }
    } catch (e) {
      platformLogger.warn('run heartbeat failed; tried again on the next beat', {
        runId: run.id,
        error: errorMessage(e),
      });
    }
    if (!closed && stopped === undefined) schedule();
  };
  const schedule = (): void => {
    timer = setTimeout(() => void beat(), deps.settings.heartbeatMs);
    timer.unref();
  };
  schedule();
  try {
    const execution = attempt(controller.signal);
    const first = await Promise.race([
      execution.then((outcome) => ({ outcome })),
      whenStopped.then(() => undefined),
    ]);
    if (stopped === undefined && first !== undefined) return { outcome: first.outcome };
    // Stopped: the code gets its grace to return (its outcome's log is then kept), no more.
    let graceTimer: NodeJS.Timeout | undefined;
    const late = await Promise.race([
      execution.then((outcome) => ({ outcome })),
      new Promise<undefined>((resolve) => {
        graceTimer = setTimeout(() => resolve(undefined), deps.settings.stopGraceMs);
      }),
    ]);
    clearTimeout(graceTimer);
    // A stop seen while the outcome settled still wins: the operator asked before it was recorded.
    const request = stopped as StopRequest;
    return late === undefined ? { stopped: request } : { stopped: request, outcome: late.outcome };
  } finally {
    closed = true;
    clearTimeout(timer);
  }
};

/** All attempts' log lines together stay under this (the run item's 400 KB): the newest kept. */
const MAX_STOPPED_LOG_BYTES = 192 * 1024;
const lineBytes = (l: LogLine): number => Buffer.byteLength(l.message) + l.ts.length + 16;

/**
 * The finish of a stopped attempt: its log (the outcome's, or what the code
 * had logged when it was given up, after the earlier attempts' lines) and
 * one WARN line saying who stopped it.
 */
export const stoppedFinish = (
  run: Run,
  startedAt: Date,
  endedAt: Date,
  request: StopRequest,
  log: { lines: readonly LogLine[]; truncated?: boolean },
): RunFinish => {
  const message = `stopped by ${request.by}`;
  const lines = [...log.lines, { ts: endedAt.toISOString(), level: 'WARN' as const, message }];
  let bytes = 0;
  let from = lines.length;
  while (from > 0 && bytes + lineBytes(lines[from - 1] as LogLine) <= MAX_STOPPED_LOG_BYTES) {
    from -= 1;
    bytes += lineBytes(lines[from] as LogLine);
  }
  return {
    attempt: run.attempt,
    status: 'stopped',
    endedAt: endedAt.toISOString(),
    durationMs: Math.max(0, endedAt.getTime() - startedAt.getTime()),
    message,
    logs: lines.slice(from),
    logsTruncated: from > 0 || log.truncated === true ? true : undefined,
    stopRequest: request,
  };
};
