import { MemoryDeadLetterQueue } from '../../shared/testing/memory-dead-letter-queue.ts';
import { describeDeadLetterQueueContract } from '../contract/dead-letter-queue.contract.ts';

describeDeadLetterQueueContract('MemoryDeadLetterQueue', () => {
  const dlq = new MemoryDeadLetterQueue();
  return Promise.resolve({
    dlq,
    put: (body: string) => {
      dlq.add(body);
      return Promise.resolve();
    },
  });
});
