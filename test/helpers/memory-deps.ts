import { MemoryTaskStore } from '../../shared/testing/memory-task-store.ts';
import { MemoryTurnStore } from '../../shared/testing/memory-turn-store.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors.ts';
import type { Delivery, Job, LogLine, Run, RunSummary } from '../../shared/model/index.ts';
import { isFinal, summarizeRun } from '../../shared/model/index.ts';
import type {
  Clock,
  DeliveryCreateResult,
  DeliveryStore,
  JobStore,
  OpenKind,
  OpenRun,
  OpenRunsRequest,
  Page,
  PageRequest,
  PayloadStore,
  Queue,
  RunControl,
  RunFinish,
  RunListQuery,
  RunMessage,
  RunRetry,
  RunStart,
  RunStore,
  SecretStore,
  SendFailure,
} from '../../shared/ports.ts';
import type { Deps, RuntimeSettings } from '../../shared/runtime/deps.ts';
import { encodeMemoryCursor, lastOfMemoryCursor, pageLimit } from '../../shared/store/cursor.ts';
import { OPEN_SHARDS, openShard } from '../../shared/store/keys.ts';
import { jsonSafe } from '../../shared/store/item.ts';
import { runFilterOf, runPasses } from '../../shared/store/run-query.ts';
import { DEFAULT_SETTINGS } from '../../shared/runtime/deps.ts';
import type { AnyIntegration } from '../../shared/sdk/index.ts';
import { createRegistry } from '../../shared/sdk/index.ts';
import { integrationFolders } from '../../integrations/registry.generated.ts';
import { MemoryCheckpointStore } from './memory-checkpoint-store.ts';
import { MemoryScheduleStore } from '../../shared/testing/memory-schedule-store.ts';
import { MemoryScriptStore } from '../../shared/testing/memory-script-store.ts';
import { MemoryLeaseStore } from './memory-lease-store.ts';
import { MemoryEffectLedger } from './memory-effect-store.ts';
import { MemoryGlobalStore } from './memory-global-store.ts';
import { MemoryNotificationStore } from './memory-notification-store.ts';
import { MemoryStateStore } from './memory-state-store.ts';

/**
 * Paging as the DynamoDB adapters page (shared/store/cursor.ts): 20 by
 * default, at most 100, an opaque cursor that only fits the listing it came
 * from (anything else is a ValidationError).
 */
const pageOf = <T>(
  sorted: readonly T[],
  keyOf: (item: T) => string,
  page: PageRequest,
  scope: string,
  descending = false,
): Page<T> => {
  const limit = pageLimit(page.limit);
  let start = 0;
  if (page.cursor !== undefined) {
    // The first item after the last one served, even if that one has gone since (an exclusive start key).
    const last = lastOfMemoryCursor(page.cursor, scope);
    const next = sorted.findIndex((item) => (descending ? keyOf(item) < last : keyOf(item) > last));
    start = next === -1 ? sorted.length : next;
  }
  const items = sorted.slice(start, start + limit);
  const last = items.at(-1);
  if (start + limit >= sorted.length || last === undefined) return { items };
  return { items, nextCursor: encodeMemoryCursor(scope, keyOf(last)) };
};

