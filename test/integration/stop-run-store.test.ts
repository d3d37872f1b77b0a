import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import { DynamoRunStore } from '../../shared/store/dynamo-run-store.ts';
import type { TestResources } from '../helpers/aws.ts';
import { freshResources } from '../helpers/aws.ts';
import { T0, iso, makeRun } from '../contract/fixtures.ts';
import { MemoryRunStore } from '../helpers/memory-deps.ts';

// The contract (test/contract/run-store.contract.ts) covers what requestStop, control and the
// history filters answer; here: what the adapter writes for them in the table.
describe('DynamoRunStore: retention and stop, as stored', () => {
  let res: TestResources;
  let store: DynamoRunStore;

  beforeAll(async () => {
    res = await freshResources('stop-run-store');
    store = new DynamoRunStore({ client: res.clients.ddb, tableName: res.tableName, retentionDays: 30 });
  });

  const rawItem = async (runId: string) =>
    (
      await res.clients.ddb.send(
        new GetCommand({ TableName: res.tableName, Key: { pk: `RUN#${runId}`, sk: 'RUN' } }),
      )
    ).Item;

  it('expires a run its job’s retentionDays after creation, the store’s default without them', async () => {
    // Prepare
    const kept = makeRun('retention-job');
    const short = makeRun('retention-job', {}, 1);

    // Act
    await store.create(kept);
    await store.create(short, { retentionDays: 2 });

    // Assess
    expect((await rawItem(kept.id))?.expiresAt).toBe(T0 / 1000 + 30 * 86_400);
    expect((await rawItem(short.id))?.expiresAt).toBe(T0 / 1000 + 1 + 2 * 86_400);
  });

  it('refuses a retention that is not a positive whole number of days, writing nothing', async () => {
    // Prepare
    const run = makeRun('retention-job', {}, 2);

    // Act & Assess
    await expect(store.create(run, { retentionDays: 0 })).rejects.toThrow(ValidationError);
    await expect(store.create(run, { retentionDays: 1.5 })).rejects.toThrow(ValidationError);
    expect(await rawItem(run.id)).toBeUndefined();
  });

  it('takes a stopped queued run out of the open-runs index (gsi2 keys removed) in the same write', async () => {
    // Prepare
    const run = makeRun('stop-layout-job');
    await store.create(run);
    const before = await rawItem(run.id);

    // Act
    await store.requestStop(run.id, { by: 'local', at: iso(5000) });

    // Assess
    expect(before).toMatchObject({ gsi2pk: expect.stringMatching(/^OPEN#queued#/) });
    const after = await rawItem(run.id);
    expect(after).toMatchObject({ status: 'stopped', stopRequest: { by: 'local', at: iso(5000) } });
    expect(after).not.toHaveProperty('gsi2pk');
    expect(after).not.toHaveProperty('gsi2sk');
  });

  it('does not stop a queued run that an attempt started between the read and the write', async () => {
    // Prepare: the read sees it queued; an attempt starts it before the stop's write
    const run = makeRun('stop-race-job');
    await store.create(run);
    const real = res.clients.ddb;
    let raced = false;
    const client = {
      send: async (command: Parameters<typeof real.send>[0]) => {
        const out: unknown = await real.send(command);
        if (command instanceof GetCommand && !raced) {
          raced = true;
          await store.start(run.id, { startedAt: iso(1000), staleBefore: iso(1000) });
        }
        return out;
      },
    } as unknown as DynamoDBDocumentClient;
    const racing = new DynamoRunStore({ client, tableName: res.tableName, retentionDays: 30 });

    // Act
    const answer = await racing.requestStop(run.id, { by: 'local', at: iso(2000) });

    // Assess: the lost race re-reads the run, now running, and asks its attempt to stop
    expect(answer).toBe('stopping');
    expect(await store.control(run.id)).toEqual({
      status: 'running',
      attempt: 1,
      startedAt: iso(1000),
      stopRequest: { by: 'local', at: iso(2000) },
    });
  });
});

describe('MemoryRunStore: retention', () => {
  it('keeps the retention each run was created with, the store’s default without', async () => {
    // Prepare
    const store = new MemoryRunStore(30);
    const a = makeRun('mem-retention');
    const b = makeRun('mem-retention', {}, 1);

    // Act
    await store.create(a);
    await store.create(b, { retentionDays: 7 });

    // Assess
    expect(store.retention.get(a.id)).toBe(30);
    expect(store.retention.get(b.id)).toBe(7);
    await expect(store.create(makeRun('mem-retention', {}, 2), { retentionDays: -1 })).rejects.toThrow(
      ValidationError,
    );
  });
});
