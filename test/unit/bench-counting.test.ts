import { describe, expect, it } from 'vitest';
import type { CallRecord, TableSpec, WireItem } from '../../bench/counting.ts';
import { Readable } from 'node:stream';
import { bodyText as cannedBodyText } from '../../bench/canned-transport.ts';
import {
  bodyText,
  classify,
  indexWrites,
  itemSize,
  numberSize,
  readUnits,
  storedBytes,
  tableSpec,
  tally,
  writeCost,
  writeUnits,
} from '../../bench/counting.ts';
import { tableDefinition } from '../../shared/store/table-definition.ts';

const S = (value: string) => ({ S: value });

/** A table like ours, with one index of each projection type. */
const TABLE: TableSpec = {
  tableName: 't',
  keys: ['pk', 'sk'],
  indexes: [
    { name: 'all', keys: ['a1'], projection: 'ALL', include: [] },
    { name: 'include', keys: ['i1'], projection: 'INCLUDE', include: ['status'] },
    { name: 'keys', keys: ['k1'], projection: 'KEYS_ONLY', include: [] },
  ],
};

const only = (name: string): TableSpec => ({
  ...TABLE,
  indexes: TABLE.indexes.filter((i) => i.name === name),
});

const bigRun = (extra: WireItem = {}): WireItem => ({
  pk: S('RUN#1'),
  sk: S('RUN'),
  status: S('queued'),
  eventJson: S('x'.repeat(5000)),
  ...extra,
});

describe('DynamoDB item size (AWS rules)', () => {
  it('counts attribute names and UTF-8 string bytes', () => {
    expect(itemSize({ ab: S('cde') })).toBe(5);
    // 'é' is two bytes in UTF-8.
    expect(itemSize({ n: S('é') })).toBe(3);
  });

  it('sizes numbers by significant digits, zeros trimmed', () => {
    expect(numberSize('1')).toBe(2);
    expect(numberSize('12345')).toBe(4);
    expect(numberSize('1732850000')).toBe(4);
    expect(numberSize('-0.0012')).toBe(2);
  });

  it('charges 3 bytes per List/Map and 1 per element, 1 byte for BOOL and NULL', () => {
    expect(itemSize({ m: { M: { a: S('b') } } })).toBe(1 + 3 + (1 + 1 + 1));
    expect(itemSize({ l: { L: [S('ab'), { BOOL: true }] } })).toBe(1 + 3 + (2 + 1) + (1 + 1));
    expect(itemSize({ z: { NULL: true } })).toBe(2);
    expect(itemSize({ b: { B: Buffer.from('abcd').toString('base64') } })).toBe(5);
  });
});

describe('units', () => {
  it('writes a unit per started KiB, at least one', () => {
    expect(writeUnits(0)).toBe(1);
    expect(writeUnits(1024)).toBe(1);
    expect(writeUnits(1025)).toBe(2);
  });

  it('reads a unit per started 4 KiB, half when eventually consistent', () => {
    expect(readUnits(4096, true)).toBe(1);
    expect(readUnits(4097, true)).toBe(2);
    expect(readUnits(4097, false)).toBe(1);
    expect(readUnits(0, false)).toBe(0.5);
  });

  it('bills an UpdateItem on the larger of the item before and after', () => {
    const before = bigRun();
    const after = { pk: S('RUN#1'), sk: S('RUN'), status: S('done') };
    expect(writeCost(before, after, { ...TABLE, indexes: [] }).tableUnits).toBe(5);
    expect(writeCost(after, before, { ...TABLE, indexes: [] }).tableUnits).toBe(5);
  });

  it('doubles transactional writes', () => {
    expect(writeCost(undefined, bigRun(), { ...TABLE, indexes: [] }, true).tableUnits).toBe(10);
  });
});

