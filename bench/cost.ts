import { readFileSync } from 'node:fs';
import type { PathTally, PathCounts } from './units.ts';
import type { Tally } from './counting.ts';
import { KIB } from './counting.ts';
import type { OrderingFigures } from './ordering.ts';
import type { TicketFigures } from './tickets.ts';
import type { BenchRow, BenchSection, MeasuredDurations } from './row.ts';
import { NONE } from './row.ts';
import { PRICE_DATE, PRICE_REGION, PRICES } from './prices.ts';
import { fixed } from './stats.ts';

/**
 * Cost per million deliveries, from the calls and units counted at the
 * transport (`bench/units.ts`), the Lambda time measured by the CPU rows, the
 * memory the stack gives each function, and the list prices of
 * `bench/prices.ts`. Every assumption is a named constant below and printed
 * with the table.
 */

/** Lambda allots CPU in proportion to memory: one full vCPU at 1,769 MB. Below that, CPU work stretches. */
export const FULL_VCPU_MB = 1769;
/**
 * Time a Lambda waits on each AWS call, in-region (assumed typical latencies):
 * the measured durations are CPU on a stub transport, the bill counts the wait too.
 */
export const CALL_LATENCY_MS: Record<string, number> = { DynamoDB: 6, SQS: 8, S3: 15, SecretsManager: 15 };
/** Powertools caches a secret for 60 s per warm instance; assumed traffic per warm instance. */
export const DELIVERIES_PER_MINUTE_PER_INSTANCE = 60;
/**
 * Runs per worker invocation: the event source batches up to 10 within 3 s,
 * which fills only above ~3 runs/s; 1 is the low-traffic (dearest) case.
 */
export const RUNS_PER_WORKER_BATCH = 1;
/** Lambda's own START, END and REPORT lines per invocation (REPORT carries the X-Ray trace id). */
export const LAMBDA_PLATFORM_LOG_BYTES = 400;
/** One HTTP API access log line (the stack's JSON format, 12 fields). */
export const ACCESS_LOG_BYTES = 330;
/** CloudWatch Logs counts 26 bytes per log event on top of its message. */
export const LOG_EVENT_OVERHEAD_BYTES = 26;
/**
 * The ticket target (Jira, ServiceNow): a new task is one HTTPS call to it,
 * and a sync one per SYNC_BATCH tasks; the worker waits on each (assumed —
 * the bench's target is in memory, and the SDK calls' waits are above).
 */
export const TARGET_CALL_MS = 300;
export const TARGET_CALLS_PER_NEW_TASK = 1;
/** The sync interval the sync's monthly figure assumes (tickets.sync.every, minutes; the bench's job's). */
export const SYNC_EVERY_MINUTES = 15;
/** Days per month when prorating storage over the retention period. */
const DAYS_PER_MONTH = 30.4;
const MILLION = 1e6;

// ——— Memory sizes, read from the stack's source ———