/** What `fn` returns, or its throw, as a promise: an adapter's errors arrive as rejections. */
const settle = <T>(fn: () => T): Promise<T> => {
  try {
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
};

/** Ascending by `key`, as DynamoDB orders a sort key (code units). */
const byKey =
  <T>(key: (item: T) => string) =>
  (a: T, b: T): number =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

/** DynamoDB keeps no attribute whose value is undefined: an update REMOVEs it. */
const compact = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

/**
 * In-memory ports with the same semantics as the DynamoDB adapters, for unit
 * tests; test/contract/*.contract.ts runs one suite against both. They hand out
 * and keep copies, as a table does.
 */
export class MemoryJobStore implements JobStore {
  readonly items = new Map<string, Job>();
  get(id: string) {
    const job = this.items.get(id);
    return Promise.resolve(job === undefined ? undefined : structuredClone(job));
  }
  list(page: PageRequest = {}): Promise<Page<Job>> {
    return settle(() => {
      const sorted = [...this.items.values()].sort(byKey((j) => j.id));
      const result = pageOf(sorted, (j) => j.id, page, 'jobs');
      return { ...result, items: structuredClone(result.items) };
    });
  }
  put(job: Job) {
    const created = !this.items.has(job.id);
    this.items.set(job.id, structuredClone(job));
    return Promise.resolve({ created });
  }
  delete(id: string) {
    return Promise.resolve(this.items.delete(id));
  }
}

/** A run as the table keeps it: JSON for the event and the output, no undefined attributes. */
const stored = (run: Run): Run => {
  const { event, output, ...rest } = run;
  return compact({
    ...structuredClone(rest),
    event: event === undefined ? undefined : (JSON.parse(JSON.stringify(event)) as Run['event']),
    output: jsonSafe(output),
  });
};

export class MemoryRunStore implements RunStore {
  readonly items = new Map<string, Run>();
  writes = 0;
  /** How often recovery requeued each run: counted over the run's life, as the table's `requeues`. */
  readonly requeues = new Map<string, number>();
  /**
   * The index of open runs (gsi2) as the adapter keeps it: each open run's kind
   * and when it last moved, set by the same writes (a decision taken over by
   * `start` filed as running, a released run keeping its time); finishing drops it.
   */
  readonly #open = new Map<string, { kind: OpenKind; since: string }>();
  readonly openShards = OPEN_SHARDS;

  /** Days each run is kept (`create`'s `retentionDays`, else the store's default), as the table's TTL would. */
  readonly retention = new Map<string, number>();
  constructor(readonly retentionDays = 30) {}

  requestStop(
    runId: string,
    request: { by: string; at: string },
  ): Promise<'stopped' | 'stopping' | undefined> {
    const run = this.items.get(runId);
    if (run === undefined || isFinal(run.status)) return Promise.resolve(undefined);
    this.writes++;
    if (run.status === 'running') {
      // A second stop keeps the first request.
      this.items.set(runId, { ...run, stopRequest: run.stopRequest ?? { ...request } });
      return Promise.resolve('stopping');
    }
    const message = `stopped by ${request.by} before it started`;
    this.#open.delete(runId);
    this.items.set(runId, {
      ...run,
      status: 'stopped',
      endedAt: request.at,
      message,
      stopRequest: { ...request },
      logs: [...run.logs, { ts: request.at, level: 'WARN', message }],
    });
    return Promise.resolve('stopped');
  }
  /** Reads counted apart: the heartbeat's cost. */
  controlReads = 0;
  control(runId: string): Promise<RunControl | undefined> {
    this.controlReads++;
    const run = this.items.get(runId);
    if (run === undefined) return Promise.resolve(undefined);
    return Promise.resolve(
      compact({
        status: run.status,
        attempt: run.attempt,
        startedAt: run.startedAt,
        stopRequest: run.stopRequest === undefined ? undefined : { ...run.stopRequest },
      }),
    );
  }

  create(run: Run, options: { retentionDays?: number } = {}) {
    const retentionDays = options.retentionDays ?? this.retentionDays;
    if (!Number.isInteger(retentionDays) || retentionDays < 1) {
      return Promise.reject(
        new ValidationError('retentionDays must be a positive integer', 'invalid_retention'),
      );
    }
    this.writes++;
    if (this.items.has(run.id)) {
      return Promise.reject(new ConflictError(`run ${run.id} already exists`, 'run_exists'));
    }
    this.items.set(run.id, stored(run));
    this.retention.set(run.id, retentionDays);
    if (!isFinal(run.status)) {
      const kind = run.mode === 'decision' ? 'decision' : run.status === 'queued' ? 'queued' : 'running';
      this.#open.set(run.id, { kind, since: run.startedAt ?? run.createdAt });
    }
    return Promise.resolve();
  }
  get(id: string) {
    const run = this.items.get(id);
    return Promise.resolve(run === undefined ? undefined : structuredClone(run));
  }
  /** Summaries, as the adapter's index holds them. */
  listByJob(jobId: string, page: RunListQuery = {}): Promise<Page<RunSummary>> {
    return settle(() => {
      const filter = runFilterOf(page);
      const newestFirst = [...this.items.values()]
        .filter((r) => r.jobId === jobId && runPasses(r, filter))
        .sort(byKey((r: Run) => r.id))
        .reverse();
      const result = pageOf(newestFirst, (r) => r.id, page, `runs:${jobId}`, true);
      return { ...result, items: result.items.map((r) => summarizeRun(structuredClone(r))) };
    });
  }
  start(runId: string, s: RunStart) {
    this.writes++;
    const run = this.items.get(runId);
    if (!run || isFinal(run.status)) return Promise.resolve(undefined);
    // Taken over only when its holder started before the limit; one with no start time is never stale.
    if (run.status === 'running' && !(run.startedAt !== undefined && run.startedAt < s.staleBefore)) {
      return Promise.resolve(undefined);
    }
    // The requeue count stays: a run that keeps coming back is failed after MAX_SWEEP_REQUEUES in all.
    this.#open.set(runId, { kind: 'running', since: s.startedAt });
    const next: Run = {
      ...run,
      status: 'running',
      attempt: run.attempt + 1,
      startedAt: s.startedAt,
      ...(s.lagMs === undefined ? {} : { lagMs: s.lagMs }),
    };
    this.items.set(runId, next);
    return Promise.resolve(structuredClone(next));
  }
  finish(runId: string, f: RunFinish) {
    this.writes++;
    const run = this.items.get(runId);
    if (!run || run.status !== 'running' || run.attempt !== f.attempt) return Promise.resolve(false);
    // Every field of the finish is written; one it leaves undefined is removed, not kept from an earlier attempt.
    this.#open.delete(runId);
    this.items.set(
      runId,
      compact({
        ...run,
        status: f.status,
        endedAt: f.endedAt,
        durationMs: f.durationMs,
        message: f.message,
        error: f.error,
        output: jsonSafe(f.output),
        verdict: structuredClone(f.verdict),
        logs: structuredClone(f.logs),
        logsTruncated: f.logsTruncated,
        script: f.script,
        stopRequest: f.stopRequest === undefined ? run.stopRequest : { ...f.stopRequest },
        lagMs: f.lagMs ?? run.lagMs,
      }),
    );
    return Promise.resolve(true);
  }
  release(runId: string, r: RunRetry) {
    this.writes++;
    const run = this.items.get(runId);
    if (!run || run.status !== 'running' || run.attempt !== r.attempt) return Promise.resolve(false);
    // Deferred (a rate limit): the attempt is given back and the deferral counted; the run is
    // filed from when its delayed message shows.
    const deferred = r.deferred === true;
    const since = deferred && r.visibleAt !== undefined ? r.visibleAt : this.#open.get(runId)?.since;
    this.#open.set(runId, { kind: 'queued', since: since ?? run.createdAt });
    this.items.set(
      runId,
      compact({
        ...run,
        status: 'queued',
        error: r.error,
        ...(r.logs === undefined ? {} : { logs: structuredClone(r.logs), logsTruncated: r.logsTruncated }),
        ...(deferred
          ? {
              attempt: run.attempt - 1,
              ...(r.uncounted === true ? {} : { deferrals: (run.deferrals ?? 0) + 1 }),
            }
          : {}),
        ...(r.rateLimited === true ? { rateLimited: true } : {}),
      }),
    );
    return Promise.resolve(true);
  }
  /** Live log writes, counted apart: the heartbeat's cost. */
  logWrites = 0;
  saveLogs(runId: string, attempt: number, logs: LogLine[], logsTruncated?: boolean) {
    this.logWrites++;
    const run = this.items.get(runId);
    if (!run || run.status !== 'running' || run.attempt !== attempt) return Promise.resolve(false);
    this.items.set(
      runId,
      compact({
        ...run,
        logs: structuredClone(logs),
        logsTruncated: logsTruncated === true ? true : undefined,
      }),
    );
    return Promise.resolve(true);
  }
  markRequeued(runId: string, at: string) {
    if (this.items.get(runId)?.status !== 'queued') return Promise.resolve(undefined);
    const count = (this.requeues.get(runId) ?? 0) + 1;
    this.requeues.set(runId, count);
    this.#open.set(runId, { kind: 'queued', since: at });
    return Promise.resolve(count);
  }
  /** Read from the runs themselves, as the table scan is: `since` is when it was created or last started. */
  scanOpen(page: PageRequest = {}): Promise<Page<OpenRun>> {
    return settle(() => {
      const open = this.#openRuns(
        () => true,
        (r) => r.startedAt ?? r.createdAt,
      ).sort(byKey((r) => r.id));
      return pageOf(open, (r) => r.id, page, 'scan');
    });
  }
  listOpen(page: OpenRunsRequest): Promise<Page<OpenRun>> {
    return settle(() => {
      if (!Number.isInteger(page.shard) || page.shard < 0 || page.shard >= OPEN_SHARDS) {
        throw new ValidationError(`shard must be an integer from 0 to ${OPEN_SHARDS - 1}`, 'invalid_shard');
      }
      const sortKey = (r: OpenRun): string => `${r.since}#${r.id}`;
      const open = this.#openRuns(
        (id) => this.#open.get(id)?.kind === page.kind && openShard(id) === page.shard,
        (r) => this.#open.get(r.id)?.since ?? r.createdAt,
      )
        .filter((r) => page.before === undefined || sortKey(r) < page.before)
        .sort(byKey(sortKey));
      return pageOf(open, sortKey, page, `open:${page.kind}:${page.shard}`);
    });
  }
  #openRuns(where: (runId: string) => boolean, since: (run: Run) => string): OpenRun[] {
    return [...this.items.values()].flatMap((r): OpenRun[] =>
      (r.status === 'queued' || r.status === 'running') && where(r.id)
        ? [
            {
              id: r.id,
              jobId: r.jobId,
              status: r.status,
              mode: r.mode,
              attempt: r.attempt,
              since: since(r),
              requeues: this.requeues.get(r.id) ?? 0,
            },
          ]
        : [],
    );
  }
}

