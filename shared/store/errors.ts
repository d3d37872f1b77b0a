import { ServiceUnavailableError, errorMessage } from '../errors.ts';
import { isUnavailableError } from '../resilience/unavailable.ts';

/**
 * Translates an SDK failure into a domain error: one a caller may retry
 * (throttling, a DynamoDB outage, a time-out or a dropped connection: see
 * `isUnavailableError`, the one list of them) becomes a ServiceUnavailableError
 * (503). Conditional-check failures are answered where they happen (they are
 * domain answers, not errors); this handles what is left. A missing table is a
 * misconfiguration that no retry fixes: it stays an error (500).
 */
export const storeError = (e: unknown, operation: string): Error => {
  if (isUnavailableError(e)) {
    const err = new ServiceUnavailableError(`store unavailable (${operation})`);
    err.cause = e;
    return err;
  }
  return e instanceof Error ? e : new Error(`${operation}: ${errorMessage(e)}`);
};

export const isConditionalCheckFailed = (e: unknown): boolean =>
  e instanceof Error && e.name === 'ConditionalCheckFailedException';
