import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OccurrenceClaim, Page, PageRequest, ScheduleRecord, ScheduleStore } from '../ports.ts';
import { decodeCursor, encodeCursor, pageLimit } from './cursor.ts';
import { batchGetItems } from './batch-get.ts';
import type { DynamoStoreOptions } from './dynamo-job-store.ts';
import { isConditionalCheckFailed, storeError } from './errors.ts';
import {
  SCHEDULES_GSI1PK,
  epochSeconds,
  occurrenceKey,
  scheduleIndexKey,
  scheduleKey,
  timeOf,
} from './keys.ts';
import { GSI1_NAME } from './table-definition.ts';

/**
 * An instant in toISOString() form: the due index orders `gsi1sk` as text, so
 * every `nextRunAt` must be spelled alike (24 characters, ms, Z).
 */
const canonical = (iso: string): string => new Date(timeOf(iso)).toISOString();

/** A schedule item read back (from the table or gsi1, which projects these attributes). */
const recordOf = (item: Record<string, unknown>): ScheduleRecord => {
  const str = (name: string): string | undefined => {
    const v = item[name];
    return typeof v === 'string' ? v : undefined;
  };
  const jobId = str('jobId');
  if (jobId === undefined) throw new Error(`stored schedule ${String(item.pk)} has no jobId`);
  const record: ScheduleRecord = { jobId, updatedAt: str('updatedAt') ?? '' };
  for (const name of ['through', 'nextRunAt', 'scheduleHash', 'overdueNotifiedFor', 'resumedAt'] as const) {
    const v = str(name);
    if (v !== undefined) record[name] = v;
  }
  return record;
};

/**
 * Schedules in the single table: one `SCHEDULE` item per scheduled job in the
 * job's partition, in gsi1 (`SCHEDULES`, sorted by `<nextRunAt>#<jobId>`) only
 * while armed, so that the scheduler's one Query reads the due jobs and
 * nothing else; and one `OCC#<scheduledFor>` item per occurrence, the fence
 * (put-if-absent) that lets exactly one scheduler fire it, expiring
 * (DynamoDB TTL) once no scheduler can look at that occurrence again.
 */
