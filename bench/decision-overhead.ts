import { createHash } from 'node:crypto';
import type { JobInput } from '../shared/model/index.ts';
import { JobSchema } from '../shared/model/index.ts';
import type { IngestRequest } from '../shared/runtime/ingest.ts';
import { ingest } from '../shared/runtime/ingest.ts';
import type { DecideResult } from '../shared/sdk/index.ts';
import { defineIntegration } from '../shared/sdk/index.ts';
import type { MemoryDeps } from '../test/helpers/memory-deps.ts';
import { memoryDeps } from '../test/helpers/memory-deps.ts';
import { CHECKPOINT, readSample } from '../test/helpers/samples.ts';
import type { BenchRow, BenchSection } from './row.ts';
import { NONE } from './row.ts';
import { fixed, median, quantile, timeAsync, timeSync } from './stats.ts';

/** DESIGN.md "Budgets": the integration's time plus < 10 ms of ours. */
export const MAX_DECISION_OVERHEAD_MS = 10;
/** The Check Point publish gate must answer a SmartTask in < 100 ms locally. */
export const MAX_PUBLISH_GATE_MS = 100;

/** The integration's own work per verdict: long enough to dwarf timer noise, short enough to repeat. */
const WORK_TARGET_MS = 5;
const WARM_UP = 30;
const RUNS = 150;
const GATE_RUNS = 300;

const SECRET = 's3cr3t-value';
const WORK_ID = 'bench-fixed-work';

/** The real show-changes answer (two sessions), sent as Check Point sends a Web Request body. */
const CHECKPOINT_SAMPLE = `${CHECKPOINT}/show-changes_example_response_by_sessions.json`;

const BLOCK = Buffer.alloc(16 * 1024, 0x5a);

/** CPU-bound work whose digest depends on every round, so none can be skipped. */
const hashRounds = (rounds: number): string => {
  let digest = Buffer.alloc(32);
  for (let i = 0; i < rounds; i++) digest = createHash('sha256').update(digest).update(BLOCK).digest();
  return digest.toString('hex');
};

/**
 * Rounds of {@link hashRounds} that take about `targetMs` on this machine now:
 * a first estimate from short runs, then one correction at full length.
 */
const calibrateRounds = (targetMs: number): number => {
  // ~100 ms of hashing first: the first calls run before the JIT and the CPU clock have settled.
  const warmUntil = performance.now() + 100;
  while (performance.now() < warmUntil) hashRounds(20);
  const perRound = median(Array.from({ length: 15 }, () => timeSync(() => hashRounds(100)) / 100));
  const estimate = Math.max(1, Math.round(targetMs / perRound));
  const measured = median(Array.from({ length: 9 }, () => timeSync(() => hashRounds(estimate))));
  return Math.max(1, Math.round((estimate * targetMs) / measured));
};

/** What the integration author wrote: the baseline calls exactly this. */
const fixedWorkVerdict = (rounds: number): DecideResult => {
  const digest = hashRounds(rounds);
  return { allow: digest.length === 64, message: `hashed ${rounds} blocks` };
};

const fixedWorkIntegration = (rounds: number) =>
  defineIntegration({
    id: WORK_ID,
    name: 'Bench fixed work',
    version: '1.0.0',
    description: 'Hashes a buffer a fixed number of times, then allows.',
    parameters: {},
    decide: () => fixedWorkVerdict(rounds),
  });

/** The same path with a decide that does nothing: the fixed part of our cost, once the code is warm. */
const noopIntegration = defineIntegration({
  id: 'bench-noop',
  name: 'Bench no-op',
  version: '1.0.0',
  description: 'Allows at once.',
  parameters: {},
  decide: () => ({ allow: true, message: 'allowed' }),
});
const NOOP_RUNS = 500;

const addDecisionJob = async (deps: MemoryDeps, input: Partial<JobInput>): Promise<void> => {
  await deps.jobs.put(
    JobSchema.parse({ id: 'bench', name: 'Bench', auth: { secret: 'demo' }, mode: 'decision', ...input }),
  );
};

const requestOf = (body: string): IngestRequest => ({
  jobId: 'bench',
  body,
  headers: { 'content-type': 'application/json', 'x-shared-secret': SECRET },
  query: {},
});

/** One verdict through ingest; throws unless the integration itself answered (no fallback). */
const verdictThroughIngest = async (deps: MemoryDeps, req: IngestRequest): Promise<string> => {
  const answer = await ingest(deps, req);
  if (answer.kind !== 'verdict') throw new Error(`expected a verdict, got ${answer.kind}`);
  const run = deps.runs.items.get(answer.runId);
  if (run?.status !== 'succeeded') {
    throw new Error(`the bench verdict fell back: ${run?.status ?? 'no run'} ${run?.error ?? ''}`);
  }
  return answer.response.body;
};

interface OverheadFigures {
  ingestMs: number[];
  directMs: number[];
}

