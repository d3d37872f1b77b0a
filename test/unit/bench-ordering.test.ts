import { describe, expect, it } from 'vitest';
import type { CallRecord, Service } from '../../bench/counting.ts';
import { tally } from '../../bench/counting.ts';
import type { OrderingFigures } from '../../bench/ordering.ts';
import { OLD_TURN_WAIT, orderingRows, simulateStorm, stormRows, TURN_WAIT } from '../../bench/ordering.ts';

/** One counted call: a DynamoDB read or write of one small item, or a queue call. */
const call = (operation: string, service: Service = 'DynamoDB'): CallRecord => {
  const base = { service, operation, requestBytes: 100, responseBytes: 100, status: 200 };
  if (service !== 'DynamoDB') return base;
  const write = ['PutItem', 'UpdateItem', 'DeleteItem'].includes(operation);
  return {
    ...base,
    dynamo: {
      readUnits: write ? 0 : 1,
      writeUnits: write ? 1 : 0,
      indexWriteUnits: 0,
      indexWrites: [],
      itemsRead: write ? 0 : 1,
      itemBytesRead: write ? 0 : 300,
      itemsWritten: write ? 1 : 0,
      conditionFailed: false,
      keys: ['JOB#bench-order'],
    },
  };
};
const calls = (...operations: string[]): CallRecord[] =>
  operations.map((o) => (o === 'SendMessage' ? call(o, 'SQS') : call(o)));

/** Figures exactly at every budget. */
const atBudget = (): OrderingFigures => ({
  plainIngest: tally(calls('PutItem', 'PutItem', 'SendMessage')),
  orderedIngest: tally(calls('PutItem', 'PutItem', 'PutItem', 'SendMessage')),
  plainRun: tally(calls('GetItem', 'UpdateItem', 'UpdateItem', 'UpdateItem')),
  orderedRun: tally(calls('GetItem', 'Query', 'UpdateItem', 'UpdateItem', 'UpdateItem', 'DeleteItem')),
  waitingLook: tally(calls('UpdateItem', 'Query', 'GetItem', 'UpdateItem', 'SendMessage')),
  attemptsAfterWait: 0,
  attemptsAfterRun: 1,
});

const verdicts = (f: OrderingFigures): Record<string, unknown> =>
  Object.fromEntries(orderingRows(f).map((r) => [r.name, r.pass]));

describe('ordering bench rows', () => {
  it('pass at every budget; the FIFO comparison is information', () => {
    expect(Object.values(verdicts(atBudget()))).toEqual([true, true, true, 'info']);
  });

  it('fail an ingest that reads, or writes twice, for the line', () => {
    const reads = {
      ...atBudget(),
      orderedIngest: tally(calls('GetItem', 'PutItem', 'PutItem', 'PutItem', 'SendMessage')),
    };
    const twice = {
      ...atBudget(),
      orderedIngest: tally(calls('PutItem', 'PutItem', 'PutItem', 'PutItem', 'SendMessage')),
    };
    expect(verdicts(reads)['ordered delivery at ingest, beyond a plain one']).toBe(false);
    expect(verdicts(twice)['ordered delivery at ingest, beyond a plain one']).toBe(false);
  });

  it('fail a worker that reads the line twice, or a wait that spends the attempt', () => {
    const twice = {
      ...atBudget(),
      orderedRun: tally(
        calls('GetItem', 'Query', 'Query', 'UpdateItem', 'UpdateItem', 'UpdateItem', 'DeleteItem'),
      ),
    };
    const spent = { ...atBudget(), attemptsAfterWait: 1 };
    expect(verdicts(twice)['ordered run in the worker, beyond a plain one']).toBe(false);
    expect(verdicts(spent)['a run waiting its turn, per look']).toBe(false);
  });

  it('storm rows: the gate’s wait passes; the former 1, 2, 4, 8, 15 s wait (N² looks) fails them', () => {
    expect(stormRows().map((r) => r.pass)).toEqual([true, true, true, true]);
    const former = stormRows(OLD_TURN_WAIT).map((r) => r.pass);
    expect(former.slice(1, 3)).toEqual([false, false]);
  });

  it('simulates a storm: each run on one key ends, in order, with the waits counted', () => {
    const storm = simulateStorm(10, 2, TURN_WAIT);
    expect(storm.drainSeconds).toBe(20);
    expect(storm.looks).toBe(9);
  });
});
