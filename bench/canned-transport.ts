import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { HttpHandlerOptions, HttpRequest, HttpResponse } from '@smithy/types';

/**
 * The bench's stand-in for the network: an SDK v3 request handler (the
 * `requestHandler` of every client) answering each call with a canned,
 * realistic response of its service — after the SDK has done all its real
 * work (serializing, signing, middleware) and before it parses the answer.
 * Ours and the bare baselines go through the same instance, so whatever it
 * costs is paid alike; it is kept to a Map lookup and a small JSON.
 *
 * Answers:
 * - DynamoDB (JSON 1.0, `x-amz-target: DynamoDB_20120810.<Op>`): PutItem `{}`
 *   (kept when `keepWrites`), GetItem the kept or seeded item, UpdateItem
 *   applies its SET/REMOVE to the kept or seeded item and returns it as asked
 *   (`ALL_NEW`…), DeleteItem `{}`, Query a page from {@link CannedTransportOptions.query}.
 *   Conditions are not evaluated: every write succeeds unless
 *   {@link CannedTransportOptions.failCondition} says otherwise.
 * - SQS (the AWS JSON protocol, `x-amz-target: AmazonSQS.<Op>`): SendMessage
 *   with the MD5 of the body (the SDK checks it), SendMessageBatch, DeleteMessage,
 *   ChangeMessageVisibility.
 * - S3 (REST): PutObject (kept), GetObject (the kept body, or NoSuchKey).
 * - Secrets Manager (JSON 1.1, `secretsmanager.<Op>`): GetSecretValue of a
 *   seeded secret for `AWSCURRENT`; `AWSPREVIOUS` (no rotation under way) and
 *   unknown secrets are ResourceNotFoundException.
 */

/**
 * A DynamoDB attribute value as it travels on the wire (`{ S: … }`, `{ N: … }`,
 * `{ M: … }`…, B as base64 text) or as the SDK parses it (B as bytes). The
 * bench's one definition: the counting transport (bench/counting.ts) reads
 * the same items.
 */
export type WireValue = AttributeValue | Record<string, unknown>;
/** A DynamoDB item: attribute name → value. */
export type WireItem = Record<string, WireValue>;

export interface CannedTransportOptions {
  /** Keep what PutItem, UpdateItem and PutObject write, and the bodies SendMessage sends (the worker bench reads them back). */
  keepWrites?: boolean;
  /** Job secret values by Secrets Manager name (`triggerhub/demo`), answered for `AWSCURRENT`. */
  secrets?: Readonly<Record<string, string>>;
  /** True to answer a conditional write with ConditionalCheckFailedException (a duplicate delivery…). */
  failCondition?: (operation: string, input: DynamoInput) => boolean;
  /** One Query page; `{ Items: [] }` when absent. */
  query?: (input: DynamoInput) => { Items: WireItem[]; LastEvaluatedKey?: WireItem };
}

/** The parsed JSON body of a DynamoDB request: only what the transport reads is typed. */
export interface DynamoInput {
  TableName?: string;
  Key?: WireItem;
  Item?: WireItem;
  ConditionExpression?: string;
  UpdateExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, WireValue>;
  ReturnValues?: 'NONE' | 'ALL_OLD' | 'UPDATED_OLD' | 'ALL_NEW' | 'UPDATED_NEW';
  ReturnValuesOnConditionCheckFailure?: 'NONE' | 'ALL_OLD';
  IndexName?: string;
  [other: string]: unknown;
}

const REQUEST_ID = 'bench-0000-0000-0000-000000000000';
const JSON_10 = 'application/x-amz-json-1.0';
const JSON_11 = 'application/x-amz-json-1.1';
const EMPTY = new Uint8Array(0);

const jsonResponse = (
  status: number,
  contentType: string,
  body: unknown,
  extra: Record<string, string> = {},
) => ({
  response: {
    statusCode: status,
    headers: { 'content-type': contentType, 'x-amzn-requestid': REQUEST_ID, ...extra },
    body: Buffer.from(JSON.stringify(body)),
  } satisfies HttpResponse,
});

const jsonError = (status: number, contentType: string, type: string, message: string, extra: object = {}) =>
  jsonResponse(status, contentType, { __type: type, message, ...extra }, { 'x-amzn-errortype': type });

const md5Hex = (text: string | Uint8Array): string => createHash('md5').update(text).digest('hex');

