import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseRunMessage } from '../../shared/model/index.ts';
import type { Run, RunMessage } from '../../shared/model/index.ts';
import { SqsQueue } from '../../shared/queue/sqs-queue.ts';
import { DEFAULT_SETTINGS } from '../../shared/runtime/deps.ts';
import { sweepSettings, sweepStaleRuns } from '../../shared/runtime/recovery.ts';
import { DynamoJobStore } from '../../shared/store/dynamo-job-store.ts';
import { DynamoRunStore } from '../../shared/store/dynamo-run-store.ts';
import { OPEN_SHARDS } from '../../shared/store/keys.ts';
import { iso, makeRun } from '../contract/fixtures.ts';
import type { TestResources } from '../helpers/aws.ts';
import { freshResources } from '../helpers/aws.ts';
import { FakeClock } from '../helpers/memory-deps.ts';

const MIN = 60_000;
// Visibility 30 min, worker 5 min: queued runs are stale after 50 min, running ones after 40, decisions after 5.
const settings = sweepSettings(1800, 300);

/** Every DynamoDB and SQS call the sweeper makes, as the SDK sends them. */
const countCalls = (res: TestResources) => {
  const counts = { query: 0, itemsRead: 0, ddbCalls: 0, sendMessageBatch: 0, sendMessage: 0 };
  res.clients.ddb.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      counts.ddbCalls++;
      if (context.commandName === 'QueryCommand') {
        counts.query++;
        counts.itemsRead += (out.output as { Count?: number }).Count ?? 0;
      }
      return out;
    },
    { step: 'initialize', name: 'countDynamoCalls' },
  );
  res.clients.sqs.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'SendMessageBatchCommand') counts.sendMessageBatch++;
      if (context.commandName === 'SendMessageCommand') counts.sendMessage++;
      return next(args);
    },
    { step: 'initialize', name: 'countSqsCalls' },
  );
  return counts;
};

/**
 * Stores runs as `runs.create` writes them (the same items: keys, index shards, expiry),
 * 25 to a BatchWriteItem: a thousand conditional puts one at a time were most of this
 * file's time, and the sweep is what it checks.
 */
const seedRuns = async (res: TestResources, all: readonly Run[]): Promise<void> => {
  const items: Record<string, unknown>[] = [];
  const capture = {
    send: (command: PutCommand) => {
      if (command.input.Item !== undefined) items.push(command.input.Item);
      return Promise.resolve({});
    },
  };
  const recorder = new DynamoRunStore({
    client: capture as unknown as DynamoDBDocumentClient,
    tableName: res.tableName,
    retentionDays: 30,
  });
  for (const run of all) await recorder.create(run);
  expect(items).toHaveLength(all.length);
  for (let i = 0; i < items.length; i += 25) {
    let pending = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; attempt < 20 && pending.length > 0; attempt++) {
      const { UnprocessedItems } = await res.clients.ddb.send(
        new BatchWriteCommand({ RequestItems: { [res.tableName]: pending } }),
      );
      pending = (UnprocessedItems?.[res.tableName] ?? []) as typeof pending;
    }
    if (pending.length > 0) throw new Error('dynalite left items unprocessed');
  }
};

const drain = async (res: TestResources): Promise<RunMessage[]> => {
  const messages: RunMessage[] = [];
  for (let i = 0; i < 50; i++) {
    const { Messages = [] } = await res.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: res.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) return messages;
    messages.push(...Messages.map((m) => parseRunMessage(m.Body ?? '')));
  }
  throw new Error('the queue never ran empty');
};

// The sweeper against dynalite and fauxqs: what it reads is counted at the SDK.
describe('sweepStaleRuns on DynamoDB and SQS', () => {
  let res: TestResources;
  let runs: DynamoRunStore;

  beforeAll(async () => {
    res = await freshResources('sweeper');
    runs = new DynamoRunStore({ client: res.clients.ddb, tableName: res.tableName, retentionDays: 30 });
  });

  it('with 1,000 young queued runs and 3 stale ones, queries each kind and shard once, reads the 3 and requeues them in one batch', async () => {
    // Prepare: young runs created 20 minutes before the sweep (past the decision threshold, not the queued one)
    const stale = [0, 1, 2].map((s) => makeRun('sweep-job', {}, s));
    const young = Array.from({ length: 1000 }, (_, i) =>
      makeRun('sweep-job', { createdAt: iso(31 * MIN) }, 60 + i),
    );
    await seedRuns(res, [...stale, ...young]);
    const clock = new FakeClock(new Date(iso(51 * MIN)));
    const deps = {
      runs,
      jobs: new DynamoJobStore({ client: res.clients.ddb, tableName: res.tableName }),
      queue: new SqsQueue({ client: res.clients.sqs, queueUrl: res.queueUrl }),
      clock,
      settings: DEFAULT_SETTINGS,
    };
    const counts = countCalls(res);

    // Act
    const result = await sweepStaleRuns(deps, settings);
    const sent = await drain(res);

    // Assess: 12 queries reading 3 items; 3 conditional updates; one SendMessageBatch
    expect(result).toEqual({ requeued: 3, failed: 0 });
    expect(counts).toEqual({
      query: 3 * OPEN_SHARDS,
      itemsRead: 3,
      ddbCalls: 3 * OPEN_SHARDS + 3,
      sendMessageBatch: 1,
      sendMessage: 0,
    });
    expect(sent.map((m) => m.runId).sort()).toEqual(stale.map((r) => r.id).sort());
    for (const r of stale) expect(await runs.get(r.id)).toMatchObject({ status: 'queued' });
  });
});