export class DynamoScheduleStore implements ScheduleStore {
  readonly #ddb: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: DynamoStoreOptions) {
    this.#ddb = options.client;
    this.#table = options.tableName;
  }

  async get(jobId: string): Promise<ScheduleRecord | undefined> {
    try {
      const { Item } = await this.#ddb.send(
        // Strongly consistent: the scheduler reads `through` here before it claims and advances.
        new GetCommand({ TableName: this.#table, Key: scheduleKey(jobId), ConsistentRead: true }),
      );
      return Item === undefined ? undefined : recordOf(Item);
    } catch (e) {
      throw storeError(e, 'get schedule');
    }
  }

  async getMany(jobIds: readonly string[]): Promise<Map<string, ScheduleRecord>> {
    const keys = [...new Set(jobIds)].map(scheduleKey);
    const found = new Map<string, ScheduleRecord>();
    for (const item of await batchGetItems(this.#ddb, this.#table, keys, 'get schedules')) {
      const record = recordOf(item);
      found.set(record.jobId, record);
    }
    return found;
  }

  async listDue(dueBy: string, page: PageRequest = {}): Promise<Page<ScheduleRecord>> {
    const limit = pageLimit(page.limit);
    const startKey = decodeCursor(page.cursor, { kind: 'gsi1', gsi1pk: SCHEDULES_GSI1PK });
    try {
      const answer = await this.#ddb.send(
        new QueryCommand({
          TableName: this.#table,
          IndexName: GSI1_NAME,
          // `<nextRunAt>#<jobId>` < `<dueBy>$`: every nextRunAt up to and including dueBy ('#' < '$').
          KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk < :upper',
          ExpressionAttributeValues: { ':pk': SCHEDULES_GSI1PK, ':upper': `${canonical(dueBy)}$` },
          Limit: limit,
          ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
        }),
      );
      const items = (answer.Items ?? []).map(recordOf);
      const nextCursor = encodeCursor(answer.LastEvaluatedKey);
      return nextCursor === undefined ? { items } : { items, nextCursor };
    } catch (e) {
      throw storeError(e, 'list due schedules');
    }
  }

  async arm(
    jobId: string,
    arm: { nextRunAt?: string; through?: string; scheduleHash?: string; resumedAt?: string; at: string },
  ): Promise<void> {
    const nextRunAt = arm.nextRunAt === undefined ? undefined : canonical(arm.nextRunAt);
    try {
      await this.#ddb.send(
        new PutCommand({
          TableName: this.#table,
          Item: {
            ...scheduleKey(jobId),
            ...(nextRunAt === undefined ? {} : { ...scheduleIndexKey(jobId, nextRunAt), nextRunAt }),
            jobId,
            ...(arm.through === undefined ? {} : { through: canonical(arm.through) }),
            ...(arm.scheduleHash === undefined ? {} : { scheduleHash: arm.scheduleHash }),
            ...(arm.resumedAt === undefined ? {} : { resumedAt: canonical(arm.resumedAt) }),
            updatedAt: arm.at,
          },
        }),
      );
    } catch (e) {
      throw storeError(e, 'arm schedule');
    }
  }

  async advance(
    jobId: string,
    advance: { from: string | undefined; through: string; nextRunAt?: string; at: string },
  ): Promise<boolean> {
    const nextRunAt = advance.nextRunAt === undefined ? undefined : canonical(advance.nextRunAt);
    const values: Record<string, unknown> = { ':through': canonical(advance.through), ':at': advance.at };
    if (advance.from !== undefined) values[':from'] = canonical(advance.from);
    let update = 'SET through = :through, updatedAt = :at';
    if (nextRunAt === undefined) {
      // Nothing is due any more (a schedule that ended): out of the due index.
      update += ' REMOVE nextRunAt, gsi1pk, gsi1sk';
    } else {
      const index = scheduleIndexKey(jobId, nextRunAt);
      update += ', nextRunAt = :next, gsi1pk = :gpk, gsi1sk = :gsk';
      Object.assign(values, { ':next': nextRunAt, ':gpk': index.gsi1pk, ':gsk': index.gsi1sk });
    }
    try {
      await this.#ddb.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: scheduleKey(jobId),
          UpdateExpression: update,
          // Only from where this scheduler read it: another that moved it first wins, this one stops.
          ConditionExpression:
            advance.from === undefined
              ? 'attribute_exists(pk) AND attribute_not_exists(through)'
              : 'attribute_exists(pk) AND through = :from',
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (e) {
      if (isConditionalCheckFailed(e)) return false;
      throw storeError(e, 'advance schedule');
    }
  }

  async remove(jobId: string): Promise<void> {
    try {
      await this.#ddb.send(new DeleteCommand({ TableName: this.#table, Key: scheduleKey(jobId) }));
    } catch (e) {
      throw storeError(e, 'remove schedule');
    }
  }

  async claimOccurrence(
    jobId: string,
    scheduledFor: string,
    claim: { runId: string; at: string; expiresAt: string },
  ): Promise<boolean> {
    try {
      await this.#ddb.send(
        new PutCommand({
          TableName: this.#table,
          Item: {
            ...occurrenceKey(jobId, canonical(scheduledFor)),
            runId: claim.runId,
            at: claim.at,
            expiresAt: epochSeconds(new Date(timeOf(claim.expiresAt))),
          },
          // The fence: one writer per occurrence, ever (it expires only long after it can matter).
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (e) {
      if (isConditionalCheckFailed(e)) return false;
      throw storeError(e, 'claim occurrence');
    }
  }

  async occurrence(jobId: string, scheduledFor: string): Promise<OccurrenceClaim | undefined> {
    try {
      const { Item } = await this.#ddb.send(
        new GetCommand({
          TableName: this.#table,
          Key: occurrenceKey(jobId, canonical(scheduledFor)),
          ConsistentRead: true,
        }),
      );
      if (Item === undefined) return undefined;
      return {
        runId: String(Item.runId),
        at: String(Item.at),
        expiresAt: new Date(Number(Item.expiresAt) * 1000).toISOString(),
      };
    } catch (e) {
      throw storeError(e, 'get occurrence');
    }
  }

  async markOverdueNotified(jobId: string, scheduledFor: string): Promise<boolean> {
    try {
      await this.#ddb.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: scheduleKey(jobId),
          UpdateExpression: 'SET overdueNotifiedFor = :s',
          // Once per occurrence, whoever asks (the scheduler, the sweeper, two of either).
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(overdueNotifiedFor) OR overdueNotifiedFor <> :s)',
          ExpressionAttributeValues: { ':s': canonical(scheduledFor) },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionalCheckFailed(e)) return false;
      throw storeError(e, 'mark schedule overdue');
    }
  }
}
