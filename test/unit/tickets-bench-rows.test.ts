import { describe, expect, it } from 'vitest';
import type { CallRecord, Tally } from '../../bench/counting.ts';
import { tally } from '../../bench/counting.ts';
import type { TicketFigures } from '../../bench/tickets.ts';
import { SYNC_CHANGED, SYNC_TASKS, ticketRows } from '../../bench/tickets.ts';

/** One counted DynamoDB call of one small item. */
const call = (operation: string): CallRecord => {
  const write = ['PutItem', 'UpdateItem', 'DeleteItem'].includes(operation);
  return {
    service: 'DynamoDB',
    operation,
    requestBytes: 100,
    responseBytes: 100,
    status: 200,
    dynamo: {
      readUnits: write ? 0 : 1,
      writeUnits: write ? 1 : 0,
      indexWriteUnits: 0,
      indexWrites: [],
      itemsRead: write ? 0 : 1,
      itemBytesRead: write ? 0 : 300,
      itemsWritten: write ? 1 : 0,
      conditionFailed: false,
      keys: ['JOB#bench'],
    },
  };
};
const of = (...operations: string[]): Tally => tally(operations.map(call));
const times = (n: number, operation: string): string[] => Array.from({ length: n }, () => operation);

/** Figures exactly at every budget, as measured on dynalite. */
const atBudget = (): TicketFigures => ({
  plain: of('GetItem', 'UpdateItem', 'UpdateItem', 'UpdateItem'),
  newTask: of('GetItem', 'GetItem', 'GetItem', ...times(3, 'PutItem'), ...times(4, 'UpdateItem')),
  comment: of('GetItem', 'GetItem', 'GetItem', 'PutItem', ...times(5, 'UpdateItem')),
  ignore: of('GetItem', 'GetItem', 'GetItem', ...times(4, 'UpdateItem')),
  sync: of(...times(101, 'Query'), 'GetItem', 'GetItem', ...times(203, 'UpdateItem')),
  syncWrites: 2 * SYNC_CHANGED + 3,
  syncCalls: SYNC_TASKS / 100,
  syncSynced: SYNC_TASKS,
  syncClosed: SYNC_CHANGED,
  pagesAlive: 1,
});

describe('ticket bench rows', () => {
  it('pass at the measured figures', () => {
    expect(ticketRows(atBudget()).map((r) => r.pass)).toEqual([true, true, true, true]);
  });

  it('fail a path that adds a write, a sync with one call more, or a run that did not do what it should', () => {
    const f = atBudget();
    const rows = (over: Partial<TicketFigures>) => ticketRows({ ...f, ...over }).map((r) => r.pass);
    expect(rows({ newTask: of('GetItem', ...times(4, 'PutItem'), ...times(4, 'UpdateItem')) })[0]).toBe(
      false,
    );
    expect(rows({ comment: of('GetItem', 'PutItem', 'PutItem', ...times(5, 'UpdateItem')) })[1]).toBe(false);
    expect(rows({ syncCalls: 101 })[3]).toBe(false);
    expect(rows({ syncWrites: f.syncWrites + 1 })[3]).toBe(false);
    expect(rows({ pagesAlive: 3 })[3]).toBe(false);
    expect(rows({ problem: 'bench-tickets: run failed' })).toEqual([false, false, false, false]);
  });
});
