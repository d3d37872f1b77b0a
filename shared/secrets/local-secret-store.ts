import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ServiceUnavailableError } from '../errors.ts';
import type { SecretStore, SecretWriter } from '../ports.ts';
import { platformLogger } from '../runtime/platform-logger.ts';

export const SECRET_ENV_PREFIX = 'TRIGGERHUB_SECRET_';
const PREVIOUS_SUFFIX = '.previous';

export interface LocalSecretStoreOptions {
  /** The local data folder (`.triggerhub/`); secrets live in its `secrets/` folder. */
  dataDir: string;
  /** The environment to read `TRIGGERHUB_SECRET_<NAME>` from (process.env, read once by the caller). */
  env: Readonly<Record<string, string | undefined>>;
}

/** `jira/token` → `TRIGGERHUB_SECRET_JIRA_TOKEN`. */
export const secretEnvName = (name: string): string =>
  `${SECRET_ENV_PREFIX}${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

/**
 * Where a secret's file lives: `<dataDir>/secrets/<name>`, every character
 * but letters, digits, `_` and `-` written `%XX`, so that no name can leave
 * the folder (`..`), two names never share a file, and no name ends in
 * `.previous`.
 */
export const secretFilePath = (dataDir: string, name: string): string => {
  const safe = Array.from(name, (ch) =>
    /^[A-Za-z0-9_-]$/.test(ch)
      ? ch
      : Array.from(Buffer.from(ch, 'utf8'), (b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(
          '',
        ),
  ).join('');
  return join(secretsDir(dataDir), safe);
};

const secretsDir = (dataDir: string): string => join(dataDir, 'secrets');

/** A current secret's file name: only what {@link secretFilePath} writes (no `.previous`, no temporary file). */
const SECRET_FILE_NAME = /^(?:[A-Za-z0-9_-]|%[0-9A-F]{2})+$/;

const isNotFound = (e: unknown): boolean => e instanceof Error && 'code' in e && e.code === 'ENOENT';

/** A secret as listed: its name and when its file last changed; never its value. */
export interface LocalSecretInfo {
  name: string;
  lastChanged: Date;
}

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value.length === 0 ? undefined : value;

const codeOf = (e: unknown): string | undefined =>
  e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : undefined;

/** Out of file handles or busy: the machine is overloaded, not the secret unreadable; worth a retry. */
const BUSY_CODES = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY']);

/**
 * Secrets for `npm start`, where there is no Secrets Manager: an environment
 * variable `TRIGGERHUB_SECRET_<NAME>` (with `…_PREVIOUS` for a rotation) wins
 * over the file `<dataDir>/secrets/<name>` (with `<name>.previous`).
 */
export class LocalSecretStore implements SecretStore, SecretWriter {
  readonly #dataDir: string;
  readonly #env: Readonly<Record<string, string | undefined>>;
  /** Why each unreadable secret file was last reported: one WARN per file and reason, not one per request. */
  readonly #warned = new Map<string, string>();

  constructor(options: LocalSecretStoreOptions) {
    this.#dataDir = options.dataDir;
    this.#env = options.env;
  }

  async getVersions(name: string): Promise<string[]> {
    const envName = secretEnvName(name);
    const fromEnv = nonEmpty(this.#env[envName]);
    if (fromEnv !== undefined) {
      const previous = nonEmpty(this.#env[`${envName}_PREVIOUS`]);
      return previous === undefined ? [fromEnv] : [fromEnv, previous];
    }
    const path = secretFilePath(this.#dataDir, name);
    const current = await this.#readSecretFile(name, path);
    if (current === undefined) return [];
    const previous = await this.#readSecretFile(name, `${path}${PREVIOUS_SUFFIX}`);
    return previous === undefined ? [current] : [current, previous];
  }

  /** The current values of several secrets (masked globals), by name; an absent one is left out. */
  async getMany(names: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    await Promise.all(
      [...new Set(names)].map(async (name) => {
        const [current] = await this.getVersions(name);
        if (current !== undefined) found.set(name, current);
      }),
    );
    return found;
  }

  /** {@link SecretWriter}: the masked globals' values, written like `triggerhub secrets set` writes them. */
  async put(name: string, value: string): Promise<void> {
    await this.setSecret(name, value);
  }

  /** {@link SecretWriter}: {@link deleteSecret}. */
  delete(name: string): Promise<boolean> {
    return this.deleteSecret(name);
  }

  /**
   * A secret file's trimmed value; undefined when it is missing or empty. A
   * file that is there but cannot be read (a folder in its place, no read
   * permission…) is answered as absent too, with one WARN line naming the
   * secret and why (never its content): a secret the platform cannot read
   * authenticates nobody (401), and is never mistaken for an outage and
   * answered from memory.
   */
  async #readSecretFile(name: string, path: string): Promise<string | undefined> {
    try {
      const value = nonEmpty((await readFile(path, 'utf8')).trim());
      this.#warned.delete(path);
      return value;
    } catch (e) {
      if (isNotFound(e)) {
        this.#warned.delete(path);
        return undefined;
      }
      const code = codeOf(e) ?? 'Error';
      if (BUSY_CODES.has(code)) {
        const err = new ServiceUnavailableError(`secret ${name} could not be read right now (${code})`);
        err.cause = e;
        throw err;
      }
      if (this.#warned.get(path) !== code) {
        this.#warned.set(path, code);
        platformLogger.warn('secret cannot be read: treated as absent, so it authenticates nobody', {
          secret: name,
          file: path,
          reason: code,
        });
      }
      return undefined;
    }
  }

  /** Creates the secrets folder, readable by its owner only. */
  async #secretsDir(): Promise<string> {
    const dir = secretsDir(this.#dataDir);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // mkdir leaves an existing folder's mode alone (and the umask applies): make sure.
    await chmod(dir, 0o700);
    return dir;
  }

  /**
   * Writes the secret's value to its file (0600, in the 0700 `secrets/`
   * folder), replacing any value: written to a temporary file then renamed, so
   * the running stack never reads half a value. Returns the file's path.
   */
  async setSecret(name: string, value: string): Promise<string> {
    const dir = await this.#secretsDir();
    const path = secretFilePath(this.#dataDir, name);
    // A name starting with "." cannot be a secret's file (dots are written %2E).
    const tmp = join(dir, `.${randomBytes(8).toString('hex')}.tmp`);
    try {
      await writeFile(tmp, `${value}\n`, { mode: 0o600, flag: 'wx' });
      await rename(tmp, path);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    return path;
  }

  /** The secrets kept as files, by name, with their last change; a `TRIGGERHUB_SECRET_*` variable is not listed. */
  async listSecrets(): Promise<LocalSecretInfo[]> {
    const dir = secretsDir(this.#dataDir);
    let files: string[];
    try {
      files = await readdir(dir);
    } catch (e) {
      if (isNotFound(e)) return [];
      throw e;
    }
    const infos = await Promise.all(
      files
        .filter((f) => SECRET_FILE_NAME.test(f))
        .map(async (file): Promise<LocalSecretInfo | undefined> => {
          try {
            const { mtime } = await stat(join(dir, file));
            return { name: decodeURIComponent(file), lastChanged: mtime };
          } catch (e) {
            if (isNotFound(e) || e instanceof URIError) return undefined;
            throw e;
          }
        }),
    );
    return infos
      .filter((i): i is LocalSecretInfo => i !== undefined)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Deletes the secret's file and its previous value; returns whether there was one. */
  async deleteSecret(name: string): Promise<boolean> {
    const path = secretFilePath(this.#dataDir, name);
    let existed = true;
    try {
      await stat(path);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      existed = false;
    }
    await rm(path, { force: true });
    await rm(`${path}${PREVIOUS_SUFFIX}`, { force: true });
    return existed;
  }

  /**
   * Creates the secret's file with a random value (32 bytes, base64url) when
   * neither the environment nor a file provides it; the file is readable by
   * its owner only. The value is never returned nor logged: read the file.
   */
  async ensureSecret(name: string): Promise<{ created: boolean; path: string }> {
    const path = secretFilePath(this.#dataDir, name);
    if (nonEmpty(this.#env[secretEnvName(name)]) !== undefined) return { created: false, path };
    await this.#secretsDir();
    try {
      // 'wx': never overwrite, even when another process created it since we looked.
      await writeFile(path, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
      return { created: true, path };
    } catch (e) {
      if (e instanceof Error && 'code' in e && e.code === 'EEXIST') return { created: false, path };
      throw e;
    }
  }
}
