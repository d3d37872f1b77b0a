import { ServiceUnavailableError, errorMessage } from '../errors.ts';
import type { Job } from '../model/index.ts';
import type { JobStore, SecretStore } from '../ports.ts';
import { platformLogger } from '../runtime/platform-logger.ts';
import { isUnavailableError } from './unavailable.ts';

export interface LastKnownOptions {
  /** How long a remembered value may stand in for an unreachable store. @default 15 minutes */
  maxStaleMs?: number;
  /** A lookup taking longer than this counts as failed. @default 2000 */
  timeoutMs?: number;
  /** At most this many values are remembered (oldest forgotten first). @default 1000 */
  maxEntries?: number;
  /** @default Date.now */
  now?: () => number;
}

const DEFAULTS = { maxStaleMs: 15 * 60_000, timeoutMs: 2_000, maxEntries: 1_000 } as const;

/**
 * Reads through to a store every time and remembers each answer; when the
 * store is unavailable or hangs, the last answer it gave (no older than
 * `maxStaleMs`) stands in for it. A warm function so keeps answering a
 * webhook whose job it has seen — a decision job then reaches its `onError`
 * verdict instead of a 5xx to Check Point or SecureChange — while a fresh
 * answer always wins, so a changed job or a rotated secret takes effect at
 * once.
 *
 * Only unavailability falls back ({@link isUnavailableError}: a
 * ServiceUnavailableError, throttling, a 5xx, a network error, or this
 * wrapper's own time-out). Any other failure — a validation or permission
 * error, a bug — is thrown as it is and forgets the remembered answer: a
 * store that answers "no" must never be overruled by what it said before
 * (a revoked secret would otherwise keep authenticating for `maxStaleMs`).
 */
export const lastKnown = <V>(
  what: string,
  read: (key: string) => Promise<V>,
  options: LastKnownOptions = {},
): ((key: string) => Promise<V>) => {
  const { maxStaleMs, timeoutMs, maxEntries } = { ...DEFAULTS, ...options };
  const now = options.now ?? Date.now;
  const remembered = new Map<string, { value: V; at: number }>();
  const cutShort = timeLimit<V>(what, timeoutMs);
  return async (key) => {
    const known = remembered.get(key);
    const fallback = known !== undefined && now() - known.at <= maxStaleMs ? known : undefined;
    try {
      // Only a lookup that has something to fall back on is cut short; otherwise it takes what it takes.
      const value = await (fallback === undefined ? read(key) : cutShort(read(key)));
      remembered.delete(key);
      remembered.set(key, { value, at: now() });
      if (remembered.size > maxEntries) remembered.delete(remembered.keys().next().value as string);
      return value;
    } catch (e) {
      if (!isUnavailableError(e)) {
        remembered.delete(key);
        throw e;
      }
      if (fallback === undefined) throw e;
      platformLogger.warn(`${what} unavailable: using the last known answer`, {
        key,
        ageMs: now() - fallback.at,
        error: errorMessage(e),
      });
      return fallback.value;
    }
  };
};

/**
 * Settles each lookup handed to it as the lookup does, or with a
 * ServiceUnavailableError once it has taken `timeoutMs`. One watchdog timer
 * serves every lookup under way rather than a timer each: a warm ingest asks
 * for its secret on every request, and arming and clearing a timer per
 * request cost more than the cached answer itself. The watchdog is armed
 * when a lookup starts and none is, rejects what is overdue when it fires,
 * and is armed again only while lookups wait; it is unref'd, so that it
 * never keeps a process alive by itself.
 */
