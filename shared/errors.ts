/**
 * Domain errors thrown by the core. The HTTP edge maps each to one status code
 * (see `shared/http/error-response.ts`); anything else becomes a plain 500.
 */
export abstract class TriggerhubError extends Error {
  /** Stable machine-readable code, sent as `error` in JSON error bodies. */
  abstract readonly code: string;
  /** HTTP status the edge answers with. */
  abstract readonly status: number;
}

/**
 * A refused input. `param`, when known, is the dotted path of the field at fault in
 * what the caller sent (`schedule.every`, `params.url`): the error body carries it
 * beside `{error, message}`, so a form can show the message next to that field.
 */
export class ValidationError extends TriggerhubError {
  readonly code: string;
  readonly status = 400;
  readonly param?: string;
  constructor(message: string, code = 'invalid_request', param?: string) {
    super(message);
    this.name = 'ValidationError';
    this.code = code;
    if (param !== undefined) this.param = param;
  }
}

export class UnauthorizedError extends TriggerhubError {
  readonly code = 'unauthorized';
  readonly status = 401;
  constructor(message = 'missing or wrong secret') {
    super(message);
    this.name = 'UnauthorizedError';
  }
}

/** Codes in use: `not_found`; `job_not_found` (the ticket routes of an unknown job). */
export class NotFoundError extends TriggerhubError {
  readonly code: string;
  readonly status = 404;
  constructor(message: string, code = 'not_found') {
    super(message);
    this.name = 'NotFoundError';
    this.code = code;
  }
}

/**
 * Codes in use: `conflict`, `job_disabled`, `run_exists`, `duplicate_integration`,
 * `global_masked` (a masked global cannot be unmasked); a replay refused
 * (shared/runtime/replay.ts): `run_open` (still queued or running),
 * `run_skipped` (a skipped occurrence), `run_decision` (a decision's verdict
 * was answered), `run_no_event`, `run_event_expired` (its event expired from
 * the payload store).
 */
export class ConflictError extends TriggerhubError {
  readonly code: string;
  readonly status = 409;
  constructor(message: string, code = 'conflict') {
    super(message);
    this.name = 'ConflictError';
    this.code = code;
  }
}

export class PayloadTooLargeError extends TriggerhubError {
  readonly code = 'payload_too_large';
  readonly status = 413;
  constructor(readonly limitBytes: number) {
    super(`body is larger than this job's limit of ${limitBytes} bytes`);
    this.name = 'PayloadTooLargeError';
  }
}

export class UnsupportedMediaTypeError extends TriggerhubError {
  readonly code = 'unsupported_media_type';
  readonly status = 415;
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedMediaTypeError';
  }
}

export class ServiceUnavailableError extends TriggerhubError {
  readonly code = 'unavailable';
  readonly status = 503;
  constructor(message: string) {
    super(message);
    this.name = 'ServiceUnavailableError';
  }
}

/**
 * An integration failure that retrying cannot fix (bad configuration, a 4xx
 * from the target). The worker records it and does not retry.
 * Retryable: no.
 */
export class PermanentError extends Error {
  readonly retryable = false;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PermanentError';
  }
}

/**
 * A run passed its deadline (the job's `timeoutSeconds`): the run is
 * `timed_out`. Retryable: yes, another attempt may be faster.
 */
export class DeadlineError extends Error {
  /** `false`: the time-out is final (an uploaded script's: running a half-done sync again repeats it). */
  constructor(
    readonly ms: number,
    readonly retryable: boolean = true,
  ) {
    super(`run timed out after ${ms} ms`);
    this.name = 'DeadlineError';
  }
}

/**
 * Thrown by the worker to leave a message on the queue for another attempt
 * (or, after the last one, for the DLQ). Retryable: yes, by definition.
 */
export class RetryableRunError extends Error {
  readonly retryable = true;
  constructor(
    readonly runId: string,
    message: string,
  ) {
    super(message);
    this.name = 'RetryableRunError';
  }
}

/**
 * `ctx.state.set`/`delete` with `ifVersion` found another version (another run
 * wrote the key first). The integration may catch it and re-read.
 * Retryable: yes, the next attempt reads the new version.
 */
