import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { randomBytes } from 'node:crypto';
import { parseRunMessage } from '../../shared/model/index.ts';
import type { RunMessage } from '../../shared/model/index.ts';
import { S3PayloadStore } from '../../shared/payloads/s3-payload-store.ts';
import { SqsQueue } from '../../shared/queue/sqs-queue.ts';
import { DynamoDeliveryStore } from '../../shared/store/dynamo-delivery-store.ts';
import { DynamoJobStore } from '../../shared/store/dynamo-job-store.ts';
import { DynamoLeaseStore } from '../../shared/store/dynamo-lease-store.ts';
import { DynamoRunStore } from '../../shared/store/dynamo-run-store.ts';
import { DynamoScheduleStore } from '../../shared/store/dynamo-schedule-store.ts';
import { DynamoScriptStore } from '../../shared/store/dynamo-script-store.ts';
import { describeDeliveryStoreContract } from '../contract/delivery-store.contract.ts';
import { describeJobStoreContract } from '../contract/job-store.contract.ts';
import { describeLeaseStoreContract } from '../contract/lease-store.contract.ts';
import { describePayloadStoreContract } from '../contract/payload-store.contract.ts';
import { describeQueueContract } from '../contract/queue.contract.ts';
import { describeRunStoreContract } from '../contract/run-store.contract.ts';
import { describeScheduleStoreContract } from '../contract/schedule-store.contract.ts';
import { describeScriptStoreContract } from '../contract/script-store.contract.ts';
import { freshTable as freshTableOf, testClients } from '../helpers/aws.ts';

// The AWS adapters against the emulators (dynalite, fauxqs's S3), each test on
// a table, queue or bucket of its own; test/unit/store-contract-memory.test.ts runs the
// same suites against the in-memory fakes.

const unique = (prefix: string): string => `${prefix}-${randomBytes(6).toString('hex')}`;

const freshTable = () => freshTableOf('contract');

describeJobStoreContract('DynamoJobStore', async () => new DynamoJobStore(await freshTable()));
describeLeaseStoreContract('DynamoLeaseStore', async () => new DynamoLeaseStore(await freshTable()));
describeRunStoreContract(
  'DynamoRunStore',
  async () => new DynamoRunStore({ ...(await freshTable()), retentionDays: 30 }),
);
describeScheduleStoreContract('DynamoScheduleStore', async () => new DynamoScheduleStore(await freshTable()));
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
describeScriptStoreContract('DynamoScriptStore', async () => {
  const { s3 } = testClients();
  const bucket = unique('scripts');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return new DynamoScriptStore({
    ...(await freshTable()),
    payloads: new S3PayloadStore({ client: s3, bucket }),
  });
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
