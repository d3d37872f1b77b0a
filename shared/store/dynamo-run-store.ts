import { GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, ValidationError } from '../errors.ts';
import { isFinal, RunSchema, RunStatusSchema, summarizeRun } from '../model/index.ts';
import {
  _default,
  int,
  lazy,
  minimum,
  minLength,
  object,
  optional,
  string,
  enum as zEnum,
} from '../model/zod.ts';
import type { LogLine, Run, RunSummary } from '../model/index.ts';
import type {
  OpenKind,
  OpenRun,
  OpenRunsRequest,
  Page,
  PageRequest,
  RunControl,
  RunListQuery,
  RunFinish,
  RunRetry,
  RunStart,
  RunStore,
} from '../ports.ts';
import { decodeCursor, encodeCursor, pageLimit } from './cursor.ts';
import type { DynamoStoreOptions } from './dynamo-job-store.ts';
import { isConditionalCheckFailed, storeError } from './errors.ts';
import { fromItem, jsonSafe } from './item.ts';
import { takeJsonText } from '../runtime/json-text.ts';
import {
  OPEN_SHARDS,
  RUN_GSI1SK_PREFIX,
  DAY_MS,
  epochSecondsOf,
  jobRunsGsi1pk,
  openIndexKey,
  openIndexPk,
  openIndexSk,
  openShard,
  runIndexKey,
  runKey,
  timeOf,
} from './keys.ts';
import { runFilterOf, ULID_AFTER, ulidTimePrefix } from './run-query.ts';
import { GSI1_NAME, GSI2_NAME } from './table-definition.ts';

export interface DynamoRunStoreOptions extends DynamoStoreOptions {
  /** Days a run is kept after its creation (DynamoDB TTL). */
  retentionDays: number;
}

/** What gsi2 holds of an open run. */
const OpenRunItemSchema = lazy(() =>
  object({
    id: string().check(minLength(1)),
    jobId: string().check(minLength(1)),
    status: zEnum(['queued', 'running']),
    mode: zEnum(['async', 'decision']),
    attempt: int().check(minimum(0)),
    since: string().check(minLength(1)),
    requeues: _default(int().check(minimum(0)), 0),
  }),
);

/** What a running attempt's heartbeat reads of its run (`control`). */
const RunControlSchema = lazy(() =>
  object({
    status: RunStatusSchema,
    attempt: int().check(minimum(0)),
    startedAt: optional(string()),
    stopRequest: optional(object({ by: string(), at: string() })),
  }),
);

/** Where a run written whole (created) belongs in the index of open runs; undefined once final. */
const openKindOf = (run: Pick<Run, 'mode' | 'status'>): OpenKind | undefined => {
  if (isFinal(run.status)) return undefined;
  if (run.mode === 'decision') return 'decision';
  return run.status === 'queued' ? 'queued' : 'running';
};

/**
 * The event, the output and the log are stored as JSON text: the event's and
 * output's shape is the caller's (a payload may nest deeper than DynamoDB's
 * 32 levels, or hold keys an attribute map cannot), nothing queries inside
 * any of them, and one string attribute costs the SDK a fraction of what a
 * list of maps does to marshal and unmarshal (`logsJson`; items written
 * before it hold a `logs` list, still read). Absent values and an empty log
 * are left out: no attribute is marshalled for nothing.
 */
const toItem = (run: Run): Record<string, unknown> => {
  const { event, output, logs, ...item }: Run & Record<string, unknown> = run;
  if (event !== undefined) item.eventJson = takeJsonText(event) ?? JSON.stringify(event);
  const outputJson = jsonText(output);
  if (outputJson !== undefined) item.outputJson = outputJson;
  if (logs.length > 0) item.logsJson = JSON.stringify(logs);
  return item;
};

const jsonText = (value: unknown): string | undefined => {
  if (value === undefined) return undefined;
  // Serialized already on the way here (the bounded output): written as it was measured.
  const measured = takeJsonText(value);
  if (measured !== undefined) return measured;
  const safe = jsonSafe(value);
  return safe === undefined ? undefined : JSON.stringify(safe);
};