const timeLimit = <V>(what: string, timeoutMs: number): ((lookup: Promise<V>) => Promise<V>) => {
  const waiting = new Set<{ until: number; reject: (e: Error) => void }>();
  let watchdog: NodeJS.Timeout | undefined;
  const arm = (ms: number): void => {
    watchdog = setTimeout(check, ms);
    watchdog.unref();
  };
  const check = (): void => {
    watchdog = undefined;
    const at = Date.now();
    let next = Infinity;
    for (const w of waiting) {
      if (w.until <= at) {
        waiting.delete(w);
        w.reject(new ServiceUnavailableError(`${what} did not answer in ${timeoutMs} ms`));
      } else {
        next = Math.min(next, w.until);
      }
    }
    if (next !== Infinity) arm(next - at);
  };
  return (lookup) =>
    new Promise<V>((resolve, reject) => {
      const entry = { until: Date.now() + timeoutMs, reject };
      waiting.add(entry);
      if (watchdog === undefined) arm(timeoutMs);
      lookup.then(
        (value) => {
          waiting.delete(entry);
          resolve(value);
        },
        (e: unknown) => {
          waiting.delete(entry);
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the lookup's own reason, passed on unchanged
          reject(e);
        },
      );
    });
};

/**
 * How long a warm ingest or worker serves a job definition it has read
 * without reading it again: a job changed, disabled or deleted through
 * another function instance may still be served this long (a write through
 * the same store object — `npm start`'s one process — takes effect at once).
 */
export const JOB_CACHE_MS = 5_000;

export interface JobCacheOptions extends LastKnownOptions {
  /** @default {@link JOB_CACHE_MS} */
  freshForMs?: number;
}

/**
 * A JobStore with its cache: `getCached` answers the job as read at most
 * `freshForMs` ago, else reads it again (through the last-known fallback).
 * Only found jobs are remembered: a job created is served at once.
 */
export type CachingJobStore = JobStore & Required<Pick<JobStore, 'getCached'>>;

/**
 * The job a webhook or a run names, as the hot paths (ingest, decisions, the
 * worker) read it: from the store's short cache when it has one (see
 * {@link withLastKnownJobs}), else from the store. The admin API reads
 * `jobs.get`: always fresh.
 */
export const hotJob = (jobs: JobStore, id: string): Promise<Job | undefined> =>
  jobs.getCached === undefined ? jobs.get(id) : jobs.getCached(id);

/**
 * A JobStore whose `get` reads fresh and falls back to the last known
 * definition (see {@link lastKnown}), and whose `getCached` (see
 * {@link hotJob}) serves a definition read less than `freshForMs` ago
 * without a read: a warm ingest reads no job item. Writes through it forget
 * the cached definition.
 */
export const withLastKnownJobs = (store: JobStore, options: JobCacheOptions = {}): CachingJobStore => {
  const get = lastKnown('job store', (id) => store.get(id), options);
  const freshForMs = options.freshForMs ?? JOB_CACHE_MS;
  const maxEntries = options.maxEntries ?? DEFAULTS.maxEntries;
  const now = options.now ?? Date.now;
  const recent = new Map<string, { job: Job; at: number }>();
  const forget = async <T>(id: string, write: () => Promise<T>): Promise<T> => {
    recent.delete(id);
    try {
      return await write();
    } finally {
      // A getCached that read while the write was under way may have remembered the old definition.
      recent.delete(id);
    }
  };
  return {
    get,
    getCached: async (id) => {
      const hit = recent.get(id);
      if (hit !== undefined && now() - hit.at < freshForMs) return hit.job;
      const job = await get(id);
      recent.delete(id);
      if (job !== undefined) {
        recent.set(id, { job, at: now() });
        if (recent.size > maxEntries) recent.delete(recent.keys().next().value as string);
      }
      return job;
    },
    list: (page) => store.list(page),
    put: (job) => forget(job.id, () => store.put(job)),
    delete: (id) => forget(id, () => store.delete(id)),
  };
};

/**
 * A SecretStore that falls back to the last known values (see {@link lastKnown}),
 * `getMany` included (remembered per set of names: a run asks for the same
 * masked globals every time).
 */
export const withLastKnownSecrets = (store: SecretStore, options?: LastKnownOptions): SecretStore => {
  const getVersions = lastKnown('secret store', (name) => store.getVersions(name), options);
  if (store.getMany === undefined) return { getVersions };
  const getMany = store.getMany.bind(store);
  // Secret names never hold a newline: the joined names are a key no other set shares.
  const many = lastKnown('secret store', (key) => getMany(key === '' ? [] : key.split('\n')), options);
  return { getVersions, getMany: (names) => many([...new Set(names)].sort().join('\n')) };
};
