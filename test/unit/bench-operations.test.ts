import { describe, expect, it } from 'vitest';
import type { CallRecord, Service } from '../../bench/counting.ts';
import { tally } from '../../bench/counting.ts';
import type { OperationsFigures } from '../../bench/operations.ts';
import { operationsRows } from '../../bench/operations.ts';

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
      keys: ['JOB#bench-ops'],
    },
  };
};
const calls = (...operations: string[]): CallRecord[] =>
  operations.map((o) => (o === 'SendMessage' ? call(o, 'SQS') : call(o)));

/** Figures exactly at every budget. */
const atBudget = (): OperationsFigures => ({
  // 10 due jobs: one query for the page, then per job the job and lease reads, claim, run, send, advance.
  tickPerJob: tally(
    [
      ...calls('Query'),
      ...Array.from({ length: 10 }, () =>
        calls('GetItem', 'GetItem', 'PutItem', 'PutItem', 'SendMessage', 'UpdateItem'),
      ).flat(),
    ],
    10,
  ),
  dueJobs: 10,
  tickIdle: tally(calls('Query')),
  manualRun: tally(calls('GetItem', 'UpdateItem', 'UpdateItem', 'UpdateItem')),
  scheduledRun: tally(calls('GetItem', 'PutItem', 'UpdateItem', 'UpdateItem', 'UpdateItem', 'DeleteItem')),
  runNow: tally(calls('GetItem', 'PutItem', 'SendMessage')),
  stopQueued: tally(calls('GetItem', 'UpdateItem')),
  replay: tally(calls('GetItem', 'GetItem', 'PutItem', 'SendMessage')),
  // The jobs' page, then one query per kind and shard of the open-runs index (3 × 4).
  grid: tally(
    calls('Query', ...Array<string>(12).fill('Query'), 'BatchGetItem', 'BatchGetItem', 'BatchGetItem'),
  ),
  gridJobs: 25,
  gridScheduled: 9,
});

const verdicts = (f: OperationsFigures): Record<string, unknown> =>
  Object.fromEntries(operationsRows(f).map((r) => [r.name, r.pass]));

describe('operations bench rows', () => {
  it('pass at every budget', () => {
    expect(Object.values(verdicts(atBudget()))).toEqual(Array(7).fill(true));
  });

  it.each([
    [
      'scheduler tick, per due job',
      // The schedule record read again per job, though the due query returned it.
      (f: OperationsFigures) => ({
        ...f,
        tickPerJob: tally(
          calls('GetItem', 'GetItem', 'GetItem', 'PutItem', 'PutItem', 'SendMessage', 'UpdateItem'),
        ),
      }),
    ],
    [
      'scheduler tick, per due job',
      // A query per due job instead of one per page.
      (f: OperationsFigures) => ({
        ...f,
        tickPerJob: tally(calls('Query', 'GetItem', 'PutItem', 'SendMessage')),
      }),
    ],
    [
      'scheduler tick, nothing due',
      (f: OperationsFigures) => ({ ...f, tickIdle: tally(calls('Query', 'GetItem')) }),
    ],
    [
      'scheduled run in the worker, beyond a manual run',
      // A heartbeat read in a short run.
      (f: OperationsFigures) => ({
        ...f,
        scheduledRun: tally(
          calls('GetItem', 'GetItem', 'PutItem', 'UpdateItem', 'UpdateItem', 'UpdateItem', 'DeleteItem'),
        ),
      }),
    ],
    [
      'scheduled run in the worker, beyond a manual run',
      (f: OperationsFigures) => ({
        ...f,
        scheduledRun: tally(
          calls('GetItem', 'PutItem', 'PutItem', 'UpdateItem', 'UpdateItem', 'UpdateItem', 'DeleteItem'),
        ),
      }),
    ],
    [
      'run now (POST /admin/jobs/{id}/runs)',
      (f: OperationsFigures) => ({
        ...f,
        runNow: tally(calls('GetItem', 'GetItem', 'PutItem', 'SendMessage')),
      }),
    ],
    [
      'stop a queued run (POST /admin/runs/{id}/stop)',
      (f: OperationsFigures) => ({ ...f, stopQueued: tally(calls('UpdateItem', 'UpdateItem')) }),
    ],
    [
      'replay a run (POST /admin/runs/{id}/replay)',
      (f: OperationsFigures) => ({
        ...f,
        replay: tally(calls('GetItem', 'GetItem', 'GetItem', 'PutItem', 'SendMessage')),
      }),
    ],
    [
      'jobs grid page (GET /admin/jobs)',
      // A lease read per scheduled job.
      (f: OperationsFigures) => ({
        ...f,
        grid: tally(
          calls(
            'Query',
            ...Array<string>(12).fill('Query'),
            'BatchGetItem',
            'BatchGetItem',
            'GetItem',
            'GetItem',
          ),
        ),
      }),
    ],
    [
      'jobs grid page (GET /admin/jobs)',
      // The open-runs index read a second page per partition (or per job).
      (f: OperationsFigures) => ({
        ...f,
        grid: tally(calls('Query', ...Array<string>(24).fill('Query'), 'BatchGetItem')),
      }),
    ],
  ])('fail %s over its budget', (name, over) => {
    const result = verdicts(over(atBudget()));
    expect(result[name]).toBe(false);
    // …and only that row.
    expect(
      Object.entries(result)
        .filter(([, pass]) => pass === false)
        .map(([n]) => n),
    ).toEqual([name]);
  });
});
