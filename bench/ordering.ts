import { pathToFileURL } from 'node:url';
import { createDeps } from '../functions/create-deps.ts';
import { JobSchema, parseRunMessage } from '../shared/model/index.ts';
import type { Clock } from '../shared/ports.ts';
import type { Deps } from '../shared/runtime/deps.ts';
import { ingest } from '../shared/runtime/ingest.ts';
import { TURN_HEAD_LIMIT, TURN_WAIT_AGE_CAP_SECONDS, turnWaitSeconds } from '../shared/runtime/turns.ts';
import { processRunMessage } from '../shared/runtime/worker.ts';
import { defineIntegration } from '../shared/sdk/index.ts';
import { DynamoJobStore } from '../shared/store/dynamo-job-store.ts';
import { DynamoRunStore } from '../shared/store/dynamo-run-store.ts';
import type { CallRecord, Tally } from './counting.ts';
import { describeOperations, sendCalls, tally } from './counting.ts';
import type { Bench } from './harness.ts';
import {
  captureOutput,
  drainQueue,
  freshTable,
  phase,
  receiveAll,
  runSectionAlone,
  SECRET,
  withBench,
} from './harness.ts';
import { PRICES } from './prices.ts';
import type { BenchRow, BenchSection } from './row.ts';
import { countRow } from './row.ts';
import { fixed } from './stats.ts';

/**
 * Issue 10 §5: what keeping one ticket's events in order costs per run,
 * counted at the SDK transport like operations.ts — the real ingest and
 * worker on the real stores (dynalite, fauxqs) behind the bench's
 * CountingHandler. An ordered run (a SecureChange ticket's event: its order
 * key is the ticket id) against a plain one (a generic webhook) of the same
 * integration, in the same run; then a run that finds an earlier event of
 * its ticket unfinished and waits. Counts per operation, never times.
 */

/** Ingest, beyond a plain delivery: the run's turn (one PutItem), no read. */
export const ORDER_INGEST_EXTRA_WRITES = 1;
/** The worker, beyond a plain run: the line's head (one Query) and the leave (one DeleteItem). */
export const ORDER_WORKER_EXTRA_READS = 1;
export const ORDER_WORKER_EXTRA_WRITES = 1;
/**
 * A look that finds the turn not come: the attempt's start and its release
 * (2 writes, as `overlap: queue`), the head and the run ahead's status (2
 * reads), one new delayed message; the attempt is given back.
 */
export const ORDER_WAIT_MAX_WRITES = 2;
export const ORDER_WAIT_MAX_READS = 2;

const PLAIN_JOB = 'bench-order-plain';
const TICKET_JOB = 'bench-order-ticket';
/** Runs per path (averaged). */
const RUNS = 10;

/** Succeeds at once: the counts are the platform's, not an integration's. */
const orderIntegration = defineIntegration({
  id: 'bench-order',
  name: 'Bench order',
  version: '1.0.0',
  description: 'Returns at once.',
  parameters: {},
  run: () => ({ message: 'ok' }),
});

/** A SecureChange trigger's `ticket_info` (the mediator script's body), the fields the source needs. */
const ticketInfo = (id: number): string =>
  `<?xml version="1.0" encoding="UTF-8"?><ticket_info><id>${id}</id><subject>bench ${id}</subject>` +
  `<current_stage><id>2</id><name>Review</name></current_stage></ticket_info>`;

const n = (value: number): string => (Number.isInteger(value) ? String(value) : fixed(value));
const callsText = (t: Tally): string =>
  `${describeOperations(t)} (${n(t.calls)} calls, ${n(t.writeCalls)} writes, ${n(t.readCalls)} reads)`;

/** What the rows are made of. */
export interface OrderingFigures {
  plainIngest: Tally;
  orderedIngest: Tally;
  plainRun: Tally;
  orderedRun: Tally;
  /** A run whose ticket's earlier event has not ended: one look at the line, deferred. */
  waitingLook: Tally;
  /** Its attempt count after the wait (0: not spent) and after it ran (1). */
  attemptsAfterWait: number;
  attemptsAfterRun: number;
}

