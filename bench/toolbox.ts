import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import type { HttpHandlerOptions, HttpRequest, HttpResponse } from '@smithy/types';
import { createDeps } from '../functions/create-deps.ts';
import { createIngestApp } from '../shared/http/ingest-app.ts';
import { JobSchema, parseRunMessage } from '../shared/model/index.ts';
import type { Clock } from '../shared/ports.ts';
import type { Deps } from '../shared/runtime/deps.ts';
import { GLOBALS_CACHE_MS } from '../shared/runtime/toolbox/globals.ts';
import { processRunMessage } from '../shared/runtime/worker.ts';
import { defineIntegration } from '../shared/sdk/index.ts';
import { DynamoCheckpointStore } from '../shared/store/dynamo-checkpoint-store.ts';
import { DynamoGlobalStore } from '../shared/store/dynamo-global-store.ts';
import { DynamoJobStore } from '../shared/store/dynamo-job-store.ts';
import { DynamoRunStore } from '../shared/store/dynamo-run-store.ts';
import {
  CHECKPOINT_SK,
  DELIVERY_SK_PREFIX,
  EFFECT_SK_PREFIX,
  GLOBAL_PK,
  JOB_SK,
  NOTE_SK_PREFIX,
  NOTES_GSI1PK,
  RUN_SK,
  STATE_META_SK,
  STATE_SK_PREFIX,
} from '../shared/store/keys.ts';
import type { CallRecord, CountingHandler, Service, Tally } from './counting.ts';
import { bodyText, classify, describeOperations, emptyTally, sendCalls, tally } from './counting.ts';
import type { Bench } from './harness.ts';
import {
  SECRET,
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
import { CHECKPOINT_MAX_READS, CHECKPOINT_MAX_WRITES, RUN_MAX_WRITES } from './units.ts';

/**
 * The toolbox's paths (issue 8: ctx.state, ctx.checkpoint, ctx.effect,
 * ctx.globals, ctx.notifier, and a run deferred by a rate limit), counted
 * at the SDK transport like `units.ts`: the real worker (`processRunMessage`
 * on `createDeps`) runs a bench integration against dynalite and fauxqs
 * through the {@link CountingHandler}. A run makes calls for several paths
 * at once (its own item, its checkpoint, the integration's state…), so each
 * call is attributed to the item it touches, by its sort key; a row adds up
 * only its path's calls, per run, over runs that each take that path once.
 * Every figure is a count, never a time.
 */

/** ctx.state.get / getEntry: one consistent GetItem of a small item. */
export const STATE_GET_MAX_READS = 1;
export const STATE_GET_MAX_RCU = 1;
/** ctx.state.set of an existing key: one UpdateItem; state items have no index keys. */
/**
 * A run's state writes are staged and applied when it succeeds; to answer `set`'s `{ version }`
 * the run reads a key it has not read yet, once (a get-then-set, the usual pattern, reads it
 * anyway: no extra call).
 */
export const STATE_SET_MAX_READS = 1;
export const STATE_SET_EXISTING_MAX_WRITES = 1;
export const STATE_SET_EXISTING_MAX_WCU = 1;
/** ctx.state.set of a new key: the item and the job's key count (the 1,000-key limit). */
export const STATE_SET_NEW_MAX_WRITES = 2;
/** ctx.effect, first call: the `pending` claim and the `done` record; fn called once. */
export const EFFECT_FIRST_MAX_WRITES = 2;
/** ctx.effect reached again (a fresh delivery): the refused claim, and in dynalite a read of the record; fn not called. */
export const EFFECT_REPLAY_MAX_WRITES = 1;
export const EFFECT_REPLAY_MAX_READS = 1;
/** ctx.notifier: one PutItem, one entry in gsi1 (the all-jobs listing). */
export const NOTIFICATION_WRITES = 1;
export const NOTIFICATION_INDEX_WRITES = 1;
/** A run deferred by a rate limit: beyond its start, the release and the delayed message. */
export const DEFER_RELEASE_WRITES = 1;
export const DEFER_SENDS = 1;

const JOB = 'bench-toolbox';
/** Runs per path, after one cold run. */
const RUNS = 10;
/** Runs deferred by the loopback rate limit, each deferred twice (the notification comes once per run). */
const DEFERRED_RUNS = 3;
/**
 * The worker's clock moves this much per run: the globals' 10 s cache and
 * the checkpoint's order (by start time) then follow the run count, not the
 * speed of a shared machine.
 */
const CLOCK_STEP_MS = 50;
/** What `Retry-After` asks for: past any run's deadline, so the run is deferred at once. */
const RETRY_AFTER_SECONDS = 3600;

// ——— Which path a call belongs to ———

/** The item (or service) a call touches. */
export type Label =
  | 'run'
  | 'job'
  | 'delivery'
  | 'checkpoint'
  | 'state'
  | 'effect'
  | 'globals'
  | 'notification'
  | 'queue'
  | 'payload'
  | 'secret'
  | 'other';

const labelOfKey = (pk: string | undefined, sk: string | undefined): Label => {
  if (pk === GLOBAL_PK) return 'globals';
  if (sk === undefined) return 'other';
  if (sk === RUN_SK) return 'run';
  if (sk === JOB_SK) return 'job';
  if (sk === CHECKPOINT_SK) return 'checkpoint';
  if (sk === STATE_META_SK || sk.startsWith(STATE_SK_PREFIX)) return 'state';
  if (sk.startsWith(EFFECT_SK_PREFIX)) return 'effect';
  if (sk.startsWith(NOTE_SK_PREFIX)) return 'notification';
  if (sk.startsWith(DELIVERY_SK_PREFIX)) return 'delivery';
  return 'other';
};

type Wire = Record<string, { S?: unknown } | undefined>;
const text = (value: { S?: unknown } | undefined): string | undefined =>
  typeof value?.S === 'string' ? value.S : undefined;

/**
 * The path of one request, from the key it names (GetItem, PutItem,
 * UpdateItem, DeleteItem) or the key values a Query or Scan compares with.
 */
export const labelOf = (service: Service, body: string): Label => {
  if (service === 'SQS') return 'queue';
  if (service === 'S3') return 'payload';
  if (service === 'SecretsManager') return 'secret';
  const input = JSON.parse(body || '{}') as { Key?: Wire; Item?: Wire; ExpressionAttributeValues?: Wire };
  const key = input.Key ?? input.Item;
  if (key !== undefined) return labelOfKey(text(key.pk), text(key.sk));
  const values = Object.values(input.ExpressionAttributeValues ?? {})
    .map(text)
    .filter((v): v is string => v !== undefined);
  if (values.includes(GLOBAL_PK)) return 'globals';
  if (values.includes(NOTES_GSI1PK)) return 'notification';
  for (const v of values) {
    const label = labelOfKey(undefined, v);
    if (label !== 'other' && label !== 'job') return label;
  }
  return 'other';
};

export interface Labelled {
  label: Label;
  call: CallRecord;
}

/**
 * In front of the bench's {@link CountingHandler}: labels each call with
 * its path. Calls go through one at a time, so that the call the counter
 * records is the one just labelled (counts do not depend on concurrency).
 */
class LabellingHandler {
  readonly #counter: CountingHandler;
  #records: Labelled[] = [];
  #queue: Promise<unknown> = Promise.resolve();

  constructor(counter: CountingHandler) {
    this.#counter = counter;
  }

  updateHttpClientConfig(): void {}
  httpHandlerConfigs(): Record<string, never> {
    return {};
  }
  destroy(): void {}

  handle(request: HttpRequest, options?: HttpHandlerOptions): Promise<{ response: HttpResponse }> {
    const call = this.#queue.then(async () => {
      const { service } = classify(request);
      const label = labelOf(service, service === 'DynamoDB' ? bodyText(request.body) : '');
      const seen = this.#counter.calls.length;
      try {
        return await this.#counter.handle(request, options);
      } finally {
        for (const c of this.#counter.calls.splice(seen)) this.#records.push({ label, call: c });
      }
    });
    this.#queue = call.catch(() => undefined);
    return call;
  }

  /** The calls since the last take. */
  take(): Labelled[] {
    const taken = this.#records;
    this.#records = [];
    return taken;
  }
}

