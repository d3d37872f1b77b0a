import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isOpenTask, TASK_STATUSES } from '../model/index.ts';
import type { StoredTask } from '../model/index.ts';
import {
  array,
  int,
  lazy,
  minimum,
  minLength,
  object,
  optional,
  string,
  enum as zEnum,
} from '../model/zod.ts';
import type { Page, PageRequest, TaskListRequest, TaskPatch, TaskStore } from '../ports.ts';
import { batchGetItems } from './batch-get.ts';
import { decodeCursor, encodeCursor, MAX_PAGE_LIMIT, pageLimit } from './cursor.ts';
import type { StartKey } from './cursor.ts';
import type { DynamoStoreOptions } from './dynamo-job-store.ts';
import { isConditionalCheckFailed, storeError } from './errors.ts';
import { fromItem } from './item.ts';
import { jobDataPk, taskDedupeKey, taskKey, TASK_SK_PREFIX } from './keys.ts';
import type { TableKey } from './keys.ts';
import { GSI1_NAME } from './table-definition.ts';

const TaskItemSchema = lazy(() =>
  object({
    id: string().check(minLength(1)),
    status: zEnum(TASK_STATUSES),
    link: string(),
    key: optional(string()),
    dedupeKey: optional(string()),
    dedupeCount: int().check(minimum(0)),
    alertIds: array(string()),
    queue: string(),
    createdAt: string().check(minLength(1)),
    updatedAt: string().check(minLength(1)),
    syncedAt: optional(string()),
  }),
);
const KeyItemSchema = lazy(() => object({ taskId: string().check(minLength(1)) }));

/** The newest alert ids a task keeps (the memory fake keeps as many). */
export const MAX_TASK_ALERT_IDS = 100;

/**
 * A task's alert ids may run this far past the newest 100 before they are
 * trimmed: an UpdateItem cannot append to a list and cut its head in one
 * expression, so the cut is a second write — made once per this many alerts
 * rather than on each. Readers only ever see the newest 100.
 */
const ALERT_ID_SLACK = 10;
/** Queries one listing makes at most when a status filter skips most of what it reads (see notifications). */
const MAX_LIST_QUERIES = 5;

/** A job's tasks in gsi1, newest first: `TASKS#<jobId>` / `<createdAt>#<taskId>`. */
const tasksGsi1pk = (jobId: string): string => `TASKS#${jobId}`;
const indexSk = (task: Pick<StoredTask, 'createdAt' | 'id'>): string => `${task.createdAt}#${task.id}`;

const newest = (task: StoredTask): StoredTask =>
  task.alertIds.length <= MAX_TASK_ALERT_IDS
    ? task
    : { ...task, alertIds: task.alertIds.slice(-MAX_TASK_ALERT_IDS) };

const toTask = (item: Record<string, unknown>): StoredTask => newest(fromItem(TaskItemSchema, item, 'task'));

/**
 * Ticket jobs' tasks in the single table, in the job's partition:
 * `TASK#<taskId>` (the task) and, while it is open and has a dedupe key,
 * `TASKKEY#<dedupeKey>` (a pointer `{ taskId }`: the open task that takes the
 * key's alerts). A task also sits in gsi1 (`TASKS#<jobId>` /
 * `<createdAt>#<taskId>`), for the admin's newest-first listing: the index
 * projects few of a task's attributes, so a page reads its keys there and
 * its items with one BatchGetItem. A sync walks the open tasks in the table
 * itself (listOpen). Memory stays a page, whatever the job's count.
 */
