/**
 * Running an integration in its own tests (`integrations/<id>/*.test.ts`):
 * through the real runtime (parameter validation, secret resolution and
 * redaction, deadline, result checks) and the real run toolbox (`ctx.state`,
 * `ctx.checkpoint`, `ctx.globals`, `ctx.notifier`, `ctx.effect`), on fresh
 * in-memory stores (shared/testing/) seeded from the options. Imported by
 * tests only: nothing a function bundles reaches it, nor the stores.
 *
 * @example
 * ```ts
 * import { runForTest } from '../../shared/sdk/testing.ts';
 * import integration from './index.ts';
 *
 * const outcome = await runForTest(integration, {
 *   event: { payload: { alert: 'disk full' } },
 *   params: { apiToken: { secret: 'jira' } },
 *   secrets: { jira: 'token-value' },
 *   state: { seen: 4 },
 * });
 * expect(outcome.status).toBe('succeeded');
 * expect(outcome.state.seen).toBe(5);
 * expect(outcome.logs.map((l) => l.message)).toContain('…');
 * ```
 */
import { ValidationError } from '../errors.ts';
import { checkGlobalName } from '../model/global.ts';
import type { Job, TriggerEvent } from '../model/index.ts';
import { DEFAULT_EFFECT_TTL_DAYS, JobSchema, jobTimeoutMs } from '../model/index.ts';
import { checkStateKey, serializeStateValue } from '../model/state.ts';
import { effectKeyProblem } from '../model/effect.ts';
import type { CheckpointRecord, EffectRecord, NotificationRecord, SecretStore } from '../ports.ts';
import { systemClock } from '../ports.ts';
import type { EntryPoint, ExecutionOutcome } from '../runtime/execute.ts';
import { executeIntegration } from '../runtime/execute.ts';
import { checkpointOf } from '../runtime/toolbox/checkpoint.ts';
import type { ToolboxDeps, ToolboxTarget } from '../runtime/toolbox/index.ts';
import { afterRun, prepareToolbox } from '../runtime/toolbox/index.ts';
import { addDays } from '../store/keys.ts';
import { MemoryCheckpointStore } from '../testing/memory-checkpoint-store.ts';
import { MemoryEffectLedger } from '../testing/memory-effect-store.ts';
import { MemoryGlobalStore } from '../testing/memory-global-store.ts';
import { MemoryNotificationStore } from '../testing/memory-notification-store.ts';
import { MemoryStateStore } from '../testing/memory-state-store.ts';
import type { AnyIntegration, Checkpoint } from './types.ts';

/** Options of {@link runForTest}. */
export interface RunForTestOptions {
  /** Merged over a generic webhook event (`source: 'generic'`, `trigger: 'webhook'`, payload `{}`). */
  event?: Partial<TriggerEvent>;
  /** The job's parameters as stored: a `password` parameter as `{ secret: '<name>' }`. */
  params?: Record<string, unknown>;
  /** The secret store: name → value, or its versions (current first). */
  secrets?: Record<string, string | readonly string[]>;
  /** The job's run deadline in seconds (default: the platform's default). */
  timeoutSeconds?: number;
  /** `run` (default when the integration has one) or `decide`. */
  entry?: EntryPoint;
  /** Job id the run belongs to (default: the integration's id). */
  jobId?: string;
  /** `ctx.globals`, unmasked (default: none). */
  globals?: Record<string, string>;
  /** `ctx.checkpoint`, as earlier runs left it (default: `{}`, a job's first run); instants as Dates or ISO text. */
  checkpoint?: { lastRunAt?: Date | string; lastSuccessfulRunAt?: Date | string; cursor?: string };
  /** `ctx.state` before the run: key → value (default: empty). */
  state?: Record<string, unknown>;
  /**
   * Effects an earlier run recorded `done`: key → its result. `ctx.effect`
   * of such a key answers the result without calling its function.
   */
  effects?: Record<string, unknown>;
  /**
   * Stands in for the global `fetch` while the run lasts (restored after):
   * the integration's own `fetch` calls reach it instead of the network.
   */
  fetch?: typeof globalThis.fetch;
}

/** What {@link runForTest} answers: the run's outcome, and what the run left in the job's stores. */
export interface RunForTestOutcome extends ExecutionOutcome {
  /** `ctx.state` after the run: key → value (the keys that did not expire). */
  state: Record<string, unknown>;
  /** Every notification of the run, in the order raised: `ctx.notifier`'s and the platform's (`run_failed`…). */
  notifications: NotificationRecord[];
  /** The effect ledger after the run: key → record (`status`, `resultJson`…), seeded ones included. */
  effects: Record<string, EffectRecord>;
  /** The job's checkpoint once the run is recorded, as the next run's `ctx.checkpoint` would be. */
  checkpoint: Readonly<Checkpoint>;
}

/** Seeds are the test's own input: a value the platform could never hold is refused here, not in the run. */
const isoOf = (field: string, value: Date | string | undefined): string | undefined => {
  if (value === undefined) return undefined;
  const time = new Date(value).getTime();
  if (Number.isNaN(time)) throw new ValidationError(`runForTest: checkpoint.${field} is not an instant`);
  return new Date(time).toISOString();
};

/** The toolbox's ports, in memory: read back after the run. */
type TestDeps = ToolboxDeps & {
  state: MemoryStateStore;
  checkpoints: MemoryCheckpointStore;
  notifications: MemoryNotificationStore;
  effects: MemoryEffectLedger;
};

