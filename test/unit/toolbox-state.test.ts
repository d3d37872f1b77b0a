import { describe, expect, it } from 'vitest';
import { PermanentError, StateConflictError, StateLimitError } from '../../shared/errors.ts';
import { STATE_LIMITS } from '../../shared/model/state.ts';
import { createState } from '../../shared/runtime/toolbox/state.ts';
import type { IntegrationState } from '../../shared/sdk/index.ts';
import { makeJob } from '../contract/fixtures.ts';
import { FakeClock } from '../helpers/memory-deps.ts';
import { MemoryStateStore } from '../helpers/memory-state-store.ts';

interface Attempt {
  state: IntegrationState;
  /** Applies the attempt's staged writes (execute does once the run succeeded). */
  commit: () => Promise<void>;
  store: MemoryStateStore;
  clock: FakeClock;
  /** What the attempt logged as a warning (commit's partial-apply line). */
  warnings: string[];
}

/** One attempt's ctx.state over `store`. */
const stateOf = (
  options: { jobId?: string; store?: MemoryStateStore; clock?: FakeClock; signal?: AbortSignal } = {},
): Attempt => {
  const store = options.store ?? new MemoryStateStore();
  const clock = options.clock ?? new FakeClock();
  const warnings: string[] = [];
  const { state, commit } = createState(
    { state: store, clock },
    { job: makeJob(options.jobId ?? 'job') },
    {
      signal: options.signal ?? new AbortController().signal,
      logger: { warn: (m: string) => void warnings.push(m) },
    },
  );
  return { state, commit, store, clock, warnings };
};

/** What the store itself holds for `key` (no attempt in between). */
const stored = (store: MemoryStateStore, key: string, jobId = 'job') =>
  store
    .get(jobId, key, new FakeClock().now())
    .then((item) => item && { value: item.value, version: item.version });

/** The rejection of `promise`, which must reject. */
const rejectionOf = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
};

