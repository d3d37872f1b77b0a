import { Readable } from 'node:stream';
import { GetItemCommand, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type {
  AttributeValue,
  CreateTableCommandInput,
  DynamoDBClient,
  QueryCommandInput,
  ScanCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { HttpHandlerOptions, HttpRequest, HttpResponse } from '@smithy/types';
import type { WireItem, WireValue } from './canned-transport.ts';
import { bodyText } from './canned-transport.ts';

export type { WireItem, WireValue };
export { bodyText };

/**
 * What the bench counts at the SDK transport: every AWS call of a path, its
 * bytes on the wire and, for DynamoDB, the read and write units AWS would
 * bill — index write amplification included, from the table's declared
 * projections. The unit math is pure and unit-tested
 * (`test/unit/bench-counting.test.ts`); the handler needs a DynamoDB
 * emulator behind it to know the items before and after each write.
 */

// ——— DynamoDB item size and units (AWS "DynamoDB item sizes and formats") ———

const utf8 = (text: string): number => Buffer.byteLength(text, 'utf8');

/** Numbers: 1 byte per two significant digits (leading and trailing zeros trimmed), plus 1. */
export const numberSize = (text: string): number => {
  const mantissa = text.trim().replace(/^[+-]/, '').split(/[eE]/)[0] ?? '';
  const digits = mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(digits.length / 2) + 1;
};

const binarySize = (value: unknown): number => {
  if (value instanceof Uint8Array) return value.byteLength;
  if (typeof value === 'string') return Buffer.from(value, 'base64').byteLength;
  return 0;
};

/** Bytes of one value (not its name): strings as UTF-8, List/Map 3 bytes + 1 per element. */
export const valueSize = (value: WireValue): number => {
  const v = value as Record<string, unknown>;
  if (typeof v.S === 'string') return utf8(v.S);
  if (typeof v.N === 'string') return numberSize(v.N);
  if (v.B !== undefined) return binarySize(v.B);
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (Array.isArray(v.L)) {
    return 3 + (v.L as WireValue[]).reduce((sum, element) => sum + valueSize(element) + 1, 0);
  }
  if (typeof v.M === 'object' && v.M !== null) {
    return (
      3 +
      Object.entries(v.M as WireItem).reduce(
        (sum, [name, element]) => sum + utf8(name) + valueSize(element) + 1,
        0,
      )
    );
  }
  if (Array.isArray(v.SS)) return (v.SS as string[]).reduce((sum, s) => sum + utf8(s), 0);
  if (Array.isArray(v.NS)) return (v.NS as string[]).reduce((sum, n) => sum + numberSize(n), 0);
  if (Array.isArray(v.BS)) return (v.BS as unknown[]).reduce<number>((sum, b) => sum + binarySize(b), 0);
  throw new Error(`unknown DynamoDB attribute value: ${JSON.stringify(value).slice(0, 80)}`);
};

/** Item size: the sum of attribute-name bytes and value bytes; 0 for no item. */
export const itemSize = (item: WireItem | undefined): number =>
  item === undefined
    ? 0
    : Object.entries(item).reduce((sum, [name, v]) => sum + utf8(name) + valueSize(v), 0);

export const KIB = 1024;
/** One write request unit per started KiB; a write costs at least one. */
export const writeUnits = (bytes: number): number => Math.max(1, Math.ceil(bytes / KIB));
/**
 * One read request unit per started 4 KiB, strongly consistent; half for an
 * eventually consistent read. A read that finds nothing still costs the minimum.
 */
export const readUnits = (bytes: number, consistent: boolean): number =>
  Math.max(1, Math.ceil(bytes / (4 * KIB))) * (consistent ? 1 : 0.5);
/** Storage bills every item (table or index entry) 100 bytes over its size. */
export const STORAGE_OVERHEAD_BYTES = 100;

// ——— The table's layout, read from its CreateTable input ———

export interface IndexSpec {
  name: string;
  /** The index's own key attributes: an item lacking one is not in the index (sparse). */
  keys: string[];
  projection: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  /** INCLUDE: the non-key attributes copied into the index. */
  include: string[];
}

export interface TableSpec {
  tableName: string;
  keys: string[];
  indexes: IndexSpec[];
}

/** The keys and index projections a table declares, so the bench follows whatever it becomes. */
export const tableSpec = (definition: CreateTableCommandInput): TableSpec => ({
  tableName: definition.TableName ?? '',
  keys: (definition.KeySchema ?? []).map((k) => k.AttributeName ?? ''),
  indexes: [...(definition.GlobalSecondaryIndexes ?? []), ...(definition.LocalSecondaryIndexes ?? [])].map(
    (index) => ({
      name: index.IndexName ?? '',
      keys: (index.KeySchema ?? []).map((k) => k.AttributeName ?? ''),
      projection: index.Projection?.ProjectionType ?? 'ALL',
      include: index.Projection?.NonKeyAttributes ?? [],
    }),
  ),
});

const pick = (item: WireItem, names: Iterable<string>): WireItem => {
  const out: WireItem = {};
  for (const name of names) {
    const value = item[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
};

/** The entry an item has in an index (table keys, index keys, projected attributes), or undefined when it is not in it. */
export const indexEntry = (
  item: WireItem | undefined,
  index: IndexSpec,
  table: TableSpec,
): WireItem | undefined => {
  if (item === undefined || index.keys.some((k) => item[k] === undefined)) return undefined;
  if (index.projection === 'ALL') return item;
  const names = new Set([
    ...table.keys,
    ...index.keys,
    ...(index.projection === 'INCLUDE' ? index.include : []),
  ]);
  return pick(item, names);
};

/** Attribute maps compared by value, whatever the order of their names. */
const canonical = (item: WireItem): string =>
  JSON.stringify(
    Object.keys(item)
      .sort()
      .map((name) => [name, item[name]]),
  );

export interface IndexWrite {
  index: string;
  kind: 'put' | 'delete' | 'update';
  bytes: number;
  units: number;
}

/**
 * The writes one table write causes in an index: a put when the item enters
 * it, a delete when it leaves, a delete + put when its index key changes, an
 * update when only projected attributes change, nothing otherwise.
 */
export const indexWrites = (
  before: WireItem | undefined,
  after: WireItem | undefined,
  index: IndexSpec,
  table: TableSpec,
): IndexWrite[] => {
  const old = indexEntry(before, index, table);
  const now = indexEntry(after, index, table);
  const write = (kind: IndexWrite['kind'], bytes: number): IndexWrite => ({
    index: index.name,
    kind,
    bytes,
    units: writeUnits(bytes),
  });
  if (old === undefined && now === undefined) return [];
  if (old === undefined && now !== undefined) return [write('put', itemSize(now))];
  if (old !== undefined && now === undefined) return [write('delete', itemSize(old))];
  if (old === undefined || now === undefined) return [];
  const keyOf = (entry: WireItem) => canonical(pick(entry, index.keys));
  if (keyOf(old) !== keyOf(now)) return [write('delete', itemSize(old)), write('put', itemSize(now))];
  if (canonical(old) === canonical(now)) return [];
  return [write('update', Math.max(itemSize(old), itemSize(now)))];
};

export interface WriteCost {
  /** Units of the table write: the larger of the item before and after, per started KiB. */
  tableUnits: number;
  indexUnits: number;
  indexWrites: IndexWrite[];
}

/**
 * What one successful write (PutItem, UpdateItem, DeleteItem) costs, from
 * the item before and after it. Transactional writes cost double.
 */
export const writeCost = (
  before: WireItem | undefined,
  after: WireItem | undefined,
  table: TableSpec,
  transactional = false,
): WriteCost => {
  const factor = transactional ? 2 : 1;
  const writes = table.indexes.flatMap((index) => indexWrites(before, after, index, table));
  return {
    tableUnits: writeUnits(Math.max(itemSize(before), itemSize(after))) * factor,
    indexUnits: writes.reduce((sum, w) => sum + w.units, 0) * factor,
    indexWrites: writes,
  };
};

/** Bytes an item occupies in storage: itself and each of its index entries, each with the per-item overhead. */
export const storedBytes = (item: WireItem, table: TableSpec): number =>
  itemSize(item) +
  STORAGE_OVERHEAD_BYTES +
  table.indexes.reduce((sum, index) => {
    const entry = indexEntry(item, index, table);
    return entry === undefined ? sum : sum + itemSize(entry) + STORAGE_OVERHEAD_BYTES;
  }, 0);

// ——— The counting transport ———

export type Service = 'DynamoDB' | 'SQS' | 'S3' | 'SecretsManager';

export interface CallRecord {
  service: Service;
  operation: string;
  requestBytes: number;
  responseBytes: number;
  status: number;
  /** DynamoDB only. */
  dynamo?: {
    readUnits: number;
    writeUnits: number;
    indexWriteUnits: number;
    indexWrites: IndexWrite[];
    itemsRead: number;
    /** Bytes of the items (or index entries) read, whatever the response carried. */
    itemBytesRead: number;
    itemsWritten: number;
    /** A write whose condition failed: billed, nothing written. */
    conditionFailed: boolean;
    /** The index a Query or Scan read, if any. */
    index?: string;
    /** pk of every item written, to tell run items from delivery items. */
    keys: string[];
  };
}

const TARGET_PREFIXES: [string, Service][] = [
  ['DynamoDB_', 'DynamoDB'],
  ['AmazonSQS.', 'SQS'],
  ['secretsmanager.', 'SecretsManager'],
];

/** Service and operation of a request: from `x-amz-target` (JSON protocols) or S3's REST shape. */
export const classify = (
  request: Pick<HttpRequest, 'headers' | 'method' | 'path' | 'query'>,
): {
  service: Service;
  operation: string;
} => {
  const target = Object.entries(request.headers).find(([name]) => name.toLowerCase() === 'x-amz-target')?.[1];
  if (target !== undefined) {
    for (const [prefix, service] of TARGET_PREFIXES) {
      if (target.startsWith(prefix)) return { service, operation: target.slice(target.indexOf('.') + 1) };
    }
    throw new Error(`unknown x-amz-target ${target}`);
  }
  // S3 REST: bucket in the path (path style), the object key after it.
  const segments = request.path.split('/').filter(Boolean);
  const onObject = segments.length >= 2;
  const byMethod: Record<string, string> = onObject
    ? { PUT: 'PutObject', GET: 'GetObject', HEAD: 'HeadObject', DELETE: 'DeleteObject' }
    : { PUT: 'CreateBucket', GET: 'ListObjectsV2', HEAD: 'HeadBucket', DELETE: 'DeleteBucket' };
  return {
    service: 'S3',
    operation: byMethod[request.method] ?? `${request.method} ${onObject ? 'object' : 'bucket'}`,
  };
};

const bodyBytes = (body: unknown, headers: Record<string, string>): number => {
  if (typeof body === 'string') return utf8(body);
  if (body instanceof Uint8Array) return body.byteLength;
  const length = Object.entries(headers).find(([name]) => name.toLowerCase() === 'content-length')?.[1];
  return length === undefined ? 0 : Number(length);
};

const collect = async (body: unknown): Promise<Buffer> => {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
};

/** The part of `RequestHandler` the SDK clients call. */
export interface InnerHandler {
  handle(request: HttpRequest, options?: HttpHandlerOptions): Promise<{ response: HttpResponse }>;
}

export interface CountingHandlerOptions {
  /** Carries DynamoDB, SQS and S3 calls (the SDK's NodeHttpHandler to the emulators on loopback). */
  inner: InnerHandler;
  /**
   * An uncounted client on the same DynamoDB: reads each written item before
   * and after the counted write, and the full items behind a counted read.
   */
  observer: DynamoDBClient;
  /** Keys and indexes of the tables the calls use, by table name. */
  tables: Record<string, TableSpec>;
  /** Secrets Manager has no emulator: its values are answered here, by secret id. */
  secrets?: Record<string, string>;
}

type Json = Record<string, unknown>;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * A request handler that counts every call passing through it. DynamoDB,
 * SQS and S3 go on to the inner handler (the emulators); Secrets Manager is
 * answered with canned values. Item states are read with a second,
 * uncounted client (`observer`) around each counted write, so the units are
 * those of the real items, not of the request.
 */
export class CountingHandler {
  readonly calls: CallRecord[] = [];
  readonly #options: CountingHandlerOptions;
  /** Counted writes run one at a time: reading the item before and after must not interleave with another write. */
  #writeQueue: Promise<unknown> = Promise.resolve();

  constructor(options: CountingHandlerOptions) {
    this.#options = options;
  }

  /** The SDK asks its handler for these; a wrapper has no config of its own to change. */
  updateHttpClientConfig(): void {}
  httpHandlerConfigs(): Record<string, never> {
    return {};
  }
  destroy(): void {}

  /** The calls recorded since the last take, and a fresh start. */
  take(): CallRecord[] {
    return this.calls.splice(0, this.calls.length);
  }

  async handle(request: HttpRequest, options?: HttpHandlerOptions): Promise<{ response: HttpResponse }> {
    const { service, operation } = classify(request);
    const requestBytes = bodyBytes(request.body, request.headers);
    if (service === 'SecretsManager') {
      const { status, text } = this.#secretAnswer(operation, bodyText(request.body));
      this.calls.push({ service, operation, requestBytes, responseBytes: utf8(text), status });
      return { response: jsonResponse(status, text, 'application/x-amz-json-1.1') };
    }
    if (!LOOPBACK.has(request.hostname)) {
      throw new Error(
        `the bench sends nothing off this machine: ${service} ${operation} to ${request.hostname}`,
      );
    }
    if (service !== 'DynamoDB') {
      const { response, body } = await this.#forward(request, options);
      this.calls.push({
        service,
        operation,
        requestBytes,
        responseBytes: body.byteLength,
        status: response.statusCode,
      });
      return { response };
    }
    const input = JSON.parse(bodyText(request.body)) as Json;
    if (WRITES.has(operation)) {
      const run = this.#writeQueue.then(() =>
        this.#dynamoWrite(request, options, operation, input, requestBytes),
      );
      this.#writeQueue = run.catch(() => undefined);
      return run;
    }
    const { response, body } = await this.#forward(request, options);
    const dynamo = await this.#dynamoRead(operation, input, response.statusCode);
    this.calls.push({
      service,
      operation,
      requestBytes,
      responseBytes: body.byteLength,
      status: response.statusCode,
      dynamo,
    });
    return { response };
  }

  async #forward(
    request: HttpRequest,
    options?: HttpHandlerOptions,
  ): Promise<{ response: HttpResponse; body: Buffer }> {
    const { response } = await this.#options.inner.handle(request, options);
    const body = await collect(response.body);
    // The SDK reads the body once more, after us.
    response.body = Readable.from([body]);
    return { response, body };
  }

  #table(name: unknown): TableSpec {
    const spec = typeof name === 'string' ? this.#options.tables[name] : undefined;
    if (spec === undefined) throw new Error(`the bench knows no table ${String(name)}`);
    return spec;
  }

  async #getItem(tableName: string, key: WireItem): Promise<WireItem | undefined> {
    const { Item } = await this.#options.observer.send(
      new GetItemCommand({
        TableName: tableName,
        Key: key as Record<string, AttributeValue>,
        ConsistentRead: true,
      }),
    );
    return Item;
  }

  /** The table items one write touches, as (table, key) pairs. */
  #writeTargets(
    operation: string,
    input: Json,
  ): { table: TableSpec; key: WireItem; transactional: boolean }[] {
    const keyOf = (table: TableSpec, item: WireItem) => pick(item, table.keys);
    if (operation === 'PutItem') {
      const table = this.#table(input.TableName);
      return [{ table, key: keyOf(table, input.Item as WireItem), transactional: false }];
    }
    if (operation === 'UpdateItem' || operation === 'DeleteItem') {
      return [{ table: this.#table(input.TableName), key: input.Key as WireItem, transactional: false }];
    }
    if (operation === 'BatchWriteItem') {
      return Object.entries(input.RequestItems as Record<string, Json[]>).flatMap(([name, requests]) => {
        const table = this.#table(name);
        return requests.map((r) => {
          const put = r.PutRequest as { Item: WireItem } | undefined;
          const del = r.DeleteRequest as { Key: WireItem } | undefined;
          return { table, key: put ? keyOf(table, put.Item) : (del?.Key ?? {}), transactional: false };
        });
      });
    }
    // TransactWriteItems
    return (input.TransactItems as Json[]).flatMap((entry) =>
      Object.values(entry).map((action) => {
        const a = action as Json;
        const table = this.#table(a.TableName);
        const key = a.Item === undefined ? (a.Key as WireItem) : keyOf(table, a.Item as WireItem);
        return { table, key, transactional: true };
      }),
    );
  }

  async #dynamoWrite(
    request: HttpRequest,
    options: HttpHandlerOptions | undefined,
    operation: string,
    input: Json,
    requestBytes: number,
  ): Promise<{ response: HttpResponse }> {
    const targets = this.#writeTargets(operation, input);
    const before = await Promise.all(targets.map((t) => this.#getItem(t.table.tableName, t.key)));
    const { response, body } = await this.#forward(request, options);
    const after = await Promise.all(targets.map((t) => this.#getItem(t.table.tableName, t.key)));
    const succeeded = response.statusCode === 200;
    const conditionFailed =
      !succeeded && /ConditionalCheckFailed|TransactionCanceled/.test(body.toString('utf8').slice(0, 200));
    let writeUnitsTotal = 0;
    let indexUnits = 0;
    const allIndexWrites: IndexWrite[] = [];
    targets.forEach((target, i) => {
      if (succeeded) {
        const cost = writeCost(before[i], after[i], target.table, target.transactional);
        writeUnitsTotal += cost.tableUnits;
        indexUnits += cost.indexUnits;
        allIndexWrites.push(...cost.indexWrites);
      } else if (conditionFailed) {
        // A failed condition is billed on the item as it stands (at least one unit), and writes no index.
        writeUnitsTotal += writeUnits(itemSize(before[i])) * (target.transactional ? 2 : 1);
      }
    });
    this.calls.push({
      service: 'DynamoDB',
      operation,
      requestBytes,
      responseBytes: body.byteLength,
      status: response.statusCode,
      dynamo: {
        readUnits: 0,
        writeUnits: writeUnitsTotal,
        indexWriteUnits: indexUnits,
        indexWrites: allIndexWrites,
        itemsRead: 0,
        itemBytesRead: 0,
        itemsWritten: succeeded ? targets.length : 0,
        conditionFailed,
        keys: targets.map((t) => String((t.key.pk as { S?: string } | undefined)?.S ?? '')),
      },
    });
    return { response };
  }

  async #dynamoRead(operation: string, input: Json, status: number): Promise<CallRecord['dynamo']> {
    const base = {
      writeUnits: 0,
      indexWriteUnits: 0,
      indexWrites: [],
      itemsWritten: 0,
      conditionFailed: false,
      keys: [],
    };
    if (status !== 200) return { ...base, readUnits: 0, itemsRead: 0, itemBytesRead: 0 };
    if (operation === 'GetItem') {
      // Billed on the whole item, whatever ProjectionExpression kept of it.
      const item = await this.#getItem(String(input.TableName), input.Key as WireItem);
      const bytes = itemSize(item);
      return {
        ...base,
        readUnits: readUnits(bytes, input.ConsistentRead === true),
        itemsRead: item === undefined ? 0 : 1,
        itemBytesRead: bytes,
      };
    }
    if (operation === 'BatchGetItem') {
      let units = 0;
      let items = 0;
      let bytes = 0;
      for (const [name, request] of Object.entries(input.RequestItems as Record<string, Json>)) {
        for (const key of request.Keys as WireItem[]) {
          const item = await this.#getItem(name, key);
          units += readUnits(itemSize(item), request.ConsistentRead === true);
          items += item === undefined ? 0 : 1;
          bytes += itemSize(item);
        }
      }
      return { ...base, readUnits: units, itemsRead: items, itemBytesRead: bytes };
    }
    if (operation === 'Query' || operation === 'Scan') {
      const table = this.#table(input.TableName);
      const index = table.indexes.find((i) => i.name === input.IndexName);
      // A filter or a projection hides what was read: read the same page again, whole.
      const entries = await this.#pageRead(operation, input);
      const sized = entries.map((item) =>
        index === undefined ? item : (indexEntry(item, index, table) ?? item),
      );
      const bytes = sized.reduce((sum, item) => sum + itemSize(item), 0);
      return {
        ...base,
        readUnits: readUnits(bytes, index === undefined && input.ConsistentRead === true),
        itemsRead: sized.length,
        itemBytesRead: bytes,
        ...(index === undefined ? {} : { index: index.name }),
      };
    }
    // Describe*, ListTables…: not billed as reads.
    return { ...base, readUnits: 0, itemsRead: 0, itemBytesRead: 0 };
  }

  async #pageRead(operation: string, input: Json): Promise<WireItem[]> {
    const expressions = [input.KeyConditionExpression].filter((e): e is string => typeof e === 'string');
    const used = (map: unknown) =>
      map === undefined
        ? undefined
        : Object.fromEntries(
            Object.entries(map as Record<string, unknown>).filter(([token]) =>
              expressions.some((e) => e.includes(token)),
            ),
          );
    const names = used(input.ExpressionAttributeNames);
    const values = used(input.ExpressionAttributeValues);
    const {
      FilterExpression: _filter,
      ProjectionExpression: _projection,
      Select: _select,
      ExpressionAttributeNames: _names,
      ExpressionAttributeValues: _values,
      ...rest
    } = input;
    const whole = {
      ...rest,
      ...(names === undefined || Object.keys(names).length === 0 ? {} : { ExpressionAttributeNames: names }),
      ...(values === undefined || Object.keys(values).length === 0
        ? {}
        : { ExpressionAttributeValues: values }),
    };
    const out =
      operation === 'Query'
        ? await this.#options.observer.send(new QueryCommand(whole as unknown as QueryCommandInput))
        : await this.#options.observer.send(new ScanCommand(whole as unknown as ScanCommandInput));
    return out.Items ?? [];
  }

  #secretAnswer(operation: string, text: string): { status: number; text: string } {
    const input = JSON.parse(text || '{}') as { SecretId?: string; VersionStage?: string };
    const id = input.SecretId ?? '';
    const value = this.#options.secrets?.[id];
    // A secret never rotated has no AWSPREVIOUS version.
    if (operation !== 'GetSecretValue' || value === undefined || input.VersionStage === 'AWSPREVIOUS') {
      return {
        status: 400,
        text: JSON.stringify({
          __type: 'ResourceNotFoundException',
          message: "Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS",
        }),
      };
    }
    return {
      status: 200,
      text: JSON.stringify({
        ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${id}-AbCdEf`,
        Name: id,
        SecretString: value,
        VersionId: '00000000-0000-4000-8000-000000000001',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: 1_700_000_000,
      }),
    };
  }
}

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

const jsonResponse = (status: number, text: string, contentType: string): HttpResponse => ({
  statusCode: status,
  reason: status === 200 ? 'OK' : 'Bad Request',
  headers: {
    'content-type': contentType,
    'content-length': String(utf8(text)),
    'x-amzn-requestid': '00000000-0000-4000-8000-000000000000',
  },
  body: Readable.from([Buffer.from(text)]),
});

// ——— Tallies: what a path's calls add up to ———

export interface Tally {
  /** Calls of one path, by `Service.Operation`. */
  operations: Record<string, number>;
  calls: number;
  requestBytes: number;
  responseBytes: number;
  readUnits: number;
  /** Table write units, failed conditions included. */
  writeUnits: number;
  indexWriteUnits: number;
  /** Index writes by index name. */
  indexWrites: Record<string, number>;
  /** Successful DynamoDB item writes (table only). */
  itemWrites: number;
  /** DynamoDB write calls (successful or not): what DESIGN's "writes" budget counts. */
  writeCalls: number;
  /** DynamoDB read calls (GetItem, Query, Scan, BatchGetItem). */
  readCalls: number;
  itemsRead: number;
  itemBytesRead: number;
  /** SQS requests as billed: every 64 KiB of a message payload is one request. */
  sqsBilledRequests: number;
}

export const emptyTally = (): Tally => ({
  operations: {},
  calls: 0,
  requestBytes: 0,
  responseBytes: 0,
  readUnits: 0,
  writeUnits: 0,
  indexWriteUnits: 0,
  indexWrites: {},
  itemWrites: 0,
  writeCalls: 0,
  readCalls: 0,
  itemsRead: 0,
  itemBytesRead: 0,
  sqsBilledRequests: 0,
});

const SQS_CHUNK_BYTES = 64 * KIB;
const READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);

/** Adds the calls up; `per` divides every figure (calls per delivery over `per` deliveries). */
export const tally = (calls: readonly CallRecord[], per = 1): Tally => {
  const t = emptyTally();
  for (const call of calls) {
    const name = `${call.service}.${call.operation}`;
    t.operations[name] = (t.operations[name] ?? 0) + 1;
    t.calls++;
    t.requestBytes += call.requestBytes;
    t.responseBytes += call.responseBytes;
    if (call.service === 'SQS')
      t.sqsBilledRequests += Math.max(1, Math.ceil(call.requestBytes / SQS_CHUNK_BYTES));
    const d = call.dynamo;
    if (d === undefined) continue;
    t.readUnits += d.readUnits;
    t.writeUnits += d.writeUnits;
    t.indexWriteUnits += d.indexWriteUnits;
    for (const w of d.indexWrites) t.indexWrites[w.index] = (t.indexWrites[w.index] ?? 0) + 1;
    t.itemWrites += d.itemsWritten;
    if (WRITES.has(call.operation)) t.writeCalls++;
    if (READS.has(call.operation)) t.readCalls++;
    t.itemsRead += d.itemsRead;
    t.itemBytesRead += d.itemBytesRead;
  }
  if (per === 1) return t;
  const scale = (n: number) => n / per;
  return {
    ...t,
    operations: Object.fromEntries(Object.entries(t.operations).map(([k, v]) => [k, scale(v)])),
    indexWrites: Object.fromEntries(Object.entries(t.indexWrites).map(([k, v]) => [k, scale(v)])),
    calls: scale(t.calls),
    requestBytes: scale(t.requestBytes),
    responseBytes: scale(t.responseBytes),
    readUnits: scale(t.readUnits),
    writeUnits: scale(t.writeUnits),
    indexWriteUnits: scale(t.indexWriteUnits),
    itemWrites: scale(t.itemWrites),
    writeCalls: scale(t.writeCalls),
    readCalls: scale(t.readCalls),
    itemsRead: scale(t.itemsRead),
    itemBytesRead: scale(t.itemBytesRead),
    sqsBilledRequests: scale(t.sqsBilledRequests),
  };
};

/** `op ×n` list of a tally's calls, for the table. */
export const describeOperations = (t: Tally): string =>
  Object.entries(t.operations)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, n]) => `${name.slice(name.indexOf('.') + 1)} ${Number.isInteger(n) ? n : n.toFixed(2)}`)
    .join(', ') || 'none';

/** SQS sends of a tally, single or batched. */
export const sendCalls = (t: Tally): number =>
  (t.operations['SQS.SendMessage'] ?? 0) + (t.operations['SQS.SendMessageBatch'] ?? 0);