const fromRunItem = (item: Record<string, unknown>): Run => {
  const { eventJson, outputJson, logsJson, ...rest } = item;
  if (typeof eventJson === 'string') rest.event = JSON.parse(eventJson) as unknown;
  if (typeof outputJson === 'string') rest.output = JSON.parse(outputJson) as unknown;
  // The log as one JSON text wins over an older writer's `logs` list.
  if (typeof logsJson === 'string') rest.logs = JSON.parse(logsJson) as unknown;
  return fromItem(RunSchema, rest, 'run');
};

/**
 * One update expression built from attribute values: defined ones are SET,
 * undefined ones REMOVEd (the marshaller would otherwise drop them, leaving
 * the previous attempt's value in place). Every name is aliased, which keeps
 * DynamoDB's reserved words (`status`, `output`…) out of the way.
 */
const buildUpdate = (
  attributes: Record<string, unknown>,
  computed: readonly string[] = [],
): { expression: string; names: Record<string, string>; values: Record<string, unknown> } => {
  const set: string[] = [...computed];
  const remove: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(attributes)) {
    names[`#${name}`] = name;
    if (value === undefined) {
      remove.push(`#${name}`);
    } else {
      set.push(`#${name} = :${name}`);
      values[`:${name}`] = value;
    }
  }
  const expression = [
    set.length > 0 ? `SET ${set.join(', ')}` : '',
    remove.length > 0 ? `REMOVE ${remove.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return { expression, names, values };
};

/**
 * Runs in the single table. Every state change is one conditional UpdateItem,
 * so that two workers holding the same message cannot both record a result.
 */
export class DynamoRunStore implements RunStore {
  readonly #ddb: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #retentionDays: number;

  constructor(options: DynamoRunStoreOptions) {
    if (!Number.isInteger(options.retentionDays) || options.retentionDays < 1) {
      throw new ValidationError('retentionDays must be a positive integer', 'invalid_configuration');
    }
    this.#ddb = options.client;
    this.#table = options.tableName;
    this.#retentionDays = options.retentionDays;
  }

  readonly openShards = OPEN_SHARDS;

  async create(run: Run, options: { retentionDays?: number } = {}): Promise<void> {
    const retentionDays = options.retentionDays ?? this.#retentionDays;
    if (!Number.isInteger(retentionDays) || retentionDays < 1) {
      throw new ValidationError('retentionDays must be a positive integer', 'invalid_retention');
    }
    // createdAt was formatted by ingest a moment ago: read back without parsing (timeOf).
    const expiresAt = epochSecondsOf(timeOf(run.createdAt) + retentionDays * DAY_MS);
    const kind = openKindOf(run);
    const item = toItem(run);
    const { pk, sk } = runKey(run.id);
    const { gsi1pk, gsi1sk } = runIndexKey(run.jobId, run.id);
    item.pk = pk;
    item.sk = sk;
    item.gsi1pk = gsi1pk;
    item.gsi1sk = gsi1sk;
    if (kind !== undefined) {
      const { gsi2pk, gsi2sk } = openIndexKey(kind, run.id, run.startedAt ?? run.createdAt);
      item.gsi2pk = gsi2pk;
      item.gsi2sk = gsi2sk;
    }
    item.expiresAt = expiresAt;
    try {
      await this.#ddb.send(
        new PutCommand({
          TableName: this.#table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (e) {
      if (isConditionalCheckFailed(e)) throw new ConflictError(`run ${run.id} already exists`, 'run_exists');
      throw storeError(e, 'create run');
    }
  }

  /**
   * A queued run is read first (its log gets the stop line, and the log is one
   * JSON text), then stopped in one write conditional on nothing having moved
   * it since: still queued, the same attempt and deferral count (the writes
   * that change its log change one of those). A running one gets the request
   * in one conditional write; a second stop keeps the first request.
   */
  async requestStop(
    runId: string,
    request: { by: string; at: string },
  ): Promise<'stopped' | 'stopping' | undefined> {
    // Bounded: each lost race means the run moved (started, released); three in a row are not expected.
    for (let tries = 0; tries < 3; tries++) {
      // Strongly consistent: an eventually consistent read could keep answering a state the run has left.
      const run = await this.#read(runId, true);
      if (run === undefined || isFinal(run.status)) return undefined;
      if (run.status === 'running') {
        if (await this.#requestRunningStop(runId, request)) return 'stopping';
        continue;
      }
      if (await this.#stopQueued(run, request)) return 'stopped';
    }
    throw new ConflictError(`run ${runId} kept moving while it was being stopped; try again`, 'run_busy');
  }

  async #requestRunningStop(runId: string, request: { by: string; at: string }): Promise<boolean> {
    try {
      await this.#ddb.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: runKey(runId),
          UpdateExpression: 'SET #stopRequest = if_not_exists(#stopRequest, :request)',
          ConditionExpression: '#status = :running',
          ExpressionAttributeNames: { '#stopRequest': 'stopRequest', '#status': 'status' },
          ExpressionAttributeValues: { ':request': request, ':running': 'running' },
        }),
      );
      return true;
    } catch (e) {
      // It ended (or was released) in between: the caller reads it again.
      if (isConditionalCheckFailed(e)) return false;
      throw storeError(e, 'request run stop');
    }
  }

  async #stopQueued(run: Run, request: { by: string; at: string }): Promise<boolean> {
    const message = `stopped by ${request.by} before it started`;
    const update = buildUpdate({
      status: 'stopped',
      endedAt: request.at,
      message,
      stopRequest: request,
      logsJson: JSON.stringify([...run.logs, { ts: request.at, level: 'WARN', message }]),
      // Out of the sparse index of open runs: the sweeper never requeues it.
      gsi2pk: undefined,
      gsi2sk: undefined,
    });
    const deferrals =
      run.deferrals === undefined ? 'attribute_not_exists(#deferrals)' : '#deferrals = :deferrals';
    try {
      await this.#ddb.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: runKey(run.id),
          UpdateExpression: update.expression,
          ConditionExpression: `#status = :queued AND #attempt = :attempt AND ${deferrals}`,
          ExpressionAttributeNames: {
            ...update.names,
            '#status': 'status',
            '#attempt': 'attempt',
            '#deferrals': 'deferrals',
          },
          ExpressionAttributeValues: {
            ...update.values,
            ':queued': 'queued',
            ':attempt': run.attempt,
            ...(run.deferrals === undefined ? {} : { ':deferrals': run.deferrals }),
          },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionalCheckFailed(e)) return false;
      throw storeError(e, 'stop queued run');
    }
  }

  /** Strongly consistent (a stop request written a moment ago must show), and three small attributes only. */
  async control(runId: string): Promise<RunControl | undefined> {
    try {
      const { Item } = await this.#ddb.send(
        new GetCommand({
          TableName: this.#table,
          Key: runKey(runId),
          ConsistentRead: true,
          // startedAt rides along (the same read unit): the order gate's wait (shared/runtime/turns.ts).
          ProjectionExpression: '#status, #attempt, #startedAt, #stopRequest',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#attempt': 'attempt',
            '#startedAt': 'startedAt',
            '#stopRequest': 'stopRequest',
          },
        }),
      );
      return Item === undefined ? undefined : fromItem(RunControlSchema, Item, 'run control');
    } catch (e) {
      throw storeError(e, 'read run control');
    }
  }

  async get(runId: string): Promise<Run | undefined> {
    return this.#read(runId, false);
  }

  async #read(runId: string, consistent: boolean): Promise<Run | undefined> {
    try {
      const { Item } = await this.#ddb.send(
        new GetCommand({
          TableName: this.#table,
          Key: runKey(runId),
          ...(consistent ? { ConsistentRead: true } : {}),
        }),
      );
      return Item === undefined ? undefined : fromRunItem(Item);
    } catch (e) {
      throw storeError(e, 'get run');
    }
  }

  /**
   * Reads gsi1, which holds summaries only (GSI1_ATTRIBUTES): a page costs what
   * it shows. The creation-time bounds are key conditions (run ids are ULIDs of
   * their creation: a time is an id prefix), so a window costs only its own
   * runs; `status` and `firedBy` filter what the page read.
   */
  async listByJob(jobId: string, page: RunListQuery = {}): Promise<Page<RunSummary>> {
    const limit = pageLimit(page.limit);
    const filter = runFilterOf(page);
    const gsi1pk = jobRunsGsi1pk(jobId);
    const startKey = decodeCursor(page.cursor, { kind: 'gsi1', gsi1pk });
    const bounded = filter.fromMs !== undefined || filter.toMs !== undefined;
    const values: Record<string, unknown> = { ':pk': gsi1pk };
    const names: Record<string, string> = {};
    if (bounded) {
      values[':lo'] =
        `${RUN_GSI1SK_PREFIX}${filter.fromMs === undefined ? '' : ulidTimePrefix(filter.fromMs)}`;
      values[':hi'] =
        `${RUN_GSI1SK_PREFIX}${filter.toMs === undefined ? '' : ulidTimePrefix(filter.toMs)}${ULID_AFTER}`;
    } else {
      values[':run'] = RUN_GSI1SK_PREFIX;
    }
    const conditions: string[] = [];
    if (filter.status !== undefined) {
      conditions.push('#status = :status');
      names['#status'] = 'status';
      values[':status'] = filter.status;
    }
    if (filter.firedBy !== undefined) {
      names['#firedBy'] = 'firedBy';
      values[':firedBy'] = filter.firedBy;
      // Runs recorded before `firedBy` existed were all webhook runs.
      conditions.push(
        filter.firedBy === 'webhook'
          ? '(#firedBy = :firedBy OR attribute_not_exists(#firedBy))'
          : '#firedBy = :firedBy',
      );
    }
    try {
      const out = await this.#ddb.send(
        new QueryCommand({
          TableName: this.#table,
          IndexName: GSI1_NAME,
          // The prefix leaves room for other per-job items in this partition of the index.
          KeyConditionExpression: bounded
            ? 'gsi1pk = :pk AND gsi1sk BETWEEN :lo AND :hi'
            : 'gsi1pk = :pk AND begins_with(gsi1sk, :run)',
          ...(conditions.length > 0
            ? { FilterExpression: conditions.join(' AND '), ExpressionAttributeNames: names }
            : {}),
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
          Limit: limit,
          ExclusiveStartKey: startKey,
        }),
      );
      // The index holds no log: the schema's default fills it in, and the summary drops it again.
      const items = (out.Items ?? []).map((item) => summarizeRun(fromRunItem(item)));
      const nextCursor = encodeCursor(out.LastEvaluatedKey);
      return nextCursor === undefined ? { items } : { items, nextCursor };
    } catch (e) {
      throw storeError(e, 'list runs');
    }
  }

  async start(runId: string, start: RunStart): Promise<Run | undefined> {
    try {
      const out = await this.#ddb.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: runKey(runId),
          UpdateExpression: `SET #status = :running, #attempt = #attempt + :one, #startedAt = :startedAt, #gsi2pk = :open, #gsi2sk = :since${
            start.lagMs === undefined ? '' : ', #lagMs = :lagMs'
          }`,
          ConditionExpression: '#status = :queued OR (#status = :running AND #startedAt < :staleBefore)',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#attempt': 'attempt',
            '#startedAt': 'startedAt',
            '#gsi2pk': 'gsi2pk',
            '#gsi2sk': 'gsi2sk',
            ...(start.lagMs === undefined ? {} : { '#lagMs': 'lagMs' }),
          },
          ExpressionAttributeValues: {
            ...(start.lagMs === undefined ? {} : { ':lagMs': start.lagMs }),
            ':running': 'running',
            ':queued': 'queued',
            ':one': 1,
            ':startedAt': start.startedAt,
            ':staleBefore': start.staleBefore,
            // A decision taken over here (by the sweeper, to fail it) is filed as running until its
            // finish a moment later: one write cannot pick the key by the item's mode.
            ':open': openIndexPk('running', openShard(runId)),
            ':since': openIndexSk(start.startedAt, runId),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      if (out.Attributes === undefined) throw new Error(`start run ${runId}: no attributes returned`);
      return fromRunItem(out.Attributes);
    } catch (e) {
      // Finished already (a repeated delivery), or no such run: nothing to start.
      if (isConditionalCheckFailed(e)) return undefined;
      throw storeError(e, 'start run');
    }
  }

  async finish(runId: string, finish: RunFinish): Promise<boolean> {
    return this.#transition(runId, finish.attempt, 'finish run', {
      status: finish.status,
      endedAt: finish.endedAt,
      durationMs: finish.durationMs,
      message: finish.message,
      error: finish.error,
      outputJson: jsonText(finish.output),
      verdict: finish.verdict,
      logsJson: JSON.stringify(finish.logs),
      logsTruncated: finish.logsTruncated,
      script: finish.script,
      // Kept when the finish brings none: a request that came as the run ended stays on record.
      ...(finish.stopRequest === undefined ? {} : { stopRequest: finish.stopRequest }),
      ...(finish.lagMs === undefined ? {} : { lagMs: finish.lagMs }),
      // Out of the sparse index of open runs.
      gsi2pk: undefined,
      gsi2sk: undefined,
    });
  }

  async release(runId: string, retry: RunRetry): Promise<boolean> {
    // A deferral (a rate limit's wait) gives the attempt back and counts itself instead, in the
    // same write: the attempt budget and the sweeper's attempt check stay what they were.
    const deferred = retry.deferred === true;
    return this.#transition(
      runId,
      retry.attempt,
      'release run',
      {
        status: 'queued',
        error: retry.error,
        ...(retry.logs === undefined
          ? {}
          : { logsJson: JSON.stringify(retry.logs), logsTruncated: retry.logsTruncated }),
        // Queued again: stale by the queued threshold, from where its last start put it (gsi2sk
        // kept) — or, deferred, from when its delayed message shows.
        gsi2pk: openIndexPk('queued', openShard(runId)),
        ...(deferred && retry.visibleAt !== undefined ? { gsi2sk: openIndexSk(retry.visibleAt, runId) } : {}),
        ...(retry.rateLimited === true ? { rateLimited: true } : {}),
      },
      deferred
        ? retry.uncounted === true
          ? // A turn's wait: the attempt given back, no deferral counted.
            { set: ['#attempt = #attempt - :one'], names: {}, values: { ':one': 1 } }
          : {
              set: ['#attempt = #attempt - :one', '#deferrals = if_not_exists(#deferrals, :zero) + :one'],
              names: { '#deferrals': 'deferrals' },
              values: { ':one': 1, ':zero': 0 },
            }
        : undefined,
    );
  }

  /** The live log: the same conditional write as a finish, of the log alone (nothing indexed moves). */
  async saveLogs(runId: string, attempt: number, logs: LogLine[], logsTruncated?: boolean): Promise<boolean> {
    return this.#transition(runId, attempt, 'save run log', {
      logsJson: JSON.stringify(logs),
      logsTruncated: logsTruncated === true ? true : undefined,
    });
  }

  async markRequeued(runId: string, at: string): Promise<number | undefined> {
    try {
      const out = await this.#ddb.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: runKey(runId),
          UpdateExpression:
            'SET #gsi2pk = :open, #gsi2sk = :since, #requeues = if_not_exists(#requeues, :zero) + :one',
          ConditionExpression: '#status = :queued',
          ExpressionAttributeNames: {
            '#gsi2pk': 'gsi2pk',
            '#gsi2sk': 'gsi2sk',
            '#requeues': 'requeues',
            '#status': 'status',
          },
          ExpressionAttributeValues: {
            ':open': openIndexPk('queued', openShard(runId)),
            ':since': openIndexSk(at, runId),
            ':zero': 0,
            ':one': 1,
            ':queued': 'queued',
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      const count: unknown = out.Attributes?.requeues;
      return typeof count === 'number' ? count : undefined;
    } catch (e) {
      if (isConditionalCheckFailed(e)) return undefined;
      throw storeError(e, 'mark run requeued');
    }
  }

  async scanOpen(page: PageRequest = {}): Promise<Page<OpenRun>> {
    const limit = pageLimit(page.limit);
    const startKey = decodeCursor(page.cursor, { kind: 'table' });
    try {
      // Limit bounds the items read before the filter: a page may hold fewer runs (even none)
      // while nextCursor says there is more.
      const out = await this.#ddb.send(
        new ScanCommand({
          TableName: this.#table,
          FilterExpression: '#sk = :run AND #status IN (:queued, :running)',
          ExpressionAttributeNames: { '#sk': 'sk', '#status': 'status' },
          ExpressionAttributeValues: { ':run': 'RUN', ':queued': 'queued', ':running': 'running' },
          Limit: limit,
          ExclusiveStartKey: startKey,
        }),
      );
      const items = (out.Items ?? []).map((item: Record<string, unknown>) =>
        OpenRunItemSchema.parse({ ...item, since: item.startedAt ?? item.createdAt }),
      );
      const nextCursor = encodeCursor(out.LastEvaluatedKey);
      return nextCursor === undefined ? { items } : { items, nextCursor };
    } catch (e) {
      throw storeError(e, 'scan open runs');
    }
  }

  async listOpen(page: OpenRunsRequest): Promise<Page<OpenRun>> {
    const limit = pageLimit(page.limit);
    if (!Number.isInteger(page.shard) || page.shard < 0 || page.shard >= OPEN_SHARDS) {
      throw new ValidationError(`shard must be an integer from 0 to ${OPEN_SHARDS - 1}`, 'invalid_shard');
    }
    const gsi2pk = openIndexPk(page.kind, page.shard);
    const startKey = decodeCursor(page.cursor, { kind: 'gsi2', gsi2pk });
    try {
      const out = await this.#ddb.send(
        new QueryCommand({
          TableName: this.#table,
          IndexName: GSI2_NAME,
          KeyConditionExpression:
            page.before === undefined ? 'gsi2pk = :open' : 'gsi2pk = :open AND gsi2sk < :before',
          ExpressionAttributeValues: {
            ':open': gsi2pk,
            ...(page.before === undefined ? {} : { ':before': page.before }),
          },
          Limit: limit,
          ExclusiveStartKey: startKey,
        }),
      );
      const items = (out.Items ?? []).map((item: Record<string, unknown>) => {
        const { pk, gsi2sk, ...rest } = item;
        const id: unknown = typeof pk === 'string' ? pk.slice('RUN#'.length) : pk;
        const since: unknown = typeof gsi2sk === 'string' ? gsi2sk.slice(0, gsi2sk.indexOf('#')) : gsi2sk;
        return OpenRunItemSchema.parse({ ...rest, id, since });
      });
      const nextCursor = encodeCursor(out.LastEvaluatedKey);
      return nextCursor === undefined ? { items } : { items, nextCursor };
    } catch (e) {
      throw storeError(e, 'list open runs');
    }
  }

  /** `running (attempt) → …`: one conditional update; false when another attempt owns the run. */
  async #transition(
    runId: string,
    attempt: number,
    operation: string,
    attributes: Record<string, unknown>,
    computed?: { set: string[]; names: Record<string, string>; values: Record<string, unknown> },
  ): Promise<boolean> {
    const update = buildUpdate(attributes, computed?.set);
    Object.assign(update.names, computed?.names);
    Object.assign(update.values, computed?.values);
    try {
      await this.#ddb.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: runKey(runId),
          UpdateExpression: update.expression,
          ConditionExpression: '#status = :expectedStatus AND #attempt = :expectedAttempt',
          ExpressionAttributeNames: { ...update.names, '#status': 'status', '#attempt': 'attempt' },
          ExpressionAttributeValues: {
            ...update.values,
            ':expectedStatus': 'running',
            ':expectedAttempt': attempt,
          },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionalCheckFailed(e)) return false;
      throw storeError(e, operation);
    }
  }
}
