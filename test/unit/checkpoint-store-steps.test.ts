import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  DynamoCheckpointStore,
  storedOfFailure,
  successStep,
} from '../../shared/store/dynamo-checkpoint-store.ts';

const S = (seconds: number): string => new Date(Date.UTC(2026, 10, 22, 10, 0, seconds)).toISOString();
const key = (seconds: number, runId = '01KXXX0000000000000000000A'): string => `${S(seconds)}#${runId}`;

describe('successStep', () => {
  it('writes the whole success when nothing newer is recorded', () => {
    expect(successStep(undefined, S(10), key(10))).toBe('success-and-last-run');
    expect(successStep({ lastRunAt: S(5), successKey: key(5) }, S(10), key(10))).toBe('success-and-last-run');
  });

  it('writes the success without lastRunAt past a newer failure', () => {
    expect(successStep({ lastRunAt: S(20), successKey: key(5) }, S(10), key(10))).toBe('success');
  });

  it('writes only lastRunAt for a success refused by a newer success or a later rewind', () => {
    expect(successStep({ lastRunAt: S(5), successKey: key(15) }, S(10), key(10))).toBe('last-run');
    expect(successStep({ lastRunAt: S(5), rewoundAt: S(12) }, S(10), key(10))).toBe('last-run');
  });

  it('writes nothing when even lastRunAt would move back', () => {
    expect(successStep({ lastRunAt: S(20), successKey: key(20) }, S(10), key(10))).toBe('none');
    expect(
      successStep({ lastRunAt: S(10), successKey: key(10, '01KXXX0000000000000000000B') }, S(10), key(10)),
    ).toBe('none');
  });
});

describe('storedOfFailure', () => {
  it('reads the refusing item as DynamoDB returns it (marshalled) or plain', () => {
    const marshalled = {
      name: 'ConditionalCheckFailedException',
      Item: { lastRunAt: { S: S(20) }, cursor: { S: 'x' } },
    };
    const plain = { name: 'ConditionalCheckFailedException', Item: { successKey: key(20) } };
    expect(storedOfFailure(marshalled)).toEqual({ lastRunAt: S(20) });
    expect(storedOfFailure(plain)).toEqual({ successKey: key(20) });
  });

  it('is undefined when the error carries no item (dynalite)', () => {
    expect(storedOfFailure(new Error('The conditional request failed'))).toBeUndefined();
    expect(storedOfFailure(undefined)).toBeUndefined();
  });
});

describe('DynamoCheckpointStore.recordRun in AWS', () => {
  it('decides from the item the refusal carries, without a read: 2 writes for a late run', async () => {
    // Prepare: the table refuses the first write, handing back the newer success that beat it
    const sent: { name: string; input: Record<string, unknown> }[] = [];
    const client = {
      send: (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        sent.push({ name: command.constructor.name, input: command.input });
        if (sent.length === 1) {
          const refused = Object.assign(new Error('The conditional request failed'), {
            name: 'ConditionalCheckFailedException',
            Item: { lastRunAt: { S: S(5) }, successKey: { S: key(15) } },
          });
          return Promise.reject(refused);
        }
        return Promise.resolve({});
      },
    };
    const store = new DynamoCheckpointStore({
      client: client as unknown as DynamoDBDocumentClient,
      tableName: 't',
    });

    // Act
    const result = await store.recordRun('j1', {
      runId: '01KXXX0000000000000000000A',
      startedAt: S(10),
      succeeded: true,
      cursor: 'late',
      at: S(30),
    });

    // Assess
    // (the newest run, it is the last run: it ends any streak of failures)
    expect(result).toEqual({ advanced: false, failures: 0, previousFailures: 0 });
    expect(sent.map((c) => c.name)).toEqual(['UpdateCommand', 'UpdateCommand']);
    expect(sent[0]?.input.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
    expect(sent[1]?.input.UpdateExpression).toBe(
      'SET updatedAt = :at, lastRunAt = :started REMOVE consecutiveFailures',
    );
  });
});
