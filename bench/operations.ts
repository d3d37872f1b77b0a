import { pathToFileURL } from 'node:url';
import { createDeps } from '../functions/create-deps.ts';
import { createAdminApp } from '../shared/http/admin-app.ts';
import { JobSchema, parseRunMessage } from '../shared/model/index.ts';
import type { Job } from '../shared/model/index.ts';
import type { Clock } from '../shared/ports.ts';
import type { Deps } from '../shared/runtime/deps.ts';
import { createPlatformRun } from '../shared/runtime/new-run.ts';
import { runScheduler } from '../shared/runtime/scheduler.ts';
import { processRunMessage } from '../shared/runtime/worker.ts';
import { defineIntegration } from '../shared/sdk/index.ts';
import { DynamoJobStore } from '../shared/store/dynamo-job-store.ts';
import { DynamoRunStore } from '../shared/store/dynamo-run-store.ts';
import { OPEN_SHARDS } from '../shared/store/keys.ts';
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
  withBench,
} from './harness.ts';
import type { BenchRow, BenchSection } from './row.ts';
import { countRow } from './row.ts';
import { fixed } from './stats.ts';

/**
 * Issue 9's operations, counted at the SDK transport like units.ts and
 * toolbox.ts: the real code (the scheduler's `runScheduler`, the admin API
 * as the admin function serves it, the worker's `processRunMessage`) on
 * the real stores, against dynalite and fauxqs, through the bench's
 * CountingHandler. Every figure is a count per operation, never a time.
 */

/**
 * Scheduler tick, per due job: the job read, the occurrence claim, the run, the send, the advance
 * (5), and the `schedule` lease read its overlap policy needs (1). The due index's query already
 * returns the schedule record whole (gsi1 projects it): no read of it again.
 */
export const TICK_PER_JOB_MAX_CALLS = 6;
/** …of which writes: the claim, the run, the advance. */
export const TICK_PER_JOB_MAX_WRITES = 3;
/** A tick with nothing due: the one query of the due index, and nothing else. */
export const TICK_IDLE_MAX_CALLS = 1;
/** A scheduled run in the worker, beyond a webhook run's: the `schedule` lease taken and released. */
export const SCHEDULED_RUN_EXTRA_WRITES = 2;
/** Run now: the job read, the run created, the message sent. */
export const RUN_NOW_MAX_CALLS = 3;
/** Stop: one conditional write (queued → stopped, or the stop request of a running run), at most one read. */
export const STOP_MAX_WRITES = 1;
export const STOP_MAX_READS = 1;
/**
 * Replay of one run: the original read, its job read (the new run is the job's: gone or
 * disabled, no replay), the new run created, the message sent.
 */
export const REPLAY_MAX_CALLS = 4;
/**
 * The jobs grid, per page: one gsi1 query of the jobs, then batched reads
 * (BatchGetItem of checkpoints, schedules, leases: at most one each per 100
 * jobs), and no read per job.
 */
export const GRID_MAX_BATCHED_READS = 3;
/**
 * …and its `openRuns`: one gsi2 query per kind and shard of the open-runs index (3 kinds × 4
 * shards) while each holds fewer than 100 open runs — the whole table's, not the page's, so the
 * count is the same for a page of 1 job or 100; at most OPEN_RUNS_MAX_PAGES per partition.
 */
export const GRID_OPEN_RUNS_QUERIES = 3 * OPEN_SHARDS;

const JOB = 'bench-ops';
/** Operations per path (averaged). */
const RUNS = 10;
/** Scheduled jobs due in the busy tick, and jobs on the grid's page. */
const DUE_JOBS = 10;
const GRID_JOBS = 25;

/** Succeeds at once: the counts are the platform's, not an integration's. */
export const opsIntegration = defineIntegration({
  id: 'bench-ops',
  name: 'Bench operations',
  version: '1.0.0',
  description: 'Returns at once.',
  parameters: { note: { type: 'text', label: 'Note' } },
  run: () => ({ message: 'ok' }),
});

/** A clock moved by the bench: the scheduler's minute ticks, not the machine's speed. */
const settableClock = (start: Date): Clock & { set(at: Date): void } => {
  let at = start;
  return { now: () => new Date(at), set: (next) => (at = next) };
};

/** The counter's calls made while `fn` ran (the bench runs one operation at a time). */
const countedCalls = async (bench: Bench, fn: () => Promise<unknown>): Promise<CallRecord[]> => {
  const seen = bench.counter.calls.length;
  await fn();
  return bench.counter.calls.slice(seen);
};