const fixedClock = (start: Date): Clock & { advance(ms: number): void } => {
  let at = start.getTime();
  return { now: () => new Date(at), advance: (ms) => (at += ms) };
};

const counted = async (bench: Bench): Promise<OrderingFigures> => {
  const { tableName, config } = await freshTable(bench, 'ordering');
  await drainQueue(bench);
  const jobs = new DynamoJobStore({ client: bench.plain.ddb, tableName });
  const runs = new DynamoRunStore({ client: bench.plain.ddb, tableName, retentionDays: 30 });
  await jobs.put(
    JobSchema.parse({ id: PLAIN_JOB, name: 'Plain', integration: 'bench-order', auth: { secret: 'demo' } }),
  );
  await jobs.put(
    JobSchema.parse({
      id: TICKET_JOB,
      name: 'Ticket',
      integration: 'bench-order',
      source: 'securechange',
      auth: { secret: 'demo' },
    }),
  );
  const clock = fixedClock(new Date());
  // Ingest and the worker are functions of their own; each is warmed (job and secret cached) first.
  const ingestDeps: Deps = {
    ...createDeps(config, { requestHandler: bench.counter, integrations: [orderIntegration] }),
    clock,
  };
  const workerDeps: Deps = {
    ...createDeps(config, { requestHandler: bench.counter, integrations: [orderIntegration] }),
    clock,
  };
  const plain = (seq: number) =>
    ingest(ingestDeps, {
      jobId: PLAIN_JOB,
      body: JSON.stringify({ seq }),
      headers: { 'content-type': 'application/json', 'x-shared-secret': SECRET },
      query: {},
    });
  const ordered = (ticket: number, event = 'ADVANCE') =>
    ingest(ingestDeps, {
      jobId: TICKET_JOB,
      body: ticketInfo(ticket),
      headers: { 'content-type': 'application/xml', 'x-shared-secret': SECRET },
      query: { event },
    });
  const work = (body: string) =>
    processRunMessage(workerDeps, { body, receiptHandle: 'bench', receiveCount: 1 });

  // Warm both functions on a delivery of each job (not counted).
  await plain(-1);
  await ordered(999);
  for (const m of await receiveAll(bench, 2)) await work(m.body);
  bench.counter.take();

  // ——— Ingest: plain and ordered deliveries, interleaved; each its own ticket (no waits) ———
  const plainIngest: CallRecord[] = [];
  const orderedIngest: CallRecord[] = [];
  for (let i = 0; i < RUNS; i++) {
    clock.advance(10);
    await plain(i);
    plainIngest.push(...bench.counter.take());
    await ordered(1000 + i);
    orderedIngest.push(...bench.counter.take());
  }

  // ——— The worker: each run alone ———
  const messages = await receiveAll(bench, 2 * RUNS);
  const plainRun: CallRecord[] = [];
  const orderedRun: CallRecord[] = [];
  for (const m of messages) {
    clock.advance(10);
    await work(m.body);
    (parseRunMessage(m.body).jobId === TICKET_JOB ? orderedRun : plainRun).push(...bench.counter.take());
  }

  // ——— A run that waits: RESOLVE of ticket 2000 comes to a worker before its ADVANCE has run ———
  const advance = await ordered(2000, 'ADVANCE');
  const resolve = await ordered(2000, 'RESOLVE');
  await receiveAll(bench, 2);
  bench.counter.take();
  const resolveBody = JSON.stringify({ runId: resolve.runId, jobId: TICKET_JOB });
  await work(resolveBody);
  const waitingLook = bench.counter.take();
  const attemptsAfterWait = (await runs.get(resolve.runId))?.attempt ?? -1;
  await work(JSON.stringify({ runId: advance.runId, jobId: TICKET_JOB }));
  await work(resolveBody);
  const resolved = await runs.get(resolve.runId);
  if (resolved?.status !== 'succeeded')
    throw new Error(`the waiting run is ${resolved?.status ?? 'missing'}`);
  await drainQueue(bench);

  return {
    plainIngest: tally(plainIngest, RUNS),
    orderedIngest: tally(orderedIngest, RUNS),
    plainRun: tally(plainRun, RUNS),
    orderedRun: tally(orderedRun, RUNS),
    waitingLook: tally(waitingLook),
    attemptsAfterWait,
    attemptsAfterRun: resolved.attempt,
  };
};