const REPO = new URL('../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, REPO), 'utf8');

/**
 * Memory (MB) and architecture of a function, as `infra/` declares them:
 * the `memorySize` its `TriggerhubFunction` block in `infra/stack.ts` sets,
 * else the construct's default.
 */
export const lambdaMemoryMb = (
  functionId: 'Ingest' | 'Worker' | 'Admin' | 'Sweeper',
  sources: { stack: string; construct: string } = {
    stack: read('infra/stack.ts'),
    construct: read('infra/constructs/triggerhub-function.ts'),
  },
): { memoryMb: number; arm64: boolean } => {
  const start = sources.stack.indexOf(`new TriggerhubFunction(this, '${functionId}'`);
  if (start < 0) throw new Error(`infra/stack.ts declares no ${functionId} function`);
  const block = sources.stack.slice(start, sources.stack.indexOf('});', start));
  const own = /memorySize:\s*(\d[\d_]*)/.exec(block)?.[1];
  const fallback = /memorySize:\s*props\.memorySize\s*\?\?\s*(\d[\d_]*)/.exec(sources.construct)?.[1];
  const memory = own ?? fallback;
  if (memory === undefined) throw new Error(`cannot find the memory size of ${functionId} in infra/`);
  return {
    memoryMb: Number(memory.replace(/_/g, '')),
    arm64: /architecture:\s*Architecture\.ARM_64/.test(sources.construct),
  };
};

// ——— Arithmetic ———

/** Dollars per million of one path, by component. */
export interface PathCost {
  lambdaRequests: number;
  lambdaCompute: number;
  httpApi: number;
  scheduler: number;
  sqs: number;
  dynamoWrites: number;
  dynamoReads: number;
  dynamoStorage: number;
  s3: number;
  secretsManager: number;
  logs: number;
}

export const COMPONENTS: { key: keyof PathCost; label: string }[] = [
  { key: 'lambdaRequests', label: 'Lambda requests' },
  { key: 'lambdaCompute', label: 'Lambda GB-s (arm64)' },
  { key: 'httpApi', label: 'HTTP API requests' },
  { key: 'scheduler', label: 'EventBridge Scheduler' },
  { key: 'sqs', label: 'SQS requests' },
  { key: 'dynamoWrites', label: 'DynamoDB write units' },
  { key: 'dynamoReads', label: 'DynamoDB read units' },
  { key: 'dynamoStorage', label: 'DynamoDB storage (retention)' },
  { key: 's3', label: 'S3 claim checks' },
  { key: 'secretsManager', label: 'Secrets Manager calls' },
  { key: 'logs', label: 'CloudWatch Logs ingestion' },
];

export const totalOf = (cost: PathCost): number => COMPONENTS.reduce((sum, { key }) => sum + cost[key], 0);

/** One Lambda invocation: its CPU time stretched to its memory's CPU share, plus the wait on its calls, billed per started ms. */
export const billedMs = (cpuMs: number, memoryMb: number, t: PathTally, otherWaitMs = 0): number => {
  const cpu = cpuMs * Math.max(1, FULL_VCPU_MB / memoryMb);
  const wait = Object.entries(t.operations).reduce(
    (sum, [name, calls]) => sum + calls * (CALL_LATENCY_MS[name.slice(0, name.indexOf('.'))] ?? 0),
    0,
  );
  return Math.ceil(cpu + wait + otherWaitMs);
};

/** One function's part of a path: invocations, GB-s and log lines. */
interface Invocation {
  tally: PathTally;
  cpuMs: number;
  memoryMb: number;
  /** Invocations per delivery (a worker batch divides it). */
  share: number;
  /** Wait on calls outside AWS (a ticket target), ms. */
  waitMs?: number;
}

const perMillion = (usd: number): number => usd * MILLION;

const sumOps = (t: PathTally, ...names: string[]): number =>
  names.reduce((s, n) => s + (t.operations[n] ?? 0), 0);

/**
 * Dollars per million deliveries of a path made of these invocations.
 * `storedBytes` is kept for the retention period.
 */
export const pathCost = (
  invocations: readonly Invocation[],
  options: {
    httpRequests: number;
    schedulerInvocations: number;
    storedBytes: number;
    retentionDays: number;
    secretCallsPerRefresh: number;
    /** Functions on the path that read a job secret (ingest, decision). */
    secretReaders: number;
    accessLogLines: number;
    /** SQS receives and deletes the worker's event source makes per run. */
    queueReceivesAndDeletes: number;
  },
): PathCost => {
  const all = (pick: (t: PathTally) => number) => invocations.reduce((s, i) => s + pick(i.tally), 0);
  const gbSeconds = invocations.reduce(
    (s, i) => s + i.share * (i.memoryMb / 1024) * (billedMs(i.cpuMs, i.memoryMb, i.tally, i.waitMs) / 1000),
    0,
  );
  const logBytes =
    invocations.reduce(
      (s, i) =>
        s +
        i.tally.logBytes +
        i.tally.logLines * LOG_EVENT_OVERHEAD_BYTES +
        i.share * (LAMBDA_PLATFORM_LOG_BYTES + 3 * LOG_EVENT_OVERHEAD_BYTES),
      0,
    ) +
    options.accessLogLines * (ACCESS_LOG_BYTES + LOG_EVENT_OVERHEAD_BYTES);
  const months = options.retentionDays / DAYS_PER_MONTH;
  return {
    lambdaRequests: perMillion(invocations.reduce((s, i) => s + i.share, 0) * PRICES.lambdaRequest.usd),
    lambdaCompute: perMillion(gbSeconds * PRICES.lambdaGbSecondArm.usd),
    httpApi: perMillion(options.httpRequests * PRICES.httpApiRequest.usd),
    scheduler: perMillion(options.schedulerInvocations * PRICES.schedulerInvocation.usd),
    sqs: perMillion(
      (all((t) => t.sqsBilledRequests) + options.queueReceivesAndDeletes) * PRICES.sqsRequest.usd,
    ),
    dynamoWrites: perMillion(
      all((t) => t.writeUnits + t.indexWriteUnits) * PRICES.dynamoWriteRequestUnit.usd,
    ),
    dynamoReads: perMillion(all((t) => t.readUnits) * PRICES.dynamoReadRequestUnit.usd),
    dynamoStorage: perMillion(options.storedBytes * months * PRICES.dynamoStorageByte.usd),
    s3: perMillion(
      all((t) => sumOps(t, 'S3.PutObject')) * PRICES.s3Put.usd +
        all((t) => sumOps(t, 'S3.GetObject', 'S3.HeadObject')) * PRICES.s3Get.usd,
    ),
    // Warm: one refresh of the cache per minute per instance; a call the bench counted warm is added as such.
    secretsManager: perMillion(
      ((options.secretReaders * options.secretCallsPerRefresh) / DELIVERIES_PER_MINUTE_PER_INSTANCE +
        all((t) => sumOps(t, 'SecretsManager.GetSecretValue'))) *
        PRICES.secretsManagerCall.usd,
    ),
    logs: perMillion(logBytes * PRICES.logsIngestByte.usd),
  };
};

/** What bench/tickets.ts and bench/ordering.ts counted in the same bench run: the ticket paths' inputs. */
export interface TicketPathCounts {
  tickets: Pick<TicketFigures, 'plain' | 'newTask' | 'sync' | 'syncCalls' | 'syncSynced'>;
  ordering: Pick<OrderingFigures, 'plainIngest' | 'orderedIngest' | 'plainRun' | 'orderedRun'>;
}

const TALLY_NUMBERS = [
  'calls',
  'requestBytes',
  'responseBytes',
  'readUnits',
  'writeUnits',
  'indexWriteUnits',
  'itemWrites',
  'writeCalls',
  'readCalls',
  'itemsRead',
  'itemBytesRead',
  'sqsBilledRequests',
] as const satisfies readonly (keyof Tally)[];

/**
 * `t` plus what `path` costs beyond `baseline` (both counted in the same
 * section, per run), field by field. None goes below zero: the averages
 * carry noise, e.g. a job-cache refresh the baseline's runs happened to make.
 */
export const plusBeyond = (t: PathTally, path: Tally, baseline: Tally): PathTally => {
  const records = (pick: (x: Tally) => Record<string, number>): Record<string, number> => {
    const keys = new Set([
      ...Object.keys(pick(t)),
      ...Object.keys(pick(path)),
      ...Object.keys(pick(baseline)),
    ]);
    const sum = (k: string) => (pick(t)[k] ?? 0) + (pick(path)[k] ?? 0) - (pick(baseline)[k] ?? 0);
    const entries: [string, number][] = [...keys].map((k) => [k, Math.max(0, sum(k))]);
    return Object.fromEntries(entries.filter(([, v]) => v !== 0));
  };
  const out: PathTally = {
    ...t,
    operations: records((x) => x.operations),
    indexWrites: records((x) => x.indexWrites),
  };
  for (const k of TALLY_NUMBERS) out[k] = Math.max(0, t[k] + path[k] - baseline[k]);
  return out;
};

export interface CostTable {
  paths: { name: string; cost: PathCost }[];
  markdown: string;
  /** One sync of the open tasks, priced like the paths (per million syncs), when the ticket paths were counted. */
  sync?: { tasks: number; cost: PathCost };
}

const PATH_NAMES = [
  'async delivery',
  'decision',
  'scheduled run',
  'async, 128 KiB event',
  'ticket alert → new task',
] as const;

/**
 * The paths priced: async (ingest + worker), decision (ingest alone),
 * scheduled (a scheduler-invoked function creating the run + the worker),
 * an async delivery whose event is kept in S3, and — given what the ticket
 * and ordering sections counted — an alert opening a ticket task, and one
 * sync of the open tasks.
 */
export const costTable = (
  counts: PathCounts,
  durations: MeasuredDurations,
  ticketPaths?: TicketPathCounts,
): CostTable => {
  const ingestMb = lambdaMemoryMb('Ingest').memoryMb;
  const workerMb = lambdaMemoryMb('Worker').memoryMb;
  const worker: Invocation = {
    tally: counts.run,
    cpuMs: durations.workerRunMs,
    memoryMb: workerMb,
    share: 1 / RUNS_PER_WORKER_BATCH,
  };
  const common = {
    retentionDays: counts.retentionDays,
    secretCallsPerRefresh: counts.secretCallsPerRefresh,
  };
  const asyncCost = pathCost(
    [{ tally: counts.ingest, cpuMs: durations.ingestAsyncMs, memoryMb: ingestMb, share: 1 }, worker],
    {
      ...common,
      httpRequests: 1,
      schedulerInvocations: 0,
      storedBytes: counts.storedBytes.async,
      secretReaders: 1,
      accessLogLines: 1,
      queueReceivesAndDeletes: 2 / RUNS_PER_WORKER_BATCH,
    },
  );
  const decisionCost = pathCost(
    [{ tally: counts.decision, cpuMs: durations.decisionMs, memoryMb: ingestMb, share: 1 }],
    {
      ...common,
      httpRequests: 1,
      schedulerInvocations: 0,
      storedBytes: counts.storedBytes.decision,
      secretReaders: 1,
      accessLogLines: 1,
      queueReceivesAndDeletes: 0,
    },
  );
  // Issue 9 brings schedules: priced as a function that creates the run (ingest's run write and send, no
  // delivery item, no secret) taking ingest's time, plus the worker's run.
  const scheduledCost = pathCost(
    [{ tally: counts.runCreate, cpuMs: durations.ingestAsyncMs, memoryMb: ingestMb, share: 1 }, worker],
    {
      ...common,
      httpRequests: 0,
      schedulerInvocations: 1,
      storedBytes: counts.storedBytes.async - counts.storedBytes.delivery,
      secretReaders: 0,
      accessLogLines: 0,
      queueReceivesAndDeletes: 2 / RUNS_PER_WORKER_BATCH,
    },
  );
  // The event above the inline limit goes to S3 (claim check); priced with the small event's CPU time.
  const claimCost = pathCost(
    [
      { tally: counts.claimCheck.ingest, cpuMs: durations.ingestAsyncMs, memoryMb: ingestMb, share: 1 },
      { ...worker, tally: counts.claimCheck.run },
    ],
    {
      ...common,
      httpRequests: 1,
      schedulerInvocations: 0,
      storedBytes: counts.claimCheck.storedBytes,
      secretReaders: 1,
      accessLogLines: 1,
      queueReceivesAndDeletes: 2 / RUNS_PER_WORKER_BATCH,
    },
  );
  const paths: CostTable['paths'] = [
    { name: PATH_NAMES[0], cost: asyncCost },
    { name: PATH_NAMES[1], cost: decisionCost },
    { name: PATH_NAMES[2], cost: scheduledCost },
    { name: PATH_NAMES[3], cost: claimCost },
  ];
  let sync: CostTable['sync'];
  if (ticketPaths !== undefined) {
    const { tickets, ordering } = ticketPaths;
    // An async delivery to a ticket job whose alert opens a task: ingest adds the run's turn in its
    // order key's line (a job with dedupe has one), the worker the line's head and leave, and the
    // ticket path's own calls (effect claim and record, task and dedupe pointer, the key's open
    // task, the cached fields) — each beyond a plain run counted in the same section — and waits
    // on the target's call. Its CPU is taken as a plain run's.
    const ticketIngest = plusBeyond(counts.ingest, ordering.orderedIngest, ordering.plainIngest);
    const ticketRun = plusBeyond(
      plusBeyond(counts.run, tickets.newTask, tickets.plain),
      ordering.orderedRun,
      ordering.plainRun,
    );
    const newTaskCost = pathCost(
      [
        { tally: ticketIngest, cpuMs: durations.ingestAsyncMs, memoryMb: ingestMb, share: 1 },
        { ...worker, tally: ticketRun, waitMs: TARGET_CALLS_PER_NEW_TASK * TARGET_CALL_MS },
      ],
      {
        ...common,
        httpRequests: 1,
        schedulerInvocations: 0,
        storedBytes: counts.storedBytes.async,
        secretReaders: 1,
        accessLogLines: 1,
        queueReceivesAndDeletes: 2 / RUNS_PER_WORKER_BATCH,
      },
    );
    paths.push({ name: PATH_NAMES[4], cost: newTaskCost });
    // A sync: a scheduled run (as above) whose worker's calls are the sync run's, counted whole,
    // waiting on one target call per page of open tasks; its log lines taken as a plain run's.
    const syncCost = pathCost(
      [
        { tally: counts.runCreate, cpuMs: durations.ingestAsyncMs, memoryMb: ingestMb, share: 1 },
        {
          tally: { ...tickets.sync, logBytes: counts.run.logBytes, logLines: counts.run.logLines },
          cpuMs: durations.workerRunMs,
          memoryMb: workerMb,
          share: 1,
          waitMs: tickets.syncCalls * TARGET_CALL_MS,
        },
      ],
      {
        ...common,
        httpRequests: 0,
        schedulerInvocations: 1,
        storedBytes: counts.storedBytes.async - counts.storedBytes.delivery,
        secretReaders: 0,
        accessLogLines: 0,
        queueReceivesAndDeletes: 2,
      },
    );
    sync = { tasks: tickets.syncSynced, cost: syncCost };
  }
  const usd = (v: number) => `$${v < 0.01 && v > 0 ? v.toFixed(4) : v.toFixed(2)}`;
  const markdown = [
    `| $ per million (${PRICE_REGION}, list prices of ${PRICE_DATE}) | ${paths.map((p) => p.name).join(' | ')} |`,
    `| --- | ${paths.map(() => '---:').join(' | ')} |`,
    ...COMPONENTS.map(({ key, label }) => `| ${label} | ${paths.map((p) => usd(p.cost[key])).join(' | ')} |`),
    `| **Total** | ${paths.map((p) => `**${usd(totalOf(p.cost))}**`).join(' | ')} |`,
  ].join('\n');
  return { paths, markdown, ...(sync === undefined ? {} : { sync }) };
};

/** `+w writes (x WCU), +r reads (y RCU)` of `t` beyond `baseline` (or of `t` alone), for the notes. */
const describeExtra = (t: Tally, baseline?: Tally): string => {
  const d = (pick: (x: Tally) => number): string => {
    const v = pick(t) - (baseline === undefined ? 0 : pick(baseline));
    const text = Number.isInteger(v) ? String(v) : fixed(v, 2);
    return baseline !== undefined && v >= 0 ? `+${text}` : text;
  };
  return `${d((x) => x.writeCalls)} writes (${d((x) => x.writeUnits + x.indexWriteUnits)} WCU), ${d((x) => x.readCalls)} reads (${d((x) => x.readUnits)} RCU)`;
};

// ——— Where a run's event should live ———

/**
 * The event size (bytes) above which the S3 claim check (1 PUT + 1 GET, and
 * S3 storage) costs less than keeping the event inline, where every write of
 * the run item — and of each index entry copying it — pays for it again,
 * and the table stores it for the retention period.
 */
export const inlineBreakEvenBytes = (counts: PathCounts): number => {
  const copies = 1 + counts.eventCopiesPerRunWrite;
  const months = counts.retentionDays / DAYS_PER_MONTH;
  const inlinePerByte =
    (counts.runItemWrites * copies * PRICES.dynamoWriteRequestUnit.usd) / KIB +
    copies * months * PRICES.dynamoStorageByte.usd;
  const s3PerEvent = PRICES.s3Put.usd + PRICES.s3Get.usd;
  const s3PerByte = months * PRICES.s3StorageByte.usd;
  return s3PerEvent / (inlinePerByte - s3PerByte);
};

/** The cost section: totals as rows, the component table and every assumption as notes. */
export const costSection = (
  counts: PathCounts,
  durations: MeasuredDurations,
  ticketPaths?: TicketPathCounts,
): BenchSection => {
  const table = costTable(counts, durations, ticketPaths);
  const ingest = lambdaMemoryMb('Ingest');
  const workerMb = lambdaMemoryMb('Worker').memoryMb;
  const rows: BenchRow[] = table.paths.map((p) => ({
    name: `cost per million: ${p.name}`,
    measured: `$${fixed(totalOf(p.cost))}`,
    baseline: NONE,
    ratio: NONE,
    spread: NONE,
    target: 'info',
    pass: 'info',
  }));
  const syncsPerMonth = (DAYS_PER_MONTH * 24 * 60) / SYNC_EVERY_MINUTES;
  if (table.sync !== undefined) {
    const once = totalOf(table.sync.cost) / MILLION;
    const dynamo = (table.sync.cost.dynamoWrites + table.sync.cost.dynamoReads) / MILLION;
    rows.push({
      name: `cost of one sync of ${table.sync.tasks.toLocaleString('en-US')} open tasks`,
      measured: `$${once.toFixed(5)} (DynamoDB $${dynamo.toFixed(5)}, Lambda $${((table.sync.cost.lambdaCompute + table.sync.cost.lambdaRequests) / MILLION).toFixed(5)}); $${fixed(once * syncsPerMonth)} a month every ${SYNC_EVERY_MINUTES} min`,
      baseline: NONE,
      ratio: NONE,
      spread: NONE,
      target: 'info',
      pass: 'info',
    });
  }
  const breakEven = inlineBreakEvenBytes(counts);
  const unverified = Object.values(PRICES)
    .filter((p) => !p.verified)
    .map((p) => p.unit);
  const notes = [
    `cost (${PRICE_REGION}, list prices checked ${PRICE_DATE}, no free tier):\n${table.markdown}`,
    `cost: Lambda ${ingest.arm64 ? 'arm64' : 'x86_64 (priced as arm64!)'}, ingest ${ingest.memoryMb} MB, worker ${workerMb} MB (infra/); measured CPU ms ingest ${fixed(durations.ingestAsyncMs, 3)}, worker ${fixed(durations.workerRunMs, 3)}, decision ${fixed(durations.decisionMs, 3)}, stretched ×${fixed(Math.max(1, FULL_VCPU_MB / ingest.memoryMb))} (a full vCPU at ${FULL_VCPU_MB} MB) plus assumed waits per call (${Object.entries(
      CALL_LATENCY_MS,
    )
      .map(([s, ms]) => `${s} ${ms} ms`)
      .join(', ')}), billed per started ms`,
    `cost: assumed ${DELIVERIES_PER_MINUTE_PER_INSTANCE} deliveries/min per warm instance (Secrets Manager: ${counts.secretCallsPerRefresh} calls per 60 s cache refresh), ${RUNS_PER_WORKER_BATCH} run per worker invocation (+1 receive +1 delete per batch), logs = lines our code wrote in the bench + ${LAMBDA_PLATFORM_LOG_BYTES} B of START/END/REPORT per invocation + a ${ACCESS_LOG_BYTES}-B access log line per HTTP request + ${LOG_EVENT_OVERHEAD_BYTES} B per log event; storage kept ${counts.retentionDays} days`,
    `cost: "async, ${fixed(counts.claimCheck.eventBytes / KIB, 0)} KiB event" is an async delivery whose event is above the inline limit (S3 claim check), its Lambda time taken as the small event's; S3 object storage not included`,
    `cost: every run and decision reads its job's checkpoint (1 consistent GetItem, 1 RCU) and writes it (1 UpdateItem, 1 WCU, no index write): counted in the worker's and the decision's calls above, $${fixed((PRICES.dynamoReadRequestUnit.usd + PRICES.dynamoWriteRequestUnit.usd) * MILLION)} per million runs; state, effects and notifications are the integration's own calls (bench/toolbox.ts rows), not priced here`,
    ...(ticketPaths === undefined
      ? [
          `cost: "${PATH_NAMES[4]}" and the sync of open tasks not priced: the tickets section counted nothing usable`,
        ]
      : [
          `cost: "${PATH_NAMES[4]}" (issue 10) is an async delivery to a ticket job whose alert opens a task: the async delivery's calls, plus what bench/ordering.ts counted for an ordered run beyond a plain one (a job with dedupe has an order key: ingest ${describeExtra(ticketPaths.ordering.orderedIngest, ticketPaths.ordering.plainIngest)}, worker ${describeExtra(ticketPaths.ordering.orderedRun, ticketPaths.ordering.plainRun)}) and what bench/tickets.ts counted for a new task beyond a plain run (${describeExtra(ticketPaths.tickets.newTask, ticketPaths.tickets.plain)}), each with its units and assumed waits; plus ${TARGET_CALLS_PER_NEW_TASK} HTTPS call to the target (Jira, ServiceNow) the worker waits ${TARGET_CALL_MS} ms on (assumed); CPU, log lines and stored bytes taken as a plain async delivery's (the task item, kept while the task is open, not priced)`,
          `cost: one sync of ${ticketPaths.tickets.syncSynced.toLocaleString('en-US')} open tasks is a scheduled run (scheduler invocation, the run written and sent) whose worker makes the sync run's calls bench/tickets.ts counted (${describeExtra(ticketPaths.tickets.sync)}) and waits ${TARGET_CALL_MS} ms on each of its ${ticketPaths.tickets.syncCalls} syncStates calls (assumed), its CPU and log lines taken as a plain run's (the walk over the tasks is not timed); a month = ${fixed(syncsPerMonth, 0)} syncs at tickets.sync every ${SYNC_EVERY_MINUTES} min`,
        ]),
    `cost: scheduled run (issue 9) priced as an EventBridge Scheduler invocation of a function that writes the run and sends it (ingest's time, no delivery item, no secret) + the worker's run`,
    `cost: not priced — X-Ray traces (functions trace ACTIVE: $5 per million recorded beyond sampling), the worker event source's empty long polls, data transfer out, log storage; unverified prices: ${unverified.join('; ')}`,
    `cost: a run's event inline costs ${counts.runItemWrites} item writes × ${1 + counts.eventCopiesPerRunWrite} copies per KiB (+ storage); the S3 claim check costs 1 PUT + 1 GET: break-even at ${fixed(breakEven / KIB, 1)} KiB, against today's inline limit of ${fixed(counts.inlineEventLimitBytes / KIB, 0)} KiB (bench events: ${fixed(counts.eventBytes / KIB, 1)} KiB)`,
  ];
  return { rows, notes };
};