/** Per label, the calls of `runs` added up and divided by their number. */
export const byLabel = (runs: readonly (readonly Labelled[])[]): Partial<Record<Label, Tally>> => {
  const grouped = new Map<Label, CallRecord[]>();
  for (const records of runs) {
    for (const { label, call } of records) grouped.set(label, [...(grouped.get(label) ?? []), call]);
  }
  const per = Math.max(1, runs.length);
  return Object.fromEntries([...grouped].map(([label, calls]) => [label, tally(calls, per)]));
};

const of = (tallies: Partial<Record<Label, Tally>>, label: Label): Tally => tallies[label] ?? emptyTally();

// ——— The bench integration ———

type Op = 'warm' | 'get' | 'set' | 'set-new' | 'effect' | 'notify' | 'http';

interface Payload {
  op: Op;
  seq: number;
  /** The effect's key (`effect`), the URL (`http`). */
  key?: string;
  url?: string;
}

/** Calls of the effects' functions, in this process: a replay must not add one. */
let effectCalls = 0;
/** The cursor the last run that got to its end returned: the checkpoint must hold it. */
let lastCursor: string | undefined;

/** One path per run, chosen by the event; every run returns a cursor (its seq). */
export const toolboxIntegration = defineIntegration({
  id: 'bench-toolbox',
  name: 'Bench toolbox',
  version: '1.0.0',
  description: 'Takes one toolbox path per run (state, effect, notifier, ctx.http) and returns a cursor.',
  parameters: {},
  async run(ctx) {
    const p = ctx.event.payload as Payload;
    switch (p.op) {
      case 'warm':
        await ctx.state.set('n', 0);
        break;
      case 'get':
        if ((await ctx.state.get<number>('n')) === undefined) throw new Error('state key n is missing');
        break;
      case 'set':
        await ctx.state.set('n', p.seq);
        break;
      case 'set-new':
        await ctx.state.set(`k-${p.seq}`, p.seq);
        break;
      case 'effect':
        await ctx.effect(p.key ?? '', () => {
          effectCalls++;
          return { created: p.key };
        });
        break;
      case 'notify':
        await ctx.notifier.info(`bench notification ${p.seq}`);
        break;
      case 'http':
        await ctx.http.get(p.url ?? '');
        break;
    }
    lastCursor = String(p.seq);
    return { message: p.op, cursor: lastCursor };
  },
});