/** Dollars per million runs for the extra units of ordering. */
const perMillion = (writeUnits: number, readUnits: number): number =>
  (writeUnits * PRICES.dynamoWriteRequestUnit.usd + readUnits * PRICES.dynamoReadRequestUnit.usd) * 1e6;

/** SQS FIFO's price per request (us-east-1, first tier), against the standard queue's. */
export const SQS_FIFO_REQUEST_USD = 0.5 / 1e6;

/** The rows, from the figures: each checks its path's budget. */
export const orderingRows = (f: OrderingFigures): BenchRow[] => {
  const ingestWrites = f.orderedIngest.writeCalls - f.plainIngest.writeCalls;
  const ingestReads = f.orderedIngest.readCalls - f.plainIngest.readCalls;
  const runWrites = f.orderedRun.writeCalls - f.plainRun.writeCalls;
  const runReads = f.orderedRun.readCalls - f.plainRun.readCalls;
  const queries = (t: Tally): number => t.operations['DynamoDB.Query'] ?? 0;
  const deletes = (t: Tally): number => t.operations['DynamoDB.DeleteItem'] ?? 0;
  const puts = (t: Tally): number => t.operations['DynamoDB.PutItem'] ?? 0;
  const extraWu =
    f.orderedIngest.writeUnits - f.plainIngest.writeUnits + (f.orderedRun.writeUnits - f.plainRun.writeUnits);
  const extraRu =
    f.orderedIngest.readUnits - f.plainIngest.readUnits + (f.orderedRun.readUnits - f.plainRun.readUnits);
  const tableUsd = perMillion(extraWu, extraRu);
  // Every run's messages (send, receive, delete; more when it is retried or deferred) at FIFO's price.
  const sqsPerRun = sendCalls(f.plainIngest) + 2;
  const fifoUsd = sqsPerRun * (SQS_FIFO_REQUEST_USD - PRICES.sqsRequest.usd) * 1e6;
  return [
    countRow(
      'ordered delivery at ingest, beyond a plain one',
      `+${n(ingestWrites)} writes, +${n(ingestReads)} reads (ordered: ${callsText(f.orderedIngest)}; plain: ${callsText(f.plainIngest)})`,
      `+${ORDER_INGEST_EXTRA_WRITES} write (the turn, PutItem), +0 reads, same sends`,
      ingestWrites <= ORDER_INGEST_EXTRA_WRITES &&
        ingestReads <= 0 &&
        puts(f.orderedIngest) - puts(f.plainIngest) === ingestWrites &&
        sendCalls(f.orderedIngest) === sendCalls(f.plainIngest),
    ),
    countRow(
      'ordered run in the worker, beyond a plain one',
      `+${n(runWrites)} writes, +${n(runReads)} reads (ordered: ${callsText(f.orderedRun)}; plain: ${callsText(f.plainRun)})`,
      `+${ORDER_WORKER_EXTRA_READS} read (the line's head, Query), +${ORDER_WORKER_EXTRA_WRITES} write (the leave, DeleteItem), same sends`,
      runReads <= ORDER_WORKER_EXTRA_READS &&
        runWrites <= ORDER_WORKER_EXTRA_WRITES &&
        queries(f.orderedRun) - queries(f.plainRun) === runReads &&
        deletes(f.orderedRun) - deletes(f.plainRun) === runWrites &&
        sendCalls(f.orderedRun) === sendCalls(f.plainRun),
    ),
    countRow(
      'a run waiting its turn, per look',
      `${callsText(f.waitingLook)}, ${n(sendCalls(f.waitingLook))} send; attempts after the wait ${f.attemptsAfterWait}, after it ran ${f.attemptsAfterRun}`,
      `≤ ${ORDER_WAIT_MAX_WRITES} writes (start, release), ≤ ${ORDER_WAIT_MAX_READS} reads (head, the run ahead), 1 delayed send; the attempt given back`,
      f.waitingLook.writeCalls <= ORDER_WAIT_MAX_WRITES &&
        f.waitingLook.readCalls <= ORDER_WAIT_MAX_READS &&
        sendCalls(f.waitingLook) === 1 &&
        f.attemptsAfterWait === 0 &&
        f.attemptsAfterRun === 1,
    ),
    {
      ...countRow(
        'ordering, per million ordered runs (table line vs SQS FIFO)',
        `line: +${n(extraWu)} WRU, +${n(extraRu)} RRU per run = $${fixed(tableUsd, 3)}/M ordered runs (plain runs $0); FIFO: ${n(sqsPerRun)} requests per run × $0.10/M more = $${fixed(fifoUsd, 2)}/M runs, every run of the queue`,
        'info: FIFO does not fit (no per-message DelaySeconds)',
        true,
      ),
      pass: 'info' as const,
    },
  ];
};

