import {
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  SQSServiceException,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from '../../shared/errors.ts';
import { SqsQueue } from '../../shared/queue/sqs-queue.ts';

// What a real queue cannot be made to do on demand: refuse one entry of a
// batch, or fail one call of several. The happy path runs against fauxqs in
// the Queue contract (test/integration/store-contract-dynamo.test.ts).

const sqsMock = mockClient(SQSClient);
afterEach(() => sqsMock.reset());

const queue = () => new SqsQueue({ client: new SQSClient({ region: 'us-east-1' }), queueUrl: 'https://q' });
const messages = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ runId: `R${String(i).padStart(2, '0')}`, jobId: 'j' }));
const sdkError = (name: string, fault: 'client' | 'server', status: number) =>
  new SQSServiceException({ name, $fault: fault, $metadata: { httpStatusCode: status }, message: name });

describe('SqsQueue.sendBatch', () => {
  it('sends in SendMessageBatch calls of at most 10 entries', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
      Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}`, MD5OfMessageBody: '' })),
      Failed: [],
    }));

    // Act
    const failures = await queue().sendBatch(messages(23));

    // Assess
    const calls = sqsMock.commandCalls(SendMessageBatchCommand);
    expect(failures).toEqual([]);
    expect(calls.map((c) => c.args[0].input.Entries?.length)).toEqual([10, 10, 3]);
    expect(
      calls.flatMap((c) => c.args[0].input.Entries?.map((e): unknown => JSON.parse(e.MessageBody!))),
    ).toEqual(messages(23));
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('answers an entry SQS refused, and only that one', async () => {
    // Prepare: the second entry of the first call is refused
    sqsMock.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
      Successful: input.Entries.filter((e) => e.Id !== '1').map((e) => ({
        Id: e.Id,
        MessageId: 'm',
        MD5OfMessageBody: '',
      })),
      Failed: input.Entries.filter((e) => e.Id === '1').map((e) => ({
        Id: e.Id,
        SenderFault: false,
        Code: 'InternalError',
        Message: 'try again',
      })),
    }));

    // Act
    const failures = await queue().sendBatch(messages(3));

    // Assess
    expect(failures).toEqual([{ message: { runId: 'R01', jobId: 'j' }, error: 'InternalError: try again' }]);
  });

  it('answers every entry of a call that failed, and none of the calls that went through', async () => {
    // Prepare: the call holding R10…R19 is throttled
    sqsMock
      .on(SendMessageBatchCommand)
      .callsFake((input: { Entries: { MessageBody: string; Id: string }[] }) => {
        if (input.Entries.some((e) => e.MessageBody.includes('"R10"'))) {
          throw sdkError('ThrottlingException', 'client', 400);
        }
        return { Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: 'm', MD5OfMessageBody: '' })) };
      });

    // Act
    const failures = await queue().sendBatch(messages(25));

    // Assess
    expect(failures.map((f) => f.message.runId)).toEqual(
      messages(25)
        .slice(10, 20)
        .map((m) => m.runId),
    );
    expect(failures[0]?.error).toBe('queue unavailable: ThrottlingException');
  });

  it('counts an entry missing from the answer as not sent', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });

    // Act
    const failures = await queue().sendBatch(messages(1));

    // Assess
    expect(failures).toEqual([{ message: { runId: 'R00', jobId: 'j' }, error: 'not in the answer' }]);
  });
});

describe('SqsQueue.send', () => {
  it.each([
    ['a dropped connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['throttling', sdkError('ThrottlingException', 'client', 400)],
    ['KMS throttling', sdkError('KmsThrottled', 'client', 400)],
    ['a 5xx', sdkError('InternalError', 'server', 500)],
  ])('answers %s as unavailable (503)', async (_what, error) => {
    // Prepare
    sqsMock.on(SendMessageCommand).rejects(error);

    // Act
    const thrown = await queue()
      .send({ runId: 'R', jobId: 'j' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );

    // Assess
    expect(thrown).toBeInstanceOf(ServiceUnavailableError);
    expect(thrown).toMatchObject({ message: 'queue unavailable (send)' });
  });

  it('rethrows what no retry fixes (a missing queue, a refused permission) as it is', async () => {
    // Prepare
    const missing = sdkError('QueueDoesNotExist', 'client', 400);
    sqsMock.on(SendMessageCommand).rejects(missing);

    // Act & Assess
    await expect(queue().send({ runId: 'R', jobId: 'j' })).rejects.toBe(missing);
  });
});
