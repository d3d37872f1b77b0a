import {
  ChangeMessageVisibilityCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { ServiceUnavailableError, errorMessage } from '../errors.ts';
import type { RunMessage } from '../model/index.ts';
import type { Queue, SendFailure } from '../ports.ts';
import { isUnavailableError } from '../resilience/unavailable.ts';

/** SQS caps a visibility timeout at 12 hours. */
const MAX_VISIBILITY_SECONDS = 43_200;
/** SQS takes at most 10 entries per SendMessageBatch. */
export const SQS_BATCH_SIZE = 10;

/** A failure a caller may retry (`isUnavailableError`) becomes a 503; anything else (a bad receipt handle…) is rethrown as is. */
const queueError = (e: unknown, operation: string): unknown => {
  if (isUnavailableError(e)) {
    const err = new ServiceUnavailableError(`queue unavailable (${operation})`);
    err.cause = e;
    return err;
  }
  return e;
};

const body = (message: RunMessage): string => JSON.stringify({ runId: message.runId, jobId: message.jobId });

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
      await this.#sqs.send(new SendMessageCommand({ QueueUrl: this.#queueUrl, MessageBody: body(message) }));
    } catch (e) {
      throw queueError(e, 'send');
    }
  }

  /**
   * SendMessageBatch in chunks of 10, the chunks at once: the caller bounds how
   * many it hands over (the sweeper: one page of runs). SQS answers a batch
   * per entry; an entry it refused, or every entry of a call that failed, is
   * answered as a failure rather than thrown, so that the others still count.
   */
  async sendBatch(messages: readonly RunMessage[]): Promise<SendFailure[]> {
    const chunks: RunMessage[][] = [];
    for (let i = 0; i < messages.length; i += SQS_BATCH_SIZE) {
      chunks.push(messages.slice(i, i + SQS_BATCH_SIZE));
    }
    const failures = await Promise.all(chunks.map((chunk) => this.#sendChunk(chunk)));
    return failures.flat();
  }

  async #sendChunk(chunk: RunMessage[]): Promise<SendFailure[]> {
    try {
      const out = await this.#sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: this.#queueUrl,
          // Ids need only be unique within the call: the position is.
          Entries: chunk.map((message, i) => ({ Id: String(i), MessageBody: body(message) })),
        }),
      );
      const sent = new Set((out.Successful ?? []).map((entry) => entry.Id));
      const refused = new Map((out.Failed ?? []).map((entry) => [entry.Id, entry]));
      return chunk.flatMap((message, i): SendFailure[] => {
        if (sent.has(String(i))) return [];
        const entry = refused.get(String(i));
        // Neither sent nor refused (a malformed answer): not known to be queued, so not sent.
        const error = entry
          ? `${entry.Code ?? 'error'}${entry.Message === undefined ? '' : `: ${entry.Message}`}`
          : 'not in the answer';
        return [{ message, error }];
      });
    } catch (e) {
      const error = `${isUnavailableError(e) ? 'queue unavailable: ' : ''}${errorMessage(e)}`;
      return chunk.map((message) => ({ message, error }));
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

  /** Stub of the seam: the http part sends a deferred run's delayed message here. */
  sendLater(_message: RunMessage, _delaySeconds: number): Promise<void> {
    return Promise.reject(new Error('not implemented'));
  }
}
