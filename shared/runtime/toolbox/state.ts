import {
  checkIfVersion,
  checkStateKey,
  checkTtlSeconds,
  serializeStateValue,
  STATE_LIMITS,
  statePrefixProblem,
} from '../../model/state.ts';
import { errorMessage, PermanentError, StateConflictError, StateLimitError } from '../../errors.ts';
import type { IntegrationState, StateEntry } from '../../sdk/types.ts';
import { quote } from '../../sdk/text.ts';
import type { RunScope, ToolboxDeps, ToolboxTarget } from './index.ts';

/** A write of the attempt, not yet applied: the last one it made to its key. */
type Write = { kind: 'set'; valueJson: string; ttlSeconds: number | undefined } | { kind: 'delete' };

interface Staged {
  /** The store's version of the key (0: absent) when the attempt first read or wrote it. */
  readonly base: number;
  /** Some write of the key in this attempt gave `ifVersion`: its apply is conditional on `base`. */
  readonly conditional: boolean;
  readonly write: Write;
}

/** `ctx.state` of one attempt, and what applies its writes once the attempt succeeded. */
export interface AttemptState {
  readonly state: IntegrationState;
  /**
   * Applies the attempt's writes, in the order their keys were first written,
   * each as the store's conditional write (`ifVersion: base` when the attempt
   * used `ifVersion` on the key). Throws the first failure (a
   * StateConflictError, a StateLimitError `keys`, the store's own error);
   * the writes applied before it stay.
   */
  readonly commit: () => Promise<void>;
}

/** DynamoDB orders sort keys by their UTF-8 bytes (not JS's UTF-16 code units): `list()` keeps its order. */
const byUtf8 = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** The version the attempt sees for a staged key: a set makes the next version, a delete none. */
const versionOf = (s: Staged): number => (s.write.kind === 'set' ? s.base + 1 : 0);

/**
 * `ctx.state` of one attempt: the job's key-value store, bound to its job and
 * the platform's clock. Every limit is checked at the call (a StateLimitError
 * names it), and so is `ifVersion`, against what the attempt sees; but writes
 * are only staged, and read back by the attempt itself (`get`, `getEntry`,
 * `list`). They reach the store when the attempt succeeded (`commit`, called
 * by execute): a run that fails, times out, is deferred or retried moves
 * nothing — a retry cannot apply its writes twice. After the run's signal
 * fired (deadline, stop) every call throws its reason.
 */
