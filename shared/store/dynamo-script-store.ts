import { createHash } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../errors.ts';
import { int, iso, lazy, minimum, minLength, object, string } from '../model/zod.ts';
import type { infer as Infer } from '../model/zod.ts';
import type { Page, PageRequest, PayloadStore, ScriptStore, ScriptSummary, ScriptVersion } from '../ports.ts';
import { decodeCursor, encodeCursor, pageLimit } from './cursor.ts';
import { isConditionalCheckFailed, storeError } from './errors.ts';
import { fromItem } from './item.ts';
import {
  SCRIPT_PK_PREFIX,
  SCRIPT_VERSION_SK_PREFIX,
  SCRIPTS_GSI1PK,
  scriptHeadKey,
  scriptIndexKey,
  scriptVersionKey,
} from './keys.ts';
import { GSI1_NAME } from './table-definition.ts';

/** A version's record as stored: the domain record plus where its source is (`sourceRef`, the payload store's reference). */
const VersionItemSchema = lazy(() =>
  object({
    id: string(),
    version: int().check(minimum(1)),
    sha256: string(),
    bytes: int().check(minimum(0)),
    uploadedBy: string(),
    uploadedAt: iso.datetime(),
    sourceRef: string().check(minLength(1)),
  }),
);
type VersionItem = Infer<typeof VersionItemSchema>;

/**
 * The head as stored: the listing's summary, and the latest version's whole
 * record (`bytes`, `sourceRef`), so that the latest version is readable from
 * the head alone — even before its `V#<n>` item is written.
 */
const HeadItemSchema = lazy(() =>
  object({
    id: string(),
    latestVersion: int().check(minimum(1)),
    sha256: string(),
    bytes: int().check(minimum(0)),
    sourceRef: string().check(minLength(1)),
    updatedAt: iso.datetime(),
    updatedBy: string(),
  }),
);
type HeadItem = Infer<typeof HeadItemSchema>;

/** Uploads of one script racing each other: each lost race re-reads the head and tries the next number. */
const MAX_PUT_ATTEMPTS = 10;

/** sha256 of the source's UTF-8 bytes, lower-case hex. */
export const scriptSha256 = (source: string): string =>
  createHash('sha256').update(source, 'utf8').digest('hex');

/**
 * Where a version's source goes in the payload store. The hash is part of the
 * key: two uploads racing for the same number write different objects, so
 * the loser can never overwrite the winner's source (it leaves an orphan).
 */
export const scriptSourceKey = (id: string, version: number, sha256: string): string =>
  `scripts/${id}/${version}-${sha256}.js`;

const versionOfItem = (v: VersionItem): ScriptVersion => ({
  id: v.id,
  version: v.version,
  sha256: v.sha256,
  bytes: v.bytes,
  uploadedBy: v.uploadedBy,
  uploadedAt: v.uploadedAt,
});

const versionItemOfHead = (h: HeadItem): VersionItem => ({
  id: h.id,
  version: h.latestVersion,
  sha256: h.sha256,
  bytes: h.bytes,
  uploadedBy: h.updatedBy,
  uploadedAt: h.updatedAt,
  sourceRef: h.sourceRef,
});

const summaryOfHead = (h: Pick<HeadItem, 'id' | 'latestVersion' | 'sha256' | 'updatedAt' | 'updatedBy'>) => ({
  id: h.id,
  latestVersion: h.latestVersion,
  sha256: h.sha256,
  updatedAt: h.updatedAt,
  updatedBy: h.updatedBy,
});

/** What gsi1 holds of a head (GSI1_SCRIPT_ATTRIBUTES): the summary, not the source reference. */
const SummarySchema = lazy(() =>
  object({
    id: string(),
    latestVersion: int().check(minimum(1)),
    sha256: string(),
    updatedAt: iso.datetime(),
    updatedBy: string(),
  }),
);

export interface DynamoScriptStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Holds the sources (S3 in AWS): an item holds at most 400 KB, a script may be 1 MiB. */
  payloads: PayloadStore;
}

/**
 * Uploaded scripts in the single table: a head item `SCRIPT#<id>`/`HEAD`
 * (listed through gsi1 `SCRIPTS`) numbers the versions, one item
 * `SCRIPT#<id>`/`V#<n>` records each, and the payload store holds the
 * sources. An upload writes, in this order: the source (its key names the
 * number and the hash), the head (ONE conditional write,
 * `latestVersion = :prev`, which is what gives the number), the version
 * item. A crash after the head leaves the version readable from the head;
 * the next upload writes its missing item before it moves the head on.
 */
export class DynamoScriptStore implements ScriptStore {
  readonly #ddb: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #payloads: PayloadStore;

  constructor(options: DynamoScriptStoreOptions) {
    this.#ddb = options.client;
    this.#table = options.tableName;
    this.#payloads = options.payloads;
  }

  async #head(id: string): Promise<HeadItem | undefined> {
    try {
      const { Item } = await this.#ddb.send(
        new GetCommand({ TableName: this.#table, Key: scriptHeadKey(id), ConsistentRead: true }),
      );
      return Item === undefined ? undefined : fromItem(HeadItemSchema, Item, 'script head');
    } catch (e) {
      throw storeError(e, 'get script');
    }
  }

