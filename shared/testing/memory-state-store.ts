import { StateConflictError, StateLimitError } from '../errors.ts';
import { STATE_LIMITS, isStateExpired, stateExpiresAt } from '../model/state.ts';
import type { Page, StateItem, StateStore } from '../ports.ts';
import { encodeMemoryCursor, lastOfMemoryCursor, pageLimit } from '../store/cursor.ts';
import { isoTime } from '../store/keys.ts';

interface Stored {
  valueJson: string;
  version: number;
  updatedAt: string;
  /** Epoch seconds, as the table's TTL attribute. */
  expiresAt?: number;
}

/** DynamoDB orders sort keys by their UTF-8 bytes (not JS's UTF-16 code units). */
const byUtf8 = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * `ctx.state` in memory, with the DynamoDB adapter's semantics
 * (test/contract/state-store.contract.ts runs against both): versions from 1,
 * `ifVersion` 0 meaning absent, expired keys kept until overwritten or deleted
 * but never answered, ≤ `maxKeys` live keys per job, keys listed in UTF-8
 * order, a cursor only good for its own listing.
 */
export class MemoryStateStore implements StateStore {
  readonly #jobs = new Map<string, Map<string, Stored>>();
  readonly #maxKeys: number;
  /** Store calls that read or write, for tests that count them. */
  reads = 0;
  writes = 0;

  constructor(options: { maxKeys?: number } = {}) {
    this.#maxKeys = options.maxKeys ?? STATE_LIMITS.keysPerJob;
  }

  #job(jobId: string): Map<string, Stored> {
    let job = this.#jobs.get(jobId);
    if (job === undefined) {
      job = new Map();
      this.#jobs.set(jobId, job);
    }
    return job;
  }

  #live(jobId: string, key: string, now: Date): Stored | undefined {
    const stored = this.#jobs.get(jobId)?.get(key);
    return stored === undefined || isStateExpired(stored.expiresAt, now) ? undefined : stored;
  }

  get(jobId: string, key: string, now: Date): Promise<StateItem | undefined> {
    this.reads++;
    const stored = this.#live(jobId, key, now);
    return Promise.resolve(stored === undefined ? undefined : itemOf(key, stored));
  }

  set(
    jobId: string,
    key: string,
    valueJson: string,
    options: { ttlSeconds?: number; ifVersion?: number },
    now: Date,
  ): Promise<{ version: number }> {
    this.writes++;
    const job = this.#job(jobId);
    const old = job.get(key);
    const live = this.#live(jobId, key, now);
    if (options.ifVersion !== undefined && (live?.version ?? 0) !== options.ifVersion) {
      return Promise.reject(new StateConflictError(key, options.ifVersion, live?.version));
    }
    if (old === undefined) {
      this.writes++;
      const count = [...job.values()].filter((s) => !isStateExpired(s.expiresAt, now)).length;
      if (count >= this.#maxKeys) {
        return Promise.reject(
          new StateLimitError(
            'keys',
            `job ${jobId} holds ${this.#maxKeys} state keys, the most it may: delete some (or let them expire) before adding key ${JSON.stringify(key)}`,
          ),
        );
      }
    }
    const version = (old?.version ?? 0) + 1;
    const stored: Stored = { valueJson, version, updatedAt: isoTime(now.getTime()) };
    if (options.ttlSeconds !== undefined) stored.expiresAt = stateExpiresAt(now, options.ttlSeconds);
    job.set(key, stored);
    return Promise.resolve({ version });
  }

  delete(jobId: string, key: string, options: { ifVersion?: number }, now: Date): Promise<boolean> {
    this.writes++;
    const live = this.#live(jobId, key, now);
    if (options.ifVersion !== undefined && (live?.version ?? 0) !== options.ifVersion) {
      return Promise.reject(new StateConflictError(key, options.ifVersion, live?.version));
    }
    const job = this.#jobs.get(jobId);
    if (job?.delete(key)) this.writes++;
    return Promise.resolve(live !== undefined);
  }

  list(
    jobId: string,
    query: { prefix?: string; limit?: number; cursor?: string },
    now: Date,
  ): Promise<Page<StateItem>> {
    this.reads++;
    try {
      const limit = pageLimit(query.limit);
      const scope = `${jobId}\u0000${query.prefix ?? ''}`;
      const keys = this.#liveKeys(jobId, query.prefix ?? '', now);
      let start = 0;
      if (query.cursor !== undefined) {
        const last = lastOfMemoryCursor(query.cursor, scope);
        const next = keys.findIndex((k) => byUtf8(k, last) > 0);
        start = next === -1 ? keys.length : next;
      }
      const page = keys.slice(start, start + limit);
      const items = page.map((k) => itemOf(k, this.#jobs.get(jobId)?.get(k) as Stored));
      const last = page.at(-1);
      if (start + limit >= keys.length || last === undefined) return Promise.resolve({ items });
      return Promise.resolve({ items, nextCursor: encodeMemoryCursor(scope, last) });
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  keys(jobId: string, prefix: string, now: Date): Promise<string[]> {
    this.reads++;
    return Promise.resolve(this.#liveKeys(jobId, prefix, now));
  }

  #liveKeys(jobId: string, prefix: string, now: Date): string[] {
    return [...(this.#jobs.get(jobId) ?? new Map<string, Stored>()).entries()]
      .filter(([k, s]) => k.startsWith(prefix) && !isStateExpired(s.expiresAt, now))
      .map(([k]) => k)
      .sort(byUtf8);
  }
}

const itemOf = (key: string, stored: Stored): StateItem => {
  const item: StateItem = {
    key,
    value: JSON.parse(stored.valueJson) as unknown,
    valueJson: stored.valueJson,
    version: stored.version,
    updatedAt: stored.updatedAt,
  };
  if (stored.expiresAt !== undefined) item.expiresAt = isoTime(stored.expiresAt * 1000);
  return item;
};
