import {
  checkIfVersion,
  checkStateKey,
  checkTtlSeconds,
  serializeStateValue,
  statePrefixProblem,
} from '../../model/state.ts';
import { StateLimitError } from '../../errors.ts';
import type { IntegrationState, StateEntry } from '../../sdk/types.ts';
import type { RunScope, ToolboxDeps, ToolboxTarget } from './index.ts';

/**
 * `ctx.state` of one run: the job's key-value store, bound to its job and the
 * platform's clock. Every limit is checked here, before the store is called
 * (a StateLimitError names it); the value is serialized once and stored as
 * JSON text. After the run's signal fired (deadline, stop) every call throws
 * its reason: an abandoned run must not write over the state of its retry.
 */
export const createState = (
  deps: Pick<ToolboxDeps, 'state' | 'clock'>,
  t: Pick<ToolboxTarget, 'job'>,
  scope: Pick<RunScope, 'signal'>,
): IntegrationState => {
  const jobId = t.job.id;
  const { state: store, clock } = deps;
  const live = (): void => scope.signal.throwIfAborted();

  const getEntry = async <T>(key: string): Promise<StateEntry<T> | undefined> => {
    checkStateKey(key);
    live();
    const item = await store.get(jobId, key, clock.now());
    // A fresh parse of the stored text: the caller may change it freely.
    return item === undefined ? undefined : { value: item.value as T, version: item.version };
  };

  return {
    getEntry,

    async get<T>(key: string): Promise<T | undefined> {
      return (await getEntry<T>(key))?.value;
    },

    async set(key, value, options = {}) {
      checkStateKey(key);
      const valueJson = serializeStateValue(key, value);
      const ttlSeconds = checkTtlSeconds(options.ttlSeconds);
      const ifVersion = checkIfVersion(options.ifVersion);
      live();
      return store.set(jobId, key, valueJson, { ttlSeconds, ifVersion }, clock.now());
    },

    async delete(key, options = {}) {
      checkStateKey(key);
      const ifVersion = checkIfVersion(options.ifVersion);
      live();
      return store.delete(jobId, key, { ifVersion }, clock.now());
    },

    async list(prefix = '') {
      const problem = statePrefixProblem(prefix);
      if (problem !== undefined) throw new StateLimitError('key', problem);
      live();
      return store.keys(jobId, prefix, clock.now());
    },
  };
};
