import { BatchWriteItemCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue, WriteRequest } from '@aws-sdk/client-dynamodb';
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ulid } from 'ulid';
import { startEmulators } from '../cli/local/emulators.ts';
import type { Emulators } from '../cli/local/emulators.ts';
import { provision } from '../cli/local/provision.ts';
import { createDeps } from '../functions/create-deps.ts';
import { createAwsClients } from '../shared/aws/clients.ts';
import type { AwsClients } from '../shared/aws/clients.ts';
import { loadConfig } from '../shared/config.ts';
import type { Config } from '../shared/config.ts';
import { createAdminApp } from '../shared/http/admin-app.ts';
import { createIngestApp } from '../shared/http/ingest-app.ts';
import { JobSchema, RunSchema } from '../shared/model/index.ts';
import type { Run } from '../shared/model/index.ts';
import type { Deps } from '../shared/runtime/deps.ts';
import { DEFAULT_SETTINGS } from '../shared/runtime/deps.ts';
import { sweepSettings, sweepStaleRuns } from '../shared/runtime/recovery.ts';
import { processRunMessage } from '../shared/runtime/worker.ts';
import { defineIntegration } from '../shared/sdk/index.ts';
import { DynamoJobStore } from '../shared/store/dynamo-job-store.ts';
import { DynamoRunStore } from '../shared/store/dynamo-run-store.ts';
import { tableDefinition } from '../shared/store/table-definition.ts';
import type { CallRecord, TableSpec, Tally, WireItem } from './counting.ts';
import {
  bodyText,
  CountingHandler,
  describeOperations,
  indexEntry,
  storedBytes,
  tableSpec,
  tally,
} from './counting.ts';
import type { BenchRow, BenchSection } from './row.ts';
import { NONE } from './row.ts';
import { fixed } from './stats.ts';

/**
 * AWS calls, read/write units, bytes per history page and sweeper work,
 * counted at the SDK transport: the real handlers' SDK clients talk to
 * dynalite and fauxqs in this process through a {@link CountingHandler}
 * (Secrets Manager is answered with a canned value). Item states before and
 * after each write are read back by a second, uncounted client, so units are
 * those of the real items. Budgets: DESIGN.md "Budgets".
 */

/** DESIGN.md "Budgets": at ingest, at most 2 conditional writes + 1 SendMessage, no read when warm. */
export const INGEST_MAX_WRITES = 2;
export const INGEST_MAX_SENDS = 1;
/** DESIGN.md "Budgets": at most 2 writes per run in the worker. */
export const RUN_MAX_WRITES = 2;
/** A duplicate is answered after its one failed conditional write; it writes and sends nothing else. */
export const DUPLICATE_MAX_WRITES = 1;
/** A verdict records its run (create + finish); like ingest, a warm function reads no job. */
export const DECISION_MAX_WRITES = 2;
/** A history page reads at most this many times the bytes it returns. */
export const HISTORY_MAX_READ_RATIO = 2;
/** Sweeper pages: one query per shard, plus one per 100 stale runs. */
export const SWEEP_RUNS_PER_QUERY = 100;
/** SendMessageBatch carries at most 10 messages. */
export const SQS_BATCH = 10;
/** The sweeper's work must not grow with the backlog: 10× the open runs, at most this much more read. */
export const SWEEP_BACKLOG_GROWTH_MAX = 1.5;

const REGION = 'us-east-1';
const SECRET = 's3cr3t-value';
const SECRET_ID = `triggerhub/demo`;
const JOB = 'bench';
const DECISION_JOB = 'bench-decision';
/** Deliveries per scenario: the history page reads 100 of them. */
const DELIVERIES = 100;
const DUPLICATES = 10;
const DECISIONS = 20;
const BODY_BYTES = 2 * 1024;

/** Per path, per delivery: the calls, and the bytes of log lines our code wrote while serving it. */
export interface PathTally extends Tally {
  logBytes: number;
  logLines: number;
}

/** What the cost table needs: counted per delivery (async, decision), per run, and the assumptions' inputs. */
export interface PathCounts {
  /** Ingest of one async delivery, warm (after the first). */
  ingest: PathTally;
  /** Ingest of the first delivery of a fresh function (job and secret read). */
  ingestCold: PathTally;
  /** The worker's run of one async delivery, warm. */
  run: PathTally;
  /** One duplicate delivery. */
  duplicate: PathTally;
  /** One decision (verdict), warm. */
  decision: PathTally;
  decisionCold: PathTally;
  /** The run item's creation at ingest alone (a scheduled run creates only this, no delivery item). */
  runCreate: PathTally;
  /** An async delivery whose event (128 KiB) is kept in S3: ingest and run, warm, and the table bytes kept. */
  claimCheck: { ingest: PathTally; run: PathTally; storedBytes: number; eventBytes: number };
  /** Secrets Manager calls a cold cache makes (Powertools caches each version stage). */
  secretCallsPerRefresh: number;
  /** Table bytes kept per delivery (items + index entries, 100 B overhead each), for its retention. */
  storedBytes: { async: number; decision: number; delivery: number };
  retentionDays: number;
  /** Writes of a run item over an async delivery's life (create, start, finish…): each is billed on the whole item. */
  runItemWrites: number;
  /** Index entries of a run item that copy its event (`eventJson`): each write pays for the event again. */
  eventCopiesPerRunWrite: number;
  inlineEventLimitBytes: number;
  /** Average event size kept inline in the bench's runs. */
  eventBytes: number;
}

