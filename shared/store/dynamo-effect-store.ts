import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type {
  EffectClaim,
  EffectClaimResult,
  EffectCompletion,
  EffectOwner,
  EffectLedger,
  EffectListRequest,
  EffectRecord,
  Page,
} from '../ports.ts';
import { decodeCursor, encodeCursor, pageLimit } from './cursor.ts';
import type { DynamoStoreOptions } from './dynamo-job-store.ts';
import { isConditionalCheckFailed, storeError } from './errors.ts';
import { EFFECT_SK_PREFIX, effectKey, epochSeconds, timeOf } from './keys.ts';

const MAX_CLAIM_ATTEMPTS = 3;

/** `#status` and friends: `status` is a DynamoDB reserved word, the rest named alike for one style. */
const NAMES = {
  '#status': 'status',
  '#runId': 'runId',
  '#attempt': 'attempt',
} as const;

/**
 * A record read back. `expiresAt` is the TTL attribute (epoch seconds) in the
 * table and an ISO time in the record; the key is in the sort key.
 */
const recordOf = (item: Record<string, unknown>): EffectRecord => {
  const sk = String(item.sk);
  const str = (name: string): string | undefined => {
    const v = item[name];
    return typeof v === 'string' ? v : undefined;
  };
  const status = item.status;
  if ((status !== 'pending' && status !== 'done') || typeof item.attempt !== 'number') {
    throw new Error(`stored effect ${String(item.pk)} ${sk} does not match its schema`);
  }
  const record: EffectRecord = {
    key: sk.slice(EFFECT_SK_PREFIX.length),
    status,
    runId: str('runId') ?? '',
    attempt: item.attempt,
    startedAt: str('startedAt') ?? '',
    heldUntil: str('heldUntil') ?? '',
    expiresAt: new Date(Number(item.expiresAt) * 1000).toISOString(),
  };
  const doneAt = str('doneAt');
  const resultJson = str('resultJson');
  const resultProblem = str('resultProblem');
  const notified = str('inDoubtNotifiedAt');
  if (doneAt !== undefined) record.doneAt = doneAt;
  if (resultJson !== undefined) record.resultJson = resultJson;
  if (item.reconciled === true) record.reconciled = true;
  if (resultProblem !== undefined) record.resultProblem = resultProblem;
  if (notified !== undefined) record.inDoubtNotifiedAt = notified;
  return record;
};

/**
 * The item a ConditionalCheckFailedException carries with
 * `ReturnValuesOnConditionCheckFailure: ALL_OLD`, in the low-level form the
 * document client leaves it in. Our items hold only strings, numbers and
 * booleans, so this reads those and nothing else (no extra dependency).
 */
const itemOfFailure = (e: unknown): Record<string, unknown> | undefined => {
  const raw = (e as { Item?: Record<string, Record<string, unknown>> }).Item;
  if (raw === undefined || typeof raw !== 'object') return undefined;
  const item: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value.S === 'string') item[name] = value.S;
    else if (typeof value.N === 'string') item[name] = Number(value.N);
    else if (typeof value.BOOL === 'boolean') item[name] = value.BOOL;
    else return undefined; // a shape we did not write: read it properly instead
  }
  return item;
};

/** The condition of every write by a holder: the record is still pending under its run and attempt. */
const HELD = '#status = :pending AND #runId = :runId AND #attempt = :attempt';

const heldValues = (holder: EffectOwner): Record<string, unknown> => ({
  ':pending': 'pending',
  ':runId': holder.runId,
  ':attempt': holder.attempt,
});

const isLive = (item: Record<string, unknown>, now: Date): boolean =>
  !(typeof item.expiresAt === 'number' && item.expiresAt < epochSeconds(now));

/**
 * The effect ledger in the single table. Every write is one conditional
 * write on the item itself (no index keys: 0 index WCU). A first effect costs
 * 2 writes (claim, complete); a replay 1 refused write, and in AWS no read
 * (the refusal returns the item held); dynalite lacks that, so it costs one
 * strongly consistent read there.
 */