describe('index write amplification', () => {
  it('costs nothing in an index whose key the item lacks (sparse)', () => {
    expect(writeCost(undefined, bigRun(), TABLE).indexUnits).toBe(0);
  });

  it('writes the whole item into an ALL index, only keys and named attributes into INCLUDE', () => {
    const item = bigRun({ a1: S('x'), i1: S('x'), k1: S('x') });
    const all = writeCost(undefined, item, only('all')).indexUnits;
    const include = writeCost(undefined, item, only('include')).indexUnits;
    const keys = writeCost(undefined, item, only('keys')).indexUnits;
    expect(all).toBe(5);
    expect(include).toBe(1);
    expect(keys).toBe(1);
  });

  it('costs a delete and a put when an update changes the index key', () => {
    const writes = indexWrites(bigRun({ i1: S('old') }), bigRun({ i1: S('new') }), TABLE.indexes[1]!, TABLE);
    expect(writes.map((w) => w.kind)).toEqual(['delete', 'put']);
    expect(writeCost(bigRun({ i1: S('old') }), bigRun({ i1: S('new') }), only('include')).indexUnits).toBe(2);
  });

  it('costs a delete when an update removes the index key, a put when it adds it', () => {
    expect(
      indexWrites(bigRun({ k1: S('x') }), bigRun(), TABLE.indexes[2]!, TABLE).map((w) => w.kind),
    ).toEqual(['delete']);
    expect(
      indexWrites(bigRun(), bigRun({ k1: S('x') }), TABLE.indexes[2]!, TABLE).map((w) => w.kind),
    ).toEqual(['put']);
  });

  it('writes nothing to an index when only unprojected attributes change, once when a projected one does', () => {
    const before = bigRun({ i1: S('k') });
    const unprojected = { ...before, eventJson: S('y'.repeat(6000)) };
    expect(indexWrites(before, unprojected, TABLE.indexes[1]!, TABLE)).toEqual([]);
    const projected = { ...before, status: S('running') };
    expect(indexWrites(before, projected, TABLE.indexes[1]!, TABLE).map((w) => w.kind)).toEqual(['update']);
  });

  it("follows the table's own declaration: gsi2 is sparse and INCLUDE, so a big queued run costs 1 unit there", () => {
    const spec = tableSpec(tableDefinition('t'));
    const gsi2 = spec.indexes.find((i) => i.name === 'gsi2');
    expect(gsi2?.projection).toBe('INCLUDE');
    const item = bigRun({ gsi2pk: S('OPEN'), gsi2sk: S('2026-01-01T00:00:00.000Z#1') });
    const writes = spec.indexes.flatMap((index) => indexWrites(undefined, item, index, spec));
    expect(writes.find((w) => w.index === 'gsi2')?.units).toBe(1);
  });
});

describe('storage', () => {
  it('counts each index entry with its 100-byte overhead', () => {
    const item = bigRun({ k1: S('x') });
    const withIndex = storedBytes(item, only('keys'));
    const withoutIndex = storedBytes(item, { ...TABLE, indexes: [] });
    expect(withoutIndex).toBe(itemSize(item) + 100);
    expect(withIndex - withoutIndex).toBe(itemSize({ pk: S('RUN#1'), sk: S('RUN'), k1: S('x') }) + 100);
  });
});

describe('calls', () => {
  it('names the service and operation from x-amz-target, or from the S3 request shape', () => {
    const at = (target: string) =>
      classify({ headers: { 'X-Amz-Target': target }, method: 'POST', path: '/', query: {} });
    expect(at('DynamoDB_20120810.PutItem')).toEqual({ service: 'DynamoDB', operation: 'PutItem' });
    expect(at('AmazonSQS.SendMessageBatch')).toEqual({ service: 'SQS', operation: 'SendMessageBatch' });
    expect(at('secretsmanager.GetSecretValue')).toEqual({
      service: 'SecretsManager',
      operation: 'GetSecretValue',
    });
    expect(classify({ headers: {}, method: 'PUT', path: '/bucket/key/1', query: {} })).toEqual({
      service: 'S3',
      operation: 'PutObject',
    });
  });

  it('adds calls up per path, an SQS request per started 64 KiB', () => {
    const send = (bytes: number): CallRecord => ({
      service: 'SQS',
      operation: 'SendMessage',
      requestBytes: bytes,
      responseBytes: 10,
      status: 200,
    });
    const put: CallRecord = {
      service: 'DynamoDB',
      operation: 'PutItem',
      requestBytes: 100,
      responseBytes: 2,
      status: 200,
      dynamo: {
        readUnits: 0,
        writeUnits: 2,
        indexWriteUnits: 1,
        indexWrites: [{ index: 'gsi1', kind: 'put', bytes: 10, units: 1 }],
        itemsRead: 0,
        itemBytesRead: 0,
        itemsWritten: 1,
        conditionFailed: false,
        keys: ['RUN#1'],
      },
    };
    const t = tally([send(100), send(64 * 1024 + 1), put, put], 2);
    expect(t.operations).toEqual({ 'SQS.SendMessage': 1, 'DynamoDB.PutItem': 1 });
    expect(t.sqsBilledRequests).toBe(1.5);
    expect(t.writeUnits).toBe(2);
    expect(t.indexWriteUnits).toBe(1);
    expect(t.writeCalls).toBe(1);
  });
});

describe('request bodies', () => {
  it('are read by the one bodyText both transports share: the bytes of a view, a stream refused', () => {
    // The SDK's JSON body is a view into a larger buffer: only its own bytes are the body.
    const whole = Buffer.from('xx{"a":"é"}yy');
    const view = whole.subarray(2, whole.length - 2);
    expect(bodyText).toBe(cannedBodyText);
    expect(bodyText(new Uint8Array(view.buffer, view.byteOffset, view.byteLength))).toBe('{"a":"é"}');
    expect(bodyText(undefined)).toBe('');
    expect(() => bodyText(Readable.from(['{}']))).toThrow(TypeError);
  });
});
