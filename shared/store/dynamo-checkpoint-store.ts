import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CheckpointRecord, CheckpointStore, LastRun } from '../ports.ts';
import { FIRED_BY, RUN_STATUSES } from '../model/index.ts';
import type { FiredBy, RunStatus } from '../model/index.ts';
import { batchGetItems, jobIdOfPk } from './batch-get.ts';
import type { DynamoStoreOptions } from './dynamo-job-store.ts';
import { isConditionalCheckFailed, storeError } from './errors.ts';
import { checkpointKey, isoTime, timeOf } from './keys.ts';

/**
 * The attributes of a checkpoint item the store decides on. All are ISO
 * instants in toISOString() form (the one whose text order is the time
 * order) or text that sorts like one: `successKey` is `<startedAt>#<runId>`,
 * and run ids are ULIDs, so two runs started in the same millisecond still
 * order.
 */
interface Stored {
  lastRunAt?: string;
  successKey?: string;
  rewoundAt?: string;
}

/** Which write records a run, given the item as it now is. */
type Step = 'success-and-last-run' | 'success' | 'last-run' | 'none';

/** Tries of a success whose item keeps changing under it (each try re-reads what beat it). */
const MAX_RECORD_TRIES = 4;

/**
 * The write a successful run started at `startedAt` (success key `key`) is
 * allowed: the whole success when nothing newer is recorded; the success
 * without `lastRunAt` when only a newer *failed* run moved `lastRunAt`; only
 * `lastRunAt` when a newer success or a later rewind refuses the success
 * (the run still happened); nothing when even that would move backwards.
 */
export const successStep = (old: Stored | undefined, startedAt: string, key: string): Step => {
  const successOk =
    (old?.successKey === undefined || old.successKey < key) &&
    (old?.rewoundAt === undefined || old.rewoundAt <= startedAt);
  if (successOk) {
    return old?.lastRunAt === undefined || old.lastRunAt <= startedAt ? 'success-and-last-run' : 'success';
  }
  return old?.lastRunAt === undefined || old.lastRunAt < startedAt ? 'last-run' : 'none';
};

const SUCCESS_CONDITION =
  '(attribute_not_exists(successKey) OR successKey < :key) AND (attribute_not_exists(rewoundAt) OR rewoundAt <= :started)';
const CONDITIONS: Record<Exclude<Step, 'none'>, string> = {
  'success-and-last-run': `${SUCCESS_CONDITION} AND (attribute_not_exists(lastRunAt) OR lastRunAt <= :started)`,
  success: SUCCESS_CONDITION,
  'last-run': 'attribute_not_exists(lastRunAt) OR lastRunAt < :started',
};

/**
 * The item that refused a write, as ReturnValuesOnConditionCheckFailure hands
 * it over on the error: marshalled (`{ S: … }`; lib-dynamodb does not convert
 * errors), or plain should a later SDK convert it. Undefined when the error
 * carries none (dynalite).
 */
export const storedOfFailure = (e: unknown): Stored | undefined => {
  const item: unknown = typeof e === 'object' && e !== null ? (e as { Item?: unknown }).Item : undefined;
  if (typeof item !== 'object' || item === null) return undefined;
  const s = (name: keyof Stored): string | undefined => {
    const value: unknown = (item as Record<string, unknown>)[name];
    if (typeof value === 'string') return value;
    const marshalled = typeof value === 'object' && value !== null ? (value as { S?: unknown }).S : undefined;
    return typeof marshalled === 'string' ? marshalled : undefined;
  };
  return { lastRunAt: s('lastRunAt'), successKey: s('successKey'), rewoundAt: s('rewoundAt') };
};

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

const storedOf = (item: Record<string, unknown> | undefined): Stored | undefined =>
  item && {
    lastRunAt: text(item.lastRunAt),
    successKey: text(item.successKey),
    rewoundAt: text(item.rewoundAt),
  };

const RECORD_FIELDS = [
  'lastRunAt',
  'lastSuccessfulRunAt',
  'cursor',
  'updatedAt',
  'rewoundAt',
  'rewoundBy',
] as const;

const isRunStatus = (value: unknown): value is RunStatus =>
  typeof value === 'string' && (RUN_STATUSES as readonly string[]).includes(value);

const isFiredBy = (value: unknown): value is FiredBy =>
  typeof value === 'string' && (FIRED_BY as readonly string[]).includes(value);

/** The `lastRun` map as stored; anything not shaped like one (an item from before it existed) is left out. */
const lastRunOf = (value: unknown): LastRun | undefined => {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const id = text(v.id);
  if (id === undefined || !isRunStatus(v.status)) return undefined;
  const lastRun: LastRun = { id, status: v.status };
  const startedAt = text(v.startedAt);
  const endedAt = text(v.endedAt);
  if (startedAt !== undefined) lastRun.startedAt = startedAt;
  if (endedAt !== undefined) lastRun.endedAt = endedAt;
  if (isFiredBy(v.firedBy)) lastRun.firedBy = v.firedBy;
  return lastRun;
};