export class DynamoTaskStore implements TaskStore {
  readonly #ddb: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: DynamoStoreOptions) {
    this.#ddb = options.client;
    this.#table = options.tableName;
  }

  async get(jobId: string, taskId: string): Promise<StoredTask | undefined> {
    try {
      const { Item } = await this.#ddb.send(
        new GetCommand({ TableName: this.#table, Key: taskKey(jobId, taskId), ConsistentRead: true }),
      );
      return Item === undefined ? undefined : toTask(Item);
    } catch (e) {
      throw storeError(e, 'get task');
    }
  }

  /**
   * Two puts, not a transaction: a TransactWriteItems costs twice the writes,
   * and nothing needs it. The task goes first, so a key never points at a
   * task that is not there; a crash between the two leaves a task no key
   * points at, and the run that wrote it is retried and puts both again (put
   * is idempotent). A closed task, or one without a key, writes one item.
   */
  async put(jobId: string, task: StoredTask): Promise<void> {
    const open = isOpenTask(task.status);
    try {
      await this.#ddb.send(
        new PutCommand({
          TableName: this.#table,
          Item: {
            ...task,
            alertIds: task.alertIds.slice(-MAX_TASK_ALERT_IDS),
            ...taskKey(jobId, task.id),
            gsi1pk: tasksGsi1pk(jobId),
            gsi1sk: indexSk(task),
          },
        }),
      );
      if (task.dedupeKey !== undefined && open) {
        await this.#ddb.send(
          new PutCommand({
            TableName: this.#table,
            Item: { ...taskDedupeKey(jobId, task.dedupeKey), taskId: task.id },
          }),
        );
      }
    } catch (e) {
      throw storeError(e, 'put task');
    }
  }

  /**
   * The pointer, then the task: two consistent reads (a run of the same key
   * that put the task a moment ago must be seen). Keeping a copy of the task
   * on the pointer would save the second read but make every update (each
   * deduplicated alert, each sync) two writes: writes cost more than reads.
   */
  async openFor(jobId: string, dedupeKey: string): Promise<StoredTask | undefined> {
    let taskId: string;
    try {
      const { Item } = await this.#ddb.send(
        new GetCommand({
          TableName: this.#table,
          Key: taskDedupeKey(jobId, dedupeKey),
          ConsistentRead: true,
        }),
      );
      if (Item === undefined) return undefined;
      taskId = fromItem(KeyItemSchema, Item, 'task dedupe key').taskId;
    } catch (e) {
      throw storeError(e, 'get task dedupe key');
    }
    const task = await this.get(jobId, taskId);
    return task !== undefined && isOpenTask(task.status) ? task : undefined;
  }

  async update(jobId: string, taskId: string, patch: TaskPatch): Promise<StoredTask | undefined> {
    const names: Record<string, string> = { '#updatedAt': 'updatedAt' };
    const values: Record<string, unknown> = { ':updatedAt': patch.updatedAt };
    const set = ['#updatedAt = :updatedAt'];
    if (patch.status !== undefined) {
      names['#status'] = 'status';
      values[':status'] = patch.status;
      set.push('#status = :status');
    }
    if (patch.link !== undefined) {
      names['#link'] = 'link';
      values[':link'] = patch.link;
      set.push('#link = :link');
    }
    if (patch.key !== undefined) {
      names['#key'] = 'key';
      values[':key'] = patch.key;
      set.push('#key = :key');
    }
    if (patch.syncedAt !== undefined) {
      names['#syncedAt'] = 'syncedAt';
      values[':syncedAt'] = patch.syncedAt;
      set.push('#syncedAt = :syncedAt');
    }
    if (patch.addAlert !== undefined) {
      names['#dedupeCount'] = 'dedupeCount';
      names['#alertIds'] = 'alertIds';
      values[':one'] = 1;
      values[':alert'] = [patch.addAlert];
      set.push('#dedupeCount = #dedupeCount + :one', '#alertIds = list_append(#alertIds, :alert)');
    }
    let item: Record<string, unknown> | undefined;
    try {
      const out = await this.#ddb.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: taskKey(jobId, taskId),
          UpdateExpression: `SET ${set.join(', ')}`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      item = out.Attributes;
    } catch (e) {
      if (isConditionalCheckFailed(e)) return undefined;
      throw storeError(e, 'update task');
    }
    if (item === undefined) return undefined;
    const task = fromItem(TaskItemSchema, item, 'task');
    if (task.alertIds.length > MAX_TASK_ALERT_IDS + ALERT_ID_SLACK) {
      await this.#trimAlertIds(jobId, taskId, task.alertIds);
    }
    if (!isOpenTask(task.status) && task.dedupeKey !== undefined) {
      await this.#freeKey(jobId, task.dedupeKey, taskId);
    }
    return newest(task);
  }

  /**
   * Writes the newest 100 of the alert ids just read, if the list is still
   * that long: an update in between cuts on its own. (A SET of the list, not
   * a REMOVE of its first indexes: same cost, and dynalite shifts the indexes
   * of a multi-index REMOVE while DynamoDB does not.)
   */
  async #trimAlertIds(jobId: string, taskId: string, alertIds: readonly string[]): Promise<void> {
    try {
      await this.#ddb.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: taskKey(jobId, taskId),
          UpdateExpression: 'SET #alertIds = :newest',
          ConditionExpression: 'size(#alertIds) = :length',
          ExpressionAttributeNames: { '#alertIds': 'alertIds' },
          ExpressionAttributeValues: {
            ':newest': alertIds.slice(-MAX_TASK_ALERT_IDS),
            ':length': alertIds.length,
          },
        }),
      );
    } catch (e) {
      if (!isConditionalCheckFailed(e)) throw storeError(e, 'trim task alert ids');
    }
  }

  /** Deletes the key's pointer if it still points at this task (a newer task may hold the key already). */
  async #freeKey(jobId: string, dedupeKey: string, taskId: string): Promise<void> {
    try {
      await this.#ddb.send(
        new DeleteCommand({
          TableName: this.#table,
          Key: taskDedupeKey(jobId, dedupeKey),
          ConditionExpression: '#taskId = :taskId',
          ExpressionAttributeNames: { '#taskId': 'taskId' },
          ExpressionAttributeValues: { ':taskId': taskId },
        }),
      );
    } catch (e) {
      if (!isConditionalCheckFailed(e)) throw storeError(e, 'free task dedupe key');
    }
  }

  /**
   * gsi1, newest first. A status filter is a FilterExpression on the index's
   * `status` (projected): DynamoDB counts what it skips against `Limit`, so
   * a rare status may take several queries to fill a page; past
   * {@link MAX_LIST_QUERIES} the page is answered short, with its cursor.
   */
  async list(jobId: string, request: TaskListRequest = {}): Promise<Page<StoredTask>> {
    const limit = pageLimit(request.limit);
    const gsi1pk = tasksGsi1pk(jobId);
    let startKey: StartKey | Record<string, unknown> | undefined = decodeCursor(request.cursor, {
      kind: 'gsi1',
      gsi1pk,
    });
    const keys: TableKey[] = [];
    let lastKey: Record<string, unknown> | undefined;
    try {
      for (let queries = 0; queries < MAX_LIST_QUERIES && keys.length < limit; queries++) {
        const out = await this.#ddb.send(
          new QueryCommand({
            TableName: this.#table,
            IndexName: GSI1_NAME,
            KeyConditionExpression: 'gsi1pk = :pk',
            ExpressionAttributeValues: {
              ':pk': gsi1pk,
              ...(request.status === undefined ? {} : { ':status': request.status }),
            },
            ...(request.status === undefined
              ? {}
              : { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } }),
            ProjectionExpression: 'pk, sk, gsi1pk, gsi1sk',
            ScanIndexForward: false,
            Limit: limit - keys.length,
            ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
          }),
        );
        for (const item of out.Items ?? []) keys.push({ pk: String(item.pk), sk: String(item.sk) });
        lastKey = out.LastEvaluatedKey;
        startKey = lastKey;
        if (lastKey === undefined) break;
      }
    } catch (e) {
      throw storeError(e, 'list tasks');
    }
    const items = await this.#read(keys, 'list tasks');
    // A task changed between the index and the read (another status now) is left out of a filtered page.
    const tasks = items.filter((t) => request.status === undefined || t.status === request.status);
    return { items: tasks, ...(lastKey === undefined ? {} : { nextCursor: encodeCursor(lastKey) }) };
  }

  /**
   * The job's open tasks, by task id, pages of at most 100: a sync's walk.
   * One Query of the job's `TASK#` items with a FilterExpression on the
   * status, so a page holds the open tasks among the 100 items read — maybe
   * none, with a cursor (callers follow cursors, not page sizes).
   *
   * Why a filter, not a sparse index of open tasks: the sync runs in the
   * worker, which reads the table only (no index, no BatchGetItem: see
   * infra's least privilege); and an index would cost a write on every open
   * and close and a BatchGetItem per page (each item rounded up to 4 KB),
   * which pays only once closed tasks outnumber open ones about three to
   * one (≈ 1 KB tasks). Closed tasks are never updated again, only skipped.
   */
  async listOpen(jobId: string, page: PageRequest = {}): Promise<Page<StoredTask>> {
    const limit = pageLimit(page.limit ?? MAX_PAGE_LIMIT);
    const pk = jobDataPk(jobId);
    const startKey = decodeCursor(page.cursor, { kind: 'partition', pk, skPrefix: TASK_SK_PREFIX });
    try {
      const out = await this.#ddb.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          FilterExpression: 'NOT (#status IN (:closed, :deleted))',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':pk': pk,
            ':prefix': TASK_SK_PREFIX,
            ':closed': 'closed',
            ':deleted': 'deleted',
          },
          Limit: limit,
          ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
        }),
      );
      const items = (out.Items ?? []).map(toTask);
      const next = encodeCursor(out.LastEvaluatedKey);
      return { items, ...(next === undefined ? {} : { nextCursor: next }) };
    } catch (e) {
      throw storeError(e, 'list open tasks');
    }
  }

  /** The tasks at `keys`, in that order (BatchGetItem answers in any order); one gone since is left out. */
  async #read(keys: readonly TableKey[], operation: string): Promise<StoredTask[]> {
    if (keys.length === 0) return [];
    const found = await batchGetItems(this.#ddb, this.#table, keys, operation);
    const bySk = new Map<string, Record<string, unknown>>();
    for (const item of found) {
      if (item.pk === keys[0]?.pk) bySk.set(String(item.sk), item);
    }
    const tasks: StoredTask[] = [];
    for (const key of keys) {
      const item = bySk.get(key.sk);
      if (item !== undefined && key.sk.startsWith(TASK_SK_PREFIX)) tasks.push(toTask(item));
    }
    return tasks;
  }
}