describe('ctx.state', () => {
  it('gets, sets, lists and deletes JSON values per job, with versions', async () => {
    // Prepare
    const store = new MemoryStateStore();
    const first = stateOf({ store });
    const other = stateOf({ store, jobId: 'other' });
    await first.state.set('cfg/a', { n: 1, when: new Date('2026-01-01T00:00:00Z') });
    await first.state.set('cfg/b', [1, 'two', null]);
    await first.state.set('count', 0);
    await other.state.set('cfg/z', true);
    await first.commit();
    await other.commit();
    const { state } = stateOf({ store });

    // Act
    const second = await state.set('cfg/a', { n: 2 });

    // Assess
    expect(second).toEqual({ version: 2 });
    expect(await state.get('cfg/a')).toEqual({ n: 2 });
    expect(await state.getEntry('cfg/a')).toEqual({ value: { n: 2 }, version: 2 });
    expect(await state.get('cfg/b')).toEqual([1, 'two', null]);
    expect(await state.get('count')).toBe(0);
    expect(await state.get('nope')).toBeUndefined();
    expect(await state.getEntry('nope')).toBeUndefined();
    expect(await state.list()).toEqual(['cfg/a', 'cfg/b', 'count']);
    expect(await state.list('cfg/')).toEqual(['cfg/a', 'cfg/b']);
    expect(await stateOf({ store, jobId: 'other' }).state.list()).toEqual(['cfg/z']);
    expect(await state.delete('cfg/a')).toBe(true);
    expect(await state.delete('cfg/a')).toBe(false);
    expect(await state.list('cfg/')).toEqual(['cfg/b']);
  });

  it('stages every write until commit, and reads the attempt’s own writes back', async () => {
    // Prepare
    const store = new MemoryStateStore();
    const before = stateOf({ store });
    await before.state.set('kept', 'k');
    await before.state.set('gone', 'g');
    await before.commit();
    const { state, commit } = stateOf({ store });
    const writes = store.writes;

    // Act
    const created = await state.set('new', 1);
    const again = await state.set('new', 2, { ttlSeconds: 60 });
    const overwritten = await state.set('kept', 'k2');
    const deleted = await state.delete('gone');
    const seen = {
      newEntry: await state.getEntry('new'),
      kept: await state.getEntry('kept'),
      gone: await state.getEntry('gone'),
      all: await state.list(),
      prefixed: await state.list('ne'),
    };
    const storeBefore = [
      await stored(store, 'new'),
      await stored(store, 'kept'),
      await stored(store, 'gone'),
    ];
    const writesBefore = store.writes;
    await commit();
    const after = stateOf({ store }).state;

    // Assess
    // The version a write answers is the one the store will give: the version first read + 1.
    expect([created, again, overwritten, deleted]).toEqual([
      { version: 1 },
      { version: 1 },
      { version: 2 },
      true,
    ]);
    expect(seen).toEqual({
      newEntry: { value: 2, version: 1 },
      kept: { value: 'k2', version: 2 },
      gone: undefined,
      all: ['kept', 'new'],
      prefixed: ['new'],
    });
    expect(writesBefore).toBe(writes);
    expect(storeBefore).toEqual([undefined, { value: 'k', version: 1 }, { value: 'g', version: 1 }]);
    expect(await after.getEntry('new')).toEqual({ value: 2, version: 1 });
    expect(await after.getEntry('kept')).toEqual({ value: 'k2', version: 2 });
    expect(await after.get('gone')).toBeUndefined();
    expect((await store.get('job', 'new', new FakeClock().now()))?.expiresAt).toBeDefined();
  });

  it('lists staged keys in UTF-8 order among the stored ones, as the store does', async () => {
    // Prepare
    const store = new MemoryStateStore();
    const before = stateOf({ store });
    await before.state.set('b', 1);
    await before.state.set('\u{1F600}', 1);
    await before.commit();
    const { state } = stateOf({ store });

    // Act
    await state.set('\uFF21', 1); // below U+1F600 in UTF-16 code units' order too, but …
    await state.set('a', 1);
    await state.set('\uE000', 1); // … U+E000 sorts after U+1F600's surrogates in UTF-16, before it in UTF-8

    // Assess
    expect(await state.list()).toEqual(['a', 'b', '\uE000', '\uFF21', '\u{1F600}']);
  });

  it('keeps a Date as JSON does, and hands out a fresh copy on every read', async () => {
    // Prepare
    const { state } = stateOf();
    const value = { when: new Date('2026-01-01T00:00:00Z'), list: [1] };
    await state.set('k', value);

    // Act
    value.list.push(2);
    const read = await state.get<{ when: string; list: number[] }>('k');
    read?.list.push(3);

    // Assess
    expect(read?.when).toBe('2026-01-01T00:00:00.000Z');
    expect(await state.get('k')).toEqual({ when: '2026-01-01T00:00:00.000Z', list: [1] });
  });

  it(`takes a value of ${STATE_LIMITS.valueBytes} bytes of JSON and refuses one byte more`, async () => {
    // Prepare
    const { state } = stateOf();
    const fits = 'x'.repeat(STATE_LIMITS.valueBytes - 2); // plus its two quotes
    const tooLong = 'x'.repeat(STATE_LIMITS.valueBytes - 1);
    // Counted in UTF-8: 32 768 × "é" (2 bytes each) and the quotes are 65 538 bytes in 32 770 characters.
    const wide = 'é'.repeat(STATE_LIMITS.valueBytes / 2);

    // Act
    const ok = await state.set('fits', fits);
    const refused = await rejectionOf(state.set('long', tooLong));
    const refusedWide = await rejectionOf(state.set('wide', wide));

    // Assess
    expect(ok).toEqual({ version: 1 });
    expect(refused).toBeInstanceOf(StateLimitError);
    expect(refused).toBeInstanceOf(PermanentError);
    expect(refused).toMatchObject({ limit: 'value_bytes', retryable: false });
    expect((refused as Error).message).toBe(
      'value of state key "long" is 65537 bytes of JSON; at most 65536 (64 KiB)',
    );
    expect(refusedWide).toMatchObject({ limit: 'value_bytes' });
    expect((refusedWide as Error).message).toContain('65538 bytes');
    expect(await state.list()).toEqual(['fits']);
  });

  it('refuses undefined, functions, symbols, BigInt and cycles as values', async () => {
    // Prepare
    const { state } = stateOf();
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;

    // Act
    const refusals = await Promise.all(
      [undefined, () => 1, Symbol('s'), 10n, { big: 1n }, cycle].map((v) => rejectionOf(state.set('k', v))),
    );

    // Assess
    for (const e of refusals) {
      expect(e).toBeInstanceOf(StateLimitError);
      expect(e).toMatchObject({ limit: 'value' });
      expect((e as Error).message).toMatch(/^value of state key "k" is /);
    }
    expect((refusals[0] as Error).message).toContain('undefined, which JSON cannot hold');
    expect((refusals[3] as Error).message).toContain('BigInt');
    expect((refusals[5] as Error).message).toContain('circular');
    expect(await state.list()).toEqual([]);
  });

  it(`takes keys of 1 to ${STATE_LIMITS.keyBytes} bytes of UTF-8, without control characters`, async () => {
    // Prepare
    const { state } = stateOf();
    const longest = 'k'.repeat(STATE_LIMITS.keyBytes);
    const longestWide = 'é'.repeat(STATE_LIMITS.keyBytes / 2);

    // Act
    await state.set(longest, 1);
    await state.set(longestWide, 1);
    const refusals = await Promise.all(
      [
        'k'.repeat(STATE_LIMITS.keyBytes + 1),
        `${'é'.repeat(STATE_LIMITS.keyBytes / 2)}k`,
        '',
        'line\nbreak',
        'nul\u0000',
        'lone \uD800 surrogate',
        42 as unknown as string,
      ].map((k) => rejectionOf(state.set(k, 1))),
    );
    const onRead = await rejectionOf(state.get('k'.repeat(STATE_LIMITS.keyBytes + 1)));
    const onDelete = await rejectionOf(state.delete(''));
    const onList = await rejectionOf(state.list('p'.repeat(STATE_LIMITS.keyBytes + 1)));

    // Assess
    for (const e of [...refusals, onRead, onDelete, onList]) {
      expect(e).toBeInstanceOf(StateLimitError);
      expect(e).toMatchObject({ limit: 'key' });
    }
    expect((refusals[0] as Error).message).toMatch(/ is 257 bytes of UTF-8; at most 256$/);
    expect((refusals[1] as Error).message).toMatch(/ is 257 bytes of UTF-8; at most 256$/);
    expect((refusals[2] as Error).message).toBe('state key must not be empty');
    expect((refusals[3] as Error).message).toContain('control character');
    expect(await state.list()).toEqual([longest, longestWide].sort());
    expect(await state.list('')).toHaveLength(2);
  });

  it(`refuses the ${STATE_LIMITS.keysPerJob + 1}st key of a job at commit, but not a new value of a kept one`, async () => {
    // Prepare
    const store = new MemoryStateStore();
    const filling = stateOf({ store });
    for (let i = 0; i < STATE_LIMITS.keysPerJob; i++) await filling.state.set(`k${i}`, i);
    await filling.commit();
    const { state, commit, warnings } = stateOf({ store });

    // Act
    const overwrite = await state.set('k0', 'new');
    const staged = await state.set('one-too-many', 1);
    const refused = await rejectionOf(commit());
    const otherJob = stateOf({ store, jobId: 'other' });
    await otherJob.state.set('k', 1);
    await otherJob.commit();

    // Assess
    expect(overwrite).toEqual({ version: 2 });
    expect(staged).toEqual({ version: 1 });
    expect(refused).toBeInstanceOf(StateLimitError);
    expect(refused).toMatchObject({ limit: 'keys', retryable: false });
    expect((refused as Error).message).toContain('1000 state keys');
    // Applied in order: the write before the refused one stays.
    expect(await stored(store, 'k0')).toEqual({ value: 'new', version: 2 });
    expect(await stored(store, 'one-too-many')).toBeUndefined();
    expect(warnings).toEqual([
      expect.stringMatching(/^ctx\.state: 1 of 2 writes applied; key "one-too-many" and the rest not: /),
    ]);
    expect(await stored(store, 'k', 'other')).toEqual({ value: 1, version: 1 });
    expect(await stateOf({ store }).state.list()).toHaveLength(STATE_LIMITS.keysPerJob);
  });

  it(`refuses at once the ${STATE_LIMITS.keysPerJob + 1}st key one run sets, which could never be applied`, async () => {
    // Prepare
    const { state, store } = stateOf();
    for (let i = 0; i < STATE_LIMITS.keysPerJob; i++) await state.set(`k${i}`, i);

    // Act
    const refused = await rejectionOf(state.set('one-too-many', 1));
    await state.delete('k1');
    const afterDelete = await state.set('in-its-place', 1);

    // Assess
    expect(refused).toMatchObject({ name: 'StateLimitError', limit: 'keys' });
    expect((refused as Error).message).toBe(
      'a run may set at most 1000 state keys (the most a job may hold): not key "one-too-many"',
    );
    expect(afterDelete).toEqual({ version: 1 });
    expect(store.writes).toBe(0);
  });

  it('takes ttlSeconds from 1 to 365 days, and forgets the key when it has passed', async () => {
    // Prepare
    const { state, commit, store, clock } = stateOf();

    // Act
    await state.set('one-second', 1, { ttlSeconds: 1 });
    await state.set('a-year', 1, { ttlSeconds: STATE_LIMITS.maxTtlSeconds });
    const refusals = await Promise.all(
      [0, -1, 1.5, STATE_LIMITS.maxTtlSeconds + 1, 1e9, Number.NaN, '60' as unknown as number].map((ttl) =>
        rejectionOf(state.set('k', 1, { ttlSeconds: ttl })),
      ),
    );
    await commit();
    const next = stateOf({ store, clock }).state;
    const before = await next.get('one-second');
    clock.advance(1000);
    const after = stateOf({ store, clock }).state;

    // Assess
    for (const e of refusals) expect(e).toMatchObject({ name: 'StateLimitError', limit: 'ttl' });
    expect((refusals[0] as Error).message).toBe('ttlSeconds 0: an integer from 1 to 31536000 (365 days)');
    expect(before).toBe(1);
    expect(await after.get('one-second')).toBeUndefined();
    expect(await after.getEntry('one-second')).toBeUndefined();
    expect(await after.list()).toEqual(['a-year']);
  });

  it('checks ifVersion at once against what the attempt sees, the conflict a typed error it can catch', async () => {
    // Prepare
    const store = new MemoryStateStore();
    const before = stateOf({ store });
    await before.state.set('counter', 1);
    await before.commit();
    const { state } = stateOf({ store });

    // Act
    const entry = await state.getEntry<number>('counter');
    const stale = await rejectionOf(state.set('counter', 5, { ifVersion: 7 }));
    const won = await state.set('counter', (entry?.value ?? 0) + 1, { ifVersion: entry?.version });
    // The attempt's own write is what later checks compare against: version 2, not the store's 1.
    const againStale = await rejectionOf(state.set('counter', 9, { ifVersion: 1 }));
    const again = await state.set('counter', 3, { ifVersion: 2 });
    const onCreate = await rejectionOf(state.set('counter', 1, { ifVersion: 0 }));
    const onDelete = await rejectionOf(state.delete('counter', { ifVersion: 1 }));
    const fresh = await state.set('fresh', 1, { ifVersion: 0 });
    const deleted = await state.delete('counter', { ifVersion: 2 });
    const recreated = await state.set('counter', 10, { ifVersion: 0 });

    // Assess
    expect(stale).toBeInstanceOf(StateConflictError);
    expect(stale).toMatchObject({ key: 'counter', expected: 7, actual: 1, retryable: true });
    expect(won).toEqual({ version: 2 });
    expect(againStale).toMatchObject({ name: 'StateConflictError', expected: 1, actual: 2 });
    expect(again).toEqual({ version: 2 });
    expect(onCreate).toMatchObject({ name: 'StateConflictError', expected: 0, actual: 2 });
    expect(onDelete).toMatchObject({ name: 'StateConflictError', expected: 1, actual: 2 });
    expect(fresh).toEqual({ version: 1 });
    expect(deleted).toBe(true);
    expect(recreated).toEqual({ version: 2 });
    expect(await state.getEntry('counter')).toEqual({ value: 10, version: 2 });
    expect(await stored(store, 'counter')).toEqual({ value: 1, version: 1 });
  });

  it('checks ifVersion again when it applies: another writer in between is a conflict, and the attempt applies nothing (its conditional writes go first)', async () => {
    // Prepare
    const store = new MemoryStateStore();
    const before = stateOf({ store });
    await before.state.set('counter', 1);
    await before.commit();
    const a = stateOf({ store });
    const b = stateOf({ store });
    const entryA = await a.state.getEntry<number>('counter');
    const entryB = await b.state.getEntry<number>('counter');
    await a.state.set('first', 'a');
    await a.state.set('counter', (entryA?.value ?? 0) + 1, { ifVersion: entryA?.version });
    await a.state.set('last', 'a');
    // Unconditional writes stay last-writer-wins, as the store's.
    await b.state.set('first', 'b');
    await b.state.set('counter', (entryB?.value ?? 0) + 1, { ifVersion: entryB?.version });

    // Act
    await b.commit();
    const conflict = await rejectionOf(a.commit());

    // Assess
    expect(conflict).toBeInstanceOf(StateConflictError);
    expect(conflict).toMatchObject({ key: 'counter', expected: 1, actual: 2, retryable: true });
    expect(await stored(store, 'counter')).toEqual({ value: 2, version: 2 });
    expect(await stored(store, 'first')).toEqual({ value: 'b', version: 1 });
    expect(await stored(store, 'last')).toBeUndefined();
    expect(a.warnings).toEqual([
      'ctx.state: 0 of 3 writes applied; key "counter" and the rest not: state key "counter" is at version 2, not the expected 1',
    ]);
  });

  it('applies a key written several times once, conditional on the version first read when any write gave ifVersion', async () => {
    // Prepare
    const store = new MemoryStateStore();
    const before = stateOf({ store });
    await before.state.set('n', 1);
    await before.commit();
    const { state, commit } = stateOf({ store });
    const writes = store.writes;
    const reads = store.reads;

    // Act
    for (let i = 0; i < 10; i++) {
      const e = await state.getEntry<number>('n');
      await state.set('n', (e?.value ?? 0) + 1, { ifVersion: e?.version });
    }
    await commit();
    const calls = { reads: store.reads - reads, writes: store.writes - writes };

    // Assess
    expect(await stored(store, 'n')).toEqual({ value: 11, version: 2 });
    // One read (the first getEntry) and one conditional write.
    expect(calls).toEqual({ reads: 1, writes: 1 });
  });

  it('refuses an ifVersion that is not an integer ≥ 0, as a permanent error', async () => {
    // Prepare
    const { state } = stateOf();

    // Act
    const refusals = await Promise.all(
      [-1, 1.5, Number.NaN, '1' as unknown as number].map((v) =>
        rejectionOf(state.set('k', 1, { ifVersion: v })),
      ),
    );

    // Assess
    for (const e of refusals) {
      expect(e).toBeInstanceOf(PermanentError);
      expect((e as Error).message).toContain('ifVersion');
    }
    expect(await state.list()).toEqual([]);
  });

  it('calls nothing once the run was aborted (deadline or stop): an abandoned run writes no state', async () => {
    // Prepare
    const controller = new AbortController();
    const { state, store, commit } = stateOf({ signal: controller.signal });
    await state.get('k');
    await state.set('k', 1);
    const writes = store.writes;
    const reads = store.reads;

    // Act
    controller.abort(new Error('run timed out after 1000 ms'));
    const calls = await Promise.all([
      rejectionOf(state.set('k', 2)),
      rejectionOf(state.get('k')),
      rejectionOf(state.delete('k')),
      rejectionOf(state.list()),
      rejectionOf(commit()),
    ]);

    // Assess
    for (const e of calls) expect((e as Error).message).toBe('run timed out after 1000 ms');
    expect(store.writes).toBe(writes);
    expect(store.reads).toBe(reads);
    expect(writes).toBe(0);
    expect(await stateOf({ store }).state.get('k')).toBeUndefined();
  });
});
