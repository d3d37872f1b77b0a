import { DeleteCommand, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { ServiceUnavailableError, StateConflictError, StateLimitError } from '../errors.ts';
import { STATE_LIMITS, isStateExpired, stateExpiresAt } from '../model/state.ts';
import type { Page, StateItem, StateStore } from '../ports.ts';
import { decodeCursor, encodeCursor, pageLimit } from './cursor.ts';
import type { DynamoStoreOptions } from './dynamo-job-store.ts';
import { isConditionalCheckFailed, storeError } from './errors.ts';
import { STATE_SK_PREFIX, epochSeconds, isoTime, stateKey, stateMetaKey } from './keys.ts';

export interface DynamoStateStoreOptions extends DynamoStoreOptions {
  /** Live keys per job. @default STATE_LIMITS.keysPerJob (1 000); tests lower it. */
  maxKeys?: number;
}

/** Rounds of the key-count repair before a new key gives up (each round is lost only to a concurrent change). */
const MAX_REPAIR_ROUNDS = 5;
/** A job holds ≤ 1 000 live keys (plus expired ones TTL has not removed yet): far fewer pages than this. */
const MAX_PAGES = 10_000;

/** Names used by every expression: `version` and friends as placeholders, none of them reserved words then. */
const NAMES = {
  '#v': 'valueJson',
  '#ver': 'version',
  '#at': 'updatedAt',
  '#exp': 'expiresAt',
} as const;

/**
 * `ctx.state` in the single table: one item per key (`JOB#<jobId>` /
 * `STATE#<key>`, the value as JSON text, a version, `expiresAt` for TTL) and a
 * key count per job (`STATEMETA`, attribute `c`).
 *
 * Why a count: refusing the 1 001st key by counting the keys on every new one
 * would read every value (up to 64 MB). A new key costs a 2nd write that
 * increments the count on condition that it is below the limit. The table's
 * TTL deletes expired keys without a word, so the count can only be too high;
 * when it says "full", the keys are counted once for real (expired ones
 * deleted) and the count rewritten on condition that it has not moved — exact
 * where it matters. Deletes decrement it. Known slack, each needing a rare
 * race or a crash: a crash between a new key's write and its count leaves the
 * count one low; a delete racing a repair can leave it one low; a same-key set
 * racing the refusal of that key at the limit keeps the key (one over). Each
 * lets one key more in, until the next repair. The other way: new keys set at
 * once while the count is full of expired keys may be refused though there is
 * room, as each sees the others' keys, not counted yet; a later one gets in.
 */
export class DynamoStateStore implements StateStore {
  readonly #ddb: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #maxKeys: number;

  constructor(options: DynamoStateStoreOptions) {
    this.#ddb = options.client;
    this.#table = options.tableName;
    this.#maxKeys = options.maxKeys ?? STATE_LIMITS.keysPerJob;
  }

  async get(jobId: string, key: string, now: Date): Promise<StateItem | undefined> {
    try {
      const { Item } = await this.#ddb.send(
        new GetCommand({ TableName: this.#table, Key: stateKey(jobId, key), ConsistentRead: true }),
      );
      if (Item === undefined) return undefined;
      const item = itemOf(Item);
      return isStateExpired(expiresAtOf(Item), now) ? undefined : item;
    } catch (e) {
      throw storeError(e, 'get state');
    }
  }

  async set(
    jobId: string,
    key: string,
    valueJson: string,
    options: { ttlSeconds?: number; ifVersion?: number },
    now: Date,
  ): Promise<{ version: number }> {
    const values: Record<string, unknown> = {
      ':v': valueJson,
      ':zero': 0,
      ':one': 1,
      ':at': isoTime(now.getTime()),
    };
    let update = 'SET #v = :v, #ver = if_not_exists(#ver, :zero) + :one, #at = :at';
    if (options.ttlSeconds === undefined) {
      update += ' REMOVE #exp';
    } else {
      update += ', #exp = :exp';
      values[':exp'] = stateExpiresAt(now, options.ttlSeconds);
    }
    const condition = this.#versionCondition(options.ifVersion, now, values);
    const old = await this.#writeKey(
      () =>
        this.#ddb.send(
          new UpdateCommand({
            TableName: this.#table,
            Key: stateKey(jobId, key),
            UpdateExpression: update,
            ConditionExpression: condition,
            ExpressionAttributeNames: NAMES,
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_OLD',
          }),
        ),
      { jobId, key, ifVersion: options.ifVersion, now, operation: 'set state' },
    );
    // An expired key still on the table was counted when it was made: overwriting it is no new key.
    if (old !== undefined) return { version: typeof old.version === 'number' ? old.version + 1 : 1 };
    await this.#admit(jobId, key, now);
    return { version: 1 };
  }

  async delete(jobId: string, key: string, options: { ifVersion?: number }, now: Date): Promise<boolean> {
    const values: Record<string, unknown> = {};
    const condition = this.#versionCondition(options.ifVersion, now, values);
    const old = await this.#writeKey(
      () =>
        this.#ddb.send(
          new DeleteCommand({
            TableName: this.#table,
            Key: stateKey(jobId, key),
            ConditionExpression: condition,
            ...(condition === undefined
              ? {}
              : {
                  ExpressionAttributeNames: { '#ver': NAMES['#ver'], '#exp': NAMES['#exp'] },
                  ExpressionAttributeValues: values,
                }),
            ReturnValues: 'ALL_OLD',
          }),
        ),
      { jobId, key, ifVersion: options.ifVersion, now, operation: 'delete state' },
    );
    if (old === undefined) return false;
    await this.#count(jobId, -1);
    return !isStateExpired(expiresAtOf(old), now);
  }

  async list(
    jobId: string,
    query: { prefix?: string; limit?: number; cursor?: string },
    now: Date,
  ): Promise<Page<StateItem>> {
    const limit = pageLimit(query.limit);
    const from = `${STATE_SK_PREFIX}${query.prefix ?? ''}`;
    const pk = stateMetaKey(jobId).pk;
    // A cursor is only good for the listing it came from: this job, this prefix.
    const startKey = decodeCursor(query.cursor, { kind: 'partition', pk, skPrefix: from });
    try {
      const out = await this.#ddb.send(
        new QueryCommand({
          ...this.#keyQuery(pk, from, now),
          Limit: limit,
          ExclusiveStartKey: startKey,
        }),
      );
      const items = (out.Items ?? []).map(itemOf);
      const nextCursor = encodeCursor(out.LastEvaluatedKey);
      return nextCursor === undefined ? { items } : { items, nextCursor };
    } catch (e) {
      throw storeError(e, 'list state');
    }
  }

  async keys(jobId: string, prefix: string, now: Date): Promise<string[]> {
    const pk = stateMetaKey(jobId).pk;
    const keys: string[] = [];
    try {
      await this.#pages(
        { ...this.#keyQuery(pk, `${STATE_SK_PREFIX}${prefix}`, now), ProjectionExpression: 'sk' },
        (item) => keys.push(keyOf(item)),
      );
    } catch (e) {
      throw storeError(e, 'list state keys');
    }
    return keys;
  }

  /**
   * The condition `ifVersion` puts on a write, its values added to `values`:
   * `0`, the key must be absent (or expired); `n`, a live key at version n.
   */
  #versionCondition(
    ifVersion: number | undefined,
    now: Date,
    values: Record<string, unknown>,
  ): string | undefined {
    if (ifVersion === undefined) return undefined;
    values[':now'] = epochSeconds(now);
    if (ifVersion === 0) return 'attribute_not_exists(#ver) OR #exp <= :now';
    values[':expected'] = ifVersion;
    return '#ver = :expected AND (attribute_not_exists(#exp) OR #exp > :now)';
  }

  /**
   * One write of a key (`ReturnValues: ALL_OLD`), answering the item it
   * replaced; its failed `ifVersion` condition becomes StateConflictError.
   */
  async #writeKey(
    send: () => Promise<{ Attributes?: Record<string, unknown> }>,
    write: { jobId: string; key: string; ifVersion: number | undefined; now: Date; operation: string },
  ): Promise<Record<string, unknown> | undefined> {
    try {
      return (await send()).Attributes;
    } catch (e) {
      if (isConditionalCheckFailed(e) && write.ifVersion !== undefined) {
        throw await this.#conflict(write.jobId, write.key, write.ifVersion, write.now);
      }
      throw storeError(e, write.operation);
    }
  }

  /** The StateConflictError for a failed `ifVersion`, with the version found: one consistent read. */
  async #conflict(jobId: string, key: string, expected: number, now: Date): Promise<StateConflictError> {
    const actual = await this.get(jobId, key, now);
    return new StateConflictError(key, expected, actual?.version);
  }

  /** `pk` = the job's, sort key from `from`, live items only, consistent (a key set a moment ago is listed). */
  #keyQuery(pk: string, from: string, now: Date): QueryCommandInput {
    return {
      TableName: this.#table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :from)',
      FilterExpression: 'attribute_not_exists(#exp) OR #exp > :now',
      ExpressionAttributeNames: { '#exp': NAMES['#exp'] },
      ExpressionAttributeValues: { ':pk': pk, ':from': from, ':now': epochSeconds(now) },
      ConsistentRead: true,
    };
  }

  /** Every page of a query, in order, each item to `each`. */
  async #pages(input: QueryCommandInput, each: (item: Record<string, unknown>) => void): Promise<void> {
    let startKey: Record<string, unknown> | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const out = await this.#ddb.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
      for (const item of out.Items ?? []) each(item);
      startKey = out.LastEvaluatedKey;
      if (startKey === undefined) return;
    }
    throw new Error(
      `state query of ${String(input.ExpressionAttributeValues?.[':pk'])} passed ${MAX_PAGES} pages`,
    );
  }

  /** Adds `delta` to the job's key count; a decrement stops at 0 (the count may be low after a race). */
  async #count(jobId: string, delta: 1 | -1): Promise<void> {
    await this.#updateCount(jobId, 'ADD #c :delta', delta < 0 ? '#c > :zero' : undefined, {
      ':delta': delta,
      ...(delta < 0 ? { ':zero': 0 } : {}),
    });
  }

  /** Counts a new key on condition that the job has room; true when it had. */
  #tryCount(jobId: string): Promise<boolean> {
    return this.#updateCount(jobId, 'ADD #c :one', 'attribute_not_exists(#c) OR #c < :max', {
      ':one': 1,
      ':max': this.#maxKeys,
    });
  }

  /** One update of the job's key count (attribute `c`); false when its condition failed. */
  async #updateCount(
    jobId: string,
    update: string,
    condition: string | undefined,
    values: Record<string, unknown>,
  ): Promise<boolean> {
    try {
      await this.#ddb.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: stateMetaKey(jobId),
          UpdateExpression: update,
          ...(condition === undefined ? {} : { ConditionExpression: condition }),
          ExpressionAttributeNames: { '#c': 'c' },
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (e) {
      if (isConditionalCheckFailed(e)) return false;
      throw storeError(e, 'count state keys');
    }
  }

  /**
   * A key was just created (version 1): count it, or, when the count says the
   * job is full, count the keys for real (see the class comment). Refused, the
   * new key is deleted again and StateLimitError (`keys`) thrown.
   */
  async #admit(jobId: string, key: string, now: Date): Promise<void> {
    if (await this.#tryCount(jobId)) return;
    for (let round = 0; round < MAX_REPAIR_ROUNDS; round++) {
      // The count first, then the keys: a key made after this read moves the count, so the
      // conditional rewrite below fails rather than drop a key the query did not see.
      const seen = await this.#readCount(jobId);
      if (seen < this.#maxKeys) {
        // A delete or another repair made room since.
        if (await this.#tryCount(jobId)) return;
        continue;
      }
      const live = await this.#liveKeys(jobId, now);
      if (live > this.#maxKeys) {
        if (!(await this.#refuse(jobId, key))) return;
        throw new StateLimitError(
          'keys',
          `job ${jobId} holds ${this.#maxKeys} state keys, the most it may: delete some (or let them expire) before adding key ${JSON.stringify(key)}`,
        );
      }
      // `live` counts this new key too: the rewrite counts it.
      if (await this.#rewriteCount(jobId, seen, live)) return;
    }
    if (!(await this.#refuse(jobId, key))) return;
    throw new ServiceUnavailableError(`state keys of job ${jobId} kept changing while counted; try again`);
  }

  async #readCount(jobId: string): Promise<number> {
    try {
      const { Item } = await this.#ddb.send(
        new GetCommand({ TableName: this.#table, Key: stateMetaKey(jobId), ConsistentRead: true }),
      );
      const c: unknown = Item?.c;
      return typeof c === 'number' ? c : 0;
    } catch (e) {
      throw storeError(e, 'read state key count');
    }
  }

  /** The job's live keys, counted from the items (expired ones deleted on the way). */
  async #liveKeys(jobId: string, now: Date): Promise<number> {
    const pk = stateMetaKey(jobId).pk;
    const expired: string[] = [];
    let live = 0;
    try {
      await this.#pages(
        {
          TableName: this.#table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :from)',
          ExpressionAttributeNames: { '#exp': NAMES['#exp'] },
          ExpressionAttributeValues: { ':pk': pk, ':from': STATE_SK_PREFIX },
          ProjectionExpression: 'sk, #exp',
          ConsistentRead: true,
        },
        (item) => {
          if (isStateExpired(expiresAtOf(item), now)) expired.push(String(item.sk));
          else live++;
        },
      );
      for (const sk of expired) {
        // Set again since the query: live after all.
        if (!(await this.#deleteExpired(pk, sk, now))) live++;
      }
    } catch (e) {
      throw storeError(e, 'count state keys');
    }
    return live;
  }

  async #deleteExpired(pk: string, sk: string, now: Date): Promise<boolean> {
    try {
      await this.#ddb.send(
        new DeleteCommand({
          TableName: this.#table,
          Key: { pk, sk },
          // Gone already (TTL, another repair) is as good as deleted.
          ConditionExpression: 'attribute_not_exists(#ver) OR #exp <= :now',
          ExpressionAttributeNames: { '#ver': NAMES['#ver'], '#exp': NAMES['#exp'] },
          ExpressionAttributeValues: { ':now': epochSeconds(now) },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionalCheckFailed(e)) return false;
      throw e;
    }
  }

  #rewriteCount(jobId: string, seen: number, live: number): Promise<boolean> {
    return this.#updateCount(jobId, 'SET #c = :live', '#c = :seen', { ':live': live, ':seen': seen });
  }

  /**
   * Deletes the refused new key, if it is still the one this call made; true
   * then. When another call set or deleted the same key meanwhile (it saw
   * ours, so it counted nothing, or took one off), the key is counted after
   * all and false answered: this set happened, before that call's.
   */
  async #refuse(jobId: string, key: string): Promise<boolean> {
    try {
      await this.#ddb.send(
        new DeleteCommand({
          TableName: this.#table,
          Key: stateKey(jobId, key),
          ConditionExpression: '#ver = :one',
          ExpressionAttributeNames: { '#ver': NAMES['#ver'] },
          ExpressionAttributeValues: { ':one': 1 },
        }),
      );
      return true;
    } catch (e) {
      if (!isConditionalCheckFailed(e)) throw storeError(e, 'refuse state key');
      await this.#count(jobId, 1);
      return false;
    }
  }
}

/** An item's TTL attribute (epoch s), when it has one. */
const expiresAtOf = (item: Record<string, unknown>): number | undefined =>
  typeof item.expiresAt === 'number' ? item.expiresAt : undefined;

/** The user's key from a state item's sort key (`STATE#<key>`). */
const keyOf = (item: Record<string, unknown>): string => {
  const sk = item.sk;
  if (typeof sk !== 'string' || !sk.startsWith(STATE_SK_PREFIX)) {
    throw new Error(`stored state item ${String(item.pk)} has no state sort key`);
  }
  return sk.slice(STATE_SK_PREFIX.length);
};

/**
 * A stored state item as the port answers it. Checked by hand, not by a
 * schema: it runs on every read of every run, and items are outside data (a
 * hand edit, an older writer).
 */
const itemOf = (raw: Record<string, unknown>): StateItem => {
  const { valueJson, version, updatedAt, expiresAt } = raw;
  const where = `${String(raw.pk)} ${String(raw.sk)}`;
  if (
    typeof valueJson !== 'string' ||
    typeof version !== 'number' ||
    !Number.isInteger(version) ||
    version < 1 ||
    typeof updatedAt !== 'string' ||
    (expiresAt !== undefined && typeof expiresAt !== 'number')
  ) {
    throw new Error(`stored state ${where} is not a state item (valueJson, version, updatedAt, expiresAt?)`);
  }
  let value: unknown;
  try {
    value = JSON.parse(valueJson);
  } catch {
    throw new Error(`stored state ${where} holds no JSON value`);
  }
  const item: StateItem = { key: keyOf(raw), value, valueJson, version, updatedAt };
  if (expiresAt !== undefined) item.expiresAt = isoTime(expiresAt * 1000);
  return item;
};