// ——— The measurement ———

/** A clock that moves only when told: one step per run. */
const steppedClock = (): Clock & { step(): number } => {
  let at = Date.now();
  let steps = 0;
  return {
    now: () => new Date(at),
    step: () => {
      at += CLOCK_STEP_MS;
      return ++steps;
    },
  };
};

/** A loopback API that answers every request 429 with a Retry-After past the run's deadline. */
const rateLimitedServer = async (): Promise<{
  url: string;
  hits: () => number;
  close: () => Promise<void>;
}> => {
  let hits = 0;
  const server = createServer((_request, response) => {
    hits++;
    response.writeHead(429, { 'retry-after': String(RETRY_AFTER_SECONDS), 'content-type': 'text/plain' });
    response.end('slow down');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/limited`,
    hits: () => hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

interface Processed {
  runId: string;
  body: string;
  records: Labelled[];
}

/** What the rows are made of: per-run tallies of each path's calls. */
export interface ToolboxFigures {
  runs: number;
  stateGet: Tally;
  stateSetExisting: Tally;
  stateSetNew: Tally;
  /** The checkpoint's calls per finished run (every run but the deferred ones). */
  checkpoint: Tally;
  /** Writes of the run item per finished run (the worker's start and finish). */
  runItemWrites: number;
  effectFirst: { effect: Tally; fnCalls: number };
  effectReplay: { effect: Tally; fnCalls: number };
  /** The globals' calls per warm run, and on the worker's first (cold) run. */
  globalsWarm: Tally;
  globalsCold: Tally;
  globalsCount: number;
  notification: Tally;
  /** Per deferral of a rate-limited run, by path: its first deferral, and the next one of the same run. */
  deferFirst: Partial<Record<Label, Tally>>;
  deferAgain: Partial<Record<Label, Tally>>;
  /** Job reads (the 5 s job cache, by wall clock) over all warm runs, left out of the rows. */
  jobReads: number;
  warmRuns: number;
}

const counted = async (
  bench: Bench,
): Promise<{ figures: ToolboxFigures; coldCalls: Partial<Record<Label, Tally>> }> => {
  const { tableName, config } = await freshTable(bench, 'toolbox');
  await drainQueue(bench);
  await new DynamoJobStore({ client: bench.plain.ddb, tableName }).put(
    JobSchema.parse({
      id: JOB,
      name: 'Bench toolbox',
      integration: 'bench-toolbox',
      auth: { secret: 'demo' },
    }),
  );
  // One global, so that a cold run has something to read and a warm one something to skip.
  const globals = 1;
  await new DynamoGlobalStore({ client: bench.plain.ddb, tableName }).put({
    name: 'region',
    masked: false,
    value: 'eu-west-1',
    at: new Date().toISOString(),
  });
  const runStore = new DynamoRunStore({ client: bench.plain.ddb, tableName, retentionDays: 30 });
  const labels = new LabellingHandler(bench.counter);
  const options = { requestHandler: labels, integrations: [toolboxIntegration] };
  const ingest = createIngestApp(createDeps(config, options));
  const clock = steppedClock();
  // The real worker on the real stores; only its clock is the bench's.
  const worker: Deps = { ...createDeps(config, options), clock };
  const limited = await rateLimitedServer();
  let seq = 0;

  /** Runs one delivery per payload through ingest (not counted) and the worker (counted per run). */
  const deliver = async (payloads: readonly Omit<Payload, 'seq'>[]): Promise<Processed[]> => {
    for (const payload of payloads) {
      const answer = await ingest.request(`/hooks/${JOB}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-shared-secret': SECRET },
        body: JSON.stringify({ ...payload, seq: ++seq }),
      });
      if (answer.status !== 202) throw new Error(`ingest answered ${answer.status}: ${await answer.text()}`);
    }
    const messages = await receiveAll(bench, payloads.length);
    if (messages.length !== payloads.length)
      throw new Error(`expected ${payloads.length} run messages, got ${messages.length}`);
    labels.take();
    return again(messages.map((m) => m.body));
  };
  /** Processes run messages (again), each on its own step of the clock. */
  const again = async (bodies: readonly string[]): Promise<Processed[]> => {
    const processed: Processed[] = [];
    for (const body of bodies) {
      clock.step();
      await processRunMessage(worker, { body, receiptHandle: 'bench', receiveCount: 1 });
      processed.push({ runId: parseRunMessage(body).runId, body, records: labels.take() });
    }
    return processed;
  };
  const expectStatus = async (runs: readonly Processed[], status: string): Promise<void> => {
    for (const { runId } of runs) {
      const run = await runStore.get(runId);
      if (run?.status !== status)
        throw new Error(
          `run ${runId} is ${run?.status ?? 'missing'}: ${run?.error ?? ''}, expected ${status}`,
        );
    }
  };
  const times = (n: number, payload: (i: number) => Omit<Payload, 'seq'>) =>
    Array.from({ length: n }, (_, i) => payload(i));
  const records = (runs: readonly Processed[]) => runs.map((r) => r.records);

  try {
    const output = await captureOutput(async () => {
      const [cold] = await deliver([{ op: 'warm' }]);
      if (cold === undefined) throw new Error('no cold run');
      const get = await deliver(times(RUNS, () => ({ op: 'get' })));
      const set = await deliver(times(RUNS, () => ({ op: 'set' })));
      const setNew = await deliver(times(RUNS, () => ({ op: 'set-new' })));
      const calledBefore = effectCalls;
      const effect = await deliver(times(RUNS, (i) => ({ op: 'effect', key: `e-${i}` })));
      const firstCalls = effectCalls - calledBefore;
      // The same keys again, from fresh deliveries: each finds its effect done.
      const replay = await deliver(times(RUNS, (i) => ({ op: 'effect', key: `e-${i}` })));
      const replayCalls = effectCalls - calledBefore - firstCalls;
      const notify = await deliver(times(RUNS, () => ({ op: 'notify' })));
      const finished = [cold, ...get, ...set, ...setNew, ...effect, ...replay, ...notify];
      await expectStatus(finished, 'succeeded');
      const deferFirst = await deliver(times(DEFERRED_RUNS, () => ({ op: 'http', url: limited.url })));
      await expectStatus(deferFirst, 'queued');
      // The delayed message each deferral sent, taken at once (its body is the run message's).
      const deferAgain = await again(deferFirst.map((r) => r.body));
      await expectStatus(deferAgain, 'queued');
      if (limited.hits() !== 2 * DEFERRED_RUNS)
        throw new Error(`the rate-limited API was called ${limited.hits()} times, not ${2 * DEFERRED_RUNS}`);
      const steps = clock.step();
      if (steps * CLOCK_STEP_MS >= GLOBALS_CACHE_MS)
        throw new Error(`${steps} runs outlast the globals cache: lower CLOCK_STEP_MS`);

      // Each run returned its seq as the cursor: the checkpoint holds the last finished run's.
      const point = await new DynamoCheckpointStore({ client: bench.plain.ddb, tableName }).get(JOB);
      if (lastCursor === undefined || point?.cursor !== lastCursor)
        throw new Error(`checkpoint cursor ${point?.cursor ?? 'none'}, expected ${lastCursor ?? 'none'}`);

      const warm = finished.slice(1);
      const warmAll = [...records(warm), ...records(deferFirst), ...records(deferAgain)];
      const finishedTallies = byLabel(records(warm));
      return {
        figures: {
          runs: RUNS,
          stateGet: of(byLabel(records(get)), 'state'),
          stateSetExisting: of(byLabel(records(set)), 'state'),
          stateSetNew: of(byLabel(records(setNew)), 'state'),
          checkpoint: of(finishedTallies, 'checkpoint'),
          runItemWrites: of(finishedTallies, 'run').writeCalls,
          effectFirst: { effect: of(byLabel(records(effect)), 'effect'), fnCalls: firstCalls / RUNS },
          effectReplay: { effect: of(byLabel(records(replay)), 'effect'), fnCalls: replayCalls / RUNS },
          globalsWarm: of(byLabel(warmAll), 'globals'),
          globalsCold: of(byLabel([cold.records]), 'globals'),
          globalsCount: globals,
          notification: of(byLabel(records(notify)), 'notification'),
          deferFirst: byLabel(records(deferFirst)),
          deferAgain: byLabel(records(deferAgain)),
          jobReads: of(byLabel(warmAll), 'job').readCalls * warmAll.length,
          warmRuns: warmAll.length,
        } satisfies ToolboxFigures,
        coldCalls: byLabel([cold.records]),
      };
    });
    return output.value;
  } finally {
    await limited.close();
  }
};

