import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunMessage } from '../../shared/model/index.ts';
import { parseRunMessage } from '../../shared/model/index.ts';
import { SqsQueue } from '../../shared/queue/sqs-queue.ts';

// A queue message is what lands in the DLQ, kept there for days and read by whoever
// redrives it: it carries ids only, never a payload, a parameter or a secret. These
// tests pin that, so that a field added to RunMessage is a decision, not an accident.

/** Fails to compile when RunMessage gains, loses or renames a key. */
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const runMessageKeys: Exactly<keyof RunMessage, 'runId' | 'jobId'> = true;

const sqsMock = mockClient(SQSClient);
afterEach(() => sqsMock.reset());

/** A message with more than ids on it, as a careless caller could hand over. */
const loaded = {
  runId: 'R1',
  jobId: 'j1',
  params: { token: 'c4n4ry-secret' },
  payload: { a: 1 },
} as unknown as RunMessage;

describe('RunMessage (queue and DLQ bodies)', () => {
  it('has the keys runId and jobId only', () => {
    expect(runMessageKeys).toBe(true);
    expect(Object.keys(parseRunMessage(JSON.stringify(loaded))).sort()).toEqual(['jobId', 'runId']);
  });

  it('sends bodies of runId and jobId only, whatever else the message object holds', async () => {
    // Prepare
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm' });
    sqsMock
      .on(SendMessageBatchCommand)
      .resolves({ Successful: [{ Id: '0', MessageId: 'm', MD5OfMessageBody: '' }] });
    const queue = new SqsQueue({ client: new SQSClient({ region: 'us-east-1' }), queueUrl: 'https://q' });

    // Act
    await queue.send(loaded);
    await queue.sendBatch([loaded]);

    // Assess
    const bodies = [
      ...sqsMock.commandCalls(SendMessageCommand).map((c) => c.args[0].input.MessageBody),
      ...sqsMock
        .commandCalls(SendMessageBatchCommand)
        .flatMap((c) => (c.args[0].input.Entries ?? []).map((e) => e.MessageBody)),
    ];
    expect(bodies).toHaveLength(2);
    for (const body of bodies) expect(JSON.parse(body ?? '')).toStrictEqual({ runId: 'R1', jobId: 'j1' });
  });
});
