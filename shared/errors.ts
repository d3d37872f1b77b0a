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

export class ValidationError extends TriggerhubError {
  readonly code: string;
  readonly status = 400;
  constructor(message: string, code = 'invalid_request') {
    super(message);
    this.name = 'ValidationError';
    this.code = code;
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

export class NotFoundError extends TriggerhubError {
  readonly code = 'not_found';
  readonly status = 404;
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

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
  readonly retryable = true;
  constructor(readonly ms: number) {
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

export const isTriggerhubError = (e: unknown): e is TriggerhubError => e instanceof TriggerhubError;

/** The message of anything thrown, without stack. */
export const errorMessage = (e: unknown): string =>
  e instanceof Error ? e.message : typeof e === 'string' ? e : 'unknown error';
