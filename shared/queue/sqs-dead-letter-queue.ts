import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { ServiceUnavailableError } from '../errors.ts';
import { parseRunMessage } from '../model/index.ts';
import type { RunMessage } from '../model/index.ts';
import type { DeadLetter, DeadLetterQueue } from '../ports.ts';
import { isUnavailableError } from '../resilience/unavailable.ts';
import { SQS_BATCH_SIZE } from './sqs-queue.ts';

/** A listing's hiding: long enough for its receives, short enough that nothing waits on it. */
export const DEFAULT_PEEK_HIDE_SECONDS = 5;
/** SQS caps a visibility timeout at 12 hours. */
const MAX_VISIBILITY_SECONDS = 43_200;

export interface SqsDeadLetterQueueOptions {
  client: SQSClient;
  queueUrl: string;
  /**
   * Long polling of each receive, in seconds. Short polling (0) samples only
   * some of SQS's servers and may answer nothing while messages wait, which
   * would end a peek early; 1 s asks all of them, and costs the last receive
   * of a peek that second. fauxqs (`npm start`) answers exactly: 0 there.
   * @default 1
   */
  waitSeconds?: number;
}

const runMessageOf = (body: string): RunMessage | undefined => {
  try {
    return parseRunMessage(body);
  } catch {
    return undefined;
  }
};

/** A failure a caller may retry becomes a 503; anything else is rethrown as is. */
const dlqError = (e: unknown, operation: string): unknown => {
  if (isUnavailableError(e)) {
    const err = new ServiceUnavailableError(`dead-letter queue unavailable (${operation})`);
    err.cause = e;
    return err;
  }
  return e;
};

/**
 * The run queue's dead-letter queue on SQS, read the only way SQS allows:
 * receiving a message hides it for a while (`hideSeconds`) and leaves it in
 * the queue until it is deleted. Peeking receives until an answer brings no
 * message it has not seen.
 */
export class SqsDeadLetterQueue implements DeadLetterQueue {
  readonly #sqs: SQSClient;
  readonly #queueUrl: string;
  readonly #waitSeconds: number;

  constructor(options: SqsDeadLetterQueueOptions) {
    this.#sqs = options.client;
    this.#queueUrl = options.queueUrl;
    this.#waitSeconds = options.waitSeconds ?? 1;
  }

  async peek(max: number, hideSeconds = DEFAULT_PEEK_HIDE_SECONDS): Promise<DeadLetter[]> {
    const found = new Map<string, DeadLetter>();
    const hide = Math.min(Math.max(1, Math.round(hideSeconds)), MAX_VISIBILITY_SECONDS);
    // Every receive brings at least one new message or ends the peek: at most this many calls.
    for (let calls = 0; found.size < max && calls < max; calls++) {
      let messages: Message[];
      try {
        ({ Messages: messages = [] } = await this.#sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.#queueUrl,
            MaxNumberOfMessages: Math.min(SQS_BATCH_SIZE, max - found.size),
            VisibilityTimeout: hide,
            WaitTimeSeconds: this.#waitSeconds,
            MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
          }),
        ));
      } catch (e) {
        throw dlqError(e, 'receive');
      }
      let fresh = 0;
      for (const m of messages) {
        if (m.MessageId === undefined || m.ReceiptHandle === undefined) continue;
        if (!found.has(m.MessageId)) fresh++;
        const body = m.Body ?? '';
        const message = runMessageOf(body);
        const sent = Number(m.Attributes?.SentTimestamp);
        // A message seen again (its hiding ran out): only its newest receipt handle deletes it.
        found.set(m.MessageId, {
          messageId: m.MessageId,
          receiptHandle: m.ReceiptHandle,
          body,
          ...(message === undefined ? {} : { message }),
          ...(Number.isFinite(sent) && sent > 0 ? { sentAt: new Date(sent).toISOString() } : {}),
          receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 0) || 0,
        });
      }
      if (fresh === 0) break;
    }
    return [...found.values()].slice(0, max);
  }

  async delete(receiptHandle: string): Promise<void> {
    try {
      await this.#sqs.send(
        new DeleteMessageCommand({ QueueUrl: this.#queueUrl, ReceiptHandle: receiptHandle }),
      );
    } catch (e) {
      throw dlqError(e, 'delete');
    }
  }

  async release(receiptHandles: readonly string[]): Promise<void> {
    const chunks: string[][] = [];
    for (let i = 0; i < receiptHandles.length; i += SQS_BATCH_SIZE) {
      chunks.push(receiptHandles.slice(i, i + SQS_BATCH_SIZE));
    }
    // Best effort: a message left hidden shows again when its few seconds are over.
    await Promise.all(
      chunks.map((chunk) =>
        this.#sqs
          .send(
            new ChangeMessageVisibilityBatchCommand({
              QueueUrl: this.#queueUrl,
              Entries: chunk.map((handle, i) => ({
                Id: String(i),
                ReceiptHandle: handle,
                VisibilityTimeout: 0,
              })),
            }),
          )
          .catch(() => undefined),
      ),
    );
  }
}
