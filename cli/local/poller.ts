import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { errorMessage } from '../../shared/errors.ts';
import { platformLogger } from '../../shared/runtime/platform-logger.ts';

export type SqsLambdaHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export interface PollerOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  handler: SqsLambdaHandler;
  /** Parallel receive loops, like Lambda's concurrent pollers. */
  concurrency?: number;
  batchSize?: number;
  waitTimeSeconds?: number;
}

const toRecord = (m: Message, queueArn: string): SQSRecord => ({
  messageId: m.MessageId ?? randomUUID(),
  receiptHandle: m.ReceiptHandle ?? '',
  body: m.Body ?? '',
  attributes: {
    ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
    SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
    SenderId: m.Attributes?.SenderId ?? 'local',
    ApproximateFirstReceiveTimestamp: m.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
  },
  messageAttributes: {},
  md5OfBody: m.MD5OfBody ?? '',
  eventSource: 'aws:sqs',
  eventSourceARN: queueArn,
  awsRegion: 'us-east-1',
});

const context = (): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'triggerhub-worker',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:triggerhub-worker',
  memoryLimitInMB: '1024',
  awsRequestId: randomUUID(),
  logGroupName: '/aws/lambda/triggerhub-worker',
  logStreamName: 'local',
  getRemainingTimeInMillis: () => 300_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

/**
 * Feeds real SQS batches to the worker handler the way Lambda's event source
 * mapping does: records reported as failures stay on the queue (to be retried,
 * or moved to the DLQ by the redrive policy); the others are deleted.
 */
export const startPoller = (options: PollerOptions): { stop(): Promise<void> } => {
  const controller = new AbortController();
  const loop = async (): Promise<void> => {
    while (!controller.signal.aborted) {
      try {
        const received = await options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            MaxNumberOfMessages: options.batchSize ?? 10,
            WaitTimeSeconds: options.waitTimeSeconds ?? 1,
            MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
          }),
          { abortSignal: controller.signal },
        );
        const messages = received.Messages ?? [];
        if (messages.length === 0) continue;
        const records = messages.map((m) => toRecord(m, options.queueArn));
        let failed = new Set<string>();
        try {
          const response = await options.handler({ Records: records }, context());
          failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
        } catch (e) {
          platformLogger.error('worker batch failed', { error: errorMessage(e) });
          failed = new Set(records.map((r) => r.messageId));
        }
        const done = records.filter((r) => !failed.has(r.messageId));
        if (done.length > 0) {
          await options.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: options.queueUrl,
              Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
            }),
          );
        }
      } catch (e) {
        if (controller.signal.aborted) break;
        platformLogger.warn('queue poll failed; retrying', { error: errorMessage(e) });
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };
  const loops = Array.from({ length: options.concurrency ?? 2 }, () => loop());
  return {
    stop: async () => {
      controller.abort();
      await Promise.allSettled(loops);
    },
  };
};