/**
 * A 2 KiB webhook body, unique per `seq`, shaped like a ticket event (a few
 * nested fields, a note to pad it).
 */
export const bodyOf = (seq: number): string => {
  const event = {
    seq,
    event: 'ticket.updated',
    ticket: {
      id: `TCK-${String(seq).padStart(8, '0')}`,
      subject: 'Open TCP 443 from app-tier to db-tier',
      priority: 'high',
      tags: ['firewall', 'change', 'bench'],
      requester: { name: 'Alice Example', email: 'alice@example.com' },
      rules: Array.from({ length: 8 }, (_, i) => ({
        source: `10.0.${i}.0/24`,
        destination: `10.1.${i}.10`,
        service: 'tcp/443',
        action: 'accept',
      })),
    },
    note: '',
  };
  const pad = BODY_BYTES - Buffer.byteLength(JSON.stringify(event));
  return JSON.stringify({ ...event, note: 'n'.repeat(Math.max(0, pad)) });
};

const HEADERS = { 'content-type': 'application/json', 'x-shared-secret': SECRET };

/** Allows at once: the decision path's own work, without an integration's. */
const allowIntegration = defineIntegration({
  id: 'bench-allow',
  name: 'Bench allow',
  version: '1.0.0',
  description: 'Allows at once.',
  parameters: {},
  decide: () => ({ allow: true, message: 'allowed' }),
});

/**
 * Runs `fn` with stdout and stderr captured (not printed): the bytes and
 * lines our handlers log, which CloudWatch Logs ingests in AWS.
 */
export const captureOutput = async <T>(
  fn: () => Promise<T>,
): Promise<{ value: T; bytes: number; lines: number }> => {
  const out = process.stdout.write;
  const err = process.stderr.write;
  let bytes = 0;
  let lines = 0;
  const count = (chunk: unknown): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    bytes += Buffer.byteLength(text);
    lines += text.split('\n').length - 1;
    return true;
  };
  process.stdout.write = count;
  process.stderr.write = count;
  try {
    return { value: await fn(), bytes, lines };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
};

const withLogs = (calls: readonly CallRecord[], per: number, bytes: number, lines: number): PathTally => ({
  ...tally(calls, per),
  logBytes: bytes / per,
  logLines: lines / per,
});

interface Bench {
  emulators: Emulators;
  plain: AwsClients;
  observer: DynamoDBClient;
  counter: CountingHandler;
  tables: Record<string, TableSpec>;
  queueUrl: string;
  bucket: string;
}

let tableSeq = 0;

/** A fresh table (same layout as production) behind the counter; the queue and bucket are shared. */
const freshTable = async (bench: Bench, label: string): Promise<{ tableName: string; config: Config }> => {
  const tableName = `bench-${label}-${++tableSeq}`;
  await provision(bench.plain, {
    tableName,
    queueName: 'bench-runs',
    dlqName: 'bench-dlq',
    bucketName: bench.bucket,
    maxReceiveCount: 3,
    visibilityTimeoutSeconds: 30,
  });
  bench.tables[tableName] = tableSpec(tableDefinition(tableName));
  const config = loadConfig({
    TRIGGERHUB_TABLE: tableName,
    TRIGGERHUB_QUEUE_URL: bench.queueUrl,
    TRIGGERHUB_PAYLOAD_BUCKET: bench.bucket,
    TRIGGERHUB_DYNAMODB_ENDPOINT: bench.emulators.dynamodbEndpoint,
    TRIGGERHUB_SQS_ENDPOINT: bench.emulators.sqsEndpoint,
    TRIGGERHUB_S3_ENDPOINT: bench.emulators.s3Endpoint,
    AWS_REGION: REGION,
  });
  return { tableName, config };
};

