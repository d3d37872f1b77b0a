import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Delivery } from '../../shared/model/index.ts';
import { DynamoDeliveryStore } from '../../shared/store/dynamo-delivery-store.ts';
import type { TestResources } from '../helpers/aws.ts';
import { freshResources } from '../helpers/aws.ts';

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const at = (seconds: number): Date => new Date(T0 + seconds * 1000);

/** A delivery received at T0 + `seconds`, a duplicate for `windowSeconds` after. */
const makeDelivery = (
  id: string,
  dedupeKey: string,
  seconds = 0,
  windowSeconds = 600,
  jobId = 'job',
): Delivery => ({
  id,
  jobId,
  runId: `run-${id}`,
  dedupeKey,
  receivedAt: at(seconds).toISOString(),
  dedupeUntil: at(seconds + windowSeconds).toISOString(),
  contentType: 'application/json',
  bytes: 42,
});

// What every DeliveryStore does is in test/contract/delivery-store.contract.ts (run against
// this adapter by store-contract-dynamo.test.ts); here: its keys and expiry in the table.
describe('DynamoDeliveryStore', () => {
  let res: TestResources;
  let store: DynamoDeliveryStore;

  beforeAll(async () => {
    res = await freshResources('store-deliveries');
    store = new DynamoDeliveryStore({ client: res.clients.ddb, tableName: res.tableName, retentionDays: 7 });
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