// ——— Rows ———

const n = (value: number): string => (Number.isInteger(value) ? String(value) : fixed(value));

const unitsText = (t: Tally): string =>
  `${n(t.writeUnits)} WCU + ${n(t.indexWriteUnits)} index WCU, ${n(t.readUnits)} RCU`;

const callsText = (t: Tally): string => `${describeOperations(t)}; ${unitsText(t)}`;

const indexWriteCount = (t: Tally): number => Object.values(t.indexWrites).reduce((sum, w) => sum + w, 0);

/** The DynamoDB reads of a deferral beyond every run's checkpoint read (and the job cache's, by wall clock). */
const extraReads = (tallies: Partial<Record<Label, Tally>>): number =>
  Object.entries(tallies)
    .filter(([label]) => label !== 'checkpoint' && label !== 'job')
    .reduce((sum, [, t]) => sum + (t?.readCalls ?? 0), 0);

/** Writes of a deferral other than the run item's and the notification's. */
const otherWrites = (tallies: Partial<Record<Label, Tally>>): number =>
  Object.entries(tallies)
    .filter(([label]) => label !== 'run' && label !== 'notification')
    .reduce((sum, [, t]) => sum + (t?.writeCalls ?? 0), 0);

/** A deferral's calls beyond the run's start: the run item's writes but the start, and the queue's. */
const deferralText = (tallies: Partial<Record<Label, Tally>>): string => {
  const run = of(tallies, 'run');
  const queue = of(tallies, 'queue');
  const note = of(tallies, 'notification');
  return `UpdateItem ${n(run.writeCalls - 1)}, ${describeOperations(queue)}, ${n(extraReads(tallies))} extra reads, notification ${n(note.writeCalls)}`;
};

