import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import { parseRunMessage } from '../../shared/model/index.ts';
import type { RunMessage } from '../../shared/model/index.ts';
import { S3PayloadStore } from '../../shared/payloads/s3-payload-store.ts';
import { SqsQueue } from '../../shared/queue/sqs-queue.ts';
import { DynamoDeliveryStore } from '../../shared/store/dynamo-delivery-store.ts';
import { DynamoJobStore } from '../../shared/store/dynamo-job-store.ts';
import { DynamoRunStore } from '../../shared/store/dynamo-run-store.ts';
import { tableDefinition } from '../../shared/store/table-definition.ts';
import { describeDeliveryStoreContract } from '../contract/delivery-store.contract.ts';
import { describeJobStoreContract } from '../contract/job-store.contract.ts';
import { describePayloadStoreContract } from '../contract/payload-store.contract.ts';
import { describeQueueContract } from '../contract/queue.contract.ts';
import { describeRunStoreContract } from '../contract/run-store.contract.ts';
import { testClients } from '../helpers/aws.ts';

// The AWS adapters against the emulators (dynalite, fauxqs's S3), each test on
// a table, queue or bucket of its own; test/unit/store-contract-memory.test.ts runs the
// same suites against the in-memory fakes.

const unique = (prefix: string): string => `${prefix}-${randomBytes(6).toString('hex')}`;

const freshTable = async () => {
  const clients = testClients();
  const tableName = unique('contract');
  await clients.ddb.send(new CreateTableCommand(tableDefinition(tableName)));
  // Even with createTableMs: 0, dynalite turns a table ACTIVE a moment after answering.
  for (let i = 0; i < 200; i++) {
    const { Table } = await clients.ddb.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return { client: clients.ddb, tableName };
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
};

describeJobStoreContract('DynamoJobStore', async () => new DynamoJobStore(await freshTable()));
describeRunStoreContract(
  'DynamoRunStore',
  async () => new DynamoRunStore({ ...(await freshTable()), retentionDays: 30 }),
);
describeDeliveryStoreContract(
  'DynamoDeliveryStore',
  async () => new DynamoDeliveryStore({ ...(await freshTable()), retentionDays: 7 }),
);
describePayloadStoreContract('S3PayloadStore', async () => {
  const { s3 } = testClients();
  const bucket = unique('contract');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return new S3PayloadStore({ client: s3, bucket });
});
describeQueueContract('SqsQueue', async () => {
  const { sqs } = testClients();
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: unique('contract') }));
  if (QueueUrl === undefined) throw new Error('no queue URL');
  /** Receives until the queue answers empty (each message is then hidden for its visibility timeout). */
  const received = async (): Promise<RunMessage[]> => {
    const messages: RunMessage[] = [];
    for (let i = 0; i < 50; i++) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      if (Messages.length === 0) return messages;
      messages.push(...Messages.map((m) => parseRunMessage(m.Body ?? '')));
    }
    throw new Error('the queue never ran empty');
  };
  return { queue: new SqsQueue({ client: sqs, queueUrl: QueueUrl }), received };
});
