import { NotFoundError } from '../errors.ts';
import type { Page, PageRequest, PayloadStore, ScriptStore, ScriptSummary, ScriptVersion } from '../ports.ts';
import { encodeMemoryCursor, lastOfMemoryCursor, pageLimit } from '../store/cursor.ts';
import { scriptSha256, scriptSourceKey } from '../store/dynamo-script-store.ts';

interface StoredVersion extends ScriptVersion {
  sourceRef: string;
}

/** A page of `sorted` after the cursor's last key, with a cursor only good for `scope`. */
const pageOf = <T>(
  sorted: readonly T[],
  keyOf: (item: T) => string,
  page: PageRequest,
  scope: string,
  after: (key: string, last: string) => boolean,
): Page<T> => {
  const limit = pageLimit(page.limit);
  let start = 0;
  if (page.cursor !== undefined) {
    const last = lastOfMemoryCursor(page.cursor, scope);
    const next = sorted.findIndex((item) => after(keyOf(item), last));
    start = next === -1 ? sorted.length : next;
  }
  const items = sorted.slice(start, start + limit);
  const lastItem = items.at(-1);
  return start + limit < sorted.length && lastItem !== undefined
    ? { items, nextCursor: encodeMemoryCursor(scope, keyOf(lastItem)) }
    : { items };
};

const publicOf = ({ sourceRef: _ref, ...version }: StoredVersion): ScriptVersion => version;
const padded = (version: number): string => String(version).padStart(10, '0');

/**
 * Uploaded scripts in memory, with the DynamoDB adapter's semantics
 * (test/contract/script-store.contract.ts runs against both): versions 1, 2,
 * … per script, sources in the payload store it is given, scripts listed by
 * id, versions newest first, a cursor only good for its own listing.
 */
export class MemoryScriptStore implements ScriptStore {
  readonly #scripts = new Map<string, StoredVersion[]>();
  readonly #payloads: PayloadStore;

  constructor(options: { payloads: PayloadStore }) {
    this.#payloads = options.payloads;
  }

  async put(id: string, source: string, meta: { by: string; at: string }): Promise<ScriptVersion> {
    const sha256 = scriptSha256(source);
    // The number is taken before the payload write yields, as the head's conditional write takes it.
    const versions = this.#scripts.get(id) ?? [];
    this.#scripts.set(id, versions);
    const version = versions.length + 1;
    const placeholder: StoredVersion = {
      id,
      version,
      sha256,
      bytes: Buffer.byteLength(source, 'utf8'),
      uploadedBy: meta.by,
      uploadedAt: meta.at,
      sourceRef: '',
    };
    versions.push(placeholder);
    placeholder.sourceRef = await this.#payloads.put(scriptSourceKey(id, version, sha256), source);
    return publicOf(placeholder);
  }

  list(page: PageRequest = {}): Promise<Page<ScriptSummary>> {
    const summaries = [...this.#scripts.entries()]
      .filter(([, versions]) => versions.length > 0)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([id, versions]): ScriptSummary => {
        const latest = versions.at(-1) as StoredVersion;
        return {
          id,
          latestVersion: latest.version,
          sha256: latest.sha256,
          updatedAt: latest.uploadedAt,
          updatedBy: latest.uploadedBy,
        };
      });
    return Promise.resolve().then(() =>
      pageOf(
        summaries,
        (s) => s.id,
        page,
        'scripts',
        (key, last) => key > last,
      ),
    );
  }

  versions(id: string, page: PageRequest = {}): Promise<Page<ScriptVersion>> {
    const newestFirst = [...(this.#scripts.get(id) ?? [])].reverse().map(publicOf);
    return Promise.resolve().then(() =>
      pageOf(
        newestFirst,
        (v) => padded(v.version),
        page,
        `script-versions:${id}`,
        (key, last) => key < last,
      ),
    );
  }

  #stored(id: string, version?: number): StoredVersion | undefined {
    const versions = this.#scripts.get(id) ?? [];
    return version === undefined ? versions.at(-1) : versions[version - 1];
  }

  get(id: string, version?: number): Promise<ScriptVersion | undefined> {
    const stored = this.#stored(id, version);
    return Promise.resolve(stored === undefined ? undefined : publicOf(stored));
  }

  async source(id: string, version: number): Promise<string | undefined> {
    const stored = this.#stored(id, version);
    if (stored === undefined || stored.sourceRef === '') return undefined;
    try {
      return await this.#payloads.get(stored.sourceRef);
    } catch (e) {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    }
  }
}
