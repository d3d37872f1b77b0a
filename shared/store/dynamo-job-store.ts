import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { JobSchema } from '../model/index.ts';
import type { Job } from '../model/index.ts';
import type { JobStore, Page, PageRequest } from '../ports.ts';
import { decodeCursor, encodeCursor, pageLimit } from './cursor.ts';
import { storeError } from './errors.ts';
import { fromItem } from './item.ts';
import { JOBS_GSI1PK, jobIndexKey, jobKey } from './keys.ts';
import { GSI1_NAME } from './table-definition.ts';

export interface DynamoStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

/** Jobs in the single table; listed through gsi1 (`JOBS`), sorted by id. */
export class DynamoJobStore implements JobStore {
  readonly #ddb: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: DynamoStoreOptions) {
    this.#ddb = options.client;
    this.#table = options.tableName;
  }

  async get(id: string): Promise<Job | undefined> {
    try {
      const { Item } = await this.#ddb.send(new GetCommand({ TableName: this.#table, Key: jobKey(id) }));
      return Item === undefined ? undefined : fromItem(JobSchema, Item, 'job');
    } catch (e) {
      throw storeError(e, 'get job');
    }
  }

  async list(page: PageRequest = {}): Promise<Page<Job>> {
    const limit = pageLimit(page.limit);
    const startKey = decodeCursor(page.cursor, { kind: 'gsi1', gsi1pk: JOBS_GSI1PK });
    try {
      const out = await this.#ddb.send(
        new QueryCommand({
          TableName: this.#table,
          IndexName: GSI1_NAME,
          KeyConditionExpression: 'gsi1pk = :jobs',
          ExpressionAttributeValues: { ':jobs': JOBS_GSI1PK },
          Limit: limit,
          ExclusiveStartKey: startKey,
        }),
      );
      const items = (out.Items ?? []).map((item) => fromItem(JobSchema, item, 'job'));
      const nextCursor = encodeCursor(out.LastEvaluatedKey);
      return nextCursor === undefined ? { items } : { items, nextCursor };
    } catch (e) {
      throw storeError(e, 'list jobs');
    }
  }

  async put(job: Job): Promise<{ created: boolean }> {
    try {
      const out = await this.#ddb.send(
        new PutCommand({
          TableName: this.#table,
          Item: { ...job, ...jobKey(job.id), ...jobIndexKey(job.id) },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return { created: out.Attributes === undefined };
    } catch (e) {
      throw storeError(e, 'put job');
    }
  }

  async delete(id: string): Promise<boolean> {
    try {
      const out = await this.#ddb.send(
        new DeleteCommand({ TableName: this.#table, Key: jobKey(id), ReturnValues: 'ALL_OLD' }),
      );
      return out.Attributes !== undefined;
    } catch (e) {
      throw storeError(e, 'delete job');
    }
  }
}
