import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, ServiceUnavailableError } from '../errors.ts';
import { lazy, minLength, object, string } from '../model/zod.ts';
import type { LeaseRecord, LeaseResult, LeaseStore } from '../ports.ts';
import type { DynamoStoreOptions } from './dynamo-job-store.ts';
import { isConditionalCheckFailed, storeError } from './errors.ts';
import { fromItem } from './item.ts';
import { DAY_MS, JOB_PK_PREFIX, epochSecondsOf, leaseKey } from './keys.ts';

const LeaseItemSchema = lazy(() =>
  object({ holder: string().check(minLength(1)), until: string().check(minLength(1)) }),
);

/**
 * A lease item outlives its `until` by a day before the table's TTL removes
 * it: only the conditions below decide who holds it (an expired lease is
 * free whether or not the TTL has run), the TTL only tidies.
 */
const LEASE_TTL_GRACE_MS = DAY_MS;
/** BatchGetItem takes at most 100 keys a call. */
const BATCH_GET_MAX = 100;
/** Rounds of a BatchGetItem's unprocessed keys followed at most (throttling): a bound, not a limit. */
const MAX_BATCH_ROUNDS = 5;

/** The job a lease item belongs to, from its partition key (`JOB#<jobId>`). */
const jobIdOfPk = (pk: unknown): string | undefined =>
  typeof pk === 'string' && pk.startsWith(JOB_PK_PREFIX) ? pk.slice(JOB_PK_PREFIX.length) : undefined;

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
    const found = new Map<string, LeaseRecord>();
    const unique = [...new Set(jobIds)];
    for (let i = 0; i < unique.length; i += BATCH_GET_MAX) {
      let keys: Record<string, unknown>[] = unique
        .slice(i, i + BATCH_GET_MAX)
        .map((id): Record<string, unknown> => ({ ...leaseKey(id, name) }));
      for (let round = 0; keys.length > 0; round++) {
        if (round === MAX_BATCH_ROUNDS) {
          throw new ServiceUnavailableError(
            `store unavailable (get leases): ${keys.length} keys left unprocessed`,
          );
        }
        // Keys left unprocessed are throttled reads: asked again after a short, growing pause.
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** round));
        let output;
        try {
          output = await this.#ddb.send(
            new BatchGetCommand({
              RequestItems: {
                [this.#table]: {
                  Keys: keys,
                  ProjectionExpression: 'pk, #holder, #until',
                  ExpressionAttributeNames: { '#holder': 'holder', '#until': 'until' },
                },
              },
            }),
          );
        } catch (e) {
          throw storeError(e, 'get leases');
        }
        for (const item of output.Responses?.[this.#table] ?? []) {
          const jobId = jobIdOfPk(item.pk);
          if (jobId !== undefined) {
            found.set(jobId, fromItem(LeaseItemSchema, { holder: item.holder, until: item.until }, 'lease'));
          }
        }
        keys = output.UnprocessedKeys?.[this.#table]?.Keys ?? [];
      }
    }
    return found;
  }
}
