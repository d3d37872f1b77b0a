import { DeleteCommand, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GlobalRecordSchema, globalMaskedError, MAX_GLOBALS } from '../model/global.ts';
import type { GlobalRecord, GlobalStore } from '../ports.ts';
import { isConditionalCheckFailed, storeError } from './errors.ts';
import { fromItem } from './item.ts';
import { GLOBAL_PK, globalKey } from './keys.ts';

export interface DynamoGlobalStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

/** Pages of the `GLOBAL` partition read at most: at most 100 globals of ≤ 4 KiB fit in one. */
const MAX_LIST_PAGES = 10;

/**
 * Global parameters in the single table, one item each under pk `GLOBAL`
 * (sk: the name), so that a run reads them all with one Query. A masked
 * global's item never holds its value: that is in the secret store.
 */
export class DynamoGlobalStore implements GlobalStore {
  readonly #ddb: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: DynamoGlobalStoreOptions) {
    this.#ddb = options.client;
    this.#table = options.tableName;
  }

  async list(): Promise<GlobalRecord[]> {
    const items: GlobalRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    try {
      for (let page = 0; page < MAX_LIST_PAGES; page++) {
        const out = await this.#ddb.send(
          new QueryCommand({
            TableName: this.#table,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': GLOBAL_PK },
            Limit: MAX_GLOBALS + 1,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of out.Items ?? []) items.push(fromItem(GlobalRecordSchema, item, 'global'));
        startKey = out.LastEvaluatedKey;
        if (startKey === undefined) break;
      }
    } catch (e) {
      throw storeError(e, 'list globals');
    }
    return items;
  }

  async get(name: string): Promise<GlobalRecord | undefined> {
    try {
      const { Item } = await this.#ddb.send(
        new GetCommand({ TableName: this.#table, Key: globalKey(name), ConsistentRead: true }),
      );
      return Item === undefined ? undefined : fromItem(GlobalRecordSchema, Item, 'global');
    } catch (e) {
      throw storeError(e, 'get global');
    }
  }

  /**
   * One UpdateItem, which keeps `createdAt`. An unmasked write carries the
   * condition "absent or unmasked": the check is the write's own, so two
   * racing PUTs can never leave a masked global unmasked (its old value would
   * then be served from the table). A masked write removes any value the
   * item held.
   */
  async put(g: { name: string; masked: boolean; value?: string; at: string; by?: string }): Promise<{
    created: boolean;
  }> {
    const values: Record<string, unknown> = { ':name': g.name, ':masked': g.masked, ':at': g.at };
    const set = [
      '#name = :name',
      'masked = :masked',
      'updatedAt = :at',
      'createdAt = if_not_exists(createdAt, :at)',
    ];
    const remove: string[] = [];
    if (g.masked || g.value === undefined) remove.push('#value');
    else {
      set.push('#value = :value');
      values[':value'] = g.value;
    }
    if (g.by === undefined) remove.push('updatedBy');
    else {
      set.push('updatedBy = :by');
      values[':by'] = g.by;
    }
    if (!g.masked) values[':false'] = false;
    try {
      const out = await this.#ddb.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: globalKey(g.name),
          UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ...(g.masked ? {} : { ConditionExpression: 'attribute_not_exists(pk) OR masked = :false' }),
          ExpressionAttributeNames: { '#name': 'name', '#value': 'value' },
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_OLD',
        }),
      );
      return { created: out.Attributes === undefined };
    } catch (e) {
      if (isConditionalCheckFailed(e)) throw globalMaskedError(g.name);
      throw storeError(e, 'put global');
    }
  }

  async delete(name: string): Promise<boolean> {
    try {
      const out = await this.#ddb.send(
        new DeleteCommand({ TableName: this.#table, Key: globalKey(name), ReturnValues: 'ALL_OLD' }),
      );
      return out.Attributes !== undefined;
    } catch (e) {
      throw storeError(e, 'delete global');
    }
  }
}
