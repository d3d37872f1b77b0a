import { describe, expect, it } from 'vitest';
import type { CallRecord, Service } from '../../bench/counting.ts';
import { tally } from '../../bench/counting.ts';
import type { OrderingFigures } from '../../bench/ordering.ts';
import { orderingRows } from '../../bench/ordering.ts';

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
});
