import { describe, expect, it } from 'vitest';
import type { CallRecord, Service } from '../../bench/counting.ts';
import { emptyTally, tally } from '../../bench/counting.ts';
import type { Label, Labelled, ToolboxFigures } from '../../bench/toolbox.ts';
import { byLabel, labelOf, toolboxRows } from '../../bench/toolbox.ts';

/** One counted call: a DynamoDB read or write of one small item, or a queue call. */
const call = (
  operation: string,
  o: { service?: Service; read?: number; write?: number; index?: number; failed?: boolean } = {},
): CallRecord => {
  const service = o.service ?? 'DynamoDB';
  const base = { service, operation, requestBytes: 100, responseBytes: 100, status: o.failed ? 400 : 200 };
  if (service !== 'DynamoDB') return base;
  const index = o.index ?? 0;
  return {
    ...base,
    dynamo: {
      readUnits: o.read ?? 0,
      writeUnits: o.write ?? 0,
      indexWriteUnits: index,
      indexWrites: Array.from({ length: index }, () => ({
        index: 'gsi1',
        kind: 'put' as const,
        bytes: 200,
        units: 1,
      })),
      itemsRead: o.read === undefined ? 0 : 1,
      itemBytesRead: o.read === undefined ? 0 : 300,
      itemsWritten: o.write === undefined || o.failed ? 0 : 1,
      conditionFailed: o.failed ?? false,
      keys: ['JOB#bench-toolbox'],
    },
  };
};

const get = () => call('GetItem', { read: 1 });
const update = () => call('UpdateItem', { write: 1 });
const put = () => call('PutItem', { write: 1 });
const send = () => call('SendMessage', { service: 'SQS' });
const labelled = (label: Label, ...calls: CallRecord[]): Labelled[] => calls.map((c) => ({ label, call: c }));

/** A deferral as the worker makes it: start + release, the checkpoint's read, one send, maybe a notification. */
const deferral = (notifications: number) =>
  byLabel([
    [
      ...labelled('run', update(), update()),
      ...labelled('checkpoint', get()),
      ...labelled('queue', send()),
      ...labelled(
        'notification',
        ...Array.from({ length: notifications }, () => call('PutItem', { write: 1, index: 1 })),
      ),
    ],
  ]);

/** Figures exactly at every budget. */
const atBudget = (): ToolboxFigures => ({
  runs: 1,
  stateGet: tally([get()]),
  stateSetExisting: tally([get(), update()]),
  stateSetNew: tally([get(), update(), update()]),
  checkpoint: tally([get(), update()]),
  runItemWrites: 2,
  effectFirst: { effect: tally([put(), update()]), fnCalls: 1 },
  effectReplay: { effect: tally([call('PutItem', { write: 1, failed: true }), get()]), fnCalls: 0 },
  globalsWarm: emptyTally(),
  globalsCold: tally([call('Query', { read: 0.5 })]),
  globalsCount: 1,
  notification: tally([call('PutItem', { write: 1, index: 1 })]),
  deferFirst: deferral(1),
  deferAgain: deferral(0),
  jobReads: 0,
  warmRuns: 1,
});

const failing = (f: ToolboxFigures): string[] =>
  toolboxRows(f)
    .filter((r) => r.pass === false)
    .map((r) => r.name);

