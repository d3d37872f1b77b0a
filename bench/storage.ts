import { BatchWriteItemCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue, WriteRequest } from '@aws-sdk/client-dynamodb';
import { ulid } from 'ulid';
import { createDeps } from '../functions/create-deps.ts';
import { createAwsClients } from '../shared/aws/clients.ts';
import { RunSchema } from '../shared/model/index.ts';
import type { Run } from '../shared/model/index.ts';
import type { Deps } from '../shared/runtime/deps.ts';
import { sweepSettings, sweepStaleRuns } from '../shared/runtime/recovery.ts';
import { DynamoRunStore } from '../shared/store/dynamo-run-store.ts';
import type { Tally, WireItem } from './counting.ts';
import { bodyText, tally } from './counting.ts';
import type { Bench } from './harness.ts';
import { REGION, bodyOf, captureOutput, drainQueue, freshTable, kib, phase } from './harness.ts';
import type { BenchRow, BenchSection } from './row.ts';
import { NONE } from './row.ts';
import { fixed } from './stats.ts';
import { OPEN_KINDS, OPEN_SHARDS } from '../shared/store/keys.ts';
import { SQS_BATCH_SIZE } from '../shared/queue/sqs-queue.ts';

/**
 * The sweeper's work against the backlog, counted at the SDK transport: one
 * sweep (`sweepStaleRuns`, whatever it becomes) over 1k and 10k open runs of
 * which 10 are stale, and over 1k stale runs. Its work must grow with the
 * stale runs, not the backlog, and its requeues go out in batches.
 */

/** The open-runs index's partitions: each sweep reads each once (shared/store/keys.ts). */
const OPEN_PARTITIONS = OPEN_KINDS.length * OPEN_SHARDS;

/** Sweeper pages: one query per partition, plus one per 100 stale runs. */
export const SWEEP_RUNS_PER_QUERY = 100;
/** The sweeper's work must not grow with the backlog: 10× the open runs, at most this much more read. */
export const SWEEP_BACKLOG_GROWTH_MAX = 1.5;
const JOB = 'bench';

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

const sweepRow = (s: SweepFigures): BenchRow => {
  // One query per partition of the open-runs index (kind × shard), plus one per full page of stale
  // runs: the backlog adds none. Sends: full batches, plus at most one partial batch per partition.
  const maxQueries = OPEN_PARTITIONS + Math.ceil(s.stale / SWEEP_RUNS_PER_QUERY);
  const maxSends = Math.ceil(s.stale / SQS_BATCH_SIZE) + OPEN_PARTITIONS;
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

/** The sweeper rows: 1k and 10k open runs with 10 stale, 1k stale; and how the read grows with the backlog. */
export const measureSweeper = async (bench: Bench): Promise<BenchSection> => {
  const sweeps = [
    await phase('sweep 1k open / 10 stale', () => measureSweep(bench, 1000, 10)),
    await phase('sweep 10k open / 10 stale', () => measureSweep(bench, 10_000, 10)),
    await phase('sweep 1k open / 1k stale', () => measureSweep(bench, 1000, 1000)),
  ];
  const [small, large] = sweeps;
  if (small === undefined || large === undefined) throw new Error('missing sweep');
  const backlogGrowth = large.bytesRead / Math.max(1, small.bytesRead);
  const rows: BenchRow[] = [
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
  ];
  const notes = [
    `sweeper: queued runs 6–40 min old (older than the 5-minute decision threshold) and the stale ones 3 h old; ${sweeps
      .map(
        (s) =>
          `${s.open}/${s.stale}: ${s.calls} calls, ${s.batchSends} SendMessageBatch, ${kib(s.responseBytes)} on the wire, ${s.shards} open-run shard(s)`,
      )
      .join('; ')}`,
  ];
  return { rows, notes };
};
