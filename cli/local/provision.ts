import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { AwsClients } from '../../shared/aws/clients.ts';
import { ConflictError } from '../../shared/errors.ts';
import { tableDefinition } from '../../shared/store/table-definition.ts';

export interface ProvisionOptions {
  tableName: string;
  queueName: string;
  dlqName: string;
  bucketName: string;
  /** Receives of one message before the queue moves it to the DLQ. */
  maxReceiveCount: number;
  visibilityTimeoutSeconds: number;
}

export interface Provisioned {
  queueUrl: string;
  dlqUrl: string;
  queueArn: string;
  dlqArn: string;
}

const TABLE_ACTIVE_TIMEOUT_MS = 30_000;
const TABLE_POLL_MS = 50;
/** The DLQ keeps messages as long as SQS allows (14 days), like the CDK stack's. */
const DLQ_RETENTION_SECONDS = '1209600';

/** The SDK names it after the query-compatible code when the service sends one (fauxqs, AWS). */
const QUEUE_NAME_EXISTS = new Set(['QueueNameExists', 'AWS.SimpleQueueService.QueueNameExists']);

const errorName = (e: unknown): string | undefined => (e instanceof Error ? e.name : undefined);

const ensureTable = async (ddb: DynamoDBDocumentClient, tableName: string): Promise<void> => {
  try {
    await ddb.send(new DescribeTableCommand({ TableName: tableName }));
  } catch (e) {
    if (errorName(e) !== 'ResourceNotFoundException') throw e;
    try {
      await ddb.send(new CreateTableCommand(tableDefinition(tableName)));
    } catch (createError) {
      // Another process created it between the two calls.
      if (errorName(createError) !== 'ResourceInUseException') throw createError;
    }
  }
  const deadline = Date.now() + TABLE_ACTIVE_TIMEOUT_MS;
  for (;;) {
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: tableName }));
    const indexes = Table?.GlobalSecondaryIndexes ?? [];
    const missing = (tableDefinition(tableName).GlobalSecondaryIndexes ?? [])
      .map((i) => i.IndexName)
      .filter((name) => !indexes.some((i) => i.IndexName === name));
    if (missing.length > 0) {
      throw new ConflictError(
        `table ${tableName} was made by an older triggerhub (no ${missing.join(', ')}): ` +
          'delete its data folder (or use another TRIGGERHUB_DATA_DIR) and start again',
        'table_outdated',
      );
    }
    const indexesActive = indexes.every((i) => i.IndexStatus === 'ACTIVE');
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) return;
    if (Date.now() > deadline)
      throw new Error(`table ${tableName} is not ACTIVE after ${TABLE_ACTIVE_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, TABLE_POLL_MS));
  }
};

/** Creates the queue, or brings an existing one's attributes to these values. */
const ensureQueue = async (
  sqs: SQSClient,
  queueName: string,
  attributes: Record<string, string>,
): Promise<{ url: string; arn: string }> => {
  let url: string | undefined;
  try {
    ({ QueueUrl: url } = await sqs.send(
      new CreateQueueCommand({ QueueName: queueName, Attributes: attributes }),
    ));
  } catch (e) {
    // Same name, other attributes (a changed setting since the last start): update them.
    if (!QUEUE_NAME_EXISTS.has(errorName(e) ?? '')) throw e;
    ({ QueueUrl: url } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName })));
    if (url !== undefined)
      await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
  }
  if (url === undefined) throw new Error(`queue ${queueName}: no URL returned`);
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  const arn = Attributes?.QueueArn;
  if (arn === undefined) throw new Error(`queue ${queueName}: no ARN returned`);
  return { url, arn };
};

const ensureBucket = async (s3: S3Client, bucketName: string): Promise<void> => {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucketName }));
    return;
  } catch (e) {
    if (errorName(e) !== 'NotFound' && errorName(e) !== 'NoSuchBucket') throw e;
  }
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucketName }));
  } catch (e) {
    if (errorName(e) !== 'BucketAlreadyOwnedByYou') throw e;
  }
};

/**
 * Creates what the CDK stack declares in AWS, on the local emulators: the
 * table (waiting until ACTIVE), the DLQ, the run queue redriving to it, and
 * the payload bucket. Idempotent: `npm start` calls it every time. The queue
 * URLs returned work with clients from `createAwsClients`.
 */
export const provision = async (clients: AwsClients, options: ProvisionOptions): Promise<Provisioned> => {
  const [, dlq] = await Promise.all([
    ensureTable(clients.ddb, options.tableName),
    ensureQueue(clients.sqs, options.dlqName, { MessageRetentionPeriod: DLQ_RETENTION_SECONDS }),
    ensureBucket(clients.s3, options.bucketName),
  ]);
  const queue = await ensureQueue(clients.sqs, options.queueName, {
    VisibilityTimeout: String(options.visibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: options.maxReceiveCount }),
  });
  return { queueUrl: queue.url, queueArn: queue.arn, dlqUrl: dlq.url, dlqArn: dlq.arn };
};