const deferralWithinBudget = (tallies: Partial<Record<Label, Tally>>, notifications: number): boolean => {
  const run = of(tallies, 'run');
  const queue = of(tallies, 'queue');
  const note = of(tallies, 'notification');
  return (
    // The start and the release: both UpdateItems of the run item.
    run.writeCalls === 1 + DEFER_RELEASE_WRITES &&
    (run.operations['DynamoDB.UpdateItem'] ?? 0) === 1 + DEFER_RELEASE_WRITES &&
    sendCalls(queue) === DEFER_SENDS &&
    queue.calls === DEFER_SENDS &&
    extraReads(tallies) === 0 &&
    otherWrites(tallies) === 0 &&
    note.writeCalls === notifications
  );
};

/** The rows, from the figures: each checks its path's budget. */
export const toolboxRows = (f: ToolboxFigures): BenchRow[] => {
  const get = f.stateGet;
  const set = f.stateSetExisting;
  const setNew = f.stateSetNew;
  const cp = f.checkpoint;
  const first = f.effectFirst;
  const replay = f.effectReplay;
  const note = f.notification;
  return [
    countRow(
      'state get (ctx.state.get, warm)',
      callsText(get),
      `≤ ${STATE_GET_MAX_READS} read, ≤ ${STATE_GET_MAX_RCU} RCU, 0 writes`,
      get.readCalls <= STATE_GET_MAX_READS &&
        get.readUnits <= STATE_GET_MAX_RCU &&
        get.writeCalls === 0 &&
        get.calls <= STATE_GET_MAX_READS,
    ),
    countRow(
      'state set, existing key',
      callsText(set),
      `≤ ${STATE_SET_EXISTING_MAX_WRITES} write, ≤ ${STATE_SET_MAX_READS} read (the key's version, once per run), ≤ ${STATE_SET_EXISTING_MAX_WCU} WCU, 0 index WCU`,
      set.writeCalls <= STATE_SET_EXISTING_MAX_WRITES &&
        set.readCalls <= STATE_SET_MAX_READS &&
        set.writeUnits <= STATE_SET_EXISTING_MAX_WCU &&
        set.indexWriteUnits === 0,
    ),
    countRow(
      'state set, new key',
      callsText(setNew),
      `≤ ${STATE_SET_NEW_MAX_WRITES} writes, ≤ ${STATE_SET_MAX_READS} read, 0 index WCU`,
      setNew.writeCalls <= STATE_SET_NEW_MAX_WRITES &&
        setNew.readCalls <= STATE_SET_MAX_READS &&
        setNew.indexWriteUnits === 0,
    ),
    countRow(
      'checkpoint per run (worker, warm)',
      `${callsText(cp)}; run-item writes ${n(f.runItemWrites)}`,
      `${CHECKPOINT_MAX_READS} read + ${CHECKPOINT_MAX_WRITES} write, 0 index writes; run-item writes ≤ ${RUN_MAX_WRITES}`,
      cp.readCalls === CHECKPOINT_MAX_READS &&
        cp.writeCalls === CHECKPOINT_MAX_WRITES &&
        cp.calls === CHECKPOINT_MAX_READS + CHECKPOINT_MAX_WRITES &&
        indexWriteCount(cp) === 0 &&
        cp.indexWriteUnits === 0 &&
        f.runItemWrites <= RUN_MAX_WRITES,
    ),
    countRow(
      'effect, first call',
      `${callsText(first.effect)}; fn calls ${n(first.fnCalls)}`,
      `≤ ${EFFECT_FIRST_MAX_WRITES} writes, 0 reads, fn calls = 1`,
      first.effect.writeCalls <= EFFECT_FIRST_MAX_WRITES &&
        first.effect.readCalls === 0 &&
        first.effect.indexWriteUnits === 0 &&
        first.fnCalls === 1,
    ),
    countRow(
      'effect, replayed delivery',
      `${callsText(replay.effect)}; fn calls ${n(replay.fnCalls)}`,
      `≤ ${EFFECT_REPLAY_MAX_WRITES} write + ≤ ${EFFECT_REPLAY_MAX_READS} read, fn calls = 0`,
      replay.effect.writeCalls <= EFFECT_REPLAY_MAX_WRITES &&
        replay.effect.readCalls <= EFFECT_REPLAY_MAX_READS &&
        replay.fnCalls === 0,
    ),
    countRow(
      'globals per run (warm)',
      `${n(f.globalsWarm.calls)} calls (cold: ${describeOperations(f.globalsCold)}, ${f.globalsCount} global)`,
      '0 calls (cold: ≤ 1 Query + ⌈masked/20⌉ BatchGetSecretValue)',
      f.globalsWarm.calls === 0 &&
        f.globalsCold.readCalls <= 1 &&
        f.globalsCold.writeCalls === 0 &&
        f.globalsCold.calls <= 1,
    ),
    countRow(
      'notification (ctx.notifier.info)',
      callsText(note),
      `${NOTIFICATION_WRITES} write + ${NOTIFICATION_INDEX_WRITES} index write`,
      note.writeCalls === NOTIFICATION_WRITES &&
        note.itemWrites === NOTIFICATION_WRITES &&
        indexWriteCount(note) === NOTIFICATION_INDEX_WRITES &&
        note.readCalls === 0,
    ),
    countRow(
      'rate-limited run deferred (worker): beyond its start',
      `first: ${deferralText(f.deferFirst)}; again: ${deferralText(f.deferAgain)}`,
      `${DEFER_RELEASE_WRITES} UpdateItem (release) + ${DEFER_SENDS} SendMessage, 0 extra reads; notification once per run`,
      deferralWithinBudget(f.deferFirst, 1) && deferralWithinBudget(f.deferAgain, 0),
    ),
  ];
};