/**
 * A request body as text: the JSON protocols send a string or bytes, S3 a
 * string or bytes. The SDK's JSON bodies are Uint8Array subclasses that warn
 * when read as strings (`Buffer.from(body)` calls their `valueOf`): their
 * bytes are read through a view instead. A streamed body (none of the calls
 * the bench makes) is refused rather than read as empty.
 */
export const bodyText = (body: unknown): string => {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array)
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  if (body === undefined || body === null) return '';
  throw new TypeError('bench transport: streamed request bodies are not supported');
};

const keyOf = (key: WireItem | undefined): string => {
  const pk = key?.pk?.S;
  const sk = key?.sk?.S;
  if (typeof pk !== 'string' || typeof sk !== 'string')
    throw new TypeError('canned transport: item without pk/sk');
  return `${pk}\u0000${sk}`;
};

/** One `SET` action: `path = operand [+|- operand]`, operands `#name`, `:value` or `if_not_exists(#name, :value)`. */
interface SetAction {
  name: string;
  terms: { sign: 1 | -1; operand: string }[];
}
interface ParsedUpdate {
  set: SetAction[];
  remove: string[];
}

/** Splits on commas outside parentheses (`if_not_exists(a, b)` holds one). */
const splitTopLevel = (text: string): string[] => {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter((p) => p !== '');
};

/** Parses the subset of update expressions triggerhub writes; anything else is a bench bug, said loudly. */
export const parseUpdateExpression = (expression: string): ParsedUpdate => {
  const parsed: ParsedUpdate = { set: [], remove: [] };
  const clauses = expression.split(/\b(SET|REMOVE)\s+/).slice(1);
  for (let i = 0; i < clauses.length; i += 2) {
    const keyword = clauses[i];
    const body = clauses[i + 1] ?? '';
    for (const action of splitTopLevel(body)) {
      if (keyword === 'REMOVE') {
        parsed.remove.push(action);
        continue;
      }
      const eq = action.indexOf('=');
      if (eq < 0) throw new SyntaxError(`canned transport: cannot read SET action ${action}`);
      const name = action.slice(0, eq).trim();
      const terms: SetAction['terms'] = [];
      let sign: 1 | -1 = 1;
      for (const token of action.slice(eq + 1).split(/\s*([+-])\s*(?![^(]*\))/)) {
        const t = token.trim();
        if (t === '+' || t === '-') sign = t === '+' ? 1 : -1;
        else if (t !== '') terms.push({ sign, operand: t });
      }
      parsed.set.push({ name, terms });
    }
  }
  return parsed;
};

/**
 * A small cache of parsed update expressions: triggerhub writes a handful of
 * shapes, so parsing stays out of the measured cost after the first call.
 */
const MAX_PARSED = 256;

export class CannedTransport {
  /** Calls per `<Service>.<Operation>` (`DynamoDB.PutItem`, `SQS.SendMessage`, `S3.PutObject`…). */
  readonly calls = new Map<string, number>();
  /** Request body bytes per `<Service>.<Operation>`, summed: what the SDK put on the wire. */
  readonly requestBytes = new Map<string, number>();
  /** Items by pk/sk: seeded, and written when `keepWrites`. */
  readonly items = new Map<string, WireItem>();
  /** Message bodies sent, when `keepWrites`. */
  readonly sent: string[] = [];
  /** Objects by `<bucket>/<key>`, when `keepWrites`. */
  readonly objects = new Map<string, Buffer>();
  readonly metadata = { handlerProtocol: 'h1' };
  readonly #options: CannedTransportOptions;
  readonly #parsed = new Map<string, ParsedUpdate>();
  #messageSeq = 0;

  constructor(options: CannedTransportOptions = {}) {
    this.#options = options;
  }

  /** Adds an item (wire format) that GetItem answers and UpdateItem starts from. */
  seed(item: WireItem): void {
    this.items.set(keyOf(item), item);
  }

  /** Calls of one operation so far. */
  count(operation: string): number {
    return this.calls.get(operation) ?? 0;
  }

  /** All calls so far. */
  total(): number {
    let n = 0;
    for (const c of this.calls.values()) n += c;
    return n;
  }

  /** Forgets the counts (not the items). */
  resetCounts(): void {
    this.calls.clear();
    this.requestBytes.clear();
  }

  // The SDK's HttpHandler interface: nothing to configure.
  updateHttpClientConfig(): void {}
  httpHandlerConfigs(): Record<string, never> {
    return {};
  }
  destroy(): void {}