describe('toolbox bench rows', () => {
  it('passes every row at its budget', () => {
    const rows = toolboxRows(atBudget());
    expect(rows).toHaveLength(9);
    expect(failing(atBudget())).toEqual([]);
  });

  const cases: [string, (f: ToolboxFigures) => void, string][] = [
    [
      'a second read before setting a new key',
      (f) => (f.stateSetNew = tally([get(), get(), update(), update()])),
      'state set, new key',
    ],
    ['a second state read', (f) => (f.stateGet = tally([get(), get()])), 'state get (ctx.state.get, warm)'],
    [
      'a second read before setting an existing key',
      (f) => (f.stateSetExisting = tally([get(), get(), update()])),
      'state set, existing key',
    ],
    [
      'an existing key written over 1 KiB',
      (f) => (f.stateSetExisting = tally([call('UpdateItem', { write: 2 })])),
      'state set, existing key',
    ],
    [
      'a third write for a new key',
      (f) => (f.stateSetNew = tally([get(), update(), update(), update()])),
      'state set, new key',
    ],
    [
      'a second checkpoint read',
      (f) => (f.checkpoint = tally([get(), get(), update()])),
      'checkpoint per run (worker, warm)',
    ],
    [
      'no checkpoint write (exactly one is the budget)',
      (f) => (f.checkpoint = tally([get()])),
      'checkpoint per run (worker, warm)',
    ],
    ['a third run-item write', (f) => (f.runItemWrites = 3), 'checkpoint per run (worker, warm)'],
    [
      'a read at an effect first call',
      (f) => (f.effectFirst.effect = tally([put(), get(), update()])),
      'effect, first call',
    ],
    ['fn called twice on a first call', (f) => (f.effectFirst.fnCalls = 2), 'effect, first call'],
    ['fn called on a replay', (f) => (f.effectReplay.fnCalls = 1), 'effect, replayed delivery'],
    [
      'two reads on a replay',
      (f) => (f.effectReplay.effect = tally([put(), get(), get()])),
      'effect, replayed delivery',
    ],
    [
      'a warm run reading the globals',
      (f) => (f.globalsWarm = tally([call('Query', { read: 0.5 })], 10)),
      'globals per run (warm)',
    ],
    [
      'a notification written twice',
      (f) => (f.notification = tally([call('PutItem', { write: 1, index: 1 }), put()])),
      'notification (ctx.notifier.info)',
    ],
    [
      'a notification without its index entry',
      (f) => (f.notification = tally([put()])),
      'notification (ctx.notifier.info)',
    ],
    [
      'a read in a deferral',
      (f) => (f.deferFirst = { ...f.deferFirst, run: tally([update(), get(), update()]) }),
      'rate-limited run deferred (worker): beyond its start',
    ],
    [
      'a second send in a deferral',
      (f) => (f.deferAgain = { ...f.deferAgain, queue: tally([send(), send()]) }),
      'rate-limited run deferred (worker): beyond its start',
    ],
    [
      'the rate-limit notification raised again',
      (f) => (f.deferAgain = deferral(1)),
      'rate-limited run deferred (worker): beyond its start',
    ],
    [
      'a checkpoint written by a deferred run',
      (f) => (f.deferFirst = { ...f.deferFirst, checkpoint: tally([get(), update()]) }),
      'rate-limited run deferred (worker): beyond its start',
    ],
  ];

  it.each(cases)('fails on %s, and only that row', (_what, breakIt, row) => {
    const f = atBudget();
    breakIt(f);
    expect(failing(f)).toEqual([row]);
  });
});

describe('which path a call belongs to', () => {
  const key = (pk: string, sk: string) => JSON.stringify({ Key: { pk: { S: pk }, sk: { S: sk } } });

  it('labels item calls by their sort key', () => {
    expect(labelOf('DynamoDB', key('JOB#j', 'CHECKPOINT'))).toBe('checkpoint');
    expect(labelOf('DynamoDB', key('JOB#j', 'STATE#n'))).toBe('state');
    expect(labelOf('DynamoDB', key('JOB#j', 'STATEMETA'))).toBe('state');
    expect(labelOf('DynamoDB', key('JOB#j', 'EFFECT#e-1'))).toBe('effect');
    expect(labelOf('DynamoDB', key('JOB#j', 'JOB'))).toBe('job');
    expect(labelOf('DynamoDB', key('RUN#01', 'RUN'))).toBe('run');
    expect(labelOf('DynamoDB', key('JOB#j', 'DELIVERY#abc'))).toBe('delivery');
    expect(labelOf('DynamoDB', JSON.stringify({ Item: { pk: { S: 'JOB#j' }, sk: { S: 'NOTE#01' } } }))).toBe(
      'notification',
    );
  });

  it('labels queries by the key values they compare with', () => {
    const query = (values: Record<string, string>) =>
      JSON.stringify({
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { S: v }])),
      });
    expect(labelOf('DynamoDB', query({ ':pk': 'GLOBAL' }))).toBe('globals');
    expect(labelOf('DynamoDB', query({ ':pk': 'JOB#j', ':prefix': 'STATE#' }))).toBe('state');
    expect(labelOf('DynamoDB', query({ ':pk': 'NOTES' }))).toBe('notification');
    expect(labelOf('DynamoDB', query({ ':pk': 'JOB#j', ':prefix': 'EFFECT#' }))).toBe('effect');
  });

  it('labels the other services by service', () => {
    expect(labelOf('SQS', '')).toBe('queue');
    expect(labelOf('SecretsManager', '')).toBe('secret');
    expect(labelOf('S3', '')).toBe('payload');
  });

  it('adds each label up per run', () => {
    // Two runs: the first reads and writes state and reads its checkpoint, the second reads state.
    const tallies = byLabel([
      [...labelled('state', get(), update()), ...labelled('checkpoint', get())],
      labelled('state', get()),
    ]);
    expect(tallies.state?.readCalls).toBe(1);
    expect(tallies.state?.writeCalls).toBe(0.5);
    expect(tallies.checkpoint?.readCalls).toBe(0.5);
  });
});
