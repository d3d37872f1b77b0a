import { mkdir, mkdtemp, rm, stat, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JobSchema } from '../../shared/model/index.ts';
import { withLastKnownSecrets } from '../../shared/resilience/last-known.ts';
import { ingest } from '../../shared/runtime/ingest.ts';
import { platformLogger } from '../../shared/runtime/platform-logger.ts';
import { LocalSecretStore, secretEnvName, secretFilePath } from '../../shared/secrets/local-secret-store.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';

describe('LocalSecretStore', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'triggerhub-secrets-'));
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await rm(dataDir, { recursive: true, force: true });
  });

  const writeSecret = async (name: string, value: string, suffix = ''): Promise<void> => {
    const path = `${secretFilePath(dataDir, name)}${suffix}`;
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, value);
  };

  it('reads the file’s trimmed content, and the previous value beside it', async () => {
    // Prepare
    await writeSecret('demo', '  s3cret\n');
    await writeSecret('demo', 'older\n', '.previous');
    const store = new LocalSecretStore({ dataDir, env: {} });

    // Act + Assess
    expect(await store.getVersions('demo')).toEqual(['s3cret', 'older']);
  });

  it('prefers the environment variable, with its _PREVIOUS', async () => {
    // Prepare
    await writeSecret('jira/token', 'from-file');
    const env = {
      TRIGGERHUB_SECRET_JIRA_TOKEN: 'from-env',
      TRIGGERHUB_SECRET_JIRA_TOKEN_PREVIOUS: 'from-env-old',
    };
    const store = new LocalSecretStore({ dataDir, env });

    // Act + Assess
    expect(await store.getVersions('jira/token')).toEqual(['from-env', 'from-env-old']);
    expect(await new LocalSecretStore({ dataDir, env: {} }).getVersions('jira/token')).toEqual(['from-file']);
  });

  it('answers [] for a secret that is nowhere (or empty)', async () => {
    // Prepare
    await writeSecret('empty', '\n');
    const store = new LocalSecretStore({ dataDir, env: { TRIGGERHUB_SECRET_BLANK: '' } });

    // Act + Assess
    expect(await store.getVersions('missing')).toEqual([]);
    expect(await store.getVersions('empty')).toEqual([]);
    expect(await store.getVersions('blank')).toEqual([]);
  });

  it('names environment variables and files so that no name escapes or collides', () => {
    expect(secretEnvName('jira/api-token.v2')).toBe('TRIGGERHUB_SECRET_JIRA_API_TOKEN_V2');
    expect(secretFilePath('/data', 'demo')).toBe(join('/data', 'secrets', 'demo'));
    expect(secretFilePath('/data', '..')).toBe(join('/data', 'secrets', '%2E%2E'));
    expect(secretFilePath('/data', 'a/b')).not.toBe(secretFilePath('/data', 'a_b'));
    expect(secretFilePath('/data', 'x.previous')).not.toBe(`${secretFilePath('/data', 'x')}.previous`);
  });

  describe('a secret file that is there but cannot be read', () => {
    const unreadableLines = (warn: { mock: { calls: unknown[][] } }) =>
      warn.mock.calls.filter(
        ([m]) => m === 'secret cannot be read: treated as absent, so it authenticates nobody',
      );

    it('is answered as absent, with one WARN naming the secret and why (never a value)', async () => {
      // Prepare: a folder where the file should be.
      const warn = vi.spyOn(platformLogger, 'warn').mockImplementation(() => undefined);
      await mkdir(secretFilePath(dataDir, 'demo'), { recursive: true });
      const store = new LocalSecretStore({ dataDir, env: {} });

      // Act
      const first = await store.getVersions('demo');
      const second = await store.getVersions('demo');

      // Assess
      expect(first).toEqual([]);
      expect(second).toEqual([]);
      const lines = unreadableLines(warn);
      expect(lines).toHaveLength(1);
      expect(lines[0]![1]).toEqual({
        secret: 'demo',
        file: secretFilePath(dataDir, 'demo'),
        reason: 'EISDIR',
      });
    });

    it('keeps the current value when only the previous one cannot be read', async () => {
      // Prepare
      const warn = vi.spyOn(platformLogger, 'warn').mockImplementation(() => undefined);
      await writeSecret('demo', 'current-value\n');
      await mkdir(`${secretFilePath(dataDir, 'demo')}.previous`);
      const store = new LocalSecretStore({ dataDir, env: {} });

      // Act + Assess
      expect(await store.getVersions('demo')).toEqual(['current-value']);
      expect(unreadableLines(warn)).toHaveLength(1);
      expect(JSON.stringify(warn.mock.calls)).not.toContain('current-value');
    });

    it('makes a warm ingest refuse the secret it read before with 401, not answer from memory', async () => {
      // Prepare: the running stack read the secret once, then its file became unreadable.
      vi.spyOn(platformLogger, 'warn').mockImplementation(() => undefined);
      await writeSecret('demo', 'the-old-value\n');
      const base = memoryDeps();
      await base.jobs.put(
        JobSchema.parse({ id: 'demo', name: 'Demo', integration: 'log-event', auth: { secret: 'demo' } }),
      );
      const deps = { ...base, secrets: withLastKnownSecrets(new LocalSecretStore({ dataDir, env: {} })) };
      const post = (body: string) =>
        ingest(deps, {
          jobId: 'demo',
          body,
          headers: { 'content-type': 'application/json', 'x-shared-secret': 'the-old-value' },
          query: {},
        });
      await expect(post('{"n":1}')).resolves.toMatchObject({ kind: 'queued' });
      await rm(secretFilePath(dataDir, 'demo'));
      await mkdir(secretFilePath(dataDir, 'demo'));

      // Act + Assess
      await expect(post('{"n":2}')).rejects.toMatchObject({ status: 401 });
      expect(base.queue.sent).toHaveLength(1);
    });
  });

  describe('ensureSecret', () => {
    it('creates a random value in a file only its owner can read, in a folder only its owner can enter', async () => {
      // Prepare
      const store = new LocalSecretStore({ dataDir, env: {} });

      // Act
      const result = await store.ensureSecret('demo');
      const value = (await readFile(result.path, 'utf8')).trim();
      const fileMode = (await stat(result.path)).mode & 0o777;
      const dirMode = (await stat(dirname(result.path))).mode & 0o777;

      // Assess
      expect(result).toEqual({ created: true, path: secretFilePath(dataDir, 'demo') });
      expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(fileMode).toBe(0o600);
      expect(dirMode).toBe(0o700);
      expect(await store.getVersions('demo')).toEqual([value]);
    });

    it('keeps an existing file, and gives each secret its own value', async () => {
      // Prepare
      const store = new LocalSecretStore({ dataDir, env: {} });
      const first = await store.ensureSecret('one');
      const value = await readFile(first.path, 'utf8');

      // Act
      const again = await store.ensureSecret('one');
      const other = await store.ensureSecret('two');

      // Assess
      expect(again).toEqual({ created: false, path: first.path });
      expect(await readFile(first.path, 'utf8')).toBe(value);
      expect(await readFile(other.path, 'utf8')).not.toBe(value);
    });

    it('writes nothing when the environment provides the secret', async () => {
      // Prepare
      const store = new LocalSecretStore({ dataDir, env: { TRIGGERHUB_SECRET_DEMO: 'from-env' } });

      // Act
      const result = await store.ensureSecret('demo');

      // Assess
      expect(result.created).toBe(false);
      await expect(stat(result.path)).rejects.toThrow(/ENOENT/);
    });
  });
});
