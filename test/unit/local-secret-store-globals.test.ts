import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalSecretStore, secretFilePath } from '../../shared/secrets/local-secret-store.ts';

describe('LocalSecretStore for masked globals (npm start)', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'triggerhub-local-globals-'));
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it('writes global/<name> to its own 0600 file, reads many at once, and deletes it', async () => {
    // Prepare
    const store = new LocalSecretStore({ dataDir, env: { TRIGGERHUB_SECRET_GLOBAL_FROMENV: 'env-value' } });

    // Act
    await store.put('global/token', 'masked-value');
    const many = await store.getMany(['global/token', 'global/missing', 'global/fromenv']);
    const file = secretFilePath(dataDir, 'global/token');
    const mode = (await stat(file)).mode & 0o777;
    const deleted = await store.delete('global/token');
    const again = await store.delete('global/token');

    // Assess
    expect(file.endsWith(join('secrets', 'global%2Ftoken'))).toBe(true);
    expect(mode).toBe(0o600);
    expect([...many.entries()].sort()).toEqual([
      ['global/fromenv', 'env-value'],
      ['global/token', 'masked-value'],
    ]);
    expect([deleted, again]).toEqual([true, false]);
    expect((await store.getMany(['global/token'])).size).toBe(0);
  });
});
