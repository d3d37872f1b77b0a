import type { IntegrationManifest, ParameterSpec, TriggerEvent } from '../model/index.ts';

/**
 * The log an integration writes to. Every line goes to the run's log (shown by
 * the admin API) and to stdout as structured JSON; secret parameter values are
 * replaced by `***` in both.
 *
 * @example
 * ```ts
 * ctx.logger.info('issue created', { key: 'OPS-12' });
 * // run log: [2026-11-22T10:00:00.000Z] [INFO] – issue created {"key":"OPS-12"}
 * ```
 */
export interface IntegrationLogger {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/**
 * What one run of an integration receives.
 *
 * @example
 * ```ts
 * async run({ event, params, logger, signal }) {
 *   logger.info(`got ${event.source}/${event.trigger}`);
 *   await fetch(params.url, { signal });
 *   return { message: 'done' };
 * }
 * ```
 */
export interface RunContext<P> {
  /** The normalized event, whichever source fired it. */
  event: TriggerEvent;
  /** Validated parameters: defaults applied, password parameters resolved to their secret's value. */
  params: P;
  logger: IntegrationLogger;
  /** Fires on the run's deadline or a stop request: pass it to every I/O call. */
  signal: AbortSignal;
  runId: string;
  jobId: string;
}

/**
 * What `run` returns: a one-line result message and any JSON-serializable output
 * kept with the run. Returning nothing is the same as `{}`.
 *
 * @example
 * ```ts
 * return { message: 'created OPS-12', output: { key: 'OPS-12' } };
 * ```
 */
export interface RunResult {
  message?: string;
  output?: unknown;
  /**
   * The verdict, when a decision job runs an integration that has no
   * `decide`: without it such a job gets its `onError` verdict, never an
   * allow. Ignored by async jobs.
   */
  allow?: boolean;
}

/**
 * What `decide` returns for decision jobs: the verdict the caller waits for
 * (a Check Point SmartTask, a SecureChange validation step…).
 *
 * @example
 * ```ts
 * return { allow: false, message: 'rule 12 has no comment' };
 * ```
 */
export interface DecideResult {
  allow: boolean;
  message: string;
  output?: unknown;
}

/** `{ a: 1 } & { b?: 2 }` shown as one object type. */
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The TypeScript type of one parameter's value. */
type ParamValue<S> = S extends { type: 'number' }
  ? number
  : S extends { type: 'boolean' }
    ? boolean
    : S extends { type: 'multichoice' }
      ? string[]
      : string;

/** A parameter always has a value at run time when it is mandatory or has a default. */
type IsRequired<S> = S extends { mandatory: true }
  ? true
  : S extends { default: infer D }
    ? [D] extends [undefined]
      ? false
      : true
    : false;

/**
 * The params type an integration's code sees, inferred from its parameter specs:
 * `text`, `password` and `choice` give `string`, `number` gives `number`,
 * `boolean` gives `boolean`, `multichoice` gives `string[]`. A parameter is
 * required when it is `mandatory: true` or has a `default`, optional otherwise.
 *
 * @example
 * ```ts
 * type P = ParamsOf<{
 *   url: { type: 'text'; mandatory: true };
 *   retries: { type: 'number'; default: 3 };
 *   tags: { type: 'multichoice'; choices: ['a', 'b'] };
 * }>;
 * // { url: string; retries: number; tags?: string[] }
 * ```
 */
export type ParamsOf<P extends Record<string, ParameterSpec>> = Simplify<
  {
    -readonly [K in keyof P as IsRequired<P[K]> extends true ? K : never]: ParamValue<P[K]>;
  } & {
    -readonly [K in keyof P as IsRequired<P[K]> extends true ? never : K]?: ParamValue<P[K]>;
  }
>;

/**
 * An integration as the runtime holds it: its validated manifest and the entry
 * points it implements. `run` and `decide` may be called unbound.
 *
 * @example
 * ```ts
 * const result = await integration.run?.(ctx);
 * ```
 */
export interface Integration<P = Record<string, unknown>> {
  readonly manifest: IntegrationManifest;
  readonly run?: (ctx: RunContext<P>) => Promise<RunResult>;
  readonly decide?: (ctx: RunContext<P>) => Promise<DecideResult>;
}

/**
 * Checked bivariantly (method syntax) so that an `Integration<{ url: string }>`
 * fits where any integration is expected; the runtime validates params against
 * the manifest before calling it.
 */
type AnyEntryPoint<R> = {
  bivarianceHack(ctx: RunContext<Record<string, unknown>>): Promise<R>;
}['bivarianceHack'];

/**
 * Any integration, whatever its params type: what the registry and the runtime
 * hold.
 *
 * @example
 * ```ts
 * const all: AnyIntegration[] = [logEvent, checkpointPublishGate];
 * ```
 */
export interface AnyIntegration {
  readonly manifest: IntegrationManifest;
  readonly run?: AnyEntryPoint<RunResult>;
  readonly decide?: AnyEntryPoint<DecideResult>;
}
