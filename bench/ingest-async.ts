import { createHash } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { z } from 'zod';
import { JobSchema } from '../shared/model/index.ts';
import type { IngestRequest } from '../shared/runtime/ingest.ts';
import { ingest } from '../shared/runtime/ingest.ts';
import type { MemoryDeps } from '../test/helpers/memory-deps.ts';
import { memoryDeps } from '../test/helpers/memory-deps.ts';
import type { BenchRow, BenchSection } from './row.ts';
import { fixed, median, timeAsync, timeSync } from './stats.ts';

/** DESIGN.md "Budgets": at most 2 conditional writes at ingest. */
export const MAX_WRITES_PER_DELIVERY = 2;

const BODY_BYTES = 1024;
const WARM_UP = 500;
const BATCHES = 40;
const BATCH_SIZE = 100;
const MEMORY_DELIVERIES = 10_000;

const SECRET = 's3cr3t-value';

/**
 * A 1 KiB webhook body, unique per `seq` so the default dedupe window
 * accepts every one: a few nested fields like a real ticket event, padded
 * with a note to exactly {@link BODY_BYTES}.
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
    },
    note: '',
  };
  const pad = BODY_BYTES - Buffer.byteLength(JSON.stringify(event));
  return JSON.stringify({ ...event, note: 'n'.repeat(Math.max(0, pad)) });
};

const requestOf = (body: string): IngestRequest => ({
  jobId: 'bench',
  body,
  headers: { 'content-type': 'application/json', 'x-shared-secret': SECRET },
  query: {},
});

const asyncDeps = async (): Promise<MemoryDeps> => {
  const deps = memoryDeps();
  await deps.jobs.put(
    JobSchema.parse({ id: 'bench', name: 'Bench', integration: 'log-event', auth: { secret: 'demo' } }),
  );
  return deps;
};

/** Ingests one body and throws unless it was queued (a duplicate would skip the writes being counted). */
const queue = async (deps: MemoryDeps, body: string): Promise<void> => {
  const answer = await ingest(deps, requestOf(body));
  if (answer.kind !== 'queued') throw new Error(`expected the delivery to be queued, got ${answer.kind}`);
};

/** The work no ingest can avoid: parse the JSON, hash the body for the dedupe key. */
let sink = 0;
const unavoidableWork = (body: string): void => {
  const parsed: unknown = JSON.parse(body);
  sink += createHash('sha256').update(body).digest('base64url').length + (parsed === null ? 0 : 1);
};

/**
 * Async ingest: per-request time of `ingest()` into the memory ports against
 * parse + SHA-256 of the same bodies (informational), and store writes per
 * delivery (budget: 2).
 */
export const measureAsyncIngest = async (): Promise<BenchSection> => {
  const deps = await asyncDeps();
  let seq = 0;
  for (let i = 0; i < WARM_UP; i++) {
    const body = bodyOf(seq++);
    unavoidableWork(body);
    await queue(deps, body);
  }
  const writesBefore = deps.runs.writes + deps.deliveries.writes;
  const sentBefore = deps.queue.sent.length;

  const ingestUs: number[] = [];
  const baselineUs: number[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const bodies = Array.from({ length: BATCH_SIZE }, () => bodyOf(seq++));
    baselineUs.push((timeSync(() => bodies.forEach(unavoidableWork)) / BATCH_SIZE) * 1000);
    const ms = await timeAsync(async () => {
      for (const body of bodies) await queue(deps, body);
    });
    ingestUs.push((ms / BATCH_SIZE) * 1000);
  }
  // Uses the baseline's results, so the optimizer cannot drop its work.
  if (sink <= 0) throw new Error('the baseline did no work');
  const delivered = BATCHES * BATCH_SIZE;
  const writes = (deps.runs.writes + deps.deliveries.writes - writesBefore) / delivered;
  const sends = (deps.queue.sent.length - sentBefore) / delivered;

  const ours = median(ingestUs);
  const base = median(baselineUs);
  const rows: BenchRow[] = [
    {
      name: 'async ingest (1 KiB JSON)',
      measured: `${fixed(ours, 1)} µs`,
      baseline: `${fixed(base, 1)} µs`,
      ratio: `${fixed(ours / base, 1)}×`,
      target: 'info',
      pass: 'info',
    },
    {
      name: 'store writes per delivery',
      measured: `${fixed(writes)}`,
      baseline: '—',
      ratio: '—',
      target: `≤ ${MAX_WRITES_PER_DELIVERY}`,
      pass: writes <= MAX_WRITES_PER_DELIVERY,
    },
  ];
  const notes = [
    `async ingest: median of ${BATCHES} batches × ${BATCH_SIZE} unique ${BODY_BYTES}-byte bodies after ${WARM_UP} warm-up; baseline JSON.parse + SHA-256 of the same bodies`,
    `async ingest: ${fixed(sends)} SendMessage per delivery (budget 1)`,
  ];
  return { rows, notes };
};

/**
 * `global.gc`, reachable without `--expose-gc` on the command line
 * (`npm run bench` runs plain tsx); two passes also finalize weak references.
 */
const collectGarbage = (): void => {
  setFlagsFromString('--expose-gc');
  const gc = z.custom<() => void>((v) => typeof v === 'function').parse(runInNewContext('gc'));
  gc();
  gc();
};

/** Heap used after {@link MEMORY_DELIVERIES} async ingests into fresh memory stores, against the heap before. */
export const measureIngestMemory = async (): Promise<BenchSection> => {
  const deps = await asyncDeps();
  await queue(deps, bodyOf(-1));
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < MEMORY_DELIVERIES; i++) await queue(deps, bodyOf(i));
  collectGarbage();
  const after = process.memoryUsage().heapUsed;
  // Read the stores after measuring: they must stay reachable until then.
  const kept = deps.runs.items.size + deps.deliveries.items.size;
  const mib = (bytes: number) => `${fixed(bytes / 1024 / 1024, 1)} MiB`;
  return {
    rows: [
      {
        name: `heap after ${MEMORY_DELIVERIES.toLocaleString('en')} async ingests`,
        measured: mib(after),
        baseline: mib(before),
        ratio: `${fixed(after / before)}×`,
        target: 'info',
        pass: 'info',
      },
    ],
    notes: [
      `memory: +${fixed((after - before) / MEMORY_DELIVERIES / 1024, 2)} KiB per delivery retained by the memory stores (${kept} run and delivery items), ${BODY_BYTES}-byte bodies`,
    ],
  };
};
