import type { IntegrationManifest, ParameterSpec, TriggerEvent } from '../model/index.ts';
import type { HttpClient } from '../outbound/types.ts';
import type { TicketPlugin } from './tickets.ts';

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
  /** Outbound HTTP: a preconfigured ky instance (user agent, deadline, retries, egress allow-list) with `paginate`. */
  http: HttpClient;
  /** A small key-value store of the job's, kept across runs. */
  state: IntegrationState;
  /** Where the job's runs got to: set by the platform, advanced by returning `{ cursor }`. */
  checkpoint: Readonly<Checkpoint>;
  /** Global parameters, masked ones resolved (and redacted from everything the run leaves). */
  globals: Readonly<Record<string, string>>;
  /** Notifications operators see (`GET /admin/notifications`); error ones are also published. */
  notifier: Notifier;
  /** Runs `fn` exactly once per job and key, however often the run is retried or replayed. */
  effect: EffectFn;
}

/** A state value with the version `ifVersion` compares against. */
export interface StateEntry<T = unknown> {
  value: T;
  version: number;
}

/**
 * `ctx.state`: a small key-value store per job. JSON values up to 64 KiB each,
 * at most 1,000 keys per job; a broken limit throws StateLimitError, a failed
 * `ifVersion` StateConflictError (`ifVersion: 0`: the key must not exist).
 *
 * @example
 * ```ts
 * const seen = (await ctx.state.get<number>('count')) ?? 0;
 * await ctx.state.set('count', seen + 1);
 * ```
 */
export interface IntegrationState {
  get<T = unknown>(key: string): Promise<T | undefined>;
  getEntry<T = unknown>(key: string): Promise<StateEntry<T> | undefined>;
  set(
    key: string,
    value: unknown,
    options?: { ttlSeconds?: number; ifVersion?: number },
  ): Promise<{ version: number }>;
  /** Returns false when there was no such key. */
  delete(key: string, options?: { ifVersion?: number }): Promise<boolean>;
  /** The keys (sorted, expired ones left out), those starting with `prefix` when given. */
  list(prefix?: string): Promise<string[]>;
}

/**
 * `ctx.checkpoint`: when the job last ran, last succeeded, and the cursor its
 * last successful run returned. Cursor and `lastSuccessfulRunAt` move only
 * when a run succeeds.
 */
export interface Checkpoint {
  lastRunAt?: Date;
  lastSuccessfulRunAt?: Date;
  cursor?: string;
}

/**
 * `ctx.notifier`: stores a notification with the job, the run and a severity.
 * The promise never rejects (a failed write becomes a WARN run-log line).
 */
export interface Notifier {
  info(message: string): Promise<void>;
  warn(message: string): Promise<void>;
  error(message: string): Promise<void>;
}

/** The claim a `reconcile` settles: who held the key, and since when the effect may have happened. */
export interface PendingEffect {
  /**
   * ISO time the dead holder claimed the key (its `fn`, or an earlier
   * reconcile, may have reached the target from then on). A reconcile that
   * finds nothing can tell a target still catching up (a search index a few
   * seconds behind) from one that did nothing by its age.
   */
  since: string;
  /** The run and attempt that held the key. */
  runId: string;
  attempt: number;
}

export interface EffectOptions<R> {
  /**
   * Called instead of `fn` when an earlier attempt died between `fn` and its
   * record: find out what it did (e.g. search the target) and answer that.
   * Without it such a key fails the run with EffectInDoubtError. A
   * reconcile that throws leaves the key pending for the next attempt.
   */
  reconcile?: (pending: PendingEffect) => R | Promise<R>;
}

/**
 * `ctx.effect(key, fn, { reconcile? })`: `fn` runs at most once per job and
 * key while the key is kept; every later call gets its recorded (JSON) result.
 *
 * @example
 * ```ts
 * const issue = await ctx.effect(`create:${ticket.id}`, () => createIssue(ticket));
 * ```
 */
export type EffectFn = <R>(key: string, fn: () => R | Promise<R>, options?: EffectOptions<R>) => Promise<R>;

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
  /** Where the next run should go on from (`ctx.checkpoint.cursor`), kept only when this run succeeds; at most 8192 characters. */
  cursor?: string;
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
  /** As `RunResult.cursor`. */
  cursor?: string;
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
  /** A ticket integration's contract (shared/sdk/tickets.ts): the platform runs it for jobs with `tickets`. */
  readonly tickets?: TicketPlugin<P>;
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
  readonly tickets?: TicketPlugin<Record<string, unknown>>;
}
