import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from '../../shared/errors.ts';
import { DynamoLeaseStore } from '../../shared/store/dynamo-lease-store.ts';

// The grid reads a page's `schedule` leases with BatchGetItem: keys DynamoDB leaves unprocessed
// (throttling) are asked for again, and a batch that never gets through is a 503.

type Key = { pk: string; sk: string };
type BatchInput = { RequestItems: Record<string, { Keys: Key[] }> };

const storeOver = (answer: (keys: Key[], call: number) => { found: string[]; left: Key[] }) => {
  const calls: Key[][] = [];
  const client = {
    send: (command: { input: BatchInput }) => {
      const keys = command.input.RequestItems.t?.Keys ?? [];
      calls.push(keys);
      const { found, left } = answer(keys, calls.length);
      return Promise.resolve({
        Responses: {
          t: found.map((id) => ({ pk: `JOB#${id}`, holder: `run-${id}`, until: '2026-12-01T10:00:00.000Z' })),
        },
        ...(left.length === 0 ? {} : { UnprocessedKeys: { t: { Keys: left } } }),
      });
    },
  };
  const store = new DynamoLeaseStore({ client: client as unknown as DynamoDBDocumentClient, tableName: 't' });
  return { store, calls };
};

const idOf = (k: Key) => k.pk.slice('JOB#'.length);

describe('DynamoLeaseStore.getMany', () => {
  it('asks for the named lease of each job, again for the keys left unprocessed, and only for them', async () => {
    // Prepare: the first call serves `a` and leaves `b`
    const { store, calls } = storeOver((keys, call) =>
      call === 1
        ? { found: ['a'], left: keys.filter((k) => idOf(k) === 'b') }
        : { found: keys.map(idOf), left: [] },
    );

    // Act
    const found = await store.getMany(['a', 'b'], 'schedule');

    // Assess
    expect([...found.entries()]).toEqual([
      ['a', { holder: 'run-a', until: '2026-12-01T10:00:00.000Z' }],
      ['b', { holder: 'run-b', until: '2026-12-01T10:00:00.000Z' }],
    ]);
    expect(calls.map((keys) => keys.map(idOf))).toEqual([['a', 'b'], ['b']]);
    expect(calls[0]?.map((k) => k.sk)).toEqual(['LEASE#schedule', 'LEASE#schedule']);
  });

  it('answers 503 when the keys stay unprocessed', async () => {
    // Prepare
    const { store, calls } = storeOver((keys) => ({ found: [], left: keys }));

    // Act
    const error = await store.getMany(['a'], 'schedule').catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(calls).toHaveLength(5);
  });

  it('asks in batches of 100 keys, each job once', async () => {
    // Prepare
    const { store, calls } = storeOver((keys) => ({ found: keys.map(idOf), left: [] }));
    const ids = Array.from({ length: 250 }, (_, i) => `j${i}`);

    // Act
    const found = await store.getMany([...ids, 'j0'], 'schedule');

    // Assess
    expect(found.size).toBe(250);
    expect(calls.map((keys) => keys.length)).toEqual([100, 100, 50]);
  });
});
