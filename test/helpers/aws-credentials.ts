import { afterAll, beforeAll, vi } from 'vitest';

/**
 * Fixed AWS credentials in the environment for the calling test file: the
 * SDK clients sign every request, and without them would look for
 * credentials (profile files, the instance metadata service). Call it at the
 * top level of the file.
 */
export const useFixedAwsCredentials = (): void => {
  beforeAll(() => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDTEST');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test-secret');
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });
};