export class StateConflictError extends Error {
  readonly retryable = true;
  constructor(
    readonly key: string,
    readonly expected: number,
    /** The version found; absent when the key does not exist (or has expired). */
    readonly actual?: number,
  ) {
    super(`state key "${key}" is at version ${actual ?? 'none (absent)'}, not the expected ${expected}`);
    this.name = 'StateConflictError';
  }
}

/** Which `ctx.state` limit a call broke. */
export type StateLimit = 'key' | 'value' | 'value_bytes' | 'keys' | 'ttl';

/**
 * A `ctx.state` call broke one of its limits (key size, value size or kind,
 * keys per job, TTL range); the message names the limit and the value found.
 * Retryable: no, the same call breaks it again.
 */
export class StateLimitError extends PermanentError {
  constructor(
    readonly limit: StateLimit,
    message: string,
  ) {
    super(message);
    this.name = 'StateLimitError';
  }
}

/** The attempt that left an effect `pending`. */
export interface EffectHolder {
  runId: string;
  attempt: number;
  /** ISO time its `pending` was recorded. */
  since: string;
}

/**
 * `ctx.effect` found its key `pending` from an attempt that died between the
 * effect and its record, and no `reconcile` to find out what happened: the
 * run fails rather than risk a second call. Retryable: no.
 */
export class EffectInDoubtError extends PermanentError {
  constructor(
    readonly key: string,
    readonly heldBy: EffectHolder,
    /** What the reader can do about it, appended after `; `. */
    hint?: string,
  ) {
    super(
      `effect ${key} is in doubt: run ${heldBy.runId} (attempt ${heldBy.attempt}) started it at ${heldBy.since} and never recorded its result` +
        (hint === undefined ? '' : `; ${hint}`),
    );
    this.name = 'EffectInDoubtError';
  }
}

/**
 * Another live attempt holds the effect's key right now. Retryable: yes, the
 * run is released with back-off and finds the result recorded later.
 */
export class EffectBusyError extends Error {
  readonly retryable = true;
  constructor(
    readonly key: string,
    /** ISO time until which the holder may still be performing it (its `heldUntil`), when known. */
    readonly heldUntil?: string,
  ) {
    super(`effect ${key} is being performed by another run`);
    this.name = 'EffectBusyError';
  }
}

/**
 * `ctx.http` refused a request before a byte left: the host is not on the
 * job's egress allow-list, or a secret would go where it is not pinned.
 * Retryable: no.
 */
export class EgressRefusedError extends PermanentError {
  constructor(
    readonly host: string,
    readonly reason: string,
  ) {
    super(`request to ${host} refused: ${reason}`);
    this.name = 'EgressRefusedError';
  }
}

/**
 * A rate-limit wait that would pass the run's deadline: the run is released
 * and retried after `waitMs` by the queue. Retryable: yes, by definition.
 */
export class RunDeferredError extends Error {
  readonly retryable = true;
  constructor(readonly waitMs: number) {
    super(`rate limited: retrying in ${Math.ceil(waitMs / 1000)} s`);
    this.name = 'RunDeferredError';
    deferralObserver?.();
  }
}

/**
 * Why a run's `signal` aborted when an operator stopped it (`stopped by <who>`): the run is
 * recorded `stopped`, so what its code throws on the abort is logged as a stop, not a failure.
 */
export class StopRequestedError extends Error {
  constructor(readonly by: string) {
    super(`stopped by ${by}`);
    this.name = 'StopRequestedError';
  }
}

let deferralObserver: (() => void) | undefined;
/**
 * Called, in the async context of the code that hit it, whenever a deferral
 * is raised: ctx.effect learns that its fn met one even if fn swallowed it
 * (its request was not made; the run is deferred whatever fn returns).
 */
export const observeDeferrals = (observer: () => void): void => {
  deferralObserver = observer;
};

export const isTriggerhubError = (e: unknown): e is TriggerhubError => e instanceof TriggerhubError;

/** The message of anything thrown, without stack. */
export const errorMessage = (e: unknown): string =>
  e instanceof Error ? e.message : typeof e === 'string' ? e : 'unknown error';
