import { ChangeMessageVisibilityCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { ServiceUnavailableError } from '../errors.ts';
import type { RunMessage } from '../model/index.ts';
import type { Queue } from '../ports.ts';

/** SQS caps a visibility timeout at 12 hours. */
const MAX_VISIBILITY_SECONDS = 43_200;

/** Failures a caller may retry; anything else (a bad receipt handle…) is rethrown as is. */
const UNAVAILABLE = new Set([
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
  'RequestThrottled',
  'ThrottlingException',
  'KmsThrottled',
  'ServiceUnavailable',
  'InternalError',
]);

const queueError = (e: unknown, operation: string): unknown => {
  if (e instanceof Error && UNAVAILABLE.has(e.name)) {
    const err = new ServiceUnavailableError(`queue unavailable (${operation})`);
    err.cause = e;
    return err;
  }
  return e;
};

export interface SqsQueueOptions {
  client: SQSClient;
  queueUrl: string;
}

/** The run queue on SQS: one message per run, ids only. */
export class SqsQueue implements Queue {
  readonly #sqs: SQSClient;
  readonly #queueUrl: string;

  constructor(options: SqsQueueOptions) {
    this.#sqs = options.client;
    this.#queueUrl = options.queueUrl;
  }

  async send(message: RunMessage): Promise<void> {
    try {
      await this.#sqs.send(
        new SendMessageCommand({
          QueueUrl: this.#queueUrl,
          MessageBody: JSON.stringify({ runId: message.runId, jobId: message.jobId }),
        }),
      );
    } catch (e) {
      throw queueError(e, 'send');
    }
  }

  async retryLater(receiptHandle: string, seconds: number): Promise<void> {
    const timeout = Math.min(Math.max(0, Math.round(seconds)), MAX_VISIBILITY_SECONDS);
    try {
      await this.#sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.#queueUrl,
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: timeout,
        }),
      );
    } catch (e) {
      throw queueError(e, 'retry later');
    }
  }
}