/**
 * Counts the toolbox's paths and checks their budgets. Runs dynalite and
 * fauxqs in this process, and a loopback API for the rate limit; 10–30 s.
 */
export const measureToolbox = (): Promise<BenchSection> =>
  withBench(async (bench) => {
    const { figures, coldCalls } = await phase('toolbox: state, checkpoint, effect, globals, notifier', () =>
      counted(bench),
    );
    const cold = Object.entries(coldCalls)
      .map(([label, t]) => `${label} ${describeOperations(t ?? emptyTally())}`)
      .join('; ');
    const notes = [
      `toolbox: counted at the SDK transport (CountingHandler → dynalite/fauxqs) through the real worker (processRunMessage on createDeps) running the bench-toolbox integration (bench/toolbox.ts), ${figures.runs} runs per path after one cold run; each call is given to the path of the item it touches (sort key RUN, CHECKPOINT, STATE#/STATEMETA, EFFECT#, NOTE#, pk GLOBAL) and the rows are per run; the worker's clock steps ${CLOCK_STEP_MS} ms per run, so that the 10 s globals cache and the checkpoint's order follow the run count, not the machine's speed`,
      `toolbox: left out of the rows — job reads of the 5 s job cache (wall clock: ${n(figures.jobReads)} over ${figures.warmRuns} warm runs) and Secrets Manager (60 s cache); cold run: ${cold}`,
      `toolbox: an effect replayed in AWS costs its refused claim only (ReturnValuesOnConditionCheckFailure hands back the record); dynalite lacks it, so the ledger reads the record back: the row's read`,
      `toolbox: the deferred run calls a loopback API answering 429 Retry-After: ${RETRY_AFTER_SECONDS} (past the run's deadline); each of ${DEFERRED_RUNS} runs is deferred twice — its start (UpdateItem) and checkpoint read are every run's; the rate_limited notification (PutItem + 1 index write) comes with the first deferral only`,
      `toolbox: globals cold with ${figures.globalsCount} unmasked global; masked ones add ⌈masked/20⌉ BatchGetSecretValue, which the bench's canned Secrets Manager does not answer`,
    ];
    return { rows: toolboxRows(figures), notes };
  });

/** `npx tsx bench/toolbox.ts`: this section alone; exits 1 when a budget is missed. */
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href)
  await runSectionAlone('toolbox', measureToolbox);
