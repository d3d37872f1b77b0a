import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDeliveryStore } from '../../shared/store/dynamo-delivery-store.ts';
import type { TestResources } from '../helpers/aws.ts';
import { freshResources } from '../helpers/aws.ts';
import { T0, at, makeDelivery } from '../contract/fixtures.ts';

// What every DeliveryStore does is in test/contract/delivery-store.contract.ts (run against
// this adapter by store-contract-dynamo.test.ts); here: its keys and expiry in the table.
describe('DynamoDeliveryStore', () => {
  let res: TestResources;
  let store: DynamoDeliveryStore;

  beforeAll(async () => {
    res = await freshResources('store-deliveries');
    store = new DynamoDeliveryStore({ client: res.clients.ddb, tableName: res.tableName, retentionDays: 7 });
  });

  it('stores only what dedupe reads, and reads the job and the key back from the item’s keys', async () => {
    // Prepare
    const first = makeDelivery('d1', 'slim-key', 0, 600, 'slim-job');
    await store.create(first, at(0));

    // Act
    const { Item } = await res.clients.ddb.send(
      new GetCommand({ TableName: res.tableName, Key: { pk: 'JOB#slim-job', sk: 'DELIVERY#slim-key' } }),
    );
    const repeat = await store.create(makeDelivery('d2', 'slim-key', 1, 600, 'slim-job'), at(1));

    // Assess
    expect(Object.keys(Item ?? {}).sort()).toEqual(
      ['pk', 'sk', 'id', 'runId', 'receivedAt', 'dedupeUntil', 'expiresAt'].sort(),
    );
    expect(repeat).toEqual({ created: false, existing: first });
  });

  it('expires the item at the later of the dedupe window and the retention', async () => {
    // Prepare
    const short = makeDelivery('d9', 'ttl-short', 0, 60);
    const long = makeDelivery('d10', 'ttl-long', 0, 86_400 * 10);
    await store.create(short, at(0));
    await store.create(long, at(0));

    // Act
    const read = async (key: string) =>
      (
        await res.clients.ddb.send(
          new GetCommand({ TableName: res.tableName, Key: { pk: 'JOB#job', sk: `DELIVERY#${key}` } }),
        )
      ).Item;

    // Assess
    expect((await read('ttl-short'))?.expiresAt).toBe(T0 / 1000 + 7 * 86_400);
    expect((await read('ttl-long'))?.expiresAt).toBe(T0 / 1000 + 10 * 86_400);
  });
});
