import { PermanentError, ValidationError } from '../errors.ts';

/** A ky `HTTPError`, recognised by shape: an integration may bring its own copy of ky. */
export const httpStatusOf = (e: unknown): number | undefined => {
  if (!(e instanceof Error) || e.name !== 'HTTPError') return undefined;
  const status: unknown = (e as Error & { response?: { status?: unknown } }).response?.status;
  return typeof status === 'number' ? status : undefined;
};

/**
 * Whether another attempt of the run may succeed. Permanent: our typed
 * permanent errors (an egress refusal among them) and a target's 4xx other
 * than 408 and 429 — retrying the same request cannot fix it. Retryable:
 * 408, 429, 5xx, time-outs, network errors and anything unknown.
 */
export const isRetryableFailure = (e: unknown): boolean => {
  if (e instanceof PermanentError || e instanceof ValidationError) return false;
  const status = httpStatusOf(e);
  if (status !== undefined && status >= 400 && status < 500) return status === 408 || status === 429;
  return true;
};
