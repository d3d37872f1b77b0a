import { describe, expect, it } from 'vitest';
import { PermanentError, StateConflictError, StateLimitError } from '../../shared/errors.ts';
import { STATE_LIMITS } from '../../shared/model/state.ts';
import { createState } from '../../shared/runtime/toolbox/state.ts';
import type { IntegrationState } from '../../shared/sdk/index.ts';
import { makeJob } from '../contract/fixtures.ts';
import { FakeClock } from '../helpers/memory-deps.ts';
import { MemoryStateStore } from '../helpers/memory-state-store.ts';

const stateOf = (
  options: { jobId?: string; store?: MemoryStateStore; clock?: FakeClock; signal?: AbortSignal } = {},
): { state: IntegrationState; store: MemoryStateStore; clock: FakeClock } => {
  const store = options.store ?? new MemoryStateStore();
  const clock = options.clock ?? new FakeClock();
  const state = createState(
    { state: store, clock },
    { job: makeJob(options.jobId ?? 'job') },
    { signal: options.signal ?? new AbortController().signal },
  );
  return { state, store, clock };
};

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
    const { state } = stateOf({ store });
    const other = stateOf({ store, jobId: 'other' }).state;

    // Act
    const first = await state.set('cfg/a', { n: 1, when: new Date('2026-01-01T00:00:00Z') });
    const second = await state.set('cfg/a', { n: 2 });
    await state.set('cfg/b', [1, 'two', null]);
    await state.set('count', 0);
    await other.set('cfg/z', true);

    // Assess
    expect(first).toEqual({ version: 1 });
    expect(second).toEqual({ version: 2 });
    expect(await state.get('cfg/a')).toEqual({ n: 2 });
    expect(await state.getEntry('cfg/a')).toEqual({ value: { n: 2 }, version: 2 });
    expect(await state.get('count')).toBe(0);
    expect(await state.get('nope')).toBeUndefined();
    expect(await state.getEntry('nope')).toBeUndefined();
    expect(await state.list()).toEqual(['cfg/a', 'cfg/b', 'count']);
    expect(await state.list('cfg/')).toEqual(['cfg/a', 'cfg/b']);
    expect(await other.list()).toEqual(['cfg/z']);
    expect(await state.delete('cfg/a')).toBe(true);
    expect(await state.delete('cfg/a')).toBe(false);
    expect(await state.list('cfg/')).toEqual(['cfg/b']);
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

  it(`refuses the ${STATE_LIMITS.keysPerJob + 1}st key of a job, but not a new value of a kept one`, async () => {
    // Prepare
    const store = new MemoryStateStore();
    const { state } = stateOf({ store });
    for (let i = 0; i < STATE_LIMITS.keysPerJob; i++) await state.set(`k${i}`, i);

    // Act
    const refused = await rejectionOf(state.set('one-too-many', 1));
    const overwrite = await state.set('k0', 'new');
    const otherJob = await stateOf({ store, jobId: 'other' }).state.set('k', 1);

    // Assess
    expect(refused).toBeInstanceOf(StateLimitError);
    expect(refused).toMatchObject({ limit: 'keys' });
    expect((refused as Error).message).toContain('1000 state keys');
    expect(overwrite).toEqual({ version: 2 });
    expect(otherJob).toEqual({ version: 1 });
    expect(await state.list()).toHaveLength(STATE_LIMITS.keysPerJob);
  });

  it('takes ttlSeconds from 1 to 365 days, and forgets the key when it has passed', async () => {
    // Prepare
    const { state, clock } = stateOf();

    // Act
    await state.set('one-second', 1, { ttlSeconds: 1 });
    await state.set('a-year', 1, { ttlSeconds: STATE_LIMITS.maxTtlSeconds });
    const refusals = await Promise.all(
      [0, -1, 1.5, STATE_LIMITS.maxTtlSeconds + 1, 1e9, Number.NaN, '60' as unknown as number].map((ttl) =>
        rejectionOf(state.set('k', 1, { ttlSeconds: ttl })),
      ),
    );
    const before = await state.get('one-second');
    clock.advance(1000);
    const after = await state.get('one-second');

    // Assess
    for (const e of refusals) expect(e).toMatchObject({ name: 'StateLimitError', limit: 'ttl' });
    expect((refusals[0] as Error).message).toBe('ttlSeconds 0: an integer from 1 to 31536000 (365 days)');
    expect(before).toBe(1);
    expect(after).toBeUndefined();
    expect(await state.getEntry('one-second')).toBeUndefined();
    expect(await state.list()).toEqual(['a-year']);
  });

  it('gives optimistic concurrency with ifVersion, the conflict a typed error the integration can catch', async () => {
    // Prepare
    const store = new MemoryStateStore();
    const a = stateOf({ store }).state;
    const b = stateOf({ store }).state;
    await a.set('counter', 1);

    // Act
    const entryA = await a.getEntry<number>('counter');
    const entryB = await b.getEntry<number>('counter');
    const wonByA = await a.set('counter', (entryA?.value ?? 0) + 1, { ifVersion: entryA?.version });
    let caught: unknown;
    try {
      await b.set('counter', (entryB?.value ?? 0) + 1, { ifVersion: entryB?.version });
    } catch (e) {
      caught = e;
    }
    const onCreate = await rejectionOf(b.set('counter', 1, { ifVersion: 0 }));
    const onDelete = await rejectionOf(b.delete('counter', { ifVersion: 1 }));

    // Assess
    expect(wonByA).toEqual({ version: 2 });
    expect(caught).toBeInstanceOf(StateConflictError);
    expect(caught).toMatchObject({ key: 'counter', expected: 1, actual: 2, retryable: true });
    expect(onCreate).toMatchObject({ name: 'StateConflictError', expected: 0, actual: 2 });
    expect(onDelete).toMatchObject({ name: 'StateConflictError', expected: 1, actual: 2 });
    expect(await a.get('counter')).toBe(2);
    expect(await a.set('fresh', 1, { ifVersion: 0 })).toEqual({ version: 1 });
    expect(await a.delete('counter', { ifVersion: 2 })).toBe(true);
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
    const { state, store } = stateOf({ signal: controller.signal });
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
    ]);

    // Assess
    for (const e of calls) expect((e as Error).message).toBe('run timed out after 1000 ms');
    expect(store.writes).toBe(writes);
    expect(store.reads).toBe(reads);
    expect(await stateOf({ store }).state.get('k')).toBe(1);
  });
});
