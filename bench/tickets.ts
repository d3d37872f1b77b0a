import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pathToFileURL } from 'node:url';
import { createDeps } from '../functions/create-deps.ts';
import { JobSchema } from '../shared/model/index.ts';
import type { Job, StoredTask, TaskStatus, TriggerEvent } from '../shared/model/index.ts';
import type { Clock, TaskStore } from '../shared/ports.ts';
import type { Deps } from '../shared/runtime/deps.ts';
import { createPlatformRun } from '../shared/runtime/new-run.ts';
import { processRunMessage } from '../shared/runtime/worker.ts';
import { defineIntegration, SYNC_BATCH } from '../shared/sdk/index.ts';
import { DynamoJobStore } from '../shared/store/dynamo-job-store.ts';
import { DynamoRunStore } from '../shared/store/dynamo-run-store.ts';
import { DynamoTaskStore } from '../shared/store/dynamo-task-store.ts';
import type { CallRecord, Tally } from './counting.ts';
import { describeOperations, tally } from './counting.ts';
import type { Bench } from './harness.ts';
import { captureOutput, drainQueue, freshTable, phase, runSectionAlone, withBench } from './harness.ts';
import type { BenchRow, BenchSection } from './row.ts';
import { countRow } from './row.ts';
import { fixed } from './stats.ts';

/**
 * Issue 10's ticket paths, counted at the SDK transport like operations.ts:
 * the real worker (`processRunMessage` on `createDeps`: DynamoDB effect
 * ledger, state, task store) runs ticket jobs whose integration is a ticket
 * plugin in memory (no HTTP: the target's calls are counted apart), against
 * dynalite, through the bench's CountingHandler. Each row is what a ticket
 * run costs beyond a plain run of the same worker (its run, checkpoint and
 * log items), per run. Every figure is a count, never a time.
 */

/*
 * Budgets, beyond a plain run, per alert: what was measured (dynalite, the
 * DynamoTaskStore of the stores branch) with no margin on writes — each is a
 * step the path needs, so a change adding one fails its row — and the reads
 * rounded up (the plain baseline's own reads are an average, 1.1–1.2):
 * - a new task: +4 writes (the effect's claim and record, the task item and
 *   its dedupe-key pointer; the queue's fields are cached in ctx.state for an
 *   hour, written by the first alert only); +1.8 reads (the key's open-task
 *   pointer, the cached fields).
 * - a deduplicated alert commented: +3 writes (the effect's claim and record,
 *   the task's update); +1.9 reads (the pointer, then the task).
 * - an ignored duplicate: +1 write (the task's update); +1.8 reads.
 */
export const NEW_TASK_MAX_EXTRA_WRITES = 4;
export const NEW_TASK_MAX_EXTRA_READS = 2;
export const COMMENT_MAX_EXTRA_WRITES = 3;
export const COMMENT_MAX_EXTRA_READS = 2;
export const IGNORE_MAX_EXTRA_WRITES = 1;
export const IGNORE_MAX_EXTRA_READS = 2;
/**
 * A sync of 10,000 open tasks: ⌈10,000 / 100⌉ syncStates calls, exactly; the
 * open tasks walked a page (a Query) per 100 (measured 101 Queries: the last
 * page is empty), and for each task that changed its update and, closed, the
 * freeing of its dedupe key (2 writes; none for the quiet ones). The writes
 * counted are those outside the run's own item: the job's checkpoint and the
 * schedule lease taken and released (3) besides the tasks'. The bench's
 * worker beats no heartbeat (its count depends on how long a run takes).
 */
export const SYNC_TASKS = 10_000;
export const SYNC_CHANGED = 100;
export const SYNC_MAX_READS_PER_TASK = 0.011;
export const SYNC_WRITES_PER_CHANGED_TASK = 2;
export const SYNC_OTHER_WRITES = 3;
/** Pages of open tasks alive at once during the sync: the one being synced, and one a stale register may keep. */
export const SYNC_MAX_PAGES_ALIVE = 2;

const RUNS = 10;
const QUEUE = 'Q';