const startBench = async (): Promise<Bench> => {
  // The SDK's default credential chain would look for a profile or instance metadata; the emulators take any key.
  process.env.AWS_ACCESS_KEY_ID ??= 'triggerhub-bench';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'triggerhub-bench';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  const emulators = await startEmulators();
  const plain = createAwsClients({
    region: REGION,
    dynamodbEndpoint: emulators.dynamodbEndpoint,
    sqsEndpoint: emulators.sqsEndpoint,
    s3Endpoint: emulators.s3Endpoint,
  });
  const observer = new DynamoDBClient({
    region: REGION,
    endpoint: emulators.dynamodbEndpoint,
    credentials: { accessKeyId: 'triggerhub-bench', secretAccessKey: 'triggerhub-bench' },
  });
  const tables: Record<string, TableSpec> = {};
  const counter = new CountingHandler({
    inner: new NodeHttpHandler(),
    observer,
    tables,
    secrets: { [SECRET_ID]: SECRET },
  });
  const bucket = 'bench-payloads';
  const { queueUrl } = await provision(plain, {
    tableName: 'bench-setup',
    queueName: 'bench-runs',
    dlqName: 'bench-dlq',
    bucketName: bucket,
    maxReceiveCount: 3,
    visibilityTimeoutSeconds: 30,
  });
  return { emulators, plain, observer, counter, tables, queueUrl, bucket };
};

const scanAll = async (bench: Bench, tableName: string): Promise<WireItem[]> => {
  const items: WireItem[] = [];
  let start: Record<string, AttributeValue> | undefined;
  for (let page = 0; page < 10_000; page++) {
    const out = await bench.observer.send(
      new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
    if (start === undefined) break;
  }
  return items;
};

/** Receives (uncounted: the Lambda event source does it in AWS) every run message sent so far. */
const receiveAll = async (
  bench: Bench,
  expected: number,
): Promise<{ body: string; receiptHandle: string }[]> => {
  const messages: { body: string; receiptHandle: string }[] = [];
  for (let attempt = 0; attempt < 200 && messages.length < expected; attempt++) {
    const out = await bench.plain.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: bench.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    const batch = (out.Messages ?? []).map((m) => ({
      body: m.Body ?? '',
      receiptHandle: m.ReceiptHandle ?? '',
    }));
    messages.push(...batch);
    if (batch.length > 0) {
      await bench.plain.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: bench.queueUrl,
          Entries: batch.map((m, i) => ({ Id: String(i), ReceiptHandle: m.receiptHandle })),
        }),
      );
    }
  }
  return messages;
};

/** Drains the run queue, so a scenario's sends do not reach the next one's receive. */
const drainQueue = async (bench: Bench): Promise<void> => {
  for (let i = 0; i < 1000; i++) if ((await receiveAll(bench, 1)).length === 0) return;
};

interface AsyncFigures {
  ingest: PathTally;
  ingestCold: PathTally;
  run: PathTally;
  duplicate: PathTally;
  runCreate: PathTally;
  secretCallsPerRefresh: number;
  storedBytes: number;
  deliveryStoredBytes: number;
  runItemWrites: number;
  eventCopiesPerRunWrite: number;
  eventBytes: number;
  history: { bytesRead: number; bytesReturned: number; queries: number; runs: number; readUnits: number };
}

const post = async (
  app: ReturnType<typeof createIngestApp>,
  jobId: string,
  body: string,
): Promise<Response> => app.request(`/hooks/${jobId}`, { method: 'POST', headers: HEADERS, body });

const isRunItemWrite = (call: CallRecord): boolean =>
  call.dynamo !== undefined &&
  call.dynamo.keys.some((k) => k.startsWith('RUN#')) &&
  call.dynamo.itemsWritten > 0;

