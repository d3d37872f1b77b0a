import { ServiceUnavailableError, errorMessage } from '../errors.ts';

/** Failures a caller may retry: throttling, a DynamoDB outage, a missing table (misconfiguration). */
const UNAVAILABLE = new Set([
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'ThrottlingException',
  'InternalServerError',
  'ServiceUnavailable',
  'ResourceNotFoundException',
]);

/**
 * Translates an SDK failure into a domain error. Conditional-check failures
 * are answered where they happen (they are domain answers, not errors); this
 * handles what is left.
 */
export const storeError = (e: unknown, operation: string): Error => {
  if (e instanceof Error && UNAVAILABLE.has(e.name)) {
    const err = new ServiceUnavailableError(`store unavailable (${operation})`);
    err.cause = e;
    return err;
  }
  return e instanceof Error ? e : new Error(`${operation}: ${errorMessage(e)}`);
};

export const isConditionalCheckFailed = (e: unknown): boolean =>
  e instanceof Error && e.name === 'ConditionalCheckFailedException';
