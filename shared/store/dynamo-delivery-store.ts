import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../errors.ts';
import { DeliverySchema } from '../model/index.ts';
import type { Delivery } from '../model/index.ts';
import type { DeliveryCreateResult, DeliveryStore } from '../ports.ts';
import type { DynamoStoreOptions } from './dynamo-job-store.ts';
import { isConditionalCheckFailed, storeError } from './errors.ts';
import { fromItem } from './item.ts';
import {
  DAY_MS,
  DELIVERY_SK_PREFIX,
  JOB_PK_PREFIX,
  deliveryKey,
  epochSecondsOf,
  isoTime,
  timeOf,
} from './keys.ts';

export interface DynamoDeliveryStoreOptions extends DynamoStoreOptions {
  /** Days a delivery is kept after it was received, at least until its dedupe window ends. */
  retentionDays: number;
}

const MAX_CREATE_ATTEMPTS = 3;

/** A stored delivery: its job and dedupe key read from its keys (`JOB#<jobId>`, `DELIVERY#<dedupeKey>`). */
const deliveryOf = (item: Record<string, unknown>): Delivery => {
  const { pk, sk } = item;
  return fromItem(
    DeliverySchema,
    {
      ...item,
      jobId: typeof pk === 'string' && pk.startsWith(JOB_PK_PREFIX) ? pk.slice(JOB_PK_PREFIX.length) : pk,
      dedupeKey:
        typeof sk === 'string' && sk.startsWith(DELIVERY_SK_PREFIX)
          ? sk.slice(DELIVERY_SK_PREFIX.length)
          : sk,
    },
    'delivery',
  );
};

/**
 * Deliveries as dedupe records: one put-if-absent per (job, dedupe key), which
 * also succeeds over a stored delivery whose window has passed.
 */
export class DynamoDeliveryStore implements DeliveryStore {
  readonly #ddb: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #retentionDays: number;

  constructor(options: DynamoDeliveryStoreOptions) {
    if (!Number.isInteger(options.retentionDays) || options.retentionDays < 1) {
      throw new ValidationError('retentionDays must be a positive integer', 'invalid_configuration');
    }
    this.#ddb = options.client;
    this.#table = options.tableName;
    this.#retentionDays = options.retentionDays;
  }

  create(delivery: Delivery, now: Date): Promise<DeliveryCreateResult> {
    return this.#create(delivery, now, 1);
  }

  /**
   * The stored item, one literal: the job and the dedupe key are in the keys
   * (read back from there), so it holds 7 attributes, each marshalled on
   * every accepted delivery. ISO strings order like the instants only in one
   * format, toISOString() (ms, Z).
   */
  #item(delivery: Delivery): Record<string, unknown> {
    // Instants as numbers: ingest formatted both a moment ago, so neither is parsed again (timeOf).
    const dedupeUntil = timeOf(delivery.dedupeUntil);
    const retainUntil = timeOf(delivery.receivedAt) + this.#retentionDays * DAY_MS;
    const { pk, sk } = deliveryKey(delivery.jobId, delivery.dedupeKey);
    return {
      pk,
      sk,
      id: delivery.id,
      runId: delivery.runId,
      receivedAt: delivery.receivedAt,
      dedupeUntil: isoTime(dedupeUntil),
      expiresAt: epochSecondsOf(dedupeUntil > retainUntil ? dedupeUntil : retainUntil),
    };
  }

  async takeOver(delivery: Delivery, previousId: string): Promise<boolean> {
    try {
      await this.#ddb.send(
        new PutCommand({
          TableName: this.#table,
          Item: this.#item(delivery),
          ConditionExpression: '#id = :previous',
          ExpressionAttributeNames: { '#id': 'id' },
          ExpressionAttributeValues: { ':previous': previousId },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionalCheckFailed(e)) return false;
      throw storeError(e, 'take over delivery');
    }
  }

  async #create(delivery: Delivery, now: Date, attempt: number): Promise<DeliveryCreateResult> {
    try {
      await this.#ddb.send(
        new PutCommand({
          TableName: this.#table,
          Item: this.#item(delivery),
          ConditionExpression: 'attribute_not_exists(pk) OR #dedupeUntil < :now',
          ExpressionAttributeNames: { '#dedupeUntil': 'dedupeUntil' },
          ExpressionAttributeValues: { ':now': isoTime(now.getTime()) },
        }),
      );
      return { created: true };
    } catch (e) {
      if (!isConditionalCheckFailed(e)) throw storeError(e, 'create delivery');
    }
    // dynalite does not implement ReturnValuesOnConditionCheckFailure: read the holder back,
    // strongly consistent so that it is the item the condition just saw.
    const key = deliveryKey(delivery.jobId, delivery.dedupeKey);
    try {
      const { Item } = await this.#ddb.send(
        new GetCommand({ TableName: this.#table, Key: key, ConsistentRead: true }),
      );
      if (Item === undefined) {
        // Only a delete between the two calls gets here; the holder is gone, so this one may take its place.
        if (attempt < MAX_CREATE_ATTEMPTS) return this.#create(delivery, now, attempt + 1);
        throw new Error(`create delivery: ${key.pk} ${key.sk} keeps changing`);
      }
      return { created: false, existing: deliveryOf(Item) };
    } catch (e) {
      throw storeError(e, 'read duplicate delivery');
    }
  }

  async release(jobId: string, dedupeKey: string, deliveryId: string): Promise<void> {
    try {
      await this.#ddb.send(
        new DeleteCommand({
          TableName: this.#table,
          Key: deliveryKey(jobId, dedupeKey),
          // A later delivery may hold the key by now (this one's window passed): leave it be.
          ConditionExpression: '#id = :id',
          ExpressionAttributeNames: { '#id': 'id' },
          ExpressionAttributeValues: { ':id': deliveryId },
        }),
      );
    } catch (e) {
      if (isConditionalCheckFailed(e)) return;
      throw storeError(e, 'release delivery');
    }
  }
}