/** 100 async deliveries through the ingest app, their runs through the worker, 10 duplicates, one history page. */
const measureAsyncPath = async (bench: Bench): Promise<AsyncFigures> => {
  const { tableName, config } = await freshTable(bench, 'async');
  await new DynamoJobStore({ client: bench.plain.ddb, tableName }).put(
    JobSchema.parse({ id: JOB, name: 'Bench', integration: 'log-event', auth: { secret: 'demo' } }),
  );
  const deps = createDeps(config, { requestHandler: bench.counter });
  const app = createIngestApp(deps);
  bench.counter.take();

  // The first delivery finds a cold function: no job, no secret cached.
  const cold = await captureOutput(async () => {
    const answer = await post(app, JOB, bodyOf(0));
    if (answer.status !== 202) throw new Error(`ingest answered ${answer.status}: ${await answer.text()}`);
  });
  const coldCalls = bench.counter.take();
  const warm = await captureOutput(async () => {
    for (let seq = 1; seq < DELIVERIES; seq++) {
      const answer = await post(app, JOB, bodyOf(seq));
      if (answer.status !== 202) throw new Error(`ingest answered ${answer.status}: ${await answer.text()}`);
    }
  });
  const warmCalls = bench.counter.take();

  const messages = await receiveAll(bench, DELIVERIES);
  if (messages.length !== DELIVERIES)
    throw new Error(`expected ${DELIVERIES} run messages, got ${messages.length}`);
  // The worker is a function of its own: its own deps, cold on the first run.
  const workerDeps = createDeps(config, { requestHandler: bench.counter });
  const [first, ...rest] = messages;
  if (first === undefined) throw new Error('no run message');
  await captureOutput(() => processRunMessage(workerDeps, { ...first, receiveCount: 1 }));
  bench.counter.take();
  const runs = await captureOutput(async () => {
    for (const m of rest) await processRunMessage(workerDeps, { ...m, receiveCount: 1 });
  });
  const runCalls = bench.counter.take();

  const dup = await captureOutput(async () => {
    for (let seq = 0; seq < DUPLICATES; seq++) {
      const answer = await post(app, JOB, bodyOf(seq));
      if (answer.status !== 200) throw new Error(`a duplicate was answered ${answer.status}`);
    }
  });
  const dupCalls = bench.counter.take();

  // The history page, as the admin function serves it (its own cold deps: the page is one call anyway).
  const admin = createAdminApp(createDeps(config, { requestHandler: bench.counter }));
  const page = await captureOutput(async () => {
    const answer = await admin.request(`/admin/jobs/${JOB}/runs?limit=100`);
    if (answer.status !== 200) throw new Error(`history page answered ${answer.status}`);
    return answer.text();
  });
  const pageCalls = bench.counter.take().filter((c) => c.dynamo?.index !== undefined);
  const pageTally = tally(pageCalls);
  const returned = JSON.parse(page.value) as { items?: unknown[] };

  const items = await scanAll(bench, tableName);
  const spec = bench.tables[tableName];
  if (spec === undefined) throw new Error('no table spec');
  const stored = items
    .filter((item) => (item.sk as { S?: string } | undefined)?.S !== 'JOB')
    .reduce((sum, item) => sum + storedBytes(item, spec), 0);
  const skOf = (item: WireItem): string => (item.sk as { S?: string } | undefined)?.S ?? '';
  const deliveryStored = items
    .filter((item) => skOf(item).startsWith('DELIVERY#'))
    .reduce((sum, item) => sum + storedBytes(item, spec), 0);
  const runItems = items.filter((item) => (item.sk as { S?: string } | undefined)?.S === 'RUN');
  const eventBytes =
    runItems.reduce(
      (sum, item) => sum + Buffer.byteLength((item.eventJson as { S?: string } | undefined)?.S ?? ''),
      0,
    ) / Math.max(1, runItems.length);
  const sample = runItems[0] ?? {};
  const eventCopies = spec.indexes.filter((index) => {
    const entry = indexEntry({ ...sample, gsi2pk: { S: 'x' }, gsi2sk: { S: 'x' } }, index, spec);
    return entry?.eventJson !== undefined;
  }).length;

  const perWarm = DELIVERIES - 1;
  return {
    ingest: withLogs(warmCalls, perWarm, warm.bytes, warm.lines),
    ingestCold: withLogs(coldCalls, 1, cold.bytes, cold.lines),
    run: withLogs(runCalls, rest.length, runs.bytes, runs.lines),
    duplicate: withLogs(dupCalls, DUPLICATES, dup.bytes, dup.lines),
    runCreate: withLogs(
      warmCalls.filter(isRunItemWrite).concat(warmCalls.filter((c) => c.service === 'SQS')),
      perWarm,
      0,
      0,
    ),
    secretCallsPerRefresh: coldCalls.filter((c) => c.service === 'SecretsManager').length,
    storedBytes: stored / DELIVERIES,
    deliveryStoredBytes: deliveryStored / DELIVERIES,
    runItemWrites:
      (warmCalls.filter(isRunItemWrite).length + runCalls.filter(isRunItemWrite).length) / perWarm,
    eventCopiesPerRunWrite: eventCopies,
    eventBytes,
    history: {
      bytesRead: pageTally.itemBytesRead,
      bytesReturned: Buffer.byteLength(page.value),
      queries: pageTally.readCalls,
      runs: returned.items?.length ?? 0,
      readUnits: pageTally.readUnits,
    },
  };
};

/** Bytes of the claim-check bench's bodies: above the inline limit, so the event goes to S3. */
const LARGE_BODY_BYTES = 128 * 1024;
const LARGE_DELIVERIES = 5;

/** A body of `bytes`, unique per `seq`, in a JSON shape like {@link bodyOf}'s. */
const largeBodyOf = (seq: number): string => {
  const base = JSON.parse(bodyOf(seq)) as Record<string, unknown>;
  const pad = LARGE_BODY_BYTES - Buffer.byteLength(JSON.stringify({ ...base, note: '' }));
  return JSON.stringify({ ...base, note: 'n'.repeat(Math.max(0, pad)) });
};