/** A ticket target in memory: what the plugin was asked, and the tasks it holds. */
interface Target {
  tasks: Map<string, TaskStatus>;
  calls: { createTask: number; updateTask: number; syncStates: number };
  /** Called in every syncStates (the memory probe). */
  onSync?: () => Promise<void>;
}

const ticketsIntegration = (target: Target) => {
  let seq = 0;
  const link = (id: string) => `https://jira.bench.test/browse/${id}`;
  return defineIntegration({
    id: 'bench-tickets',
    name: 'Bench tickets',
    version: '1.0.0',
    description: 'A ticket target in memory.',
    parameters: { url: { type: 'text', label: 'URL' } },
    tickets: {
      validate: () => Promise.resolve({ success: true, message: 'ok' }),
      getQueues: () => Promise.resolve([{ label: 'Queue', value: QUEUE }]),
      getAvailableFields: () =>
        Promise.resolve([
          { label: 'Summary', value: 'summary', type: 'string' as const, required: true },
          { label: 'Description', value: 'description', type: 'text' as const },
        ]),
      getDefaultMappings: () => [],
      createTask: () => {
        target.calls.createTask++;
        const id = `BENCH-${++seq}`;
        target.tasks.set(id, 'new');
        return Promise.resolve({ id, status: 'new' as const, link: link(id) });
      },
      updateTask: (_ctx, { task }) => {
        target.calls.updateTask++;
        return Promise.resolve({
          id: task.id,
          status: target.tasks.get(task.id) ?? 'deleted',
          link: task.link,
        });
      },
      syncStates: async (_ctx, ids) => {
        target.calls.syncStates++;
        await target.onSync?.();
        return ids.flatMap((id) => {
          const status = target.tasks.get(id);
          return status === undefined ? [] : [{ id, status, link: link(id) }];
        });
      },
      findTask: () => Promise.resolve(undefined),
    },
  });
};

const plainIntegration = defineIntegration({
  id: 'bench-plain',
  name: 'Bench plain',
  version: '1.0.0',
  description: 'Returns at once.',
  parameters: { url: { type: 'text', label: 'URL' } },
  run: () => ({ message: 'ok' }),
});

const ticketJob = (id: string, over: Record<string, unknown> = {}): Job =>
  JobSchema.parse({
    id,
    name: id,
    integration: 'bench-tickets',
    webhook: false,
    params: { url: 'https://jira.bench.test' },
    tickets: {
      queue: QUEUE,
      rule: { severity: { $in: ['high', 'critical'] } },
      mappings: [
        { field: 'summary', value: 'Netskope $appCategory alert: $alertName' },
        { field: 'description', value: 'Alert ID: $id\nUser: $user\nApp: $app' },
      ],
      dedupe: { key: '$alertName:$user', action: 'comment' },
      ...over,
    },
  });

const alertEvent = (n: number, user: string): TriggerEvent => ({
  source: 'generic',
  trigger: 'webhook',
  deliveryId: `D-${n}`,
  receivedAt: '2027-01-04T09:00:00.000Z',
  headers: {},
  query: {},
  payload: {
    id: `alert-${n}`,
    alertName: 'DLP upload',
    appCategory: 'Cloud Storage',
    app: 'Dropbox',
    user,
    severity: 'high',
    timestamp: 1_700_000_000 + n,
  },
});

const countedCalls = async (bench: Bench, fn: () => Promise<unknown>): Promise<CallRecord[]> => {
  const seen = bench.counter.calls.length;
  await fn();
  return bench.counter.calls.slice(seen);
};

const dynamo = (calls: readonly CallRecord[]): CallRecord[] => calls.filter((c) => c.service === 'DynamoDB');
const n = (value: number): string => (Number.isInteger(value) ? String(value) : fixed(value, 2));
const callsText = (t: Tally): string =>
  `${describeOperations(t)} (${n(t.writeCalls)} writes, ${n(t.readCalls)} reads)`;

export interface TicketFigures {
  plain: Tally;
  newTask: Tally;
  comment: Tally;
  ignore: Tally;
  sync: Tally;
  /** The sync run's DynamoDB write calls outside its run item. */
  syncWrites: number;
  syncCalls: number;
  syncSynced: number;
  syncClosed: number;
  pagesAlive: number;
  /** What a run answered that the bench did not expect, if anything. */
  problem?: string;
}

