import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { PayloadStore } from '../ports.ts';

const REF_PREFIX = 'local://';
/** Keys the runtime writes (`events/<jobId>/<runId>.json`): no `..`, no absolute paths. */
const SAFE_KEY = /^(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9_-][A-Za-z0-9/_.-]{0,511}$/;

/**
 * Large payloads kept as files under the local data folder, so that they
 * survive a restart of `npm start` as the table does (the S3 emulator keeps
 * objects in memory only). Files are written with mode 0600.
 */
export class FilePayloadStore implements PayloadStore {
  readonly #dir: string;

  constructor(options: { dir: string }) {
    this.#dir = options.dir;
  }

  #path(key: string): string {
    if (!SAFE_KEY.test(key)) throw new ValidationError(`not a payload key: ${JSON.stringify(key)}`);
    return join(this.#dir, key);
  }

  async put(key: string, body: string): Promise<string> {
    const path = this.#path(key);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFile(path, body, { mode: 0o600 });
    return `${REF_PREFIX}${key}`;
  }

  #refPath(ref: string): string {
    if (!ref.startsWith(REF_PREFIX)) throw new ValidationError(`not a local payload reference: ${ref}`);
    return this.#path(ref.slice(REF_PREFIX.length));
  }

  async get(ref: string): Promise<string> {
    const path = this.#refPath(ref);
    try {
      return await readFile(path, 'utf8');
    } catch (e) {
      if (e instanceof Error && 'code' in e && e.code === 'ENOENT')
        throw new NotFoundError(`payload ${ref} not found`);
      throw e;
    }
  }

  async exists(ref: string): Promise<boolean> {
    const path = this.#refPath(ref);
    try {
      return (await stat(path)).isFile();
    } catch (e) {
      if (e instanceof Error && 'code' in e && e.code === 'ENOENT') return false;
      throw e;
    }
  }
}
