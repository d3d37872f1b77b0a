import { describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from '../../shared/errors.ts';
import { storeError } from '../../shared/store/errors.ts';

const sdkError = (name: string, fault: 'client' | 'server', status: number): Error =>
  Object.assign(new Error(name), { name, $fault: fault, $metadata: { httpStatusCode: status } });

// The stores, the queue and lastKnown share one list of "unavailable"
// (shared/resilience/unavailable.ts); a store failure on it is answered 503.
describe('storeError', () => {
  it.each([
    ['a dropped connection (was a 500)', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    ['a time-out (was a 500)', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
    ['throttling', sdkError('ProvisionedThroughputExceededException', 'client', 400)],
    ['a DynamoDB outage', sdkError('InternalServerError', 'server', 500)],
  ])('makes %s a ServiceUnavailableError, keeping the cause', (_what, cause) => {
    // Act
    const error = storeError(cause, 'get job');

    // Assess
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error).toMatchObject({ message: 'store unavailable (get job)', cause });
  });

  it('leaves what no retry fixes (a missing table, a validation error) as it is', () => {
    // Prepare
    const missingTable = sdkError('ResourceNotFoundException', 'client', 400);
    const invalid = sdkError('ValidationException', 'client', 400);

    // Act & Assess
    expect(storeError(missingTable, 'get job')).toBe(missingTable);
    expect(storeError(invalid, 'get job')).toBe(invalid);
  });
});
