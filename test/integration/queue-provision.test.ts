import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { provision } from '../../cli/local/provision.ts';
import { freshResources } from '../helpers/aws.ts';

describe('provision', () => {
  it('creates the table, the queues with their redrive policy, and the bucket', async () => {
    // Act
    const res = await freshResources('provision', { maxReceiveCount: 4, visibilityTimeoutSeconds: 45 });
    const { Table } = await res.clients.ddb.send(new DescribeTableCommand({ TableName: res.tableName }));
    const { Attributes } = await res.clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: res.queueUrl, AttributeNames: ['All'] }),
    );

    // Assess
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(Table?.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.IndexStatus])).toEqual([
      ['gsi1', 'ACTIVE'],
      ['gsi2', 'ACTIVE'],
    ]);
    expect(Attributes?.VisibilityTimeout).toBe('45');
    expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: res.dlqArn,
      maxReceiveCount: 4,
    });
    await expect(
      res.clients.s3.send(new HeadBucketCommand({ Bucket: res.bucketName })),
    ).resolves.toBeDefined();
  });

  it('is idempotent, and brings changed settings up to date', async () => {
    // Prepare
    const res = await freshResources('provision-again', { maxReceiveCount: 3, visibilityTimeoutSeconds: 30 });
    const names = {
      tableName: res.tableName,
      queueName: res.queueName,
      dlqName: res.dlqName,
      bucketName: res.bucketName,
    };

    // Act
    const same = await provision(res.clients, { ...names, maxReceiveCount: 3, visibilityTimeoutSeconds: 30 });
    const changed = await provision(res.clients, {
      ...names,
      maxReceiveCount: 5,
      visibilityTimeoutSeconds: 90,
    });
    const { Attributes } = await res.clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: res.queueUrl, AttributeNames: ['All'] }),
    );

    // Assess
    const urls = { queueUrl: res.queueUrl, queueArn: res.queueArn, dlqUrl: res.dlqUrl, dlqArn: res.dlqArn };
    expect(same).toEqual(urls);
    expect(changed).toEqual(urls);
    expect(Attributes?.VisibilityTimeout).toBe('90');
    expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toMatchObject({ maxReceiveCount: 5 });
  });
});
