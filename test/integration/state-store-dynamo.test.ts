import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { StateConflictError, StateLimitError } from '../../shared/errors.ts';
import { STATE_LIMITS } from '../../shared/model/state.ts';
import { DynamoStateStore } from '../../shared/store/dynamo-state-store.ts';
import { stateMetaKey } from '../../shared/store/keys.ts';
import { at } from '../contract/fixtures.ts';
import { describeStateStoreContract, fillKeys } from '../contract/state-store.contract.ts';
import { freshTable as freshTableOf } from '../helpers/aws.ts';

// DynamoStateStore against dynalite with the real SDK: the contract every
// StateStore keeps (test/unit/state-store-memory.test.ts runs it against the
// fake), then what only a real table can show — concurrent writers.

const freshTable = () => freshTableOf('state');

describeStateStoreContract('DynamoStateStore', async () => new DynamoStateStore(await freshTable()));

/** Each settled promise: fulfilled values and rejections apart. */
const settled = async <T>(calls: Promise<T>[]): Promise<{ values: T[]; errors: unknown[] }> => {
  const results = await Promise.allSettled(calls);
  return {
    values: results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])),
    errors: results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : [])),
  };
};

describe('DynamoStateStore key count', () => {
  it('counts a new key once, not an overwrite, and takes a deleted key off', async () => {
    // Prepare
    const table = await freshTable();
    const store = new DynamoStateStore(table);
    const count = async (): Promise<unknown> =>
      (
        await table.client.send(
          new GetCommand({ TableName: table.tableName, Key: stateMetaKey('job'), ConsistentRead: true }),
        )
      ).Item?.c;

    // Act
    await store.set('job', 'a', '1', {}, at(0));
    await store.set('job', 'b', '1', {}, at(0));
    await store.set('job', 'a', '2', {}, at(1));
    const afterSets = await count();
    await store.delete('job', 'a', {}, at(2));
    await store.delete('job', 'a', {}, at(2));
    const afterDeletes = await count();

    // Assess
    expect(afterSets).toBe(2);
    expect(afterDeletes).toBe(1);
  });
});

