import { ChangeMessageVisibilityCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { object, string } from 'zod';
import { ServiceUnavailableError, ValidationError } from '../errors.ts';
import type { Queue, RunMessage } from '../ports.ts';

const RunMessageSchema = object({ runId: string().min(1), jobId: string().min(1) });

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

/**
 * Parses a queue message body into a RunMessage; throws ValidationError
 * (the worker reports such a message as failed rather than retrying it forever).
 */
export const parseRunMessage = (body: string): RunMessage => {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new ValidationError('queue message is not JSON', 'invalid_message');
  }
  const parsed = RunMessageSchema.safeParse(json);
  if (!parsed.success) throw new ValidationError('queue message is not a run message', 'invalid_message');
  return { runId: parsed.data.runId, jobId: parsed.data.jobId };
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