  handle(request: HttpRequest, _options?: HttpHandlerOptions): Promise<{ response: HttpResponse }> {
    try {
      return Promise.resolve(this.#answer(request));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  #tally(operation: string, bytes: number): void {
    this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
    this.requestBytes.set(operation, (this.requestBytes.get(operation) ?? 0) + bytes);
  }

  #answer(request: HttpRequest): { response: HttpResponse } {
    const target = request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'];
    if (target === undefined) return this.#s3(request);
    const dot = target.indexOf('.');
    const prefix = target.slice(0, dot);
    const operation = target.slice(dot + 1);
    const text = bodyText(request.body);
    const input = JSON.parse(text) as Record<string, unknown>;
    const bytes = Buffer.byteLength(text);
    if (prefix === 'DynamoDB_20120810') return this.#dynamo(operation, input, bytes);
    if (prefix === 'AmazonSQS') return this.#sqs(operation, input, bytes);
    if (prefix === 'secretsmanager') return this.#secrets(operation, input, bytes);
    throw new Error(`canned transport: no answer for ${target}`);
  }

  #dynamo(operation: string, input: DynamoInput, bytes: number): { response: HttpResponse } {
    this.#tally(`DynamoDB.${operation}`, bytes);
    const conditional = input.ConditionExpression !== undefined;
    if (conditional && this.#options.failCondition?.(operation, input) === true) {
      const held = input.Key ?? input.Item;
      const old = held === undefined ? undefined : this.items.get(keyOf(held));
      return jsonError(
        400,
        JSON_10,
        'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
        'The conditional request failed',
        input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && old !== undefined ? { Item: old } : {},
      );
    }
    switch (operation) {
      case 'PutItem': {
        const key = keyOf(input.Item);
        const old = input.ReturnValues === 'ALL_OLD' ? this.items.get(key) : undefined;
        if (this.#options.keepWrites === true && input.Item !== undefined) this.items.set(key, input.Item);
        return jsonResponse(200, JSON_10, old === undefined ? {} : { Attributes: old });
      }
      case 'GetItem': {
        const item = this.items.get(keyOf(input.Key));
        return jsonResponse(200, JSON_10, item === undefined ? {} : { Item: item });
      }
      case 'UpdateItem':
        return jsonResponse(200, JSON_10, this.#update(input));
      case 'DeleteItem': {
        const key = keyOf(input.Key);
        const old = this.items.get(key);
        if (this.#options.keepWrites === true) this.items.delete(key);
        return jsonResponse(
          200,
          JSON_10,
          input.ReturnValues === 'ALL_OLD' && old !== undefined ? { Attributes: old } : {},
        );
      }
      case 'Query': {
        const page = this.#options.query?.(input) ?? { Items: [] };
        return jsonResponse(200, JSON_10, {
          ...page,
          Count: page.Items.length,
          ScannedCount: page.Items.length,
        });
      }
      default:
        throw new Error(`canned transport: no answer for DynamoDB ${operation}`);
    }
  }

  #parsedUpdate(expression: string): ParsedUpdate {
    let parsed = this.#parsed.get(expression);
    if (parsed === undefined) {
      parsed = parseUpdateExpression(expression);
      if (this.#parsed.size < MAX_PARSED) this.#parsed.set(expression, parsed);
    }
    return parsed;
  }

  /** UpdateItem as DynamoDB does it: an upsert of the key, the actions applied in order, the answer as asked. */
  #update(input: DynamoInput): { Attributes?: WireItem } {
    const key = keyOf(input.Key);
    const old = this.items.get(key);
    const item: WireItem = { ...(old ?? input.Key) };
    const names = input.ExpressionAttributeNames ?? {};
    const values = input.ExpressionAttributeValues ?? {};
    const nameOf = (path: string): string => names[path] ?? path;
    const valueOf = (operand: string): WireValue | undefined => {
      if (operand.startsWith(':')) return values[operand];
      const ifNotExists = /^if_not_exists\(\s*([^,\s]+)\s*,\s*([^)\s]+)\s*\)$/.exec(operand);
      if (ifNotExists !== null) return item[nameOf(ifNotExists[1] ?? '')] ?? values[ifNotExists[2] ?? ''];
      return item[nameOf(operand)];
    };
    const parsed = this.#parsedUpdate(input.UpdateExpression ?? '');
    const updated: string[] = [];
    for (const action of parsed.set) {
      const [first, ...rest] = action.terms;
      let value = first === undefined ? undefined : valueOf(first.operand);
      if (rest.length > 0) {
        let n = Number(value?.N ?? 0);
        for (const term of rest) n += term.sign * Number(valueOf(term.operand)?.N ?? 0);
        value = { N: String(n) };
      }
      const name = nameOf(action.name);
      if (value !== undefined) item[name] = value;
      updated.push(name);
    }
    for (const path of parsed.remove) delete item[nameOf(path)];
    if (this.#options.keepWrites === true) this.items.set(key, item);
    switch (input.ReturnValues) {
      case 'ALL_NEW':
        return { Attributes: item };
      case 'ALL_OLD':
        return old === undefined ? {} : { Attributes: old };
      case 'UPDATED_NEW':
        return {
          Attributes: Object.fromEntries(
            updated.flatMap((n) => (item[n] === undefined ? [] : [[n, item[n]]])),
          ),
        };
      default:
        return {};
    }
  }

  #sqs(operation: string, input: Record<string, unknown>, bytes: number): { response: HttpResponse } {
    this.#tally(`SQS.${operation}`, bytes);
    switch (operation) {
      case 'SendMessage': {
        const body = String(input.MessageBody);
        if (this.#options.keepWrites === true) this.sent.push(body);
        return jsonResponse(200, JSON_10, { MessageId: this.#messageId(), MD5OfMessageBody: md5Hex(body) });
      }
      case 'SendMessageBatch': {
        const entries = (input.Entries ?? []) as { Id: string; MessageBody: string }[];
        if (this.#options.keepWrites === true) this.sent.push(...entries.map((e) => e.MessageBody));
        return jsonResponse(200, JSON_10, {
          Successful: entries.map((e) => ({
            Id: e.Id,
            MessageId: this.#messageId(),
            MD5OfMessageBody: md5Hex(e.MessageBody),
          })),
          Failed: [],
        });
      }
      case 'DeleteMessage':
      case 'ChangeMessageVisibility':
        return jsonResponse(200, JSON_10, {});
      default:
        throw new Error(`canned transport: no answer for SQS ${operation}`);
    }
  }

  #messageId(): string {
    const n = (this.#messageSeq++).toString(16).padStart(12, '0');
    return `00000000-0000-4000-8000-${n}`;
  }

  #secrets(operation: string, input: Record<string, unknown>, bytes: number): { response: HttpResponse } {
    this.#tally(`SecretsManager.${operation}`, bytes);
    if (operation !== 'GetSecretValue')
      throw new Error(`canned transport: no answer for Secrets Manager ${operation}`);
    const name = String(input.SecretId);
    const stage = typeof input.VersionStage === 'string' ? input.VersionStage : 'AWSCURRENT';
    const value = stage === 'AWSCURRENT' ? this.#options.secrets?.[name] : undefined;
    if (value === undefined) {
      return jsonError(
        400,
        JSON_11,
        'ResourceNotFoundException',
        stage === 'AWSCURRENT'
          ? "Secrets Manager can't find the specified secret."
          : "Secrets Manager can't find the specified secret value for staging label: " + stage,
      );
    }
    return jsonResponse(200, JSON_11, {
      ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`,
      Name: name,
      VersionId: '00000000-0000-4000-8000-000000000001',
      SecretString: value,
      VersionStages: [stage],
      CreatedDate: 1_764_000_000,
    });
  }

  #s3(request: HttpRequest): { response: HttpResponse } {
    // Virtual-hosted style (`<bucket>.s3.<region>.amazonaws.com/<key>`), as the clients send it in AWS.
    const bucket = request.hostname.split('.s3.')[0] ?? '';
    const object = `${bucket}${decodeURIComponent(request.path)}`;
    if (request.method === 'PUT') {
      const body = Buffer.from(bodyText(request.body));
      this.#tally('S3.PutObject', body.length);
      if (this.#options.keepWrites === true) this.objects.set(object, body);
      return { response: { statusCode: 200, headers: { etag: `"${md5Hex(body)}"` }, body: EMPTY } };
    }
    if (request.method === 'GET') {
      this.#tally('S3.GetObject', 0);
      const body = this.objects.get(object);
      if (body === undefined) {
        return {
          response: {
            statusCode: 404,
            headers: { 'content-type': 'application/xml' },
            body: Buffer.from(
              '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>',
            ),
          },
        };
      }
      return {
        response: {
          statusCode: 200,
          headers: {
            'content-type': 'application/json',
            'content-length': String(body.length),
            etag: `"${md5Hex(body)}"`,
          },
          // GetObject's body is a stream in Node: the SDK refuses anything else.
          body: Readable.from([body]),
        },
      };
    }
    throw new Error(`canned transport: no answer for S3 ${request.method} ${request.path}`);
  }
}
