import { errorMessage } from '../../errors.ts';
import { globalSecretName } from '../../model/global.ts';
import type { GlobalRecord, GlobalStore, SecretStore } from '../../ports.ts';
import { isUnavailableError } from '../../resilience/unavailable.ts';
import { platformLogger } from '../platform-logger.ts';
import type { ToolboxDeps } from './index.ts';

/**
 * How long a warm function serves the globals it read without reading them
 * again: a global changed through the admin API reaches the runs of a warm
 * function within this (its masked value within the secret store's own
 * cache, `TRIGGERHUB_SECRET_CACHE_SECONDS`). Without it every run would
 * query the table.
 */
export const GLOBALS_CACHE_MS = 10_000;
/** How long a cached answer may stand in for a table or secret store that is down. */
const GLOBALS_STALE_MS = 15 * 60_000;

export interface LoadedGlobals {
  /** `ctx.globals`: frozen, null-prototype, masked values resolved. */
  values: Readonly<Record<string, string>>;
  /** The masked values, for the run's redaction list. */
  maskedValues: string[];
}

interface Cached {
  at: number;
  loaded: LoadedGlobals;
}

/** Per GlobalStore (one per process in AWS; one per test's deps in tests), so no test sees another's. */
const cache = new WeakMap<GlobalStore, Cached>();
/** A load under way, shared by the runs of one batch that start together. */
const loading = new WeakMap<GlobalStore, Promise<LoadedGlobals>>();

/** Current values of the masked globals' secrets, by secret name: one BatchGet per 20 where the store has it. */
const maskedValuesOf = async (
  secrets: SecretStore,
  names: readonly string[],
): Promise<Map<string, string>> => {
  if (names.length === 0) return new Map();
  if (secrets.getMany !== undefined) return secrets.getMany(names);
  const found = new Map<string, string>();
  await Promise.all(
    names.map(async (name) => {
      const [current] = await secrets.getVersions(name);
      if (current !== undefined) found.set(name, current);
    }),
  );
  return found;
};

const read = async (deps: Pick<ToolboxDeps, 'globals' | 'secrets'>): Promise<LoadedGlobals> => {
  const records: GlobalRecord[] = await deps.globals.list();
  const masked = records.filter((g) => g.masked);
  const secretValues = await maskedValuesOf(
    deps.secrets,
    masked.map((g) => globalSecretName(g.name)),
  );
  const values: Record<string, string> = Object.create(null) as Record<string, string>;
  const maskedValues: string[] = [];
  for (const g of records) {
    if (!g.masked) {
      if (g.value !== undefined) values[g.name] = g.value;
      continue;
    }
    const value = secretValues.get(globalSecretName(g.name));
    if (value === undefined) {
      // Left out rather than failing every run: the integration sees it missing and can say so.
      platformLogger.warn('masked global has no value in the secret store: left out of ctx.globals', {
        global: g.name,
        secret: globalSecretName(g.name),
      });
      continue;
    }
    values[g.name] = value;
    maskedValues.push(value);
  }
  return { values: Object.freeze(values), maskedValues };
};

/**
 * The globals for a run: from this process's cache when read less than
 * {@link GLOBALS_CACHE_MS} ago, else one Query of the table and, for the
 * masked ones, one batch read of the secret store. While the table or the
 * secret store is unavailable, the last answer (≤ 15 minutes old) stands in,
 * with a WARN line.
 */
export const loadGlobals = async (
  deps: Pick<ToolboxDeps, 'globals' | 'secrets' | 'clock'>,
): Promise<LoadedGlobals> => {
  const now = deps.clock.now().getTime();
  const cached = cache.get(deps.globals);
  if (cached !== undefined && now - cached.at >= 0 && now - cached.at < GLOBALS_CACHE_MS)
    return cached.loaded;
  const under = loading.get(deps.globals);
  if (under !== undefined) return under;
  const load = (async () => {
    try {
      const loaded = await read(deps);
      cache.set(deps.globals, { at: now, loaded });
      return loaded;
    } catch (e) {
      if (cached !== undefined && isUnavailableError(e) && now - cached.at < GLOBALS_STALE_MS) {
        platformLogger.warn('globals unavailable: using the last known ones', {
          ageMs: now - cached.at,
          error: errorMessage(e),
        });
        return cached.loaded;
      }
      throw e;
    } finally {
      loading.delete(deps.globals);
    }
  })();
  loading.set(deps.globals, load);
  return load;
};

/** Forgets what this process cached for a store (the admin API's writes in the same process: `npm start`). */
export const forgetGlobals = (store: GlobalStore): void => {
  cache.delete(store);
};