/** Async deliveries whose event is kept in S3 (claim check): what ingest and the worker add for it. */
const measureClaimCheck = async (
  bench: Bench,
): Promise<{ ingest: PathTally; run: PathTally; storedBytes: number }> => {
  const { tableName, config } = await freshTable(bench, 'claim');
  await new DynamoJobStore({ client: bench.plain.ddb, tableName }).put(
    JobSchema.parse({ id: JOB, name: 'Bench', integration: 'log-event', auth: { secret: 'demo' } }),
  );
  await drainQueue(bench);
  const deps = createDeps(config, { requestHandler: bench.counter });
  const app = createIngestApp(deps);
  // Warm the function first: the figures are per warm delivery, like the async ones.
  await captureOutput(() => post(app, JOB, largeBodyOf(-1)));
  const [warmUp] = await receiveAll(bench, 1);
  const workerDeps = createDeps(config, { requestHandler: bench.counter });
  if (warmUp !== undefined)
    await captureOutput(() => processRunMessage(workerDeps, { ...warmUp, receiveCount: 1 }));
  bench.counter.take();
  const ingested = await captureOutput(async () => {
    for (let seq = 0; seq < LARGE_DELIVERIES; seq++) {
      const answer = await post(app, JOB, largeBodyOf(seq));
      if (answer.status !== 202) throw new Error(`ingest answered ${answer.status}: ${await answer.text()}`);
    }
  });
  const ingestCalls = bench.counter.take();
  const messages = await receiveAll(bench, LARGE_DELIVERIES);
  const runs = await captureOutput(async () => {
    for (const m of messages) await processRunMessage(workerDeps, { ...m, receiveCount: 1 });
  });
  const runCalls = bench.counter.take();
  const spec = bench.tables[tableName];
  if (spec === undefined) throw new Error('no table spec');
  const stored = (await scanAll(bench, tableName))
    .filter((item) => (item.sk as { S?: string } | undefined)?.S !== 'JOB')
    .reduce((sum, item) => sum + storedBytes(item, spec), 0);
  return {
    ingest: withLogs(ingestCalls, LARGE_DELIVERIES, ingested.bytes, ingested.lines),
    run: withLogs(runCalls, Math.max(1, messages.length), runs.bytes, runs.lines),
    storedBytes: stored / (LARGE_DELIVERIES + 1),
  };
};

const measureDecisionPath = async (
  bench: Bench,
): Promise<{ decision: PathTally; decisionCold: PathTally; storedBytes: number }> => {
  const { tableName, config } = await freshTable(bench, 'decision');
  await new DynamoJobStore({ client: bench.plain.ddb, tableName }).put(
    JobSchema.parse({
      id: DECISION_JOB,
      name: 'Bench decision',
      integration: 'bench-allow',
      mode: 'decision',
      source: 'generic',
      auth: { secret: 'demo' },
    }),
  );
  const deps = createDeps(config, { requestHandler: bench.counter, integrations: [allowIntegration] });
  const app = createIngestApp(deps);
  bench.counter.take();
  const verdict = async (seq: number) => {
    const answer = await post(app, DECISION_JOB, bodyOf(seq));
    if (answer.status !== 200) throw new Error(`decision answered ${answer.status}: ${await answer.text()}`);
  };
  const cold = await captureOutput(() => verdict(0));
  const coldCalls = bench.counter.take();
  const warm = await captureOutput(async () => {
    for (let seq = 1; seq < DECISIONS; seq++) await verdict(seq);
  });
  const warmCalls = bench.counter.take();
  const spec = bench.tables[tableName];
  if (spec === undefined) throw new Error('no table spec');
  const stored = (await scanAll(bench, tableName))
    .filter((item) => (item.sk as { S?: string } | undefined)?.S !== 'JOB')
    .reduce((sum, item) => sum + storedBytes(item, spec), 0);
  return {
    decision: withLogs(warmCalls, DECISIONS - 1, warm.bytes, warm.lines),
    decisionCold: withLogs(coldCalls, 1, cold.bytes, cold.lines),
    storedBytes: stored / DECISIONS,
  };
};

// ——— The sweeper ———

const openRun = (createdAt: Date): Run =>
  RunSchema.parse({
    id: ulid(createdAt.getTime()),
    jobId: JOB,
    source: 'generic',
    trigger: 'webhook',
    mode: 'async',
    status: 'queued',
    attempt: 0,
    createdAt: createdAt.toISOString(),
    logs: [],
    event: {
      source: 'generic',
      trigger: 'webhook',
      deliveryId: ulid(createdAt.getTime()),
      receivedAt: createdAt.toISOString(),
      headers: { 'content-type': 'application/json' },
      query: {},
      contentType: 'application/json',
      payload: JSON.parse(bodyOf(0)) as unknown,
    },
  });