const counted = async (bench: Bench): Promise<TicketFigures> => {
  const { tableName, config } = await freshTable(bench, 'tickets');
  await drainQueue(bench);
  const target: Target = {
    tasks: new Map(),
    calls: { createTask: 0, updateTask: 0, syncStates: 0 },
  };
  const clock: Clock = { now: () => new Date('2027-01-04T09:00:00.000Z') };
  const options = {
    requestHandler: bench.counter,
    integrations: [ticketsIntegration(target), plainIntegration],
  };
  const created0 = createDeps(config, options);
  // No heartbeat: its reads and lease renewals come with the run's length (the sync's takes seconds
  // on a busy machine), not with the path; operations.ts counts them for every run alike.
  const deps: Deps = { ...created0, clock, settings: { ...created0.settings, heartbeatMs: 3_600_000 } };
  const plainJobs = new DynamoJobStore({ client: bench.plain.ddb, tableName });
  const plainRuns = new DynamoRunStore({ client: bench.plain.ddb, tableName, retentionDays: 30 });
  const plainTasks: TaskStore = new DynamoTaskStore({ client: bench.plain.ddb, tableName });
  const problems: string[] = [];

  /** Records a run of `job` for `event` (uncounted, as ingest's), works it (counted): its DynamoDB calls. */
  const work = async (job: Job, event: TriggerEvent, expect?: string): Promise<CallRecord[]> => {
    const run = await createPlatformRun(deps, job, { firedBy: 'manual', event });
    await drainQueue(bench);
    const calls = await countedCalls(bench, () =>
      processRunMessage(deps, {
        body: JSON.stringify({ runId: run.id, jobId: job.id }),
        receiveCount: 1,
        receiptHandle: 'bench',
      }),
    );
    const done = await plainRuns.get(run.id);
    const action = (done?.output as { action?: string } | undefined)?.action;
    if (done?.status !== 'succeeded' || (expect !== undefined && action !== expect)) {
      problems.push(
        `${job.id}: run ${done?.status ?? 'missing'} ${action ?? ''} ${done?.error ?? ''}`.trim(),
      );
    }
    return dynamo(calls);
  };
  const perRun = (runs: readonly (readonly CallRecord[])[]): Tally => tally(runs.flat(), runs.length);

  // ——— Baseline: plain runs of the same worker ———
  const plainJob = JobSchema.parse({
    id: 'bench-plain',
    name: 'plain',
    integration: 'bench-plain',
    webhook: false,
    params: { url: 'https://jira.bench.test' },
  });
  await plainJobs.put(plainJob);
  const plain: CallRecord[][] = [];
  for (let i = 0; i < RUNS; i++) plain.push(await work(plainJob, alertEvent(i, `plain-${i}`)));

  // ——— New tasks: alerts with their own dedupe keys (the first also caches the queue's fields) ———
  const job = ticketJob('bench-tickets');
  await plainJobs.put(job);
  await work(job, alertEvent(1000, 'warm-up'), 'created');
  const created: CallRecord[][] = [];
  for (let i = 0; i < RUNS; i++) created.push(await work(job, alertEvent(2000 + i, `user-${i}`), 'created'));

  // ——— Deduplicated alerts commented on the task of one key ———
  await work(job, alertEvent(3000, 'dup'), 'created');
  const commented: CallRecord[][] = [];
  for (let i = 0; i < RUNS; i++) commented.push(await work(job, alertEvent(3001 + i, 'dup'), 'commented'));

  // ——— Ignored duplicates ———
  const ignoring = ticketJob('bench-ignore', { dedupe: { key: '$alertName:$user', action: 'ignore' } });
  await plainJobs.put(ignoring);
  await work(ignoring, alertEvent(4000, 'dup'), 'created');
  const ignored: CallRecord[][] = [];
  for (let i = 0; i < RUNS; i++) ignored.push(await work(ignoring, alertEvent(4001 + i, 'dup'), 'ignored'));

  // ——— Sync of 10,000 open tasks, SYNC_CHANGED of them closed in the target ———
  const syncJob = ticketJob('bench-sync', { sync: { every: 15 } });
  await plainJobs.put(syncJob);
  const at = '2027-01-01T00:00:00.000Z';
  for (let start = 0; start < SYNC_TASKS; start += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, SYNC_TASKS - start) }, (_, k) => {
        const id = `SYNC-${String(start + k).padStart(5, '0')}`;
        target.tasks.set(id, (start + k) % (SYNC_TASKS / SYNC_CHANGED) === 0 ? 'closed' : 'new');
        const task: StoredTask = {
          id,
          status: 'new',
          link: `https://jira.bench.test/browse/${id}`,
          dedupeKey: `key-${start + k}`,
          dedupeCount: 1,
          alertIds: [`alert-${start + k}`],
          queue: QUEUE,
          createdAt: at,
          updatedAt: at,
        };
        return plainTasks.put(syncJob.id, task);
      }),
    );
  }
  // The memory probe: the first task of each page listed, and how many of them are alive mid-sync.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const pages: WeakRef<object>[] = [];
  const listOpen = deps.tasks.listOpen.bind(deps.tasks);
  deps.tasks.listOpen = async (jobId, page) => {
    const listed = await listOpen(jobId, page);
    if (listed.items[0] !== undefined) pages.push(new WeakRef(listed.items[0]));
    return listed;
  };
  let pagesAlive = 0;
  target.onSync = async () => {
    if (target.calls.syncStates % 10 !== 1) return;
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    pagesAlive = Math.max(pagesAlive, pages.filter((p) => p.deref() !== undefined).length);
  };
  const syncsBefore = target.calls.syncStates;
  const scheduled = await createPlatformRun(deps, syncJob, {
    firedBy: 'schedule',
    scheduledFor: '2027-01-04T09:00:00.000Z',
  });
  await drainQueue(bench);
  const syncCalls = await countedCalls(bench, () =>
    processRunMessage(deps, {
      body: JSON.stringify({ runId: scheduled.id, jobId: syncJob.id }),
      receiveCount: 1,
      receiptHandle: 'bench',
    }),
  );
  const syncRun = await plainRuns.get(scheduled.id);
  const sync = (syncRun?.output as { sync?: { synced: number; closed: number } } | undefined)?.sync;
  if (syncRun?.status !== 'succeeded')
    problems.push(`sync run ${syncRun?.status ?? 'missing'}: ${syncRun?.error ?? ''}`);

  return {
    plain: perRun(plain),
    newTask: perRun(created),
    comment: perRun(commented),
    ignore: perRun(ignored),
    sync: tally(dynamo(syncCalls)),
    syncWrites: tally(
      dynamo(syncCalls).filter((c) => !(c.dynamo?.keys ?? []).some((k) => k.startsWith('RUN#'))),
    ).writeCalls,
    syncCalls: target.calls.syncStates - syncsBefore,
    syncSynced: sync?.synced ?? 0,
    syncClosed: sync?.closed ?? 0,
    pagesAlive,
    ...(problems.length === 0 ? {} : { problem: problems.slice(0, 3).join('; ') }),
  };
};

