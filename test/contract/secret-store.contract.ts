import { describe, expect, it } from 'vitest';
import type { SecretStore } from '../../shared/ports.ts';

/** A secret as the store holds it: its current value and, during a rotation, the previous one. */
export interface SecretSeed {
  current: string;
  previous?: string;
}

/** A store holding exactly these secrets, by job secret name (the adapter adds its own prefix). */
export type MakeSecretStore = (secrets: Readonly<Record<string, SecretSeed>>) => Promise<SecretStore>;

/**
 * What every SecretStore does (shared/ports.ts): the in-memory fake, the
 * local store of `npm start` and the Secrets Manager adapter alike. Callers
 * accept any value answered (current first), so a rotation never locks a
 * sender out, and an unknown secret authenticates nobody.
 */
export const describeSecretStoreContract = (name: string, makeStore: MakeSecretStore): void => {
  describe(`SecretStore contract: ${name}`, () => {
    it('answers the current value alone for a secret never rotated', async () => {
      // Prepare
      const store = await makeStore({ demo: { current: 'current-value' } });

      // Act + Assess
      expect(await store.getVersions('demo')).toEqual(['current-value']);
    });

    it('answers the current then the previous value during a rotation', async () => {
      // Prepare
      const store = await makeStore({ hook: { current: 'new', previous: 'old' } });

      // Act + Assess
      expect(await store.getVersions('hook')).toEqual(['new', 'old']);
    });

    it('answers [] for a secret it does not hold', async () => {
      // Prepare
      const store = await makeStore({ demo: { current: 'v' } });

      // Act + Assess
      expect(await store.getVersions('missing')).toEqual([]);
    });

    it('keeps secrets apart, a name with a slash included, and answers the same when asked again', async () => {
      // Prepare
      const store = await makeStore({
        'jira/token': { current: 'jira ✓ value' },
        jira: { current: 'other', previous: 'older' },
      });

      // Act
      const first = await store.getVersions('jira/token');
      const again = await store.getVersions('jira/token');
      const other = await store.getVersions('jira');

      // Assess
      expect(first).toEqual(['jira ✓ value']);
      expect(again).toEqual(first);
      expect(other).toEqual(['other', 'older']);
    });
  });
};