/** How long a waiting run waits before its next look: by its place, how long the run ahead has run, its own looks. */
export type TurnWait = (place: number, aheadRunningSeconds: number, looks: number) => number;

/** The wait before issue 10's review: 1, 2, 4, 8, then every 15 s, by the run's own count of looks. */
export const OLD_TURN_WAIT: TurnWait = (_place, _waited, looks) => Math.min(15, 2 ** Math.min(looks, 4));
/** The gate's wait (shared/runtime/turns.ts). */
export const TURN_WAIT: TurnWait = (place, running) => turnWaitSeconds(place, running);

/** What a storm on one key cost: looks that found the turn not come, and when the last run ended. */
export interface StormFigures {
  runs: number;
  looks: number;
  drainSeconds: number;
}

/**
 * A storm on one order key, simulated (whole seconds, no store): `runs`
 * runs arrive together, each takes `runSeconds` once its turn comes; a run
 * whose earlier runs have not all ended waits `wait(place, waited, looks)`
 * and looks again. Counts the looks that waited (each costs what the "per
 * look" row measures) and the time until the last run ended.
 */
export const simulateStorm = (runs: number, runSeconds: number, wait: TurnWait): StormFigures => {
  // Run i's next look, and how often it has looked; a run that ran has look Infinity.
  const nextLook = Array.from({ length: runs }, () => 0);
  const looksOf = Array.from({ length: runs }, () => 0);
  let ended = 0; // runs 0..ended-1 have ended
  let runningUntil = -1; // the run `ended` runs until then (-1: none running)
  let runningSince = 0;
  let looks = 0;
  let now = 0;
  // Bounded: every second moves time on; a storm ends within runs × (runSeconds + 900) seconds.
  const limit = runs * (runSeconds + 900);
  while (ended < runs && now <= limit) {
    if (runningUntil >= 0 && now >= runningUntil) {
      ended += 1;
      runningUntil = -1;
      continue;
    }
    for (let i = ended; i < runs; i++) {
      if (nextLook[i] !== now) continue;
      if (i === ended && runningUntil < 0) {
        runningUntil = now + runSeconds;
        runningSince = now;
        nextLook[i] = Number.POSITIVE_INFINITY;
      } else {
        looks += 1;
        const place = Math.min(i - ended, TURN_HEAD_LIMIT);
        const aheadRunning = runningUntil < 0 ? 0 : now - runningSince;
        nextLook[i] = now + Math.max(1, Math.ceil(wait(place, aheadRunning, looksOf[i] ?? 0)));
        looksOf[i] = (looksOf[i] ?? 0) + 1;
      }
    }
    now += 1;
  }
  return { runs, looks, drainSeconds: now };
};

/** Storm sizes the rows simulate, and each run's duration. */
export const STORM_RUNS = [10, 100, 1_000];
export const STORM_RUN_SECONDS = 2;
/**
 * Looks per run a storm may cost. Up to TURN_HEAD_LIMIT runs about one each
 * (a run at place p waits ~ p × runSeconds and looks every p × 2 s); a run
 * further back sees its place as 100 and looks every 200 s, so 1,000 runs of
 * 2 s cost ~5.5 each. The former wait (1, 2, 4, 8, then every 15 s) cost
 * ~N × runSeconds / 15 each: 500 per run at 1,000 runs.
 */
export const STORM_MAX_LOOKS_PER_RUN = 8;
/** One run behind a slow one (5 min): its looks may not exceed the former wait's (every 15 s: 24). */
export const SLOW_HEAD_SECONDS = 300;

