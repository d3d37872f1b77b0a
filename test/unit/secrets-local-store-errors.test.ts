import type * as FsPromises from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServiceUnavailableError } from '../../shared/errors.ts';
import { lastKnown } from '../../shared/resilience/last-known.ts';
import { platformLogger } from '../../shared/runtime/platform-logger.ts';
import { LocalSecretStore } from '../../shared/secrets/local-secret-store.ts';

/**
 * Read errors a test cannot cause for real (this machine may run as root, for
 * whom no permission bit forbids a read): readFile fails with the code the
 * test sets.
 */
const failure: { code: string | undefined } = { code: undefined };

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof FsPromises>();
  return {
    ...actual,
    readFile: (path: unknown) => {
      const file = typeof path === 'string' ? path : '';
      if (failure.code !== undefined) {
        return Promise.reject(
          Object.assign(new Error(`${failure.code}: cannot open ${file}`), { code: failure.code }),
        );
      }
      // One value, never rotated: no previous file.
      if (file.endsWith('.previous')) {
        return Promise.reject(Object.assign(new Error('ENOENT'), { code: 'ENOENT' }));
      }
      return Promise.resolve('the-value\n');
    },
  };
});

afterEach(() => {
  failure.code = undefined;
  vi.restoreAllMocks();
});

const store = () => new LocalSecretStore({ dataDir: '/nonexistent-triggerhub-data', env: {} });

describe('LocalSecretStore read errors', () => {
  it.each(['EACCES', 'EPERM', 'ELOOP', 'EIO'])(
    'answers %s as absent, with a WARN naming the secret',
    async (code) => {
      const warn = vi.spyOn(platformLogger, 'warn').mockImplementation(() => undefined);
      failure.code = code;
      expect(await store().getVersions('demo')).toEqual([]);
      expect(warn).toHaveBeenCalledWith(
        'secret cannot be read: treated as absent, so it authenticates nobody',
        expect.objectContaining({ secret: 'demo', reason: code }),
      );
    },
  );

  it.each(['EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY'])(
    'throws ServiceUnavailableError for %s (a busy machine, worth a retry)',
    async (code) => {
      failure.code = code;
      await expect(store().getVersions('demo')).rejects.toBeInstanceOf(ServiceUnavailableError);
    },
  );

  it('never lets the last known value stand in for a file that became unreadable', async () => {
    vi.spyOn(platformLogger, 'warn').mockImplementation(() => undefined);
    const local = store();
    const get = lastKnown('secret store', (name) => local.getVersions(name));
    expect(await get('demo')).toEqual(['the-value']);
    failure.code = 'EACCES';
    expect(await get('demo')).toEqual([]);
  });

  it('lets the last known value stand in while the machine is out of file handles', async () => {
    vi.spyOn(platformLogger, 'warn').mockImplementation(() => undefined);
    const local = store();
    const get = lastKnown('secret store', (name) => local.getVersions(name));
    expect(await get('demo')).toEqual(['the-value']);
    failure.code = 'EMFILE';
    expect(await get('demo')).toEqual(['the-value']);
  });
});