describe('DynamoStateStore under concurrent writers', () => {
  it('ends at 50 after 50 concurrent ifVersion increments, each retrying its conflicts', async () => {
    // Prepare
    const table = await freshTable();
    const store = new DynamoStateStore(table);
    await store.set('job', 'counter', '0', {}, at(0));
    const increment = async (): Promise<number> => {
      // Bounded: each round one writer wins, so 50 writers need at most 50 rounds each.
      for (let attempt = 1; attempt <= 60; attempt++) {
        const entry = await store.get('job', 'counter', at(1));
        if (entry === undefined) throw new Error('counter vanished');
        try {
          await store.set(
            'job',
            'counter',
            String(Number(entry.value) + 1),
            { ifVersion: entry.version },
            at(1),
          );
          return attempt;
        } catch (e) {
          if (!(e instanceof StateConflictError)) throw e;
        }
      }
      throw new Error('no increment after 60 attempts');
    };

    // Act
    const attempts = await Promise.all(Array.from({ length: 50 }, increment));
    const final = await store.get('job', 'counter', at(2));

    // Assess
    expect(final).toMatchObject({ value: 50, version: 51 });
    expect(attempts.some((n) => n > 1)).toBe(true);
  });

  it('lets exactly one of 20 concurrent sets at the same version win', async () => {
    // Prepare
    const store = new DynamoStateStore(await freshTable());
    const { version } = await store.set('job', 'k', '"start"', {}, at(0));

    // Act
    const { values, errors } = await settled(
      Array.from({ length: 20 }, (_, i) => store.set('job', 'k', String(i), { ifVersion: version }, at(1))),
    );
    const final = await store.get('job', 'k', at(2));

    // Assess
    expect(values).toEqual([{ version: 2 }]);
    expect(errors).toHaveLength(19);
    for (const e of errors) {
      expect(e).toBeInstanceOf(StateConflictError);
      expect(e).toMatchObject({ expected: 1, actual: 2 });
    }
    expect(final?.version).toBe(2);
  });

  it('lets exactly one of 20 concurrent creations with ifVersion 0 win, counting the key once', async () => {
    // Prepare
    const table = await freshTable();
    const store = new DynamoStateStore(table);

    // Act
    const { values, errors } = await settled(
      Array.from({ length: 20 }, (_, i) => store.set('job', 'once', String(i), { ifVersion: 0 }, at(0))),
    );
    const meta = await table.client.send(
      new GetCommand({ TableName: table.tableName, Key: stateMetaKey('job'), ConsistentRead: true }),
    );

    // Assess
    expect(values).toEqual([{ version: 1 }]);
    expect(errors).toHaveLength(19);
    for (const e of errors) expect(e).toMatchObject({ name: 'StateConflictError', expected: 0, actual: 1 });
    expect(meta.Item?.c).toBe(1);
  });

  it(`admits exactly ${STATE_LIMITS.keysPerJob} of ${STATE_LIMITS.keysPerJob + 10} new keys set at once`, async () => {
    // Prepare
    const table = await freshTable();
    const store = new DynamoStateStore(table);
    const total = STATE_LIMITS.keysPerJob + 10;

    // Act
    const { values, errors } = await settled(
      Array.from({ length: total }, (_, i) => store.set('job', `key-${i}`, String(i), {}, at(0))),
    );
    const keys = await store.keys('job', '', at(1));
    const meta = await table.client.send(
      new GetCommand({ TableName: table.tableName, Key: stateMetaKey('job'), ConsistentRead: true }),
    );
    const raw = await table.client.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :state)',
        ExpressionAttributeValues: { ':pk': stateMetaKey('job').pk, ':state': 'STATE#' },
        Select: 'COUNT',
        ConsistentRead: true,
      }),
    );

    // Assess
    expect(values).toHaveLength(STATE_LIMITS.keysPerJob);
    expect(errors).toHaveLength(10);
    for (const e of errors) {
      expect(e).toBeInstanceOf(StateLimitError);
      expect(e).toMatchObject({ limit: 'keys' });
    }
    expect(keys).toHaveLength(STATE_LIMITS.keysPerJob);
    // The refused keys were deleted again, and the count is exact.
    expect(raw.Count).toBe(STATE_LIMITS.keysPerJob);
    expect(meta.Item?.c).toBe(STATE_LIMITS.keysPerJob);
  }, 60_000);

  it('repairs a count TTL left too high, deleting expired keys, and admits new keys again', async () => {
    // Prepare
    const table = await freshTable();
    const store = new DynamoStateStore({ ...table, maxKeys: 20 });
    await fillKeys(store, 'job', 'kept', 15, at(0));
    await fillKeys(store, 'job', 'ttl', 5, at(0), { ttlSeconds: 60 });
    const whileLive = await store.set('job', 'new-0', '1', {}, at(30)).catch((e: unknown) => e);

    // Act
    const afterExpiry = { values: [] as unknown[], errors: [] as unknown[] };
    for (let i = 1; i <= 7; i++) {
      await store.set('job', `new-${i}`, '1', {}, at(61)).then(
        (v) => afterExpiry.values.push(v),
        (e: unknown) => afterExpiry.errors.push(e),
      );
    }
    const meta = await table.client.send(
      new GetCommand({ TableName: table.tableName, Key: stateMetaKey('job'), ConsistentRead: true }),
    );
    const ttlLeft = await table.client.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :ttl)',
        ExpressionAttributeValues: { ':pk': stateMetaKey('job').pk, ':ttl': 'STATE#ttl' },
        ConsistentRead: true,
      }),
    );

    // Assess
    expect(whileLive).toMatchObject({ name: 'StateLimitError', limit: 'keys' });
    expect(afterExpiry.values).toEqual(Array.from({ length: 5 }, () => ({ version: 1 })));
    expect(afterExpiry.errors).toHaveLength(2);
    expect(await store.get('job', 'new-5', at(62))).toBeDefined();
    expect(await store.get('job', 'new-6', at(62))).toBeUndefined();
    for (const e of afterExpiry.errors) expect(e).toMatchObject({ limit: 'keys' });
    expect(ttlLeft.Items).toEqual([]);
    expect(meta.Item?.c).toBe(20);
    expect(await store.keys('job', '', at(62))).toHaveLength(20);
  });

  it('never lets new keys set at once after expiry past the limit, nor the count below the keys', async () => {
    // Prepare
    const table = await freshTable();
    const store = new DynamoStateStore({ ...table, maxKeys: 20 });
    await fillKeys(store, 'job', 'kept', 15, at(0));
    await fillKeys(store, 'job', 'ttl', 5, at(0), { ttlSeconds: 60 });

    // Act
    const { values, errors } = await settled(
      Array.from({ length: 8 }, (_, i) => store.set('job', `new-${i}`, '1', {}, at(61))),
    );
    const keys = await store.keys('job', '', at(62));
    const meta = await table.client.send(
      new GetCommand({ TableName: table.tableName, Key: stateMetaKey('job'), ConsistentRead: true }),
    );
    const next = await store.set('job', 'after', '1', {}, at(63)).catch((e: unknown) => e);

    // Assess
    // How many get in depends on timing (each sees the others' keys, not yet counted): never too many.
    expect(values.length).toBeLessThanOrEqual(5);
    for (const e of errors) expect(e).toMatchObject({ name: 'StateLimitError', limit: 'keys' });
    expect(keys).toHaveLength(15 + values.length);
    expect(keys.filter((k) => k.startsWith('ttl'))).toEqual([]);
    expect(meta.Item?.c).toBeGreaterThanOrEqual(keys.length);
    // Alone again, a new key gets the room that is left.
    if (values.length < 5) expect(next).toEqual({ version: 1 });
    else expect(next).toMatchObject({ name: 'StateLimitError' });
  });
});