/** The storm rows: the gate's looks per run against the budget, the former wait's beside them. */
export const stormRows = (wait: TurnWait = TURN_WAIT): BenchRow[] => [
  ...STORM_RUNS.map((runs) => {
    const now = simulateStorm(runs, STORM_RUN_SECONDS, wait);
    const old = simulateStorm(runs, STORM_RUN_SECONDS, OLD_TURN_WAIT);
    return countRow(
      `a storm of ${runs} runs on one key (${STORM_RUN_SECONDS} s each), looks until all ran`,
      `${now.looks} looks (${fixed(now.looks / runs, 1)} per run), drained in ${now.drainSeconds} s; the former 1, 2, 4, 8, 15 s wait: ${old.looks} looks, ${old.drainSeconds} s`,
      `≤ ${STORM_MAX_LOOKS_PER_RUN} looks per run (linear, not N²), drained no later than the former wait`,
      now.looks <= STORM_MAX_LOOKS_PER_RUN * runs && now.drainSeconds <= old.drainSeconds,
    );
  }),
  (() => {
    const now = simulateStorm(2, SLOW_HEAD_SECONDS, wait);
    const old = simulateStorm(2, SLOW_HEAD_SECONDS, OLD_TURN_WAIT);
    return countRow(
      `one run behind a slow one (${SLOW_HEAD_SECONDS} s), looks until it ran`,
      `${now.looks} looks, started ${now.drainSeconds - 2 * SLOW_HEAD_SECONDS} s after its turn came; the former wait: ${old.looks} looks, ${old.drainSeconds - 2 * SLOW_HEAD_SECONDS} s`,
      `≤ the former wait's looks (${old.looks}), started ≤ ${TURN_WAIT_AGE_CAP_SECONDS} s late`,
      now.looks <= old.looks && now.drainSeconds - 2 * SLOW_HEAD_SECONDS <= TURN_WAIT_AGE_CAP_SECONDS,
    );
  })(),
];

/** Counts what ordering costs and checks its budgets; dynalite and fauxqs in this process. `figures` feed the cost table. */
export const measureOrdering = (): Promise<{ section: BenchSection; figures: OrderingFigures }> =>
  withBench(async (bench) => {
    const { value: figures } = await phase('ordering: ordered deliveries and runs, a waiting run', () =>
      captureOutput(() => counted(bench)),
    );
    const notes = [
      `ordering: counted at the SDK transport (CountingHandler → dynalite/fauxqs) through the real code — ingest, processRunMessage — ${RUNS} runs per path, plain (generic webhook) and ordered (a SecureChange ticket event: order key = ticket id) interleaved; per-run averages`,
      'ordering: the line is a table item per waiting or running ordered run (`TURN#<len>:<key>#<runId>`, TTL one day); runs without a key (every other job) read and write nothing for it',
      `ordering: a look reads the line's head ${TURN_HEAD_LIMIT} deep in one Query (its place in line, and how long the first run ahead has been running, set its wait: min(900, max(1, place × 2, min(30, running / 4))) s) and only the first run ahead (its status and start, one GetItem); the storm rows are simulated (whole seconds, one key, no store), each look costing what "a run waiting its turn, per look" measures; a turn's wait is never counted as a deferral`,
      `ordering: SQS FIFO (message group per job and ticket) was priced, not built: $${fixed(SQS_FIFO_REQUEST_USD * 1e6, 2)}/M requests against $${fixed(PRICES.sqsRequest.usd * 1e6, 2)}/M standard, paid by every run on the queue, not only ordered ones. It does not fit the run queue: FIFO queues take no per-message DelaySeconds, and a run's deferral (ctx.http rate limits, effect waits, overlap: queue, concurrency, a turn) is a new delayed message; a deferred message re-sent to a FIFO group would also lose its place, and a group blocks behind its in-flight message`,
    ];
    return { section: { rows: [...orderingRows(figures), ...stormRows()], notes }, figures };
  });

/** `npx tsx bench/ordering.ts`: this section alone; exits 1 when a budget is missed. */
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href)
  await runSectionAlone('ordering', async () => (await measureOrdering()).section);
