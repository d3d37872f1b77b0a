import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { Message } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import { parseRunMessage } from '../../shared/model/index.ts';
import { SqsQueue } from '../../shared/queue/sqs-queue.ts';
import type { TestResources } from '../helpers/aws.ts';
import { freshResources } from '../helpers/aws.ts';

const receive = async (res: TestResources, queueUrl: string): Promise<Message[]> =>
  (
    await res.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    )
  ).Messages ?? [];

describe('SqsQueue', () => {
  let res: TestResources;
  let queue: SqsQueue;

  beforeAll(async () => {
    res = await freshResources('queue-sqs', { maxReceiveCount: 2 });
    queue = new SqsQueue({ client: res.clients.sqs, queueUrl: res.queueUrl });
  });

  it('sends a run message that the worker parses back', async () => {
    // Act
    await queue.send({ runId: '01JRUN', jobId: 'demo' });
    const messages = await receive(res, res.queueUrl);

    // Assess
    expect(messages).toHaveLength(1);
    expect(parseRunMessage(messages[0]!.Body!)).toEqual({ runId: '01JRUN', jobId: 'demo' });
  });

  it('retryLater hides a received message for the given time, or shows it again at 0', async () => {
    // Prepare
    await queue.send({ runId: '01JRETRY', jobId: 'demo' });
    const [first] = await receive(res, res.queueUrl);

    // Act
    await queue.retryLater(first!.ReceiptHandle!, 0);
    const [again] = await receive(res, res.queueUrl);
    await queue.retryLater(again!.ReceiptHandle!, 60);
    const hidden = await receive(res, res.queueUrl);

    // Assess
    expect(again?.MessageId).toBe(first?.MessageId);
    expect(again?.Attributes?.ApproximateReceiveCount).toBe('2');
    expect(hidden).toEqual([]);
  });

  it('sendLater keeps a message out of sight until its delay, then it shows, received for the first time', async () => {
    // Prepare: a queue of its own so that no other message is in the way
    const own = await freshResources('queue-sqs-later', { maxReceiveCount: 2 });
    const ownQueue = new SqsQueue({ client: own.clients.sqs, queueUrl: own.queueUrl });

    // Act
    await ownQueue.sendLater({ runId: '01JLATER', jobId: 'demo' }, 1);
    const atOnce = await receive(own, own.queueUrl);
    let later: Message[] = [];
    for (let i = 0; i < 50 && later.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
      later = await receive(own, own.queueUrl);
    }

    // Assess
    expect(atOnce).toEqual([]);
    expect(later).toHaveLength(1);
    expect(parseRunMessage(later[0]!.Body!)).toEqual({ runId: '01JLATER', jobId: 'demo' });
    expect(later[0]?.Attributes?.ApproximateReceiveCount).toBe('1');
  });

  it('moves a message to the DLQ after maxReceiveCount receives', async () => {
    // Prepare: a queue of its own so that no other message is in the way
    const own = await freshResources('queue-sqs-dlq', { maxReceiveCount: 2 });
    const ownQueue = new SqsQueue({ client: own.clients.sqs, queueUrl: own.queueUrl });
    await ownQueue.send({ runId: '01JDLQ', jobId: 'demo' });

    // Act: two failed receives, then the third finds it gone
    for (let i = 0; i < 2; i += 1) {
      const [m] = await receive(own, own.queueUrl);
      expect(m).toBeDefined();
      await ownQueue.retryLater(m!.ReceiptHandle!, 0);
    }
    const third = await receive(own, own.queueUrl);
    const dead = await receive(own, own.dlqUrl);

    // Assess
    expect(third).toEqual([]);
    expect(dead).toHaveLength(1);
    expect(parseRunMessage(dead[0]!.Body!)).toEqual({ runId: '01JDLQ', jobId: 'demo' });
  });
});

describe('parseRunMessage', () => {
  it('refuses what is not a run message', () => {
    expect(() => parseRunMessage('not json')).toThrow(ValidationError);
    expect(() => parseRunMessage('{"runId":"r"}')).toThrow(ValidationError);
    expect(() => parseRunMessage('{"runId":"","jobId":"j"}')).toThrow(ValidationError);
    expect(() => parseRunMessage('[]')).toThrow(ValidationError);
  });

  it('keeps only the ids', () => {
    expect(parseRunMessage('{"runId":"r","jobId":"j","extra":1}')).toEqual({ runId: 'r', jobId: 'j' });
  });
});
