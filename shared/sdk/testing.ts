/**
 * Running an integration in its own tests (`integrations/<id>/*.test.ts`):
 * through the real runtime (parameter validation, secret resolution and
 * redaction, deadline, result checks), with in-memory stand-ins for the
 * platform. Imported by tests only: nothing a function bundles reaches it.
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
 * });
 * expect(outcome.status).toBe('succeeded');
 * expect(outcome.logs.map((l) => l.message)).toContain('…');
 * ```
 */
import type { TriggerEvent } from '../model/index.ts';
import { JobSchema } from '../model/index.ts';
import type { SecretStore } from '../ports.ts';
import type { EntryPoint, ExecutionOutcome } from '../runtime/execute.ts';
import { executeIntegration } from '../runtime/execute.ts';
import type { PreparedToolbox } from '../runtime/toolbox/index.ts';
import { emptyToolbox } from '../runtime/toolbox/index.ts';
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
  /** `ctx.globals` (default: none). */
  globals?: Record<string, string>;
  /** `ctx.checkpoint` (default: `{}`, a job's first run). */
  checkpoint?: Checkpoint;
  /**
   * Stands in for the global `fetch` while the run lasts (restored after):
   * the integration's own `fetch` calls reach it instead of the network.
   */
  fetch?: typeof globalThis.fetch;
}

/**
 * The toolbox of a test run: the given globals and checkpoint; `ctx.state`,
 * `ctx.notifier` and `ctx.effect` reject (PermanentError), as outside a run.
 */
const testToolbox = (options: RunForTestOptions): PreparedToolbox => {
  const empty = emptyToolbox();
  const globals = Object.freeze({ ...options.globals });
  const checkpoint = Object.freeze({ ...options.checkpoint });
  return {
    ...empty,
    globals,
    checkpoint,
    build: (scope) => {
      const built = empty.build(scope);
      return { ...built, members: { ...built.members, globals, checkpoint } };
    },
  };
};

/**
 * Runs one entry point of `integration` as the worker would, and returns its
 * outcome (status, message, output, verdict, the run's log lines). Never
 * throws for what the integration does: a failure is `status: 'failed'`.
 */
export const runForTest = async (
  integration: AnyIntegration,
  options: RunForTestOptions = {},
): Promise<ExecutionOutcome> => {
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
  try {
    return await executeIntegration({
      integration,
      job,
      runId: 'test-run',
      event,
      entry,
      secrets,
      clock: { now: () => new Date() },
      decision: entry === 'decide',
      toolbox: testToolbox(options),
    });
  } finally {
    globalThis.fetch = realFetch;
  }
};
