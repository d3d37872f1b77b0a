import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { SecretsManagerClient, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CannedTransport, parseUpdateExpression } from '../../bench/canned-transport.ts';
import { createAwsClients } from '../../shared/aws/clients.ts';

// The clients sign every request: fixed credentials keep the SDK from looking for any.
const saved = { ...process.env };
beforeAll(() => {
  process.env.AWS_ACCESS_KEY_ID = 'AKIDBENCH';
  process.env.AWS_SECRET_ACCESS_KEY = 'bench-secret';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
});
afterAll(() => {
  process.env = saved;
});

const clientsOf = (transport: CannedTransport) =>
  createAwsClients({ region: 'us-east-1', requestHandler: transport });

describe('bench canned transport, through the real SDK clients', () => {
  it('answers PutItem with {} and counts it; keeps the item only when asked', async () => {
    const transport = new CannedTransport();
    const { ddb } = clientsOf(transport);
    const out = await ddb.send(
      new PutCommand({
        TableName: 't',
        Item: { pk: 'JOB#a', sk: 'JOB', name: 'A' },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    expect(out.Attributes).toBeUndefined();
    expect(transport.count('DynamoDB.PutItem')).toBe(1);
    expect(transport.items.size).toBe(0);

    const keeping = new CannedTransport({ keepWrites: true });
    await clientsOf(keeping).ddb.send(
      new PutCommand({ TableName: 't', Item: { pk: 'JOB#a', sk: 'JOB', n: 1 } }),
    );
    const got = await clientsOf(keeping).ddb.send(
      new GetCommand({ TableName: 't', Key: { pk: 'JOB#a', sk: 'JOB' } }),
    );
    expect(got.Item).toEqual({ pk: 'JOB#a', sk: 'JOB', n: 1 });
  });

  it('answers GetItem with a seeded item, and without Item for an unknown key', async () => {
    const transport = new CannedTransport();
    transport.seed({ pk: { S: 'JOB#bench' }, sk: { S: 'JOB' }, enabled: { BOOL: true } });
    const { ddb } = clientsOf(transport);
    const hit = await ddb.send(new GetCommand({ TableName: 't', Key: { pk: 'JOB#bench', sk: 'JOB' } }));
    expect(hit.Item).toEqual({ pk: 'JOB#bench', sk: 'JOB', enabled: true });
    const miss = await ddb.send(new GetCommand({ TableName: 't', Key: { pk: 'JOB#none', sk: 'JOB' } }));
    expect(miss.Item).toBeUndefined();
    expect(transport.count('DynamoDB.GetItem')).toBe(2);
  });

  it('applies UpdateItem SET/REMOVE to the stored item and returns ALL_NEW', async () => {
    const transport = new CannedTransport({ keepWrites: true });
    transport.seed({
      pk: { S: 'RUN#r1' },
      sk: { S: 'RUN' },
      status: { S: 'queued' },
      attempt: { N: '0' },
      gone: { S: 'x' },
    });
    const { ddb } = clientsOf(transport);
    const out = await ddb.send(
      new UpdateCommand({
        TableName: 't',
        Key: { pk: 'RUN#r1', sk: 'RUN' },
        UpdateExpression:
          'SET #status = :running, #attempt = #attempt + :one, #requeues = if_not_exists(#requeues, :zero) + :one REMOVE #gone',
        ConditionExpression: '#status = :queued',
        ExpressionAttributeNames: {
          '#status': 'status',
          '#attempt': 'attempt',
          '#requeues': 'requeues',
          '#gone': 'gone',
        },
        ExpressionAttributeValues: { ':running': 'running', ':queued': 'queued', ':one': 1, ':zero': 0 },
        ReturnValues: 'ALL_NEW',
      }),
    );
    expect(out.Attributes).toEqual({ pk: 'RUN#r1', sk: 'RUN', status: 'running', attempt: 1, requeues: 1 });
    expect(transport.count('DynamoDB.UpdateItem')).toBe(1);
  });

  it('answers a failed condition as ConditionalCheckFailedException when told to', async () => {
    const transport = new CannedTransport({ failCondition: (op) => op === 'PutItem' });
    const { ddb } = clientsOf(transport);
    await expect(
      ddb.send(
        new PutCommand({
          TableName: 't',
          Item: { pk: 'a', sk: 'b' },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
  });

  it('answers Query with the page it is given', async () => {
    const transport = new CannedTransport({
      query: () => ({
        Items: [{ pk: { S: 'RUN#1' }, sk: { S: 'RUN' } }],
        LastEvaluatedKey: { pk: { S: 'RUN#1' }, sk: { S: 'RUN' } },
      }),
    });
    const out = await clientsOf(transport).ddb.send(
      new QueryCommand({
        TableName: 't',
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': 'x' },
      }),
    );
    expect(out.Items).toEqual([{ pk: 'RUN#1', sk: 'RUN' }]);
    expect(out.LastEvaluatedKey).toEqual({ pk: 'RUN#1', sk: 'RUN' });
  });

  it('answers SendMessage with the MD5 the SDK checks, and batches', async () => {
    const transport = new CannedTransport({ keepWrites: true });
    const { sqs } = clientsOf(transport);
    const queueUrl = 'https://sqs.us-east-1.amazonaws.com/123456789012/runs';
    const out = await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"runId":"r1"}' }));
    expect(out.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    const batch = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'a', MessageBody: 'one' },
          { Id: 'b', MessageBody: 'two' },
        ],
      }),
    );
    expect(batch.Successful?.map((s) => s.Id)).toEqual(['a', 'b']);
    expect(transport.sent).toEqual(['{"runId":"r1"}', 'one', 'two']);
    expect(transport.count('SQS.SendMessage')).toBe(1);
    expect(transport.count('SQS.SendMessageBatch')).toBe(1);
  });

  it('stores and returns S3 objects, NoSuchKey otherwise', async () => {
    const transport = new CannedTransport({ keepWrites: true });
    const { s3 } = clientsOf(transport);
    await s3.send(new PutObjectCommand({ Bucket: 'payloads', Key: 'events/a.json', Body: '{"a":1}' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'payloads', Key: 'events/a.json' }));
    expect(await got.Body?.transformToString('utf-8')).toBe('{"a":1}');
    await expect(s3.send(new GetObjectCommand({ Bucket: 'payloads', Key: 'nope' }))).rejects.toMatchObject({
      name: 'NoSuchKey',
    });
    expect(transport.count('S3.PutObject')).toBe(1);
    expect(transport.count('S3.GetObject')).toBe(2);
  });

  it('answers AWSCURRENT with the secret and AWSPREVIOUS with ResourceNotFoundException', async () => {
    const transport = new CannedTransport({ secrets: { 'triggerhub/demo': 's3cr3t' } });
    const client = new SecretsManagerClient({ region: 'us-east-1', requestHandler: transport });
    const current = await client.send(
      new GetSecretValueCommand({ SecretId: 'triggerhub/demo', VersionStage: 'AWSCURRENT' }),
    );
    expect(current.SecretString).toBe('s3cr3t');
    await expect(
      client.send(new GetSecretValueCommand({ SecretId: 'triggerhub/demo', VersionStage: 'AWSPREVIOUS' })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(transport.count('SecretsManager.GetSecretValue')).toBe(2);
    expect(transport.total()).toBe(2);
  });
});

describe('parseUpdateExpression', () => {
  it('reads SET with arithmetic and if_not_exists, and REMOVE', () => {
    expect(parseUpdateExpression('SET #a = :a, #n = if_not_exists(#n, :z) + :one REMOVE #x, #y')).toEqual({
      set: [
        { name: '#a', terms: [{ sign: 1, operand: ':a' }] },
        {
          name: '#n',
          terms: [
            { sign: 1, operand: 'if_not_exists(#n, :z)' },
            { sign: 1, operand: ':one' },
          ],
        },
      ],
      remove: ['#x', '#y'],
    });
  });
});