const n = (value: number): string => (Number.isInteger(value) ? String(value) : fixed(value));
const gets = (t: Tally): number => t.operations['DynamoDB.GetItem'] ?? 0;
const queries = (t: Tally): number => t.operations['DynamoDB.Query'] ?? 0;
const batchGets = (t: Tally): number => t.operations['DynamoDB.BatchGetItem'] ?? 0;
const callsText = (t: Tally): string =>
  `${describeOperations(t)} (${n(t.calls)} calls, ${n(t.writeCalls)} writes, ${n(t.readCalls)} reads)`;

/** What the rows are made of. */
export interface OperationsFigures {
  tickPerJob: Tally;
  dueJobs: number;
  tickIdle: Tally;
  /** A webhook-like (manual) run and a scheduled run in the worker, per run. */
  manualRun: Tally;
  scheduledRun: Tally;
  /** Undefined when the admin API has no run-now route (what it answered instead). */
  runNow: Tally | string;
  stopQueued: Tally;
  replay: Tally;
  grid: Tally;
  gridJobs: number;
  /** Of which enabled with a schedule: those whose next run the grid works out. */
  gridScheduled: number;
}

const expectStatus = (what: string, status: number, expected: number | number[], body: string): void => {
  if (![expected].flat().includes(status))
    throw new Error(`${what} answered ${status} (expected ${String(expected)}): ${body}`);
};

