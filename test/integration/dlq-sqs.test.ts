import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { SqsDeadLetterQueue } from '../../shared/queue/sqs-dead-letter-queue.ts';
import { describeDeadLetterQueueContract } from '../contract/dead-letter-queue.contract.ts';
import { freshResources } from '../helpers/aws.ts';

// fauxqs answers short polls exactly (waitSeconds 0, as npm start runs it); each test its own queues.
describeDeadLetterQueueContract('SqsDeadLetterQueue (fauxqs)', async () => {
  const res = await freshResources('dlq-sqs');
  const dlq = new SqsDeadLetterQueue({ client: res.clients.sqs, queueUrl: res.dlqUrl, waitSeconds: 0 });
  return {
    dlq,
    put: async (body: string) => {
      await res.clients.sqs.send(new SendMessageCommand({ QueueUrl: res.dlqUrl, MessageBody: body }));
    },
  };
});
