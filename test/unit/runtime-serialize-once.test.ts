import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { JobSchema } from '../../shared/model/index.ts';
import { ingest } from '../../shared/runtime/ingest.ts';
import { processRunMessage } from '../../shared/runtime/worker.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import { DynamoRunStore } from '../../shared/store/dynamo-run-store.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';

/**
 * One serialization per value: the event is measured by `storeEvent` and
 * written by the run store as that same text; the output is bounded by the
 * runtime and written as the text it measured. Counted on `JSON.stringify`
 * by the identity (or marker) of the value, through the DynamoDB run store.
 */

afterEach(() => vi.restoreAllMocks());

const dynamoRuns = () => {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
  const mock = mockClient(client);
  return { mock, store: new DynamoRunStore({ client, tableName: 't', retentionDays: 30 }) };
};

/** Counts `JSON.stringify` calls whose value matches. */
const countStringify = (matches: (value: unknown) => boolean) => {
  const stringify = JSON.stringify.bind(JSON);
  let count = 0;
  vi.spyOn(JSON, 'stringify').mockImplementation(((value: unknown, ...rest: never[]) => {
    if (matches(value)) count++;
    return stringify(value, ...rest);
  }) as typeof JSON.stringify);
  return () => count;
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

describe('an async delivery', () => {
  it('serializes its event once: the run item holds the text storeEvent measured', async () => {
    const { mock, store } = dynamoRuns();
    mock.on(PutCommand).resolves({});
    const deps = { ...memoryDeps(), runs: store };
    await deps.jobs.put(
      JobSchema.parse({ id: 'demo', name: 'Demo', integration: 'log-event', auth: { secret: 'demo' } }),
    );
    const events = countStringify((v) => isObject(v) && 'payload' in v && 'deliveryId' in v);
    const answer = await ingest(deps, {
      jobId: 'demo',
      body: '{"alert":"disk full"}',
      headers: { 'content-type': 'application/json', 'x-shared-secret': 's3cr3t-value' },
      query: {},
    });
    expect(answer.kind).toBe('queued');
    expect(events()).toBe(1);
    const [put] = mock.commandCalls(PutCommand);
    const item = put?.args[0].input.Item ?? {};
    expect(JSON.parse(String(item.eventJson))).toMatchObject({ payload: { alert: 'disk full' } });
  });
});

describe('a run', () => {
  const run = async (output: unknown) => {
    const { mock, store } = dynamoRuns();
    const event = {
      source: 'generic',
      trigger: 'webhook',
      deliveryId: 'D1',
      receivedAt: '2026-11-22T10:00:00.000Z',
      headers: {},
      query: {},
      payload: { hello: 'world' },
    };
    mock.on(UpdateCommand).callsFake((input: { ReturnValues?: string }) =>
      input.ReturnValues === 'ALL_NEW'
        ? {
            Attributes: {
              pk: 'RUN#R1',
              sk: 'RUN',
              id: 'R1',
              jobId: 'j1',
              source: 'generic',
              trigger: 'webhook',
              mode: 'async',
              status: 'running',
              attempt: 1,
              createdAt: '2026-11-22T10:00:00.000Z',
              startedAt: '2026-11-22T10:00:00.000Z',
              logs: [],
              eventJson: JSON.stringify(event),
            },
          }
        : {},
    );
    const echo = defineIntegration({
      id: 'echo',
      name: 'Echo',
      version: '1.0.0',
      description: 'returns its output',
      parameters: {},
      run: () => ({ message: 'ok', output }),
    });
    const deps = { ...memoryDeps({ integrations: [echo] }), runs: store };
    await deps.jobs.put(
      JobSchema.parse({ id: 'j1', name: 'J', integration: 'echo', auth: { secret: 'demo' } }),
    );
    await processRunMessage(deps, {
      body: JSON.stringify({ runId: 'R1', jobId: 'j1' }),
      receiveCount: 1,
      receiptHandle: 'rh',
    });
    const finish = mock
      .commandCalls(UpdateCommand)
      .map((c) => c.args[0].input)
      .find((i) => i.ExpressionAttributeValues?.[':status'] === 'succeeded');
    return finish?.ExpressionAttributeValues?.[':outputJson'] as unknown;
  };

  it('serializes its output once, and writes that text', async () => {
    const outputs = countStringify((v) => isObject(v) && v.marker === 'out-1');
    const stored = await run({ marker: 'out-1', list: [1, 2, 3] });
    expect(stored).toBe('{"marker":"out-1","list":[1,2,3]}');
    expect(outputs()).toBe(1);
  });

  it('calls an output’s toJSON once', async () => {
    let calls = 0;
    const stored = await run({
      toJSON: () => {
        calls++;
        return { a: 1 };
      },
    });
    expect(stored).toBe('{"a":1}');
    expect(calls).toBe(1);
  });
});