const emptyFigures = (): TicketFigures => ({
  plain: tally([]),
  newTask: tally([]),
  comment: tally([]),
  ignore: tally([]),
  sync: tally([]),
  syncWrites: 0,
  syncCalls: 0,
  syncSynced: 0,
  syncClosed: 0,
  pagesAlive: 0,
});

/** The rows, from the figures: each checks its path's budget beyond a plain run. */
export const ticketRows = (f: TicketFigures): BenchRow[] => {
  const extra = (t: Tally) => ({
    writes: t.writeCalls - f.plain.writeCalls,
    reads: t.readCalls - f.plain.readCalls,
  });
  const row = (name: string, t: Tally, maxWrites: number, maxReads: number, why: string): BenchRow => {
    const e = extra(t);
    return countRow(
      name,
      `+${n(e.writes)} writes, +${n(e.reads)} reads (${callsText(t)}; plain run: ${callsText(f.plain)})`,
      `≤ +${maxWrites} writes, ≤ +${maxReads} reads: ${why}`,
      f.problem === undefined && e.writes <= maxWrites && e.reads <= maxReads,
    );
  };
  const syncPages = Math.ceil(SYNC_TASKS / SYNC_BATCH);
  const readsPerTask = f.sync.readCalls / SYNC_TASKS;
  return [
    row(
      'ticket alert → new task, beyond a plain run',
      f.newTask,
      NEW_TASK_MAX_EXTRA_WRITES,
      NEW_TASK_MAX_EXTRA_READS,
      'effect claim + record, task + dedupe key; open task for the key, cached fields',
    ),
    row(
      'ticket alert deduplicated (comment), beyond a plain run',
      f.comment,
      COMMENT_MAX_EXTRA_WRITES,
      COMMENT_MAX_EXTRA_READS,
      'effect claim + record, task update; open task for the key',
    ),
    row(
      'ticket alert deduplicated (ignore), beyond a plain run',
      f.ignore,
      IGNORE_MAX_EXTRA_WRITES,
      IGNORE_MAX_EXTRA_READS,
      'task update; open task for the key',
    ),
    countRow(
      `sync of ${SYNC_TASKS.toLocaleString('en-US')} open tasks`,
      `${f.syncCalls} syncStates calls, ${f.syncSynced} synced, ${f.syncClosed} closed; ${callsText(f.sync)}: ${fixed(readsPerTask, 4)} reads per task, ${f.syncWrites} writes outside the run item; ${f.pagesAlive} pages alive at most`,
      `exactly ${syncPages} syncStates calls; ≤ ${SYNC_MAX_READS_PER_TASK} reads per task; ≤ ${SYNC_WRITES_PER_CHANGED_TASK} writes per changed task (${SYNC_CHANGED}) + ${SYNC_OTHER_WRITES}; ≤ ${SYNC_MAX_PAGES_ALIVE} pages alive`,
      f.problem === undefined &&
        f.syncCalls === syncPages &&
        f.syncSynced === SYNC_TASKS &&
        f.syncClosed === SYNC_CHANGED &&
        readsPerTask <= SYNC_MAX_READS_PER_TASK &&
        f.syncWrites <= SYNC_WRITES_PER_CHANGED_TASK * SYNC_CHANGED + SYNC_OTHER_WRITES &&
        f.pagesAlive <= SYNC_MAX_PAGES_ALIVE,
    ),
  ];
};

