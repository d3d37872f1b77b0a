import { createSqsClient } from '../../shared/aws/sqs-client.ts';
import type { Config } from '../../shared/config.ts';
import type { Queue } from '../../shared/ports.ts';
import { SqsQueue } from '../../shared/queue/sqs-queue.ts';
import type { FunctionDepsOptions } from './clients.ts';
import { clientConfigOf } from './clients.ts';

/** The run queue, on its own SQS client. */
export const runQueue = (config: Config, options: FunctionDepsOptions): Queue =>
  new SqsQueue({
    client: options.clients?.sqs ?? createSqsClient(clientConfigOf(config, options)),
    queueUrl: config.TRIGGERHUB_QUEUE_URL,
  });
