import { ServiceUnavailableError } from '../errors.ts';

/*
 * What "the store cannot be reached right now" looks like when it comes
 * straight from the AWS SDK or Node, after the SDK's own retries. The lists
 * follow the SDK's retry classification (@smithy/core service-error-classification),
 * copied rather than imported: that module is not a dependency of ours; plus
 * SQS's `KmsThrottled`. The one list for every adapter (the DynamoDB stores'
 * `storeError`, the SQS queue, Secrets Manager, `lastKnown`).
 */
const THROTTLING = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'KmsThrottled',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);
const SERVER = new Set([
  'InternalServiceError',
  'InternalServerError',
  'InternalFailure',
  'InternalError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
]);
const TIMEOUT = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

interface SdkLike {
  name?: unknown;
  code?: unknown;
  $fault?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  cause?: unknown;
}

const isTransient = (e: SdkLike): boolean => {
  const status = e.$metadata?.httpStatusCode;
  return (
    (typeof e.name === 'string' && (THROTTLING.has(e.name) || SERVER.has(e.name) || TIMEOUT.has(e.name))) ||
    (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) ||
    e.$fault === 'server' ||
    e.$retryable !== undefined ||
    status === 429 ||
    (typeof status === 'number' && status >= 500 && status <= 599)
  );
};

/**
 * Whether a failure means that a store is unavailable — worth a retry, or an
 * answer from memory (see `lastKnown`): a {@link ServiceUnavailableError}, or
 * an SDK or network error that says so (throttling, a 5xx or
 * InternalServiceError, a time-out, a refused or reset connection), also when
 * wrapped as another error's `cause`. Anything else — a validation error, a
 * permission or KMS refusal, a secret marked for deletion, a bug — is the
 * store's answer, not an outage, and must not be papered over.
 */
export const isUnavailableError = (e: unknown): boolean => {
  let current: unknown = e;
  // Bounded: a cause chain can be cyclic.
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    if (current instanceof ServiceUnavailableError) return true;
    const sdk = current as SdkLike;
    if (sdk.name === 'AbortError') return false;
    if (isTransient(sdk)) return true;
    current = sdk.cause;
  }
  return false;
};