/** A stored failure count: absent (never failed, or reset by a success) is 0. */
const countOf = (value: unknown): number =>
  typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : 0;

/** The checkpoint an item holds: its string fields, the success key (the store's own) left out. */
const recordOf = (jobId: string, item: Record<string, unknown>): CheckpointRecord => {
  const record: CheckpointRecord = { jobId };
  const lastRun = lastRunOf(item.lastRun);
  if (lastRun !== undefined) record.lastRun = lastRun;
  const failures = countOf(item.consecutiveFailures);
  if (failures > 0) record.consecutiveFailures = failures;
  for (const name of RECORD_FIELDS) {
    const value = text(item[name]);
    if (value !== undefined) record[name] = value;
  }
  return record;
};

/** The failure counts after and before a write that moved lastRunAt, from the item before it. */
const counts = (
  old: Record<string, unknown> | undefined,
  succeeded: boolean,
): { failures: number; previousFailures: number } => {
  const previousFailures = countOf(old?.consecutiveFailures);
  return { failures: succeeded ? 0 : previousFailures + 1, previousFailures };
};

/** An instant in toISOString() form, whatever ISO spelling it came in: the conditions compare text. */
const canonical = (iso: string): string => isoTime(timeOf(iso));

/**
 * Each job's checkpoint as one item (`JOB#<jobId>` / `CHECKPOINT`), moved by
 * single conditional UpdateItems so that it never goes backwards: a run
 * records itself with one write (two for a late one), a rewind replaces the
 * cursor and the last success time. No index keys, so no index write units.
 */
