import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { DynamoCheckpointStore } from '../../shared/store/dynamo-checkpoint-store.ts';
import { describeCheckpointStoreContract } from '../contract/checkpoint-store.contract.ts';
import { T0, iso } from '../contract/fixtures.ts';
import type { testClients } from '../helpers/aws.ts';
import { freshTable as freshTableOf } from '../helpers/aws.ts';

// The DynamoDB adapter against dynalite with the real SDK, each test on a table of its
// own; test/unit/checkpoint-store-memory.test.ts runs the same suite against the fake.

const freshTable = () => freshTableOf('checkpoint');

describeCheckpointStoreContract(
  'DynamoCheckpointStore',
  async () => new DynamoCheckpointStore(await freshTable()),
);

const record = (seconds: number, succeeded: boolean) => ({
  runId: ulid(T0 + seconds * 1000),
  startedAt: iso(seconds * 1000),
  succeeded,
  cursor: `c-${seconds}`,
  at: iso(seconds * 1000 + 500),
});

/** A fixed shuffle (no Math.random: a failure must replay the same order). */
const shuffled = <T>(items: readonly T[], seed: number): T[] => {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
};

/** The DynamoDB commands a store sends, by name. */
const countCommands = (client: ReturnType<typeof testClients>['ddb']) => {
  const counts: Record<string, number> = {};
  client.middlewareStack.add(
    (next, context) => (args) => {
      const name = context.commandName ?? 'unknown';
      counts[name] = (counts[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'countCheckpointCommands' },
  );
  return counts;
};

describe('DynamoCheckpointStore under concurrent writers', () => {
  it('ends at the newest success whatever order 20 successes and 5 failures land in', async () => {
    const store = new DynamoCheckpointStore(await freshTable());
    for (const seed of [1, 2, 3]) {
      // Prepare: runs started 1..20 s succeed, runs started 21..25 s fail; all finish at once
      const jobId = `job-race-${seed}`;
      const runs = [
        ...Array.from({ length: 20 }, (_, i) => record(i + 1, true)),
        ...Array.from({ length: 5 }, (_, i) => record(i + 21, false)),
      ];

      // Act
      const results = await Promise.all(shuffled(runs, seed).map((r) => store.recordRun(jobId, r)));

      // Assess
      expect(results.length).toBe(25);
      expect(await store.get(jobId)).toMatchObject({
        cursor: 'c-20',
        lastSuccessfulRunAt: iso(20_000),
        lastRunAt: iso(25_000),
      });
    }
  });

  it('holds a rewind against runs started before it, whichever lands first, and moves on after it', async () => {
    const store = new DynamoCheckpointStore(await freshTable());
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      // Prepare: runs started 1..10 s finish while an operator rewinds at 15 s
      const jobId = `job-rewind-${seed}`;
      const before = Array.from({ length: 10 }, (_, i) => record(i + 1, true));

      // Act
      // The rewind goes out first, in the middle or last, among the runs' writes.
      const writes: (() => Promise<unknown>)[] = before.map((r) => () => store.recordRun(jobId, r));
      writes.splice((seed * 4) % (writes.length + 1), 0, () =>
        store.rewind(jobId, { cursor: 'rewound', by: 'local', at: iso(15_000) }),
      );
      await Promise.all(shuffled(writes, seed).map((write) => write()));
      const held = await store.get(jobId);
      const after = Array.from({ length: 5 }, (_, i) => record(i + 16, true));
      await Promise.all(shuffled(after, seed).map((r) => store.recordRun(jobId, r)));

      // Assess
      expect(held).toMatchObject({ cursor: 'rewound', rewoundAt: iso(15_000), lastRunAt: iso(10_000) });
      expect(held?.lastSuccessfulRunAt).toBeUndefined();
      expect(await store.get(jobId)).toMatchObject({
        cursor: 'c-20',
        lastSuccessfulRunAt: iso(20_000),
        lastRunAt: iso(20_000),
      });
    }
  });

  it('records a run in one write, a late run in two (plus the read dynalite needs)', async () => {
    // Prepare
    const table = await freshTable();
    const counts = countCommands(table.client);
    const store = new DynamoCheckpointStore(table);
    await store.recordRun('job-cost', record(20, false));
    for (const name of Object.keys(counts)) delete counts[name];

    // Act: a success older than the failure recorded (the success part is written, lastRunAt kept)
    await store.recordRun('job-cost', record(10, true));
    const late = { ...counts };
    for (const name of Object.keys(counts)) delete counts[name];
    await store.recordRun('job-cost', record(30, true));
    const usual = { ...counts };

    // Assess
    expect(usual).toEqual({ UpdateItemCommand: 1 });
    expect(late.UpdateItemCommand).toBe(2);
    expect(late.GetItemCommand ?? 0).toBeLessThanOrEqual(1);
    expect(await store.get('job-cost')).toMatchObject({ cursor: 'c-30', lastRunAt: iso(30_000) });
  });
});