export const createState = (
  deps: Pick<ToolboxDeps, 'state' | 'clock'>,
  t: Pick<ToolboxTarget, 'job'>,
  scope: Pick<RunScope, 'signal'> & { logger: Pick<RunScope['logger'], 'warn'> },
): AttemptState => {
  const jobId = t.job.id;
  const { state: store, clock } = deps;
  const live = (): void => scope.signal.throwIfAborted();
  /** Keys written by the attempt, in the order first written (the order they are applied in). */
  const staged = new Map<string, Staged>();
  /** Keys read and not written: the version the store last answered (0: absent), a later write's base. */
  const seen = new Map<string, number>();
  let stagedSets = 0;

  /** Reads an unwritten key from the store, noting its version. */
  const read = async (key: string) => {
    live();
    const item = await store.get(jobId, key, clock.now());
    seen.set(key, item?.version ?? 0);
    return item;
  };

  /**
   * Stages `write` of `key` once `ifVersion` (if any) matches what the attempt
   * sees; answers the version the attempt saw before.
   */
  const stage = async (key: string, write: Write, ifVersion: number | undefined): Promise<number> => {
    live();
    if (!staged.has(key) && !seen.has(key)) await read(key);
    const before = staged.get(key);
    const base = before?.base ?? seen.get(key) ?? 0;
    const current = before === undefined ? base : versionOf(before);
    if (ifVersion !== undefined && ifVersion !== current) {
      throw new StateConflictError(key, ifVersion, current === 0 ? undefined : current);
    }
    const adds = write.kind === 'set' && before?.write.kind !== 'set';
    // More keys set than a job may hold can never be applied; refused here, it also bounds the memory held.
    if (adds && stagedSets >= STATE_LIMITS.keysPerJob) {
      throw new StateLimitError(
        'keys',
        `a run may set at most ${STATE_LIMITS.keysPerJob} state keys (the most a job may hold): not key ${quote(key, 64)}`,
      );
    }
    if (adds) stagedSets++;
    else if (write.kind === 'delete' && before?.write.kind === 'set') stagedSets--;
    staged.set(key, { base, conditional: (before?.conditional ?? false) || ifVersion !== undefined, write });
    return current;
  };

  const getEntry = async <T>(key: string): Promise<StateEntry<T> | undefined> => {
    checkStateKey(key);
    live();
    const mine = staged.get(key);
    if (mine !== undefined) {
      // A fresh parse of the staged text: the caller may change it freely.
      return mine.write.kind === 'set'
        ? { value: JSON.parse(mine.write.valueJson) as T, version: versionOf(mine) }
        : undefined;
    }
    const item = await read(key);
    return item === undefined ? undefined : { value: item.value as T, version: item.version };
  };

  const state: IntegrationState = {
    getEntry,

    async get<T>(key: string): Promise<T | undefined> {
      return (await getEntry<T>(key))?.value;
    },

    async set(key, value, options = {}) {
      checkStateKey(key);
      const valueJson = serializeStateValue(key, value);
      const ttlSeconds = checkTtlSeconds(options.ttlSeconds);
      const ifVersion = checkIfVersion(options.ifVersion);
      await stage(key, { kind: 'set', valueJson, ttlSeconds }, ifVersion);
      return { version: versionOf(staged.get(key) as Staged) };
    },

    async delete(key, options = {}) {
      checkStateKey(key);
      const ifVersion = checkIfVersion(options.ifVersion);
      return (await stage(key, { kind: 'delete' }, ifVersion)) !== 0;
    },

    async list(prefix = '') {
      const problem = statePrefixProblem(prefix);
      if (problem !== undefined) throw new StateLimitError('key', problem);
      live();
      const keys = new Set(await store.keys(jobId, prefix, clock.now()));
      let added = false;
      for (const [key, s] of staged) {
        if (!key.startsWith(prefix)) continue;
        if (s.write.kind === 'delete') keys.delete(key);
        else if (!keys.has(key)) {
          keys.add(key);
          added = true;
        }
      }
      return added ? [...keys].sort(byUtf8) : [...keys];
    },
  };

  return {
    state,
    commit: async () => {
      const total = staged.size;
      let applied = 0;
      // Past the deadline (or stopped), nothing is applied: the attempt times out. Checked once: a
      // deadline between two writes must not leave half of them applied for a retry to apply again.
      live();
      // The writes that may conflict go first: a conflict then fails the attempt with nothing applied,
      // and its retry (which sees the other writer's value) applies the whole set once.
      const ordered = [...staged].sort(([, a], [, b]) => Number(b.conditional) - Number(a.conditional));
      for (const [key, s] of ordered) {
        const ifVersion = s.conditional ? s.base : undefined;
        try {
          if (s.write.kind === 'set') {
            const { valueJson, ttlSeconds } = s.write;
            await store.set(jobId, key, valueJson, { ttlSeconds, ifVersion }, clock.now());
          } else {
            await store.delete(jobId, key, { ifVersion }, clock.now());
          }
        } catch (e) {
          const text = `ctx.state: ${applied} of ${total} writes applied; key ${quote(key, 64)} and the rest not: ${errorMessage(e)}`;
          scope.logger.warn(text);
          // Some writes are in: a retry would apply them a second time, so the run stops here (its log
          // says what was applied). With none applied the error stands (a conflict passes on a retry).
          if (applied > 0 && !(e instanceof PermanentError)) {
            throw new PermanentError(`${text}; not retried, so that no write is applied twice`);
          }
          throw e;
        }
        staged.delete(key);
        applied++;
      }
    },
  };
};