/** In-memory stores holding what the options say earlier runs and operators left for the job. */
const seededDeps = async (
  job: Job,
  options: RunForTestOptions,
  secrets: SecretStore,
  now: Date,
): Promise<TestDeps> => {
  const deps = {
    state: new MemoryStateStore(),
    checkpoints: new MemoryCheckpointStore(),
    globals: new MemoryGlobalStore(),
    notifications: new MemoryNotificationStore(),
    effects: new MemoryEffectLedger(),
    secrets,
    clock: systemClock,
    // Stands in for the stack's SNS topic: an error notification is in `notifications`, not on stderr.
    publisher: { publish: () => Promise.resolve() },
  };
  const jobId = job.id;
  const at = now.toISOString();
  for (const [name, value] of Object.entries(options.globals ?? {})) {
    await deps.globals.put({ name: checkGlobalName(name), masked: false, value, at });
  }
  for (const [key, value] of Object.entries(options.state ?? {})) {
    await deps.state.set(jobId, checkStateKey(key), serializeStateValue(key, value), {}, now);
  }
  const { lastRunAt, lastSuccessfulRunAt, cursor } = options.checkpoint ?? {};
  const record: CheckpointRecord = { jobId };
  const ran = isoOf('lastRunAt', lastRunAt);
  const succeeded = isoOf('lastSuccessfulRunAt', lastSuccessfulRunAt);
  if (ran !== undefined) record.lastRunAt = ran;
  if (succeeded !== undefined) record.lastSuccessfulRunAt = succeeded;
  if (cursor !== undefined) record.cursor = cursor;
  if (Object.keys(record).length > 1) deps.checkpoints.items.set(jobId, record);
  // Recorded as the ledger would have them: claimed and completed by an earlier run.
  const earlier = { runId: 'earlier-run', attempt: 1 };
  for (const [key, result] of Object.entries(options.effects ?? {})) {
    const problem = effectKeyProblem(key);
    if (problem !== undefined) {
      throw new ValidationError(`runForTest: effect key ${JSON.stringify(key)} ${problem}`);
    }
    const resultJson = JSON.stringify(result) as string | undefined;
    await deps.effects.claim(
      jobId,
      {
        ...earlier,
        key,
        startedAt: at,
        heldUntil: at,
        expiresAt: addDays(now, job.effectTtlDays ?? DEFAULT_EFFECT_TTL_DAYS).toISOString(),
      },
      now,
    );
    await deps.effects.complete(jobId, key, earlier, {
      doneAt: at,
      ...(resultJson === undefined ? {} : { resultJson }),
    });
  }
  return deps;
};

/**
 * Runs one entry point of `integration` as the worker would run a job's last
 * attempt, on fresh in-memory stores seeded from the options, and returns its
 * outcome (status, message, output, verdict, the run's log lines) with what
 * the run left: `state`, `notifications`, `effects` and `checkpoint` (the
 * run recorded: a success moves the cursor it returned; a failure raises
 * `run_failed`). Never throws for what the integration does: a failure is
 * `status: 'failed'`; an option no job could hold (a state key too long, a
 * global name the admin API refuses) throws.
 */
export const runForTest = async (
  integration: AnyIntegration,
  options: RunForTestOptions = {},
): Promise<RunForTestOutcome> => {
  const { id, entryPoints } = integration.manifest;
  const entry = options.entry ?? (entryPoints.includes('run') ? 'run' : 'decide');
  const now = new Date();
  const job = JobSchema.parse({
    id: options.jobId ?? id,
    name: `Test of ${id}`,
    integration: id,
    params: options.params ?? {},
    auth: { secret: 'test' },
    ...(entry === 'decide' && { mode: 'decision' }),
    ...(options.timeoutSeconds !== undefined && { timeoutSeconds: options.timeoutSeconds }),
  });
  const known = new Map(
    Object.entries(options.secrets ?? {}).map(([name, v]) => [name, typeof v === 'string' ? [v] : [...v]]),
  );
  const secrets: SecretStore = { getVersions: (name) => Promise.resolve(known.get(name) ?? []) };
  const deps = await seededDeps(job, options, secrets, now);
  const target: ToolboxTarget = {
    job,
    runId: 'test-run',
    attempt: 1,
    startedAt: now,
    deadlineAt: now.getTime() + jobTimeoutMs(job),
    decision: entry === 'decide',
  };
  const event: TriggerEvent = {
    source: 'generic',
    trigger: 'webhook',
    deliveryId: 'test-delivery',
    receivedAt: now.toISOString(),
    headers: {},
    query: {},
    payload: {},
    ...options.event,
  };
  const realFetch = globalThis.fetch;
  if (options.fetch) globalThis.fetch = options.fetch;
  let outcome: ExecutionOutcome;
  try {
    outcome = await executeIntegration({
      integration,
      job,
      runId: target.runId,
      event,
      entry,
      secrets,
      clock: deps.clock,
      attempt: target.attempt,
      decision: target.decision,
      toolbox: await prepareToolbox(deps, target),
    });
  } finally {
    globalThis.fetch = realFetch;
  }
  // A run deferred by a rate limit goes back to the queue unrecorded: nothing to commit.
  if (outcome.deferMs === undefined) await afterRun(deps, target, outcome);

  const after = new Date();
  const state: Record<string, unknown> = {};
  for (const key of await deps.state.keys(job.id, '', after)) {
    state[key] = (await deps.state.get(job.id, key, after))?.value;
  }
  const effects: Record<string, EffectRecord> = {};
  for (const record of deps.effects.items.values()) effects[record.key] = structuredClone(record);
  return {
    ...outcome,
    state,
    notifications: deps.notifications.items.map((n) => ({ ...n })),
    effects,
    checkpoint: checkpointOf(await deps.checkpoints.get(job.id)),
  };
};
