import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoGlobalStore } from '../../shared/store/dynamo-global-store.ts';
import { DynamoNotificationStore } from '../../shared/store/dynamo-notification-store.ts';
import { globalKey, notificationKey } from '../../shared/store/keys.ts';
import { describeGlobalStoreContract } from '../contract/global-store.contract.ts';
import {
  describeNotificationStoreContract,
  makeNotification,
} from '../contract/notification-store.contract.ts';
import { iso } from '../contract/fixtures.ts';
import { freshTable as freshTableOf } from '../helpers/aws.ts';

const freshTable = () => freshTableOf('toolbox');

describeGlobalStoreContract('DynamoGlobalStore', async () => new DynamoGlobalStore(await freshTable()));
describeNotificationStoreContract(
  'DynamoNotificationStore',
  async () => new DynamoNotificationStore(await freshTable()),
);

describe('DynamoDB items of globals and notifications', () => {
  it('a masked global’s item has no value attribute, even after it was unmasked before', async () => {
    // Prepare
    const table = await freshTable();
    const store = new DynamoGlobalStore(table);
    await store.put({ name: 'proxy', masked: false, value: 'http://u:pw@proxy:3128', at: iso(0) });

    // Act
    await store.put({ name: 'proxy', masked: true, value: 'ignored-value', at: iso(1000) });
    const { Item } = await table.client.send(
      new GetCommand({ TableName: table.tableName, Key: globalKey('proxy') }),
    );

    // Assess
    expect(Item).toBeDefined();
    expect(Object.keys(Item ?? {}).sort()).toEqual(['createdAt', 'masked', 'name', 'pk', 'sk', 'updatedAt']);
  });

  it('two racing PUTs of a masked and an unmasked value never end unmasked over a masked one', async () => {
    // Prepare
    const table = await freshTable();
    const store = new DynamoGlobalStore(table);

    // Act: 20 rounds of a masked and an unmasked write at once
    const outcomes: string[] = [];
    for (let round = 0; round < 20; round++) {
      const name = `g${round}`;
      const [masked, plain] = await Promise.allSettled([
        store.put({ name, masked: true, at: iso(round) }),
        store.put({ name, masked: false, value: 'plain', at: iso(round) }),
      ]);
      const g = await store.get(name);
      outcomes.push(`${masked.status}/${plain.status}/${String(g?.masked)}/${g?.value ?? '-'}`);
    }

    // Assess: either the unmasked write came first and was overwritten, or it was refused
    for (const o of outcomes)
      expect(['fulfilled/fulfilled/true/-', 'fulfilled/rejected/true/-']).toContain(o);
  });

  it('a notification expires 30 days after it was raised, and is in the job’s partition and gsi1', async () => {
    // Prepare
    const table = await freshTable();
    const store = new DynamoNotificationStore(table);
    const n = makeNotification(0);

    // Act
    await store.add(n);
    const { Item } = await table.client.send(
      new GetCommand({ TableName: table.tableName, Key: notificationKey(n.jobId, n.id) }),
    );

    // Assess
    expect(Item?.expiresAt).toBe(Math.floor(Date.parse(n.createdAt) / 1000) + 30 * 86_400);
    expect(Item?.gsi1pk).toBe('NOTES');
    expect(Item?.gsi1sk).toBe(`NOTE#${n.id}`);
  });
});