/**
 * Counts issue 10's ticket paths and checks their budgets; dynalite and fauxqs in this process.
 * `figures` feed the cost table; absent when the section failed or a run answered unexpectedly
 * (a column priced from such counts would mislead).
 */
export const measureTickets = (): Promise<{ section: BenchSection; figures?: TicketFigures }> =>
  withBench(async (bench) => {
    let figures: TicketFigures;
    try {
      ({ value: figures } = await phase('tickets: new task, dedupe, sync of 10,000 tasks', () =>
        captureOutput(() => counted(bench)),
      ));
    } catch (e) {
      // A store that cannot do it (a build without the task store) fails these rows, not the whole bench.
      const why = e instanceof Error ? e.message : String(e);
      const failed = ticketRows({ ...emptyFigures(), problem: why }).map((r) => ({ ...r, measured: why }));
      return { section: { rows: failed, notes: [`tickets: the section failed: ${why}`] } };
    }
    const notes = [
      `tickets: counted at the SDK transport (CountingHandler → dynalite) through processRunMessage on createDeps, a ticket plugin in memory; ${RUNS} alerts per path, per-run averages beyond a plain run of the same worker`,
      `tickets: the worker's heartbeat is off in this section (its calls grow with a run's length, not its path); the sync is one scheduled run of a job with tickets.sync and no schedule of its own (its schedule lease counts as a plain scheduled run's 2 writes); ${SYNC_CHANGED} of its tasks closed in the target`,
      ...(figures.problem === undefined ? [] : [`tickets: unexpected: ${figures.problem}`]),
    ];
    const section = { rows: ticketRows(figures), notes };
    return figures.problem === undefined ? { section, figures } : { section };
  });

/** `npx tsx bench/tickets.ts`: this section alone; exits 1 when a budget is missed. */
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href)
  await runSectionAlone('tickets', async () => (await measureTickets()).section);