const counted = async (bench: Bench): Promise<OperationsFigures> => {
  const { tableName, config } = await freshTable(bench, 'operations');
  await drainQueue(bench);
  const plainJobs = new DynamoJobStore({ client: bench.plain.ddb, tableName });
  const runStore = new DynamoRunStore({ client: bench.plain.ddb, tableName, retentionDays: 30 });
  // Fixed times: the tick's arithmetic is on the scheduler's clock, at whole minutes.
  const t0 = new Date(Date.UTC(2027, 0, 4, 9, 0, 0));
  const clock = settableClock(t0);
  const options = { requestHandler: bench.counter, integrations: [opsIntegration] };
  const deps: Deps = { ...createDeps(config, options), clock };
  const admin = createAdminApp(deps);
  const job = JobSchema.parse({
    id: JOB,
    name: 'Bench operations',
    integration: 'bench-ops',
    webhook: false,
  });
  await plainJobs.put(job);
  const scheduled = (id: string): Job =>
    JobSchema.parse({
      id,
      name: id,
      integration: 'bench-ops',
      webhook: false,
      schedule: { frequency: 'minute' },
    });

  /** Runs run messages through the worker, one at a time: the calls of each. */
  const work = async (bodies: readonly string[]): Promise<CallRecord[][]> => {
    const out: CallRecord[][] = [];
    for (const body of bodies) {
      out.push(
        await countedCalls(bench, () =>
          processRunMessage(deps, { body, receiptHandle: 'bench', receiveCount: 1 }),
        ),
      );
    }
    return out;
  };
  const perOp = (ops: readonly (readonly CallRecord[])[]): Tally =>
    tally(ops.flat(), Math.max(1, ops.length));

  // ——— Run now (a route of its own: a build without it fails this row only) ———
  const runNowCalls: CallRecord[][] = [];
  let runNowMissing: string | undefined;
  for (let i = 0; i < RUNS && runNowMissing === undefined; i++) {
    let answer: Response | undefined;
    runNowCalls.push(
      await countedCalls(bench, async () => {
        answer = await admin.request(`/admin/jobs/${JOB}/runs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ params: { note: `run ${i}` } }),
        });
      }),
    );
    const text = (await answer?.text()) ?? '';
    if (answer?.status === 404 || answer?.status === 405)
      runNowMissing = `answered ${answer.status}: ${text}`;
    else expectStatus('POST /admin/jobs/{id}/runs', answer?.status ?? 0, 202, text);
  }
  await drainQueue(bench);

  // ——— Manual runs, made as run now makes them, for the paths below ———
  const runNowIds: string[] = [];
  for (let i = 0; i < RUNS; i++) {
    const run = await createPlatformRun(deps, job, {
      firedBy: 'manual',
      paramOverrides: { note: `run ${i}` },
    });
    runNowIds.push(run.id);
  }
  const runNowMessages = await receiveAll(bench, RUNS);

  // ——— Stop (queued runs: half of those just made) ———
  const toStop = runNowIds.slice(0, RUNS / 2);
  const stopCalls: CallRecord[][] = [];
  for (const runId of toStop) {
    let answer: Response | undefined;
    stopCalls.push(
      await countedCalls(bench, async () => {
        answer = await admin.request(`/admin/runs/${runId}/stop`, { method: 'POST' });
      }),
    );
    expectStatus('POST /admin/runs/{id}/stop', answer?.status ?? 0, 200, (await answer?.text()) ?? '');
  }

  // ——— The worker: the manual runs left (webhook-like: no lease) ———
  const left = runNowMessages.filter((m) => !toStop.includes(parseRunMessage(m.body).runId));
  const manualCalls = await work(left.map((m) => m.body));
  for (const runId of runNowIds.slice(RUNS / 2)) {
    const run = await runStore.get(runId);
    if (run?.status !== 'succeeded') throw new Error(`run ${runId} is ${run?.status ?? 'missing'}`);
  }

  // ——— Replay of the finished runs ———
  const replayCalls: CallRecord[][] = [];
  for (const runId of runNowIds.slice(RUNS / 2)) {
    let answer: Response | undefined;
    replayCalls.push(
      await countedCalls(bench, async () => {
        answer = await admin.request(`/admin/runs/${runId}/replay`, { method: 'POST' });
      }),
    );
    expectStatus('POST /admin/runs/{id}/replay', answer?.status ?? 0, 202, (await answer?.text()) ?? '');
  }
  await receiveAll(bench, RUNS / 2);

  // ——— Scheduled runs in the worker (made by the platform as the scheduler makes them) ———
  const scheduledJob = scheduled('bench-sched-worker');
  await plainJobs.put(scheduledJob);
  for (let i = 0; i < RUNS; i++) {
    clock.set(new Date(t0.getTime() + i * 60_000));
    await createPlatformRun(deps, scheduledJob, {
      firedBy: 'schedule',
      scheduledFor: clock.now().toISOString(),
    });
  }
  const scheduledMessages = await receiveAll(bench, RUNS);
  const scheduledCalls = await work(scheduledMessages.map((m) => m.body));

  // ——— Scheduler ticks: DUE_JOBS jobs each due once, then a tick with nothing due ———
  // A table of its own: only these jobs' schedules are armed in it.
  const { config: tickConfig } = await freshTable(bench, 'scheduler');
  const tickDeps: Deps = { ...createDeps(tickConfig, options), clock };
  const tickAdmin = createAdminApp(tickDeps);
  clock.set(t0);
  for (let i = 0; i < DUE_JOBS; i++) {
    // Applied through admin, which arms the schedule (first occurrence: the next minute).
    const answer = await tickAdmin.request(`/admin/jobs/bench-sched-${i}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(scheduled(`bench-sched-${i}`)),
    });
    expectStatus('PUT /admin/jobs/{id}', answer.status, [200, 201], await answer.text());
  }
  clock.set(new Date(t0.getTime() + 60_000));
  const busy = await countedCalls(bench, () => runScheduler(tickDeps));
  const fired = await receiveAll(bench, DUE_JOBS);
  if (fired.length !== DUE_JOBS) throw new Error(`the tick fired ${fired.length} runs, not ${DUE_JOBS}`);
  const idle = await countedCalls(bench, () => runScheduler(tickDeps));

  // ——— The jobs grid: one page of GRID_JOBS jobs, a third of them scheduled (some run already) ———
  for (let i = 0; i < GRID_JOBS - 2; i++) {
    const id = `bench-grid-${i}`;
    await plainJobs.put(i % 3 === 0 ? scheduled(id) : JobSchema.parse({ ...job, id, name: id }));
  }
  let gridItems: { nextRun?: string }[] = [];
  const grid = await countedCalls(bench, async () => {
    const answer = await admin.request(`/admin/jobs?limit=100`);
    const text = await answer.text();
    expectStatus('GET /admin/jobs', answer.status, 200, text);
    gridItems = (JSON.parse(text) as { items: { nextRun?: string }[] }).items;
  });

  return {
    tickPerJob: tally(busy, DUE_JOBS),
    dueJobs: DUE_JOBS,
    tickIdle: tally(idle),
    manualRun: perOp(manualCalls),
    scheduledRun: perOp(scheduledCalls),
    runNow: runNowMissing ?? perOp(runNowCalls),
    stopQueued: perOp(stopCalls),
    replay: perOp(replayCalls),
    grid: tally(grid),
    gridJobs: gridItems.length,
    gridScheduled: gridItems.filter((i) => i.nextRun !== 'webhook' && i.nextRun !== 'disabled').length,
  };
};

/** The rows, from the figures: each checks its path's budget. */
export const operationsRows = (f: OperationsFigures): BenchRow[] => {
  const extraWrites = f.scheduledRun.writeCalls - f.manualRun.writeCalls;
  const extraReads = f.scheduledRun.readCalls - f.manualRun.readCalls;
  return [
    countRow(
      'scheduler tick, per due job',
      `${callsText(f.tickPerJob)} over ${f.dueJobs} due jobs`,
      `≤ ${TICK_PER_JOB_MAX_CALLS} calls (job, lease, claim, run, send, advance), ≤ ${TICK_PER_JOB_MAX_WRITES} writes, 1 send; + 1 gsi1 query per page`,
      // The page's query, shared by its due jobs, is checked on its own.
      f.tickPerJob.calls - queries(f.tickPerJob) <= TICK_PER_JOB_MAX_CALLS &&
        f.tickPerJob.writeCalls <= TICK_PER_JOB_MAX_WRITES &&
        sendCalls(f.tickPerJob) === 1 &&
        queries(f.tickPerJob) * f.dueJobs <= 1,
    ),
    countRow(
      'scheduler tick, nothing due',
      callsText(f.tickIdle),
      `${TICK_IDLE_MAX_CALLS} query, 0 writes`,
      f.tickIdle.calls <= TICK_IDLE_MAX_CALLS && f.tickIdle.writeCalls === 0 && queries(f.tickIdle) === 1,
    ),
    countRow(
      'scheduled run in the worker, beyond a manual run',
      `+${n(extraWrites)} writes, +${n(extraReads)} reads (scheduled: ${callsText(f.scheduledRun)}; manual: ${callsText(f.manualRun)})`,
      `+${SCHEDULED_RUN_EXTRA_WRITES} writes (lease taken, released), +0 reads (no heartbeat read under 3 s)`,
      extraWrites <= SCHEDULED_RUN_EXTRA_WRITES && extraReads <= 0,
    ),
    typeof f.runNow === 'string'
      ? countRow(
          'run now (POST /admin/jobs/{id}/runs)',
          `no route: ${f.runNow}`,
          `≤ ${RUN_NOW_MAX_CALLS} calls`,
          false,
        )
      : countRow(
          'run now (POST /admin/jobs/{id}/runs)',
          callsText(f.runNow),
          `≤ ${RUN_NOW_MAX_CALLS} calls: 1 read (job), 1 write (run), 1 send`,
          f.runNow.calls <= RUN_NOW_MAX_CALLS &&
            f.runNow.writeCalls === 1 &&
            f.runNow.readCalls <= 1 &&
            sendCalls(f.runNow) === 1,
        ),
    countRow(
      'stop a queued run (POST /admin/runs/{id}/stop)',
      callsText(f.stopQueued),
      `${STOP_MAX_WRITES} write, ≤ ${STOP_MAX_READS} read, 0 sends`,
      f.stopQueued.writeCalls === STOP_MAX_WRITES &&
        f.stopQueued.readCalls <= STOP_MAX_READS &&
        sendCalls(f.stopQueued) === 0,
    ),
    countRow(
      'replay a run (POST /admin/runs/{id}/replay)',
      callsText(f.replay),
      `≤ ${REPLAY_MAX_CALLS} calls: 2 reads (run, job), 1 write (new run), 1 send`,
      f.replay.calls <= REPLAY_MAX_CALLS &&
        f.replay.writeCalls === 1 &&
        f.replay.readCalls <= 2 &&
        sendCalls(f.replay) === 1,
    ),
    countRow(
      'jobs grid page (GET /admin/jobs)',
      `${callsText(f.grid)} for ${f.gridJobs} jobs (${f.gridScheduled} scheduled)`,
      `1 gsi1 query + ${GRID_OPEN_RUNS_QUERIES} gsi2 queries (openRuns: one per kind and shard of the open-runs index, under 100 open runs each) + ≤ ${GRID_MAX_BATCHED_READS} BatchGetItem, 0 GetItem (no read per job), 0 writes`,
      queries(f.grid) === 1 + GRID_OPEN_RUNS_QUERIES &&
        batchGets(f.grid) <= GRID_MAX_BATCHED_READS &&
        gets(f.grid) === 0 &&
        f.grid.writeCalls === 0,
    ),
  ];
};

/** Counts issue 9's operations and checks their budgets; dynalite and fauxqs in this process. */
export const measureOperations = (): Promise<BenchSection> =>
  withBench(async (bench) => {
    const { value: figures } = await phase('operations: scheduler, worker leases, admin', () =>
      captureOutput(() => counted(bench)),
    );
    const notes = [
      `operations: counted at the SDK transport (CountingHandler → dynalite/fauxqs) through the real code — runScheduler, the admin API (createAdminApp on createDeps), processRunMessage — ${RUNS} operations per path; per-operation averages`,
      `operations: the scheduler tick fired ${figures.dueJobs} jobs due in the same minute (armed through PUT /admin/jobs/{id}); the idle tick ran right after it`,
      `operations: scheduled runs are made as the scheduler makes them (createPlatformRun, firedBy schedule) and compared with manual runs of the same integration; their runs take well under the 3 s heartbeat`,
    ];
    return { rows: operationsRows(figures), notes };
  });

/** `npx tsx bench/operations.ts`: this section alone; exits 1 when a budget is missed. */
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href)
  await runSectionAlone('operations', measureOperations);
