import { ConflictError } from '../../shared/errors.ts';
import type { Delivery, Job, Run } from '../../shared/model/index.ts';
import { isFinal } from '../../shared/model/index.ts';
import type {
  Clock,
  DeliveryCreateResult,
  DeliveryStore,
  JobStore,
  OpenRun,
  Page,
  PageRequest,
  PayloadStore,
  Queue,
  RunFinish,
  RunMessage,
  RunRetry,
  RunStart,
  RunStore,
  SecretStore,
} from '../../shared/ports.ts';
import type { Deps, RuntimeSettings } from '../../shared/runtime/deps.ts';
import { DEFAULT_SETTINGS } from '../../shared/runtime/deps.ts';
import type { AnyIntegration } from '../../shared/sdk/index.ts';
import { createRegistry } from '../../shared/sdk/index.ts';
import { builtinIntegrations } from '../../integrations/index.ts';

/** In-memory ports with the same conditional semantics as the DynamoDB adapters, for unit tests. */
export class MemoryJobStore implements JobStore {
  readonly items = new Map<string, Job>();
  get(id: string) {
    return Promise.resolve(this.items.get(id));
  }
  list(_page?: PageRequest): Promise<Page<Job>> {
    return Promise.resolve({ items: [...this.items.values()] });
  }
  put(job: Job) {
    const created = !this.items.has(job.id);
    this.items.set(job.id, job);
    return Promise.resolve({ created });
  }
  delete(id: string) {
    return Promise.resolve(this.items.delete(id));
  }
}

export class MemoryRunStore implements RunStore {
  readonly items = new Map<string, Run>();
  writes = 0;
  create(run: Run) {
    this.writes++;
    if (this.items.has(run.id)) return Promise.reject(new ConflictError('exists', 'run_exists'));
    this.items.set(run.id, structuredClone(run));
    return Promise.resolve();
  }
  get(id: string) {
    return Promise.resolve(this.items.get(id));
  }
  listByJob(jobId: string): Promise<Page<Run>> {
    const items = [...this.items.values()]
      .filter((r) => r.jobId === jobId)
      .sort((a, b) => b.id.localeCompare(a.id));
    return Promise.resolve({ items });
  }
  start(runId: string, s: RunStart) {
    this.writes++;
    const run = this.items.get(runId);
    if (!run || isFinal(run.status)) return Promise.resolve(undefined);
    if (run.status === 'running' && (run.startedAt ?? '') >= s.staleBefore) return Promise.resolve(undefined);
    this.requeues.delete(runId);
    const next: Run = { ...run, status: 'running', attempt: run.attempt + 1, startedAt: s.startedAt };
    this.items.set(runId, next);
    return Promise.resolve(structuredClone(next));
  }
  finish(runId: string, f: RunFinish) {
    this.writes++;
    const run = this.items.get(runId);
    if (!run || run.status !== 'running' || run.attempt !== f.attempt) return Promise.resolve(false);
    const { attempt: _a, ...rest } = f;
    this.items.set(runId, { ...run, ...rest });
    return Promise.resolve(true);
  }
  release(runId: string, r: RunRetry) {
    this.writes++;
    const run = this.items.get(runId);
    if (!run || run.status !== 'running' || run.attempt !== r.attempt) return Promise.resolve(false);
    this.items.set(runId, { ...run, status: 'queued', error: r.error, logs: r.logs ?? run.logs });
    return Promise.resolve(true);
  }
  /** Where recovery moved a queued run in the index of open runs, and how often. */
  readonly requeues = new Map<string, { since: string; count: number }>();
  markRequeued(runId: string, at: string) {
    if (this.items.get(runId)?.status !== 'queued') return Promise.resolve(undefined);
    const count = (this.requeues.get(runId)?.count ?? 0) + 1;
    this.requeues.set(runId, { since: at, count });
    return Promise.resolve(count);
  }
  scanOpen(): Promise<Page<OpenRun>> {
    return this.listOpen();
  }
  listOpen(page: PageRequest & { before?: string } = {}): Promise<Page<OpenRun>> {
    const items = [...this.items.values()]
      .flatMap((r): OpenRun[] =>
        r.status === 'queued' || r.status === 'running'
          ? [
              {
                id: r.id,
                jobId: r.jobId,
                status: r.status,
                mode: r.mode,
                attempt: r.attempt,
                since:
                  (r.status === 'queued' ? this.requeues.get(r.id)?.since : undefined) ??
                  r.startedAt ??
                  r.createdAt,
              },
            ]
          : [],
      )
      .filter((r) => page.before === undefined || `${r.since}#${r.id}` < page.before)
      .sort((a, b) => `${a.since}#${a.id}`.localeCompare(`${b.since}#${b.id}`));
    return Promise.resolve({ items });
  }
}

export class MemoryDeliveryStore implements DeliveryStore {
  readonly items = new Map<string, Delivery>();
  writes = 0;
  create(d: Delivery, now: Date): Promise<DeliveryCreateResult> {
    this.writes++;
    const key = `${d.jobId}#${d.dedupeKey}`;
    const existing = this.items.get(key);
    if (existing && existing.dedupeUntil >= now.toISOString())
      return Promise.resolve({ created: false, existing });
    this.items.set(key, d);
    return Promise.resolve({ created: true });
  }
  takeOver(d: Delivery, previousId: string) {
    const key = `${d.jobId}#${d.dedupeKey}`;
    if (this.items.get(key)?.id !== previousId) return Promise.resolve(false);
    this.items.set(key, d);
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
  readonly delays: { receiptHandle: string; seconds: number }[] = [];
  failSend = false;
  send(m: RunMessage) {
    if (this.failSend) return Promise.reject(new Error('queue unavailable'));
    this.sent.push(m);
    return Promise.resolve();
  }
  retryLater(receiptHandle: string, seconds: number) {
    this.delays.push({ receiptHandle, seconds });
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
  get(ref: string) {
    const body = this.items.get(ref.replace('mem://', ''));
    return body === undefined ? Promise.reject(new Error(`no ${ref}`)) : Promise.resolve(body);
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
  payloads: new MemoryPayloads(),
  clock: options.clock ?? new FakeClock(),
  registry: createRegistry([...builtinIntegrations, ...(options.integrations ?? [])]),
  settings: { ...DEFAULT_SETTINGS, ...options.settings },
});