export class DynamoEffectLedger implements EffectLedger {
  readonly #ddb: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: DynamoStoreOptions) {
    this.#ddb = options.client;
    this.#table = options.tableName;
  }

  async claim(jobId: string, claim: EffectClaim, now: Date): Promise<EffectClaimResult> {
    const { pk, sk } = effectKey(jobId, claim.key);
    for (let attempt = 1; attempt <= MAX_CLAIM_ATTEMPTS; attempt++) {
      let held: Record<string, unknown> | undefined;
      try {
        await this.#ddb.send(
          new PutCommand({
            TableName: this.#table,
            Item: {
              pk,
              sk,
              status: 'pending',
              runId: claim.runId,
              attempt: claim.attempt,
              startedAt: claim.startedAt,
              heldUntil: claim.heldUntil,
              expiresAt: epochSeconds(new Date(timeOf(claim.expiresAt))),
            },
            // An expired record (TTL runs up to days late) is as good as absent.
            ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
            ExpressionAttributeValues: { ':now': epochSeconds(now) },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { claimed: true };
      } catch (e) {
        if (!isConditionalCheckFailed(e)) throw storeError(e, 'claim effect');
        held = itemOfFailure(e);
      }
      // dynalite does not return the item on a refusal: read it back, strongly consistent.
      held ??= await this.#getItem(pk, sk, 'read claimed effect');
      // Undefined only when it was deleted (released, forgotten) between the two calls: claim again.
      if (held !== undefined) return { claimed: false, existing: recordOf(held) };
    }
    throw new Error(`claim effect: ${pk} ${sk} keeps changing`);
  }

  async get(jobId: string, key: string, now: Date): Promise<EffectRecord | undefined> {
    const { pk, sk } = effectKey(jobId, key);
    const item = await this.#getItem(pk, sk, 'get effect');
    return item === undefined || !isLive(item, now) ? undefined : recordOf(item);
  }

  async #getItem(pk: string, sk: string, operation: string): Promise<Record<string, unknown> | undefined> {
    try {
      const { Item } = await this.#ddb.send(
        new GetCommand({ TableName: this.#table, Key: { pk, sk }, ConsistentRead: true }),
      );
      return Item;
    } catch (e) {
      throw storeError(e, operation);
    }
  }

  /** One conditional write; false when its condition failed. */
  async #conditional(send: () => Promise<unknown>, operation: string): Promise<boolean> {
    try {
      await send();
      return true;
    } catch (e) {
      if (isConditionalCheckFailed(e)) return false;
      throw storeError(e, operation);
    }
  }

  /** One update of a record on condition that `holder` still holds it; false when it no longer does. */
  #updateHeld(
    jobId: string,
    key: string,
    holder: EffectOwner,
    update: string,
    values: Record<string, unknown>,
    operation: string,
    condition: string = HELD,
  ): Promise<boolean> {
    return this.#conditional(
      () =>
        this.#ddb.send(
          new UpdateCommand({
            TableName: this.#table,
            Key: effectKey(jobId, key),
            UpdateExpression: update,
            ConditionExpression: condition,
            ExpressionAttributeNames: NAMES,
            ExpressionAttributeValues: { ...heldValues(holder), ...values },
          }),
        ),
      operation,
    );
  }

  complete(jobId: string, key: string, holder: EffectOwner, done: EffectCompletion): Promise<boolean> {
    const values: Record<string, unknown> = { ':done': 'done', ':doneAt': done.doneAt };
    const sets = ['#status = :done', 'doneAt = :doneAt'];
    if (done.resultJson !== undefined) {
      sets.push('resultJson = :result');
      values[':result'] = done.resultJson;
    }
    if (done.reconciled === true) {
      sets.push('reconciled = :reconciled');
      values[':reconciled'] = true;
    }
    if (done.resultProblem !== undefined) {
      sets.push('resultProblem = :problem');
      values[':problem'] = done.resultProblem;
    }
    return this.#updateHeld(jobId, key, holder, `SET ${sets.join(', ')}`, values, 'complete effect');
  }

  release(jobId: string, key: string, holder: EffectOwner): Promise<boolean> {
    return this.#conditional(
      () =>
        this.#ddb.send(
          new DeleteCommand({
            TableName: this.#table,
            Key: effectKey(jobId, key),
            ConditionExpression: HELD,
            ExpressionAttributeNames: NAMES,
            ExpressionAttributeValues: heldValues(holder),
          }),
        ),
      'release effect',
    );
  }

  takeOver(
    jobId: string,
    key: string,
    from: EffectOwner,
    to: EffectOwner & { startedAt: string; heldUntil: string },
  ): Promise<boolean> {
    return this.#updateHeld(
      jobId,
      key,
      from,
      'SET #runId = :toRun, #attempt = :toAttempt, startedAt = :startedAt, heldUntil = :heldUntil REMOVE inDoubtNotifiedAt',
      {
        ':toRun': to.runId,
        ':toAttempt': to.attempt,
        ':startedAt': to.startedAt,
        ':heldUntil': to.heldUntil,
      },
      'take over effect',
    );
  }

  markNotified(jobId: string, key: string, holder: EffectOwner, at: string): Promise<boolean> {
    return this.#updateHeld(
      jobId,
      key,
      holder,
      'SET inDoubtNotifiedAt = :at',
      { ':at': at },
      'mark effect in doubt',
      `attribute_not_exists(inDoubtNotifiedAt) AND ${HELD}`,
    );
  }

  async list(jobId: string, request: EffectListRequest, now: Date): Promise<Page<EffectRecord>> {
    const limit = pageLimit(request.limit);
    const { pk, sk: from } = effectKey(jobId, request.prefix ?? '');
    // A cursor of another job or listing would page somewhere else (or make DynamoDB refuse the query).
    const startKey = decodeCursor(request.cursor, { kind: 'partition', pk, skPrefix: from });
    try {
      const out = await this.#ddb.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :from)',
          // Expired records wait for TTL (up to days): they count as absent.
          FilterExpression: 'attribute_not_exists(expiresAt) OR expiresAt >= :now',
          ExpressionAttributeValues: { ':pk': pk, ':from': from, ':now': epochSeconds(now) },
          Limit: limit,
          ConsistentRead: true,
          ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
        }),
      );
      const nextCursor = encodeCursor(out.LastEvaluatedKey);
      const items = (out.Items ?? []).map(recordOf);
      return nextCursor === undefined ? { items } : { items, nextCursor };
    } catch (e) {
      throw storeError(e, 'list effects');
    }
  }

  async forget(jobId: string, key: string): Promise<boolean> {
    try {
      const { Attributes } = await this.#ddb.send(
        new DeleteCommand({ TableName: this.#table, Key: effectKey(jobId, key), ReturnValues: 'ALL_OLD' }),
      );
      return Attributes !== undefined;
    } catch (e) {
      throw storeError(e, 'forget effect');
    }
  }
}
