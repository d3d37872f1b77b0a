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

describe('DynamoDeliveryStore', () => {
  let res: TestResources;
  let store: DynamoDeliveryStore;

  beforeAll(async () => {
    res = await freshResources('store-deliveries');
    store = new DynamoDeliveryStore({ client: res.clients.ddb, tableName: res.tableName, retentionDays: 7 });
  });

  it('creates the first delivery of a key and answers the stored one for a repeat in the window', async () => {
    // Prepare
    const first = makeDelivery('d1', 'key-window');
    const repeat = makeDelivery('d2', 'key-window', 60);

    // Act
    const created = await store.create(first, at(0));
    const duplicate = await store.create(repeat, at(60));

    // Assess
    expect(created).toEqual({ created: true });
    expect(duplicate).toEqual({ created: false, existing: first });
  });

  it('creates again once the stored delivery’s window has passed', async () => {
    // Prepare
    const first = makeDelivery('d3', 'key-expired', 0, 600);
    const late = makeDelivery('d4', 'key-expired', 601);
    await store.create(first, at(0));

    // Act
    const atEdge = await store.create(makeDelivery('d5', 'key-expired', 600), at(600));
    const after = await store.create(late, at(601));
    const repeatOfLate = await store.create(makeDelivery('d6', 'key-expired', 700), at(700));

    // Assess
    expect(atEdge).toEqual({ created: false, existing: first });
    expect(after).toEqual({ created: true });
    expect(repeatOfLate).toEqual({ created: false, existing: late });
  });

  it('keeps the same key of two jobs apart', async () => {
    // Act
    const a = await store.create(makeDelivery('d7', 'shared-key', 0, 600, 'job-a'), at(0));
    const b = await store.create(makeDelivery('d8', 'shared-key', 0, 600, 'job-b'), at(0));

    // Assess
    expect(a).toEqual({ created: true });
    expect(b).toEqual({ created: true });
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

  it('compares windows written without milliseconds correctly', async () => {
    // Prepare: '…10:10:00Z' sorts after '…10:10:00.500Z' as text, though it is earlier
    const first = { ...makeDelivery('d11', 'key-format'), dedupeUntil: '2026-11-22T10:10:00Z' };
    await store.create(first, at(0));

    // Act
    const justBefore = await store.create(makeDelivery('d12', 'key-format', 599), new Date(T0 + 599_999));
    const justAfter = await store.create(makeDelivery('d13', 'key-format', 600), new Date(T0 + 600_500));

    // Assess
    expect(justBefore).toEqual({
      created: false,
      existing: { ...first, dedupeUntil: '2026-11-22T10:10:00.000Z' },
    });
    expect(justAfter).toEqual({ created: true });
  });

  it('releases a key only for the delivery that holds it', async () => {
    // Prepare
    const held = makeDelivery('d20', 'key-release');
    await store.create(held, at(0));

    // Act
    await store.release('job', 'key-release', 'someone-else');
    const stillHeld = await store.create(makeDelivery('d14', 'key-release', 1), at(1));
    await store.release('job', 'key-release', 'd20');
    const retaken = await store.create(makeDelivery('d15', 'key-release', 2), at(2));
    await store.release('job', 'no-such-key', 'd16');

    // Assess
    expect(stillHeld).toEqual({ created: false, existing: held });
    expect(retaken).toEqual({ created: true });
  });

  it('takes a key over only from the delivery it names', async () => {
    // Prepare
    await store.create(makeDelivery('t1', 'key-takeover'), at(0));

    // Act
    const wrong = await store.takeOver(makeDelivery('t2', 'key-takeover', 40), 'not-t1');
    const right = await store.takeOver(makeDelivery('t3', 'key-takeover', 40), 't1');
    const repeat = await store.create(makeDelivery('t4', 'key-takeover', 41), at(41));

    // Assess
    expect([wrong, right]).toEqual([false, true]);
    expect(repeat).toMatchObject({ created: false, existing: { id: 't3', runId: 'run-t3' } });
  });
});