const SEED_CONCURRENCY = 8;
const BATCH_WRITE_MAX = 25;

/** Seeds open runs into a table as fast as dynalite takes them: BatchWriteItem, uncounted, a few at a time. */
const seedOpenRuns = async (bench: Bench, tableName: string, runs: readonly Run[]): Promise<WireItem[]> => {
  // The seeded items are exactly what `DynamoRunStore.create` writes (keys, index shards…), captured
  // once serialized — before signing and sending, which would cost a round trip each.
  const captured: WireItem[] = [];
  const clients = createAwsClients({ region: REGION, dynamodbEndpoint: bench.emulators.dynamodbEndpoint });
  clients.ddb.middlewareStack.add(
    () => (args) => {
      const body = (args.request as { body?: unknown }).body;
      const input = JSON.parse(bodyText(body)) as { Item?: WireItem };
      if (input.Item !== undefined) captured.push(input.Item);
      return Promise.resolve({ output: { $metadata: {} } as never, response: {} });
    },
    { step: 'build', priority: 'low', name: 'benchCaptureItem' },
  );
  const store = new DynamoRunStore({ client: clients.ddb, tableName, retentionDays: 30 });
  for (const run of runs) await store.create(run);
  const batches: WriteRequest[][] = [];
  for (let i = 0; i < captured.length; i += BATCH_WRITE_MAX) {
    batches.push(
      captured
        .slice(i, i + BATCH_WRITE_MAX)
        .map((item) => ({ PutRequest: { Item: item as Record<string, AttributeValue> } })),
    );
  }
  const write = async (batch: WriteRequest[]): Promise<void> => {
    let pending: WriteRequest[] = batch;
    for (let attempt = 0; attempt < 20 && pending.length > 0; attempt++) {
      const out = await bench.observer.send(
        new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }),
      );
      pending = out.UnprocessedItems?.[tableName] ?? [];
    }
    if (pending.length > 0) throw new Error('dynalite left items unprocessed');
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: SEED_CONCURRENCY }, async () => {
      while (next < batches.length) {
        const batch = batches[next++];
        if (batch !== undefined) await write(batch);
      }
    }),
  );
  return captured;
};

interface SweepFigures {
  open: number;
  stale: number;
  shards: number;
  queries: number;
  bytesRead: number;
  responseBytes: number;
  sendCalls: number;
  batchSends: number;
  calls: number;
  requeued: number;
  tally: Tally;
}

const MINUTE = 60_000;

/** One sweep over `open` queued runs, `stale` of them stuck long enough to be requeued. */
const measureSweep = async (bench: Bench, open: number, stale: number): Promise<SweepFigures> => {
  const { tableName, config } = await freshTable(bench, `sweep-${open}-${stale}`);
  const now = Date.now();
  // The young backlog: queued 6–40 minutes ago, older than the decision threshold (5 min), younger than stale (50 min).
  const runs = Array.from({ length: open }, (_, i) =>
    openRun(
      new Date(i < stale ? now - 3 * 60 * MINUTE - i * 1000 : now - (6 + (i % 34)) * MINUTE - (i % 1000)),
    ),
  );
  const items = await phase(`seeding ${open} runs`, () => seedOpenRuns(bench, tableName, runs));
  const shards = new Set(items.map((item) => JSON.stringify(item.gsi2pk ?? null))).size;
  await drainQueue(bench);
  const deps: Deps = createDeps(config, { requestHandler: bench.counter });
  bench.counter.take();
  const result = await captureOutput(() => sweepStaleRuns(deps, sweepSettings(1800, 300)));
  const calls = bench.counter.take();
  await drainQueue(bench);
  const t = tally(calls);
  const queries = (t.operations['DynamoDB.Query'] ?? 0) + (t.operations['DynamoDB.Scan'] ?? 0);
  const sendCalls = (t.operations['SQS.SendMessage'] ?? 0) + (t.operations['SQS.SendMessageBatch'] ?? 0);
  const reads = calls.filter((c) => c.operation === 'Query' || c.operation === 'Scan');
  return {
    open,
    stale,
    shards,
    queries,
    bytesRead: reads.reduce((sum, c) => sum + (c.dynamo?.itemBytesRead ?? 0), 0),
    responseBytes: reads.reduce((sum, c) => sum + c.responseBytes, 0),
    sendCalls,
    batchSends: t.operations['SQS.SendMessageBatch'] ?? 0,
    calls: t.calls,
    requeued: result.value.requeued,
    tally: t,
  };
};

/** Progress on stderr, like the rest of the bench: the table goes to stdout. */
const phase = async <T>(label: string, measure: () => Promise<T>): Promise<T> => {
  const started = performance.now();
  const value = await measure();
  process.stderr.write(`bench: units: ${label} (${fixed((performance.now() - started) / 1000, 1)} s)\n`);
  return value;
};

