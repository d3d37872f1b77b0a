import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NotificationSchema } from '../model/notification.ts';
import type { NotificationRecord, NotificationStore, Page, Severity } from '../ports.ts';
import { decodeCursor, encodeCursor, pageLimit } from './cursor.ts';
import type { StartKey } from './cursor.ts';
import { isConditionalCheckFailed, storeError } from './errors.ts';
import { fromItem } from './item.ts';
import {
  NOTE_SK_PREFIX,
  NOTES_GSI1PK,
  NOTIFICATION_TTL_DAYS,
  addDays,
  epochSeconds,
  jobDataPk,
  notificationIndexKey,
  notificationKey,
} from './keys.ts';
import { GSI1_NAME } from './table-definition.ts';

export interface DynamoNotificationStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

/**
 * Queries one listing makes at most: with a severity filter, DynamoDB counts
 * the items it skipped against `Limit`, so a rare severity may need several
 * queries to fill a page; past this many the page is answered as it is, with
 * a cursor, and a filter matching nothing still ends.
 */
export const MAX_LIST_QUERIES = 5;

/**
 * Notifications in the single table: each under its job's partition (`JOB#<jobId>`,
 * sk `NOTE#<id>`, the id a ULID so that a job's notifications sort by time)
 * and in gsi1 (`NOTES`), the listing of every job's, newest first. They
 * expire 30 days after they were raised (DynamoDB TTL).
 */
export class DynamoNotificationStore implements NotificationStore {
  readonly #ddb: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: DynamoNotificationStoreOptions) {
    this.#ddb = options.client;
    this.#table = options.tableName;
  }

  async add(n: NotificationRecord): Promise<void> {
    try {
      await this.#ddb.send(
        new PutCommand({
          TableName: this.#table,
          Item: {
            ...n,
            ...notificationKey(n.jobId, n.id),
            ...notificationIndexKey(n.id),
            expiresAt: epochSeconds(addDays(new Date(n.createdAt), NOTIFICATION_TTL_DAYS)),
          },
          // Ids are ULIDs: a clash is a bug, not a notification to overwrite.
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (e) {
      if (isConditionalCheckFailed(e)) throw new Error(`notification ${n.id} exists already`, { cause: e });
      throw storeError(e, 'add notification');
    }
  }

  async list(q: {
    jobId?: string;
    severity?: Severity;
    limit?: number;
    cursor?: string;
  }): Promise<Page<NotificationRecord>> {
    const limit = pageLimit(q.limit);
    const byJob = q.jobId !== undefined;
    let startKey: StartKey | Record<string, unknown> | undefined = byJob
      ? this.#jobCursor(q.jobId as string, q.cursor)
      : decodeCursor(q.cursor, { kind: 'gsi1', gsi1pk: NOTES_GSI1PK });
    const items: NotificationRecord[] = [];
    try {
      for (let query = 0; query < MAX_LIST_QUERIES && items.length < limit; query++) {
        const out = await this.#ddb.send(
          new QueryCommand({
            TableName: this.#table,
            ...(byJob
              ? {
                  KeyConditionExpression: 'pk = :pk AND begins_with(sk, :note)',
                  ExpressionAttributeValues: {
                    ':pk': jobDataPk(q.jobId as string),
                    ':note': NOTE_SK_PREFIX,
                    ...(q.severity === undefined ? {} : { ':severity': q.severity }),
                  },
                }
              : {
                  IndexName: GSI1_NAME,
                  KeyConditionExpression: 'gsi1pk = :notes',
                  ExpressionAttributeValues: {
                    ':notes': NOTES_GSI1PK,
                    ...(q.severity === undefined ? {} : { ':severity': q.severity }),
                  },
                }),
            ...(q.severity === undefined ? {} : { FilterExpression: 'severity = :severity' }),
            ScanIndexForward: false,
            // Never more than the page still needs: the last key read is then where the next page starts.
            Limit: limit - items.length,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of out.Items ?? []) items.push(fromItem(NotificationSchema, item, 'notification'));
        startKey = out.LastEvaluatedKey;
        if (startKey === undefined) break;
      }
    } catch (e) {
      throw storeError(e, 'list notifications');
    }
    const nextCursor = encodeCursor(startKey);
    return nextCursor === undefined ? { items } : { items, nextCursor };
  }

  /** A cursor of this job's listing: another job's (or another listing's) is refused (400). */
  #jobCursor(jobId: string, cursor: string | undefined): StartKey | undefined {
    return decodeCursor(cursor, { kind: 'partition', pk: jobDataPk(jobId), skPrefix: NOTE_SK_PREFIX });
  }
}
