import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../errors.ts';
import { lazy, minLength, object, string } from '../model/zod.ts';
import type { LeaseRecord, LeaseResult, LeaseStore } from '../ports.ts';
import { batchGetItems, jobIdOfPk } from './batch-get.ts';
import type { DynamoStoreOptions } from './dynamo-job-store.ts';
import { isConditionalCheckFailed, storeError } from './errors.ts';
import { fromItem } from './item.ts';
import { DAY_MS, epochSecondsOf, leaseKey } from './keys.ts';

const LeaseItemSchema = lazy(() =>
  object({ holder: string().check(minLength(1)), until: string().check(minLength(1)) }),
);

/**
 * A lease item outlives its `until` by a day before the table's TTL removes
 * it: only the conditions below decide who holds it (an expired lease is
 * free whether or not the TTL has run), the TTL only tidies.
 */
const LEASE_TTL_GRACE_MS = DAY_MS;
/**
 * Job leases (`JOB#<id>` / `LEASE#<name>`) in the single table. Every write is
 * one conditional write on the holder, so two workers can never both believe
 * they hold a lease; times are ISO strings in toISOString form, which compare
 * as the instants do.
 */
export class DynamoLeaseStore implements LeaseStore {
  readonly #ddb: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: DynamoStoreOptions) {
    this.#ddb = options.client;
    this.#table = options.tableName;
  }

  async acquire(jobId: string, name: string, lease: LeaseRecord, now: string): Promise<LeaseResult> {
    // A refusal reads the holder back; if it let go in between, the put is tried again (bounded).
    for (let tries = 0; tries < 3; tries++) {
      try {
        await this.#ddb.send(
          new PutCommand({
            TableName: this.#table,
            Item: {
              ...leaseKey(jobId, name),
              holder: lease.holder,
              until: lease.until,
              expiresAt: epochSecondsOf(Date.parse(lease.until) + LEASE_TTL_GRACE_MS),
            },
            ConditionExpression: 'attribute_not_exists(pk) OR #until < :now OR #holder = :holder',
            ExpressionAttributeNames: { '#until': 'until', '#holder': 'holder' },
            ExpressionAttributeValues: { ':now': now, ':holder': lease.holder },
          }),
        );
        return { acquired: true };
      } catch (e) {
        if (!isConditionalCheckFailed(e)) throw storeError(e, 'acquire lease');
      }
      const current = await this.get(jobId, name);
      if (current !== undefined && current.until >= now && current.holder !== lease.holder) {
        return { acquired: false, current };
      }
    }
    throw new ConflictError(`lease ${name} of job ${jobId} kept changing hands; try again`, 'lease_busy');
  }

  async renew(jobId: string, name: string, holder: string, until: string): Promise<boolean> {
    try {
      await this.#ddb.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: leaseKey(jobId, name),
          UpdateExpression: 'SET #until = :until, #expiresAt = :expiresAt',
          ConditionExpression: '#holder = :holder',
          ExpressionAttributeNames: { '#until': 'until', '#expiresAt': 'expiresAt', '#holder': 'holder' },
          ExpressionAttributeValues: {
            ':until': until,
            ':expiresAt': epochSecondsOf(Date.parse(until) + LEASE_TTL_GRACE_MS),
            ':holder': holder,
          },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionalCheckFailed(e)) return false;
      throw storeError(e, 'renew lease');
    }
  }

  async release(jobId: string, name: string, holder: string): Promise<boolean> {
    try {
      await this.#ddb.send(
        new DeleteCommand({
          TableName: this.#table,
          Key: leaseKey(jobId, name),
          ConditionExpression: '#holder = :holder',
          ExpressionAttributeNames: { '#holder': 'holder' },
          ExpressionAttributeValues: { ':holder': holder },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionalCheckFailed(e)) return false;
      throw storeError(e, 'release lease');
    }
  }

  /** Strongly consistent: whoever asks next must see the write that just took it. */
  async get(jobId: string, name: string): Promise<LeaseRecord | undefined> {
    try {
      const { Item } = await this.#ddb.send(
        new GetCommand({
          TableName: this.#table,
          Key: leaseKey(jobId, name),
          ConsistentRead: true,
          ProjectionExpression: '#holder, #until',
          ExpressionAttributeNames: { '#holder': 'holder', '#until': 'until' },
        }),
      );
      return Item === undefined ? undefined : fromItem(LeaseItemSchema, Item, 'lease');
    } catch (e) {
      throw storeError(e, 'get lease');
    }
  }

  /** Eventually consistent (half the read capacity): the grid shows leases, it decides nothing by them. */
  async getMany(jobIds: readonly string[], name: string): Promise<Map<string, LeaseRecord>> {
    const keys = [...new Set(jobIds)].map((id) => leaseKey(id, name));
    const found = new Map<string, LeaseRecord>();
    const items = await batchGetItems(this.#ddb, this.#table, keys, 'get leases', {
      expression: 'pk, #holder, #until',
      names: { '#holder': 'holder', '#until': 'until' },
    });
    for (const item of items) {
      const jobId = jobIdOfPk(item.pk);
      if (jobId !== undefined) {
        found.set(jobId, fromItem(LeaseItemSchema, { holder: item.holder, until: item.until }, 'lease'));
      }
    }
    return found;
  }
}
