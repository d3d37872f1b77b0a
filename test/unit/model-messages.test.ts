import { afterEach, describe, expect, it, vi } from 'vitest';
import { config } from 'zod/mini';
import type * as ConfigModule from '../../shared/config.ts';
import type * as AdminModule from '../../shared/runtime/admin.ts';
import type { Deps } from '../../shared/runtime/deps.ts';

// The schemas are zod/mini, which ships no messages: without shared/model/zod.ts
// installing the English locale, every default message would read "Invalid input".
// Each test clears the locale and evaluates the modules afresh, so a locale left
// by anything else (classic zod installs one when it builds its first schema)
// cannot hide a missing one.
const saved = config().localeError;
afterEach(() => {
  config({ localeError: saved });
});

const fresh = async <T>(path: string): Promise<T> => {
  config({ localeError: undefined });
  vi.resetModules();
  return (await import(path)) as T;
};

describe('schema messages stay the English ones users saw with classic zod', () => {
  it('a job refused at apply names each problem in zod’s English words, custom messages kept', async () => {
    // Prepare
    const admin = await fresh<typeof AdminModule>('../../shared/runtime/admin.ts');
    const registry = { get: () => undefined, list: () => [] } as unknown as Deps['registry'];
    // Act
    const refuse = () =>
      admin.validateJob(
        { registry },
        { id: 'Bad Id', name: '', integration: 'x', auth: { secret: 'demo' }, maxBodyBytes: 20_000_000 },
      );
    // Assess
    expect(refuse).toThrow(
      'invalid job: id: job id: lower-case letters, digits, - and _, at most 64; ' +
        'name: Too small: expected string to have >=1 characters; ' +
        'maxBodyBytes: Too big: expected number to be <=10485760',
    );
  });

  it('the environment check reads as before', async () => {
    // Prepare
    const { loadConfig } = await fresh<typeof ConfigModule>('../../shared/config.ts');
    // Act
    const refuse = () =>
      loadConfig({
        TRIGGERHUB_TABLE: 't',
        TRIGGERHUB_QUEUE_URL: 'q',
        TRIGGERHUB_PAYLOAD_BUCKET: '',
        TRIGGERHUB_RETENTION_DAYS: '1.5',
      });
    // Assess
    expect(refuse).toThrow(
      'triggerhub configuration: TRIGGERHUB_PAYLOAD_BUCKET: Too small: expected string to have >=1 characters; ' +
        'TRIGGERHUB_RETENTION_DAYS: Invalid input: expected int, received number',
    );
  });
});
