import { createHash } from 'node:crypto';
import { DeadlineError, PermanentError } from '../../errors.ts';
import type { Job, Run, TriggerEvent } from '../../model/index.ts';
import { jobTimeoutMs } from '../../model/index.ts';
import type { ScriptArgs, ScriptLogLine, ScriptStore, ScriptVersion } from '../../ports.ts';
import type { AnyIntegration, RunContext } from '../../sdk/index.ts';
import { RunLogger } from '../../sdk/index.ts';
import type { Deps } from '../deps.ts';
import { scriptManifest } from './params.ts';

/** The script version a run ran (`Run.script`). */
export interface RanScript {
  id: string;
  version: number;
  sha256: string;
}

/** The integration a script job runs as, and, once it loaded it, the version it ran. */
export interface ScriptIntegration extends AnyIntegration {
  readonly ran: () => RanScript | undefined;
}

/** Sources a warm worker keeps, by sha256 (a version never changes; a hot script is read once). */
const SOURCE_CACHE_BYTES = 16 * 1024 * 1024;
const sourceCache = new Map<string, string>();
let cachedBytes = 0;

const sha256Of = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** The version's source: from this process's cache, else the store, checked against its recorded hash. */
const loadSource = async (scripts: ScriptStore, record: ScriptVersion): Promise<string> => {
  const cached = sourceCache.get(record.sha256);
  if (cached !== undefined) {
    // Most recently used last: the oldest entry goes first when the cache is full.
    sourceCache.delete(record.sha256);
    sourceCache.set(record.sha256, cached);
    return cached;
  }
  const source = await scripts.source(record.id, record.version);
  if (source === undefined) {
    throw new PermanentError(`script ${record.id} v${record.version}: its source is missing`);
  }
  if (sha256Of(source) !== record.sha256) {
    throw new PermanentError(`script ${record.id} v${record.version}: its source does not match its sha256`);
  }
  const bytes = Buffer.byteLength(source, 'utf8');
  for (const [key, text] of sourceCache) {
    if (cachedBytes + bytes <= SOURCE_CACHE_BYTES) break;
    sourceCache.delete(key);
    cachedBytes -= Buffer.byteLength(text, 'utf8');
  }
  if (bytes <= SOURCE_CACHE_BYTES) {
    sourceCache.set(record.sha256, source);
    cachedBytes += bytes;
  }
  return source;
};

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A run of an event a source delivered (a webhook's, or a replay of one), not one the platform made up. */
const isDelivered = (event: TriggerEvent): boolean =>
  event.source !== 'schedule' && event.source !== 'manual';

const isoOrNull = (d: Date | undefined): string | null => (d === undefined ? null : d.toISOString());

/**
 * What the script's `run(args)` gets (the seed's contract): `arguments` (the
 * job's parameters, masked ones resolved), `globalArguments` (the globals,
 * masked ones resolved), the checkpoint's last run and last success (ISO, or
 * null), `plutoraValues` (`{ JobName }` and, for a delivered event whose body
 * is a JSON object, its fields — `JobName` is the job's, whatever the body
 * says), and the normalized event.
 */
export const buildScriptArgs = (
  job: Pick<Job, 'name'>,
  ctx: Pick<RunContext<Record<string, unknown>>, 'params' | 'globals' | 'checkpoint' | 'event'>,
): ScriptArgs => ({
  arguments: { ...ctx.params },
  globalArguments: { ...ctx.globals },
  lastRunDateUtc: isoOrNull(ctx.checkpoint.lastRunAt),
  lastSuccessfulRunDateUtc: isoOrNull(ctx.checkpoint.lastSuccessfulRunAt),
  plutoraValues: {
    ...(isDelivered(ctx.event) && isPlainObject(ctx.event.payload) ? ctx.event.payload : {}),
    JobName: job.name,
  },
  event: ctx.event,
});

/** The script's console lines into the run log, each with its own level and time (redacted like every line). */
const appendLines = (logger: RunContext<unknown>['logger'], lines: readonly ScriptLogLine[]): void => {
  for (const line of lines) {
    if (logger instanceof RunLogger) {
      logger.append(line.level, line.message, line.ts);
      continue;
    }
    // Another logger (not the platform's): the nearest of its four levels.
    const method = line.level === 'WARN' ? 'warn' : line.level === 'ERROR' ? 'error' : 'info';
    logger[method](line.message);
  }
};

/**
 * Of the time left, what the runner gets: a little less, so that the runner's
 * answer (a timed-out script's, with its log) arrives before the run's own
 * deadline gives up on it. The runner counts its start-up (a process, a
 * Lambda invocation) against this, from the absolute `deadlineAt`.
 */
const runnerTimeoutMs = (leftMs: number): number => Math.max(1, leftMs - Math.min(1_000, leftMs / 10));

/**
 * A script job as an integration, so that the worker runs it through
 * executeIntegration like any other: deadline, redaction, run log,
 * checkpoint, stop. Its `run` loads the version (the pinned one, or the
 * latest at run time), builds ScriptArgs and hands them to the script runner
 * (outside this process and its credentials), then keeps the script's log
 * lines. `resolve(message)` succeeds with it; a rejection (or throw) fails
 * the run with the script's message and is not retried (as in Plutora: a
 * script that rejects said so; running it again would repeat its work); the
 * runner's time-out is the run's (`timed_out`), not retried either.
 */
export const scriptIntegration = (
  deps: Pick<Deps, 'scripts' | 'scriptRunner'>,
  job: Job,
  run: Pick<Run, 'id' | 'paramOverrides'>,
): ScriptIntegration => {
  const script = job.script;
  if (script === undefined) throw new Error(`job ${job.id} runs no script`);
  // Measured as execute's deadline is (from now, in the process's time).
  const deadlineAt = Date.now() + jobTimeoutMs(job);
  let ran: RanScript | undefined;
  return {
    manifest: scriptManifest(script.id, job.params, run.paramOverrides ?? {}),
    ran: () => ran,
    run: async (ctx) => {
      const runner = deps.scriptRunner;
      if (runner === undefined) {
        throw new PermanentError(
          'scripts cannot run here: no script runner is configured (TRIGGERHUB_SCRIPT_RUNNER_FUNCTION in AWS)',
        );
      }
      const record = await deps.scripts.get(script.id, script.version);
      if (record === undefined) {
        throw new PermanentError(
          script.version === undefined
            ? `script ${script.id} does not exist`
            : `script ${script.id} has no version ${script.version}`,
        );
      }
      const source = await loadSource(deps.scripts, record);
      ran = { id: record.id, version: record.version, sha256: record.sha256 };
      const leftMs = deadlineAt - Date.now();
      const timeoutMs = runnerTimeoutMs(leftMs);
      // A runner that has not answered halfway between its deadline and the run's (a slow Lambda
      // invocation) is given up here, its script ended (the signal), and the run timed out for good
      // — before execute's own deadline, whose time-out would be retried.
      const giveUp = new AbortController();
      const onStop = (): void => giveUp.abort(ctx.signal.reason);
      ctx.signal.addEventListener('abort', onStop, { once: true });
      let lateTimer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        lateTimer = setTimeout(
          () => {
            const e = new DeadlineError(timeoutMs, false);
            e.message = `the script runner did not answer within ${Math.round(timeoutMs / 100) / 10} s`;
            // Settled first, so that the race ends with the time-out, not the runner's "stopped".
            reject(e);
            giveUp.abort(e);
          },
          timeoutMs + (leftMs - timeoutMs) / 2,
        );
      });
      // Lines a runner streams go into the run log as they come (the heartbeat saves it: a live log,
      // kept if the worker dies); the result then brings only those it did not stream.
      let streamed = 0;
      let streaming = true;
      const onLog = (line: ScriptLogLine): void => {
        if (!streaming) return;
        streamed += 1;
        appendLines(ctx.logger, [line]);
      };
      let result;
      try {
        result = await Promise.race([
          runner.run(
            {
              runId: run.id,
              jobId: job.id,
              script: ran,
              source,
              args: buildScriptArgs(job, ctx),
              timeoutMs,
              deadlineAt: Date.now() + timeoutMs,
            },
            giveUp.signal,
            { onLog },
          ),
          late,
        ]);
      } finally {
        // A runner given up on may still send lines: the attempt's log is closed to them.
        streaming = false;
        clearTimeout(lateTimer);
        ctx.signal.removeEventListener('abort', onStop);
      }
      appendLines(ctx.logger, result.logs.slice(streamed));
      if (result.logsTruncated === true) ctx.logger.warn("the script's log was capped: later lines dropped");
      // Stopped (or taken over): the runner's "stopped" is no failure of the script; the worker
      // records the stop (its run ends `stopped`), this attempt's outcome only lends it the log.
      if (ctx.signal.aborted) {
        throw ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error('stopped');
      }
      switch (result.status) {
        case 'succeeded':
          return { message: result.message };
        case 'timed_out': {
          // Final: a script that ran out of time may have done half its work (a sync); a retry
          // would run it again from the start.
          const e = new DeadlineError(timeoutMs, false);
          e.message = result.message;
          throw e;
        }
        case 'failed':
          throw new PermanentError(result.message);
      }
    },
  };
};