// ——— Rows ———

const n = (value: number): string => (Number.isInteger(value) ? String(value) : fixed(value));
const kib = (bytes: number): string => `${fixed(bytes / 1024, 1)} KiB`;

const unitsText = (t: Tally): string =>
  `${n(t.writeUnits)} WCU + ${n(t.indexWriteUnits)} index WCU, ${n(t.readUnits)} RCU`;

/** Every index write fits one unit: indexes hold keys and a summary, never whole items. */
const indexEntriesSmall = (t: Tally): boolean =>
  t.indexWriteUnits <= Object.values(t.indexWrites).reduce((sum, w) => sum + w, 0);

const sends = (t: Tally): number =>
  (t.operations['SQS.SendMessage'] ?? 0) + (t.operations['SQS.SendMessageBatch'] ?? 0);

const sweepRow = (s: SweepFigures): BenchRow => {
  // Per shard one query, plus one per full page of stale runs: the backlog adds none.
  const maxQueries = s.shards + Math.ceil(s.stale / SWEEP_RUNS_PER_QUERY);
  const maxSends = Math.ceil(s.stale / SQS_BATCH) + s.shards;
  return {
    name: `sweeper: ${s.open.toLocaleString('en')} open, ${s.stale.toLocaleString('en')} stale`,
    measured: `${s.queries} queries, ${kib(s.bytesRead)} read, ${s.sendCalls} sends`,
    baseline: NONE,
    ratio: NONE,
    spread: NONE,
    target: `≤ ${maxQueries} queries, ≤ ${maxSends} sends`,
    pass: s.queries <= maxQueries && s.sendCalls <= maxSends && s.requeued === s.stale,
  };
};

/**
 * Counts what each path costs in AWS calls and units, and checks the
 * budgets. Runs dynalite and fauxqs in this process; about 30–60 s.
 */
