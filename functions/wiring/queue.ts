import { createSqsClient } from '../../shared/aws/sqs-client.ts';
import type { Config } from '../../shared/config.ts';
import type { Queue } from '../../shared/ports.ts';
import { SqsQueue } from '../../shared/queue/sqs-queue.ts';
import type { FunctionDepsOptions } from './common.ts';

/** The run queue, on its own SQS client. */
export const runQueue = (config: Config, options: FunctionDepsOptions): Queue =>
  new SqsQueue({
    client: createSqsClient({
      region: config.AWS_REGION,
      sqsEndpoint: config.TRIGGERHUB_SQS_ENDPOINT,
      requestHandler: options.requestHandler,
    }),
    queueUrl: config.TRIGGERHUB_QUEUE_URL,
  });
