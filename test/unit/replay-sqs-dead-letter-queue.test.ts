import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
  SQSServiceException,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from '../../shared/errors.ts';
import { SqsDeadLetterQueue } from '../../shared/queue/sqs-dead-letter-queue.ts';

// What fauxqs cannot show (test/integration/dlq-sqs.test.ts runs the contract on it): the
// receive parameters AWS sees, a message received twice in one peek, an outage.

const sqsMock = mockClient(SQSClient);
afterEach(() => sqsMock.reset());

const dlq = (waitSeconds?: number) =>
  new SqsDeadLetterQueue({
    client: new SQSClient({ region: 'us-east-1' }),
    queueUrl: 'https://dlq',
    ...(waitSeconds === undefined ? {} : { waitSeconds }),
  });
const message = (id: string, handle: string, receives = 4) => ({
  MessageId: id,
  ReceiptHandle: handle,
  Body: JSON.stringify({ runId: `R-${id}`, jobId: 'shop' }),
  Attributes: { SentTimestamp: '1795000000000', ApproximateReceiveCount: String(receives) },
});

describe('SqsDeadLetterQueue', () => {
  it('receives 10 at a time with long polling, hiding for hideSeconds, asking for the send time and receive count', async () => {
    // Prepare: 12 messages, then nothing new
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: Array.from({ length: 10 }, (_, i) => message(`m${i}`, `h${i}`)) })
      .resolvesOnce({ Messages: [message('m10', 'h10'), message('m11', 'h11')] })
      .resolves({ Messages: [] });

    // Act
    const letters = await dlq().peek(50, 7);

    // Assess
    const inputs = sqsMock.commandCalls(ReceiveMessageCommand).map((c) => c.args[0].input);
    expect(letters).toHaveLength(12);
    expect(inputs).toHaveLength(3);
    expect(inputs[0]).toEqual({
      QueueUrl: 'https://dlq',
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 7,
      WaitTimeSeconds: 1,
      MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
    });
    expect(letters[0]).toEqual({
      messageId: 'm0',
      receiptHandle: 'h0',
      body: JSON.stringify({ runId: 'R-m0', jobId: 'shop' }),
      message: { runId: 'R-m0', jobId: 'shop' },
      sentAt: new Date(1795000000000).toISOString(),
      receiveCount: 4,
    });
  });

  it('keeps a message received twice once, with its newest receipt handle; stops at max', async () => {
    // Prepare
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message('a', 'h1', 4)] })
      .resolvesOnce({ Messages: [message('a', 'h2', 5), message('b', 'h3')] })
      .resolves({ Messages: [message('c', 'h4')] });

    // Act
    const letters = await dlq(0).peek(2);

    // Assess: a third call is never made, the max is reached
    expect(letters.map((l) => [l.messageId, l.receiptHandle, l.receiveCount])).toEqual([
      ['a', 'h2', 5],
      ['b', 'h3', 4],
    ]);
    expect(
      sqsMock.commandCalls(ReceiveMessageCommand).map((c) => c.args[0].input.MaxNumberOfMessages),
    ).toEqual([2, 1]);
  });

  it('release shows messages again in batches of 10 and never throws; delete maps an outage to 503', async () => {
    // Prepare
    sqsMock.on(ChangeMessageVisibilityBatchCommand).rejects(new Error('gone'));
    sqsMock.on(DeleteMessageCommand).rejects(
      new SQSServiceException({
        name: 'ServiceUnavailable',
        $fault: 'server',
        $metadata: { httpStatusCode: 503 },
        message: 'busy',
      }),
    );
    const handles = Array.from({ length: 12 }, (_, i) => `h${i}`);

    // Act
    await dlq().release(handles);
    const deleting = dlq().delete('h0');

    // Assess
    const batches = sqsMock
      .commandCalls(ChangeMessageVisibilityBatchCommand)
      .map((c) => c.args[0].input.Entries);
    expect(batches.map((b) => b?.length)).toEqual([10, 2]);
    expect(batches[0]?.[0]).toEqual({ Id: '0', ReceiptHandle: 'h0', VisibilityTimeout: 0 });
    await expect(deleting).rejects.toBeInstanceOf(ServiceUnavailableError);
  });
});