export const measureUnits = async (): Promise<{ section: BenchSection; counts: PathCounts }> => {
  const bench = await startBench();
  try {
    const a = await phase('async deliveries, runs, duplicates, history page', () => measureAsyncPath(bench));
    const d = await phase('decisions', () => measureDecisionPath(bench));
    const claim = await phase('claim-check deliveries', () => measureClaimCheck(bench));
    const sweeps = [
      await phase('sweep 1k open / 10 stale', () => measureSweep(bench, 1000, 10)),
      await phase('sweep 10k open / 10 stale', () => measureSweep(bench, 10_000, 10)),
      await phase('sweep 1k open / 1k stale', () => measureSweep(bench, 1000, 1000)),
    ];
    const [small, large, allStale] = sweeps;
    if (small === undefined || large === undefined || allStale === undefined)
      throw new Error('missing sweep');

    const counts: PathCounts = {
      ingest: a.ingest,
      ingestCold: a.ingestCold,
      run: a.run,
      duplicate: a.duplicate,
      decision: d.decision,
      decisionCold: d.decisionCold,
      runCreate: a.runCreate,
      secretCallsPerRefresh: a.secretCallsPerRefresh,
      storedBytes: { async: a.storedBytes, decision: d.storedBytes, delivery: a.deliveryStoredBytes },
      retentionDays: loadConfig({
        TRIGGERHUB_TABLE: 't',
        TRIGGERHUB_QUEUE_URL: 'q',
        TRIGGERHUB_PAYLOAD_BUCKET: 'b',
      }).TRIGGERHUB_RETENTION_DAYS,
      runItemWrites: a.runItemWrites,
      eventCopiesPerRunWrite: a.eventCopiesPerRunWrite,
      inlineEventLimitBytes: DEFAULT_SETTINGS.inlineEventLimitBytes,
      eventBytes: a.eventBytes,
      claimCheck: { ...claim, eventBytes: LARGE_BODY_BYTES },
    };

    const i = a.ingest;
    const historyRatio = a.history.bytesRead / Math.max(1, a.history.bytesReturned);
    const backlogGrowth = large.bytesRead / Math.max(1, small.bytesRead);
    const rows: BenchRow[] = [
      {
        name: 'calls per async delivery (ingest, warm)',
        measured: describeOperations(i),
        baseline: NONE,
        ratio: NONE,
        spread: NONE,
        target: `≤ ${INGEST_MAX_WRITES} writes + ${INGEST_MAX_SENDS} send, 0 reads`,
        pass:
          i.writeCalls <= INGEST_MAX_WRITES &&
          sends(i) <= INGEST_MAX_SENDS &&
          i.readCalls === 0 &&
          i.calls <= INGEST_MAX_WRITES + INGEST_MAX_SENDS,
      },
      {
        name: 'units per async delivery (ingest)',
        measured: unitsText(i),
        baseline: NONE,
        ratio: NONE,
        spread: NONE,
        target: '1 WCU per index write',
        pass: indexEntriesSmall(i),
      },
      {
        name: 'calls per run (worker, warm)',
        measured: describeOperations(a.run),
        baseline: NONE,
        ratio: NONE,
        spread: NONE,
        target: `≤ ${RUN_MAX_WRITES} writes`,
        pass: a.run.writeCalls <= RUN_MAX_WRITES,
      },
      {
        name: 'units per run (worker)',
        measured: unitsText(a.run),
        baseline: NONE,
        ratio: NONE,
        spread: NONE,
        target: '1 WCU per index write',
        pass: indexEntriesSmall(a.run),
      },
      {
        name: 'calls per duplicate delivery',
        measured: `${describeOperations(a.duplicate)}; ${unitsText(a.duplicate)}`,
        baseline: NONE,
        ratio: NONE,
        spread: NONE,
        target: `≤ ${DUPLICATE_MAX_WRITES} write, 0 sends`,
        pass: a.duplicate.writeCalls <= DUPLICATE_MAX_WRITES && sends(a.duplicate) === 0,
      },
      {
        name: 'calls per decision (warm)',
        measured: `${describeOperations(d.decision)}; ${unitsText(d.decision)}`,
        baseline: NONE,
        ratio: NONE,
        spread: NONE,
        target: `≤ ${DECISION_MAX_WRITES} writes, 0 reads, 1 WCU per index write`,
        pass:
          d.decision.writeCalls <= DECISION_MAX_WRITES &&
          d.decision.readCalls === 0 &&
          indexEntriesSmall(d.decision),
      },
      {
        name: `history page (${a.history.runs} runs): bytes read / returned`,
        measured: kib(a.history.bytesRead),
        baseline: kib(a.history.bytesReturned),
        ratio: `${fixed(historyRatio, 1)}×`,
        spread: NONE,
        target: `≤ ${HISTORY_MAX_READ_RATIO}×`,
        pass: historyRatio <= HISTORY_MAX_READ_RATIO,
      },
      ...sweeps.map(sweepRow),
      {
        name: 'sweeper read: 10k vs 1k open (10 stale)',
        measured: kib(large.bytesRead),
        baseline: kib(small.bytesRead),
        ratio: `${fixed(backlogGrowth, 1)}×`,
        spread: NONE,
        target: `≤ ${SWEEP_BACKLOG_GROWTH_MAX}×`,
        pass: backlogGrowth <= SWEEP_BACKLOG_GROWTH_MAX,
      },
      {
        name: `claim check (${LARGE_BODY_BYTES / 1024} KiB event): ingest + run`,
        measured: `${describeOperations(claim.ingest)} + ${describeOperations(claim.run)}`,
        baseline: NONE,
        ratio: NONE,
        spread: NONE,
        target: 'info',
        pass: 'info',
      },
      {
        name: 'table bytes kept per async delivery',
        measured: kib(a.storedBytes),
        baseline: NONE,
        ratio: NONE,
        spread: NONE,
        target: 'info',
        pass: 'info',
      },
    ];
    const notes = [
      `units: counted at the SDK transport (real clients → dynalite/fauxqs in-process; Secrets Manager canned); item sizes and units by AWS's rules, index writes from the projections tableDefinition() declares (${Object.values(
        bench.tables,
      )[0]
        ?.indexes.map((x) => `${x.name} ${x.projection}`)
        .join(', ')})`,
      `units: ${DELIVERIES} async deliveries of ${BODY_BYTES}-byte bodies (job log-event), warm figures averaged after the first; the first (cold) delivery made ${describeOperations(a.ingestCold)}`,
      `units: per run ${unitsText(a.run)}, ${n(a.run.itemBytesRead)} item bytes read; per decision cold: ${describeOperations(d.decisionCold)}`,
      `units: history page read ${a.history.queries} gsi1 ${a.history.queries === 1 ? 'query' : 'queries'} (${n(a.history.readUnits)} RCU) for ${a.history.runs} runs; "returned" is the JSON body GET /admin/jobs/{id}/runs?limit=100 answered`,
      `units: sweeper over queued runs 6–40 min old (read by today's 5-minute cut) with the stale ones 3 h old; ${sweeps
        .map(
          (s) =>
            `${s.open}/${s.stale}: ${s.calls} calls, ${s.batchSends} SendMessageBatch, ${kib(s.responseBytes)} on the wire, ${s.shards} open-run shard(s)`,
        )
        .join('; ')}`,
      `units: logs written per async delivery ${n(a.ingest.logBytes)} B at ingest + ${n(a.run.logBytes)} B in the worker, per decision ${n(d.decision.logBytes)} B`,
    ];
    return { section: { rows, notes }, counts };
  } finally {
    bench.observer.destroy();
    await bench.emulators.stop();
  }
};