  async #putVersionItem(item: VersionItem): Promise<void> {
    try {
      await this.#ddb.send(
        new PutCommand({
          TableName: this.#table,
          Item: { ...item, ...scriptVersionKey(item.id, item.version) },
        }),
      );
    } catch (e) {
      throw storeError(e, 'put script version');
    }
  }

  async put(id: string, source: string, meta: { by: string; at: string }): Promise<ScriptVersion> {
    const sha256 = scriptSha256(source);
    const bytes = Buffer.byteLength(source, 'utf8');
    for (let attempt = 0; attempt < MAX_PUT_ATTEMPTS; attempt++) {
      const head = await this.#head(id);
      // Idempotent: the previous upload's version item, in case it crashed after the head.
      if (head !== undefined) await this.#putVersionItem(versionItemOfHead(head));
      const version = (head?.latestVersion ?? 0) + 1;
      const sourceRef = await this.#payloads.put(scriptSourceKey(id, version, sha256), source);
      const next: HeadItem = {
        id,
        latestVersion: version,
        sha256,
        bytes,
        sourceRef,
        updatedAt: meta.at,
        updatedBy: meta.by,
      };
      try {
        await this.#ddb.send(
          new PutCommand({
            TableName: this.#table,
            Item: { ...next, ...scriptHeadKey(id), ...scriptIndexKey(id) },
            ConditionExpression: head === undefined ? 'attribute_not_exists(pk)' : 'latestVersion = :prev',
            ...(head === undefined ? {} : { ExpressionAttributeValues: { ':prev': head.latestVersion } }),
          }),
        );
      } catch (e) {
        if (isConditionalCheckFailed(e)) continue; // another upload took this number: the next one
        throw storeError(e, 'put script');
      }
      const item = versionItemOfHead(next);
      await this.#putVersionItem(item);
      return versionOfItem(item);
    }
    throw new ConflictError(`script ${id}: too many uploads at once, try again`, 'script_busy');
  }

  async list(page: PageRequest = {}): Promise<Page<ScriptSummary>> {
    const limit = pageLimit(page.limit);
    const startKey = decodeCursor(page.cursor, { kind: 'gsi1', gsi1pk: SCRIPTS_GSI1PK });
    try {
      const out = await this.#ddb.send(
        new QueryCommand({
          TableName: this.#table,
          IndexName: GSI1_NAME,
          KeyConditionExpression: 'gsi1pk = :scripts',
          ExpressionAttributeValues: { ':scripts': SCRIPTS_GSI1PK },
          Limit: limit,
          ExclusiveStartKey: startKey,
        }),
      );
      const items = (out.Items ?? []).map((item) => summaryOfHead(fromItem(SummarySchema, item, 'script')));
      const nextCursor = encodeCursor(out.LastEvaluatedKey);
      return nextCursor === undefined ? { items } : { items, nextCursor };
    } catch (e) {
      throw storeError(e, 'list scripts');
    }
  }

  async versions(id: string, page: PageRequest = {}): Promise<Page<ScriptVersion>> {
    const limit = pageLimit(page.limit);
    const pk = `${SCRIPT_PK_PREFIX}${id}`;
    const startKey = decodeCursor(page.cursor, {
      kind: 'partition',
      pk,
      skPrefix: SCRIPT_VERSION_SK_PREFIX,
    });
    try {
      const out = await this.#ddb.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :v)',
          ExpressionAttributeValues: { ':pk': pk, ':v': SCRIPT_VERSION_SK_PREFIX },
          ScanIndexForward: false,
          ConsistentRead: true,
          Limit: limit,
          ExclusiveStartKey: startKey,
        }),
      );
      const items = (out.Items ?? []).map((item) =>
        versionOfItem(fromItem(VersionItemSchema, item, 'script version')),
      );
      const nextCursor = encodeCursor(out.LastEvaluatedKey);
      return nextCursor === undefined ? { items } : { items, nextCursor };
    } catch (e) {
      throw storeError(e, 'list script versions');
    }
  }

  /** The stored record of a version (the latest from the head, which holds it whole). */
  async #versionItem(id: string, version?: number): Promise<VersionItem | undefined> {
    if (version === undefined) {
      const head = await this.#head(id);
      return head === undefined ? undefined : versionItemOfHead(head);
    }
    try {
      const { Item } = await this.#ddb.send(
        new GetCommand({ TableName: this.#table, Key: scriptVersionKey(id, version) }),
      );
      if (Item !== undefined) return fromItem(VersionItemSchema, Item, 'script version');
    } catch (e) {
      throw storeError(e, 'get script version');
    }
    // Not written yet (its upload crashed after the head): the head has it while it is the latest.
    const head = await this.#head(id);
    return head?.latestVersion === version ? versionItemOfHead(head) : undefined;
  }

  async get(id: string, version?: number): Promise<ScriptVersion | undefined> {
    const item = await this.#versionItem(id, version);
    return item === undefined ? undefined : versionOfItem(item);
  }

  async source(id: string, version: number): Promise<string | undefined> {
    const item = await this.#versionItem(id, version);
    if (item === undefined) return undefined;
    try {
      return await this.#payloads.get(item.sourceRef);
    } catch (e) {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    }
  }
}
