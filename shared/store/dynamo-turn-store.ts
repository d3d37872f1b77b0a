import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TurnStore } from '../ports.ts';
import type { DynamoStoreOptions } from './dynamo-job-store.ts';
import { storeError } from './errors.ts';
import { epochSecondsOf, jobDataPk, turnKey, turnPrefix } from './keys.ts';

/**
 * The lines of runs that share an order key (`JOB#<jobId>` / `TURN#<len>:<key>#<runId>`),
 * one small item per waiting or running run. Run ids are ULIDs, so a key's
 * line is its sort-key range in arrival order: `head` is one Query of the
 * first few items. Items carry the table's TTL (`expiresAt`, epoch seconds):
 * a leave that never happened (a crashed worker) tidies itself; the worker's
 * gate does not wait for the TTL, it skips turns whose run is final.
 */
export class DynamoTurnStore implements TurnStore {
  readonly #ddb: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: DynamoStoreOptions) {
    this.#ddb = options.client;
    this.#table = options.tableName;
  }

  /** One unconditional put: entering twice (a retried ingest) is the same place in line. */
  async enter(jobId: string, orderKey: string, runId: string, expiresAt: string): Promise<void> {
    try {
      await this.#ddb.send(
        new PutCommand({
          TableName: this.#table,
          Item: { ...turnKey(jobId, orderKey, runId), expiresAt: epochSecondsOf(Date.parse(expiresAt)) },
        }),
      );
    } catch (e) {
      throw storeError(e, 'enter turn');
    }
  }

  /**
   * Strongly consistent: a run that just left must not be seen at the head
   * by the next run's gate (it would wait a round for nothing), and a run
   * that just entered must be seen by a later one.
   */
  async head(jobId: string, orderKey: string, limit: number): Promise<string[]> {
    const prefix = turnPrefix(orderKey);
    try {
      const { Items = [] } = await this.#ddb.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': jobDataPk(jobId), ':prefix': prefix },
          ProjectionExpression: 'sk',
          ConsistentRead: true,
          ScanIndexForward: true,
          Limit: Math.max(1, Math.floor(limit)),
        }),
      );
      return Items.map((item) => String(item.sk).slice(prefix.length));
    } catch (e) {
      throw storeError(e, 'read turns');
    }
  }

  /** Deleting an absent item succeeds: leaving twice is leaving once. */
  async leave(jobId: string, orderKey: string, runId: string): Promise<void> {
    try {
      await this.#ddb.send(
        new DeleteCommand({ TableName: this.#table, Key: turnKey(jobId, orderKey, runId) }),
      );
    } catch (e) {
      throw storeError(e, 'leave turn');
    }
  }
}