/** Interleaves direct calls and ingests, so that machine drift affects both alike. */
const sampleOverhead = async (
  deps: MemoryDeps,
  req: IngestRequest,
  direct: () => unknown,
): Promise<OverheadFigures> => {
  for (let i = 0; i < WARM_UP; i++) {
    direct();
    await verdictThroughIngest(deps, req);
  }
  const figures: OverheadFigures = { ingestMs: [], directMs: [] };
  for (let i = 0; i < RUNS; i++) {
    figures.directMs.push(timeSync(direct));
    figures.ingestMs.push(await timeAsync(() => ingest(deps, req)));
  }
  return figures;
};

const overheadRow = (name: string, f: OverheadFigures): { row: BenchRow; note: string } => {
  const ingestMs = median(f.ingestMs);
  const directMs = median(f.directMs);
  const overhead = ingestMs - directMs;
  return {
    row: {
      name,
      measured: `${fixed(overhead, 3)} ms ours`,
      baseline: `${fixed(directMs)} ms direct`,
      ratio: `${fixed(ingestMs / directMs, 3)}×`,
      target: `< ${MAX_DECISION_OVERHEAD_MS} ms ours`,
      pass: overhead < MAX_DECISION_OVERHEAD_MS,
    },
    note: `${name}: ingest median ${fixed(ingestMs, 3)} ms (p95 ${fixed(quantile(f.ingestMs, 0.95), 3)}), direct decide median ${fixed(directMs, 3)} ms (p95 ${fixed(quantile(f.directMs, 0.95), 3)}), ${RUNS} runs`,
  };
};

/**
 * Decision overhead: a verdict through `ingest()` (auth, parse, two run
 * writes, execution wrapper, rendering) against the same `decide` work
 * called directly, for the generic and the Check Point source; and the
 * built-in publish gate end to end on the real show-changes sample.
 */
export const measureDecisionOverhead = async (): Promise<BenchSection> => {
  const rounds = calibrateRounds(WORK_TARGET_MS);
  const direct = () => fixedWorkVerdict(rounds);
  const rows: BenchRow[] = [];
  const notes = [`decide work: ${rounds} SHA-256 rounds over 16 KiB, calibrated to ~${WORK_TARGET_MS} ms`];

  const generic = memoryDeps({ integrations: [fixedWorkIntegration(rounds)] });
  await addDecisionJob(generic, { integration: WORK_ID, source: 'generic' });
  const genericBody = JSON.stringify({ change: 'CHG-1042', requester: 'alice', rules: [1, 2, 3] });
  const g = overheadRow(
    'decision overhead: generic',
    await sampleOverhead(generic, requestOf(genericBody), direct),
  );

  const checkpointBody = readSample(CHECKPOINT_SAMPLE);
  const checkpoint = memoryDeps({ integrations: [fixedWorkIntegration(rounds)] });
  await addDecisionJob(checkpoint, { integration: WORK_ID, source: 'checkpoint' });
  const c = overheadRow(
    'decision overhead: checkpoint',
    await sampleOverhead(checkpoint, requestOf(checkpointBody), direct),
  );
  rows.push(g.row, c.row);
  notes.push(g.note, c.note);

  const noop = memoryDeps({ integrations: [noopIntegration] });
  await addDecisionJob(noop, { integration: 'bench-noop', source: 'generic' });
  const noopReq = requestOf(genericBody);
  for (let i = 0; i < NOOP_RUNS; i++) await verdictThroughIngest(noop, noopReq);
  const noopMs: number[] = [];
  for (let i = 0; i < NOOP_RUNS; i++) noopMs.push(await timeAsync(() => ingest(noop, noopReq)));
  notes.push(
    `decision overhead: with a no-op decide, warm (${NOOP_RUNS} runs after ${NOOP_RUNS}), a generic verdict takes ${fixed(median(noopMs), 3)} ms in all; the difference to "ours" above is the price of sharing the CPU with ~5 ms of work and less warm-up`,
  );

  const gate = memoryDeps();
  await addDecisionJob(gate, {
    integration: 'checkpoint-publish-gate',
    source: 'checkpoint',
    params: { allowedAdmins: 'aa', maxChanges: 100 },
  });
  const gateReq = requestOf(checkpointBody);
  let verdict = '';
  for (let i = 0; i < WARM_UP; i++) verdict = await verdictThroughIngest(gate, gateReq);
  const gateMs: number[] = [];
  for (let i = 0; i < GATE_RUNS; i++) gateMs.push(await timeAsync(() => ingest(gate, gateReq)));
  const p95 = quantile(gateMs, 0.95);
  rows.push({
    name: 'checkpoint-publish-gate verdict',
    measured: `${fixed(median(gateMs), 3)} ms (p95 ${fixed(p95, 3)})`,
    baseline: NONE,
    ratio: NONE,
    target: `p95 < ${MAX_PUBLISH_GATE_MS} ms`,
    pass: p95 < MAX_PUBLISH_GATE_MS,
  });
  notes.push(
    `checkpoint-publish-gate: ${GATE_RUNS} verdicts on ${CHECKPOINT_SAMPLE} (${Buffer.byteLength(checkpointBody)} bytes); answer ${verdict.slice(0, 140)}`,
  );
  return { rows, notes };
};