export class MemoryDeliveryStore implements DeliveryStore {
  readonly items = new Map<string, Delivery>();
  writes = 0;
  /** As stored: the window in toISOString() form, the only one whose text order is the time order. */
  static #stored(d: Delivery): Delivery {
    return { ...structuredClone(d), dedupeUntil: new Date(d.dedupeUntil).toISOString() };
  }
  create(d: Delivery, now: Date): Promise<DeliveryCreateResult> {
    this.writes++;
    const key = `${d.jobId}#${d.dedupeKey}`;
    const existing = this.items.get(key);
    if (existing && existing.dedupeUntil >= now.toISOString())
      return Promise.resolve({ created: false, existing: structuredClone(existing) });
    this.items.set(key, MemoryDeliveryStore.#stored(d));
    return Promise.resolve({ created: true });
  }
  takeOver(d: Delivery, previousId: string) {
    const key = `${d.jobId}#${d.dedupeKey}`;
    if (this.items.get(key)?.id !== previousId) return Promise.resolve(false);
    this.items.set(key, MemoryDeliveryStore.#stored(d));
    return Promise.resolve(true);
  }
  release(jobId: string, dedupeKey: string, deliveryId: string) {
    const key = `${jobId}#${dedupeKey}`;
    if (this.items.get(key)?.id === deliveryId) this.items.delete(key);
    return Promise.resolve();
  }
}

export class MemoryQueue implements Queue {
  readonly sent: RunMessage[] = [];
  /** Each `sendBatch` call's messages, as handed over. */
  readonly batches: RunMessage[][] = [];
  readonly delays: { receiptHandle: string; seconds: number }[] = [];
  /** Every send fails (a queue outage). */
  failSend = false;
  /** Runs whose batch entry the queue refuses (one entry of a batch failing). */
  readonly refuse = new Set<string>();
  send(m: RunMessage) {
    if (this.failSend) return Promise.reject(new Error('queue unavailable'));
    this.sent.push(m);
    return Promise.resolve();
  }
  sendBatch(messages: readonly RunMessage[]): Promise<SendFailure[]> {
    this.batches.push(messages.map((m) => ({ ...m })));
    const failures: SendFailure[] = [];
    for (const m of messages) {
      if (this.failSend || this.refuse.has(m.runId)) {
        failures.push({ message: { ...m }, error: 'queue unavailable' });
      } else {
        this.sent.push({ ...m });
      }
    }
    return Promise.resolve(failures);
  }
  retryLater(receiptHandle: string, seconds: number) {
    this.delays.push({ receiptHandle, seconds });
    return Promise.resolve();
  }
  /** Messages sent with a delay, as handed over (a delay of 0 is delivered at once, into `sent`). */
  readonly later: { message: RunMessage; delaySeconds: number }[] = [];
  /** `sendLater` fails (SendMessage refused). */
  failSendLater = false;
  sendLater(message: RunMessage, delaySeconds: number) {
    if (this.failSend || this.failSendLater) return Promise.reject(new Error('queue unavailable'));
    if (delaySeconds <= 0) this.sent.push({ ...message });
    else this.later.push({ message: { ...message }, delaySeconds });
    return Promise.resolve();
  }
}

export class MemorySecrets implements SecretStore {
  /** Milliseconds each lookup takes. */
  delayMs = 0;
  constructor(readonly values: Record<string, string[]> = {}) {}
  async getVersions(name: string) {
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    return this.values[name] ?? [];
  }
}

export class MemoryPayloads implements PayloadStore {
  readonly items = new Map<string, string>();
  failPut = false;
  put(key: string, body: string) {
    if (this.failPut) return Promise.reject(new Error('payload store unavailable'));
    this.items.set(key, body);
    return Promise.resolve(`mem://${key}`);
  }
  /** As the S3 and file stores: a reference it did not write is refused, a missing payload is NotFoundError (permanent). */
  get(ref: string) {
    if (!ref.startsWith('mem://')) {
      return Promise.reject(
        new ValidationError(`not a memory payload reference: ${ref}`, 'invalid_payload_ref'),
      );
    }
    const body = this.items.get(ref.slice('mem://'.length));
    return body === undefined
      ? Promise.reject(new NotFoundError(`payload ${ref} not found`))
      : Promise.resolve(body);
  }
  /** Counted: a test can tell a check from a read. */
  existsCalls = 0;
  exists(ref: string) {
    this.existsCalls++;
    if (!ref.startsWith('mem://')) {
      return Promise.reject(
        new ValidationError(`not a memory payload reference: ${ref}`, 'invalid_payload_ref'),
      );
    }
    return Promise.resolve(this.items.has(ref.slice('mem://'.length)));
  }
}

export class FakeClock implements Clock {
  constructor(public current = new Date('2026-11-22T10:00:00.000Z')) {}
  now() {
    return new Date(this.current);
  }
  advance(ms: number) {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export type MemoryDeps = Deps & {
  jobs: MemoryJobStore;
  runs: MemoryRunStore;
  deliveries: MemoryDeliveryStore;
  queue: MemoryQueue;
  secrets: MemorySecrets;
  payloads: MemoryPayloads;
  state: MemoryStateStore;
  checkpoints: MemoryCheckpointStore;
  globals: MemoryGlobalStore;
  notifications: MemoryNotificationStore;
  effects: MemoryEffectLedger;
  schedules: MemoryScheduleStore;
  scripts: MemoryScriptStore;
  leases: MemoryLeaseStore;
  tasks: MemoryTaskStore;
  turns: MemoryTurnStore;
};

/** The payload store, and the script store that keeps its sources there (as in AWS: one bucket). */
const payloadsAndScripts = (): { payloads: MemoryPayloads; scripts: MemoryScriptStore } => {
  const payloads = new MemoryPayloads();
  return { payloads, scripts: new MemoryScriptStore({ payloads }) };
};

export const memoryDeps = (
  options: {
    secrets?: Record<string, string[]>;
    integrations?: AnyIntegration[];
    settings?: Partial<RuntimeSettings>;
    clock?: Clock;
  } = {},
): MemoryDeps => ({
  jobs: new MemoryJobStore(),
  runs: new MemoryRunStore(),
  deliveries: new MemoryDeliveryStore(),
  queue: new MemoryQueue(),
  secrets: new MemorySecrets(options.secrets ?? { demo: ['s3cr3t-value'] }),
  ...payloadsAndScripts(),
  clock: options.clock ?? new FakeClock(),
  registry: createRegistry([...integrationFolders, ...(options.integrations ?? [])]),
  settings: { ...DEFAULT_SETTINGS, ...options.settings },
  state: new MemoryStateStore(),
  checkpoints: new MemoryCheckpointStore(),
  globals: new MemoryGlobalStore(),
  notifications: new MemoryNotificationStore(),
  effects: new MemoryEffectLedger(),
  schedules: new MemoryScheduleStore(),
  leases: new MemoryLeaseStore(),
  tasks: new MemoryTaskStore(),
  turns: new MemoryTurnStore(),
});