export class DynamoCheckpointStore implements CheckpointStore {
  readonly #ddb: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: DynamoStoreOptions) {
    this.#ddb = options.client;
    this.#table = options.tableName;
  }

  async get(jobId: string): Promise<CheckpointRecord | undefined> {
    const item = await this.#read(jobId, 'get checkpoint');
    return item === undefined ? undefined : recordOf(jobId, item);
  }

  /**
   * Several jobs' checkpoints in one BatchGetItem per 100 (eventually
   * consistent: the jobs grid, where a second-old last run is fine). Absent
   * ones are left out.
   */
  async getMany(jobIds: readonly string[]): Promise<Map<string, CheckpointRecord>> {
    const keys = [...new Set(jobIds)].map(checkpointKey);
    const found = new Map<string, CheckpointRecord>();
    for (const item of await batchGetItems(this.#ddb, this.#table, keys, 'get checkpoints')) {
      const jobId = jobIdOfPk(item.pk);
      if (jobId !== undefined) found.set(jobId, recordOf(jobId, item));
    }
    return found;
  }

  async recordRun(
    jobId: string,
    r: Parameters<CheckpointStore['recordRun']>[1],
  ): ReturnType<CheckpointStore['recordRun']> {
    const started = canonical(r.startedAt);
    const at = canonical(r.at);
    const key = `${started}#${r.runId}`;
    const counted = { succeeded: r.succeeded, lastRun: r.lastRun };
    if (!r.succeeded) {
      try {
        const old = await this.#update(jobId, 'last-run', { started, key, at, ...counted });
        return { advanced: true, ...counts(old, false) };
      } catch (e) {
        // A newer run is recorded: lastRunAt never moves back, and the run is not counted.
        if (isConditionalCheckFailed(e)) return { advanced: false };
        throw storeError(e, 'record run in checkpoint');
      }
    }
    // First as if nothing newer were recorded (the usual case: one write). A refusal says
    // which part may still be written, from the item that refused it.
    let step: Step = 'success-and-last-run';
    for (let tries = 0; tries < MAX_RECORD_TRIES; tries++) {
      if (step === 'none') return { advanced: false };
      try {
        const old = await this.#update(jobId, step, { started, key, at, cursor: r.cursor, ...counted });
        // Only a write that moved lastRunAt (the newest run) moved the count and lastRun.
        return { advanced: step !== 'last-run', ...(step === 'success' ? {} : counts(old, true)) };
      } catch (e) {
        if (!isConditionalCheckFailed(e)) throw storeError(e, 'record run in checkpoint');
        // dynalite does not implement ReturnValuesOnConditionCheckFailure: read the item back,
        // strongly consistent so that it is the one the condition just saw.
        const old = storedOfFailure(e) ?? storedOf(await this.#read(jobId, 'read checkpoint'));
        step = successStep(old, started, key);
      }
    }
    throw new Error(`record run ${r.runId} in checkpoint of job ${jobId}: the checkpoint kept changing`);
  }

  /**
   * One conditional UpdateItem: `lastRun` (and `updatedAt`) only, when the run
   * started after every run recorded (`lastRunAt`, and the `lastRun` kept).
   */
  async recordLastRun(
    jobId: string,
    r: { lastRun: LastRun & { startedAt: string }; at: string },
  ): Promise<boolean> {
    const started = canonical(r.lastRun.startedAt);
    try {
      await this.#ddb.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: checkpointKey(jobId),
          UpdateExpression: 'SET lastRun = :lastRun, updatedAt = :at',
          ConditionExpression:
            '(attribute_not_exists(lastRunAt) OR lastRunAt < :started) AND (attribute_not_exists(lastRun.startedAt) OR lastRun.startedAt < :started)',
          ExpressionAttributeValues: {
            ':lastRun': { ...r.lastRun, startedAt: started },
            ':at': canonical(r.at),
            ':started': started,
          },
        }),
      );
      return true;
    } catch (e) {
      // A newer run is recorded: it stays the last run.
      if (isConditionalCheckFailed(e)) return false;
      throw storeError(e, 'record last run in checkpoint');
    }
  }

  async rewind(
    jobId: string,
    r: { cursor?: string; lastSuccessfulRunAt?: string; by: string; at: string },
  ): Promise<CheckpointRecord> {
    const at = canonical(r.at);
    const set = ['rewoundAt = :at', 'rewoundBy = :by', 'updatedAt = :at'];
    // Replaces both fields: one left out is cleared. The success key goes too, so the
    // first run started after the rewind may record itself whatever ran before.
    const remove = ['successKey'];
    const values: Record<string, string> = { ':at': at, ':by': r.by };
    if (r.cursor === undefined) remove.push('#cursor');
    else {
      set.push('#cursor = :cursor');
      values[':cursor'] = r.cursor;
    }
    if (r.lastSuccessfulRunAt === undefined) remove.push('lastSuccessfulRunAt');
    else {
      set.push('lastSuccessfulRunAt = :last');
      values[':last'] = canonical(r.lastSuccessfulRunAt);
    }
    let attributes: Record<string, unknown> | undefined;
    try {
      ({ Attributes: attributes } = await this.#ddb.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: checkpointKey(jobId),
          UpdateExpression: `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`,
          // CURSOR is one of DynamoDB's reserved words.
          ExpressionAttributeNames: { '#cursor': 'cursor' },
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      ));
    } catch (e) {
      throw storeError(e, 'rewind checkpoint');
    }
    if (attributes === undefined) throw new Error(`rewind checkpoint of job ${jobId}: no item came back`);
    return recordOf(jobId, attributes);
  }

  /** One conditional UpdateItem; answers the item as it was before it (ALL_OLD), undefined when there was none. */
  async #update(
    jobId: string,
    step: Exclude<Step, 'none'>,
    v: {
      started: string;
      key: string;
      at: string;
      cursor?: string;
      succeeded: boolean;
      lastRun?: LastRun;
    },
  ): Promise<Record<string, unknown> | undefined> {
    const set = ['updatedAt = :at'];
    const remove: string[] = [];
    const values: Record<string, unknown> = { ':started': v.started, ':at': v.at };
    let names: Record<string, string> | undefined;
    if (step !== 'success') {
      // The run that moves lastRunAt is the newest: it is the last run, and it moves the
      // count of failures in a row (atomically, in this same write: two failures recorded
      // at once count 2, and exactly one of them sees the threshold reached).
      set.push('lastRunAt = :started');
      if (v.lastRun !== undefined) {
        set.push('lastRun = :lastRun');
        values[':lastRun'] = v.lastRun;
      }
      if (v.succeeded) remove.push('consecutiveFailures');
      else {
        set.push('consecutiveFailures = if_not_exists(consecutiveFailures, :zero) + :one');
        values[':zero'] = 0;
        values[':one'] = 1;
      }
    }
    if (step !== 'last-run') {
      set.push('lastSuccessfulRunAt = :started', 'successKey = :key');
      values[':key'] = v.key;
      // A success without a cursor keeps the one before.
      if (v.cursor !== undefined) {
        set.push('#cursor = :cursor');
        values[':cursor'] = v.cursor;
        // CURSOR is one of DynamoDB's reserved words; a name the expression does not use is refused.
        names = { '#cursor': 'cursor' };
      }
    }
    const { Attributes } = await this.#ddb.send(
      new UpdateCommand({
        TableName: this.#table,
        Key: checkpointKey(jobId),
        UpdateExpression: `SET ${set.join(', ')}${remove.length === 0 ? '' : ` REMOVE ${remove.join(', ')}`}`,
        ConditionExpression: CONDITIONS[step],
        ...(names === undefined ? {} : { ExpressionAttributeNames: names }),
        ExpressionAttributeValues: values,
        // The count before this write: the failing and recovered alerts compare it with the threshold.
        ReturnValues: 'ALL_OLD',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return Attributes;
  }

  async #read(jobId: string, operation: string): Promise<Record<string, unknown> | undefined> {
    try {
      const { Item } = await this.#ddb.send(
        new GetCommand({ TableName: this.#table, Key: checkpointKey(jobId), ConsistentRead: true }),
      );
      return Item;
    } catch (e) {
      throw storeError(e, operation);
    }
  }
}
