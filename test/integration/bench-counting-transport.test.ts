import { randomBytes } from 'node:crypto';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { CountingHandler, tableSpec } from '../../bench/counting.ts';
import { TEST_REGION } from '../helpers/aws.ts';

const CREDENTIALS = { accessKeyId: 'bench-test', secretAccessKey: 'bench-test' };

/** A table of the bench's own (not triggerhub's, which other helpers reshape): one ALL and one KEYS_ONLY index. */
const definition = (tableName: string): CreateTableCommandInput => ({
  TableName: tableName,
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'a', AttributeType: 'S' },
    { AttributeName: 'k', AttributeType: 'S' },
  ],
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
  GlobalSecondaryIndexes: [
    {
      IndexName: 'all',
      KeySchema: [{ AttributeName: 'a', KeyType: 'HASH' }],
      Projection: { ProjectionType: 'ALL' },
    },
    {
      IndexName: 'keys',
      KeySchema: [{ AttributeName: 'k', KeyType: 'HASH' }],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    },
  ],
});

// The counting transport between real SDK clients and dynalite: units come from the items as stored.
// The tests build on each other's items (p1 is put, then updated, then queried): in this order only.
describe('CountingHandler', { shuffle: false }, () => {
  const tableName = `bench-counting-${randomBytes(4).toString('hex')}`;
  let observer: DynamoDBClient;
  let counter: CountingHandler;
  let counted: DynamoDBClient;

  beforeAll(async () => {
    const endpoint = inject('dynamodbEndpoint');
    observer = new DynamoDBClient({ region: TEST_REGION, endpoint, credentials: CREDENTIALS });
    await observer.send(new CreateTableCommand(definition(tableName)));
    for (let i = 0; i < 100; i++) {
      const { Table } = await observer.send(new DescribeTableCommand({ TableName: tableName }));
      if (Table?.TableStatus === 'ACTIVE') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    counter = new CountingHandler({
      inner: new NodeHttpHandler(),
      observer,
      tables: { [tableName]: tableSpec(definition(tableName)) },
      secrets: { 'triggerhub/demo': 's3cr3t' },
    });
    counted = new DynamoDBClient({
      region: TEST_REGION,
      endpoint,
      credentials: CREDENTIALS,
      requestHandler: counter,
    });
  });

  afterAll(() => {
    counted.destroy();
    observer.destroy();
  });

  const big = 'x'.repeat(5000);

  it('bills a put of a 5 KiB item 5 units in the table and 5 in the ALL index it enters', async () => {
    counter.take();
    await counted.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { pk: { S: 'p1' }, a: { S: 'A' }, body: { S: big } },
      }),
    );
    const [call] = counter.take();
    expect(call?.operation).toBe('PutItem');
    expect(call?.dynamo?.writeUnits).toBe(5);
    expect(call?.dynamo?.indexWriteUnits).toBe(5);
    expect(call?.dynamo?.indexWrites.map((w) => `${w.index} ${w.kind}`)).toEqual(['all put']);
  });

  it('bills an update on the item it changes, and a delete + put where it changes an index key', async () => {
    await counted.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: { S: 'p1' } },
        UpdateExpression: 'SET k = :k',
        ExpressionAttributeValues: { ':k': { S: 'one' } },
      }),
    );
    counter.take();
    await counted.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: { S: 'p1' } },
        UpdateExpression: 'SET k = :k',
        ExpressionAttributeValues: { ':k': { S: 'two' } },
      }),
    );
    const [call] = counter.take();
    // A small change to a 5 KiB item is billed on the whole item.
    expect(call?.dynamo?.writeUnits).toBe(5);
    expect(call?.dynamo?.indexWrites.map((w) => `${w.index} ${w.kind}`)).toEqual([
      'all update',
      'keys delete',
      'keys put',
    ]);
  });

  it('bills a failed condition on the item as it stands, writing nothing', async () => {
    counter.take();
    await expect(
      counted.send(
        new PutItemCommand({
          TableName: tableName,
          Item: { pk: { S: 'p1' } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    ).rejects.toThrow(/conditional/i);
    const [call] = counter.take();
    expect(call?.dynamo?.conditionFailed).toBe(true);
    expect(call?.dynamo?.writeUnits).toBe(5);
    expect(call?.dynamo?.itemsWritten).toBe(0);
    expect(call?.dynamo?.indexWriteUnits).toBe(0);
  });

  it('counts the bytes a query read, whatever its projection returned', async () => {
    counter.take();
    const out = await counted.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: 'all',
        KeyConditionExpression: 'a = :a',
        ExpressionAttributeValues: { ':a': { S: 'A' } },
        ProjectionExpression: 'pk',
      }),
    );
    expect(out.Items).toHaveLength(1);
    const [call] = counter.take();
    expect(call?.dynamo?.itemBytesRead).toBeGreaterThan(5000);
    expect(call?.dynamo?.readUnits).toBe(1);
    expect(call?.dynamo?.index).toBe('all');
    expect(call?.responseBytes).toBeLessThan(200);
  });

  it('answers and counts Secrets Manager without leaving the machine', async () => {
    const secrets = new SecretsManagerClient({
      region: TEST_REGION,
      credentials: CREDENTIALS,
      requestHandler: counter,
    });
    counter.take();
    const out = await secrets.send(new GetSecretValueCommand({ SecretId: 'triggerhub/demo' }));
    expect(out.SecretString).toBe('s3cr3t');
    expect(counter.take().map((c) => `${c.service}.${c.operation}`)).toEqual([
      'SecretsManager.GetSecretValue',
    ]);
    secrets.destroy();
  });
});
