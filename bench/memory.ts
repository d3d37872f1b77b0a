import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { APIGatewayProxyEventV2, APIGatewayProxyResult } from 'aws-lambda';
import type { CannedTransport } from './canned-transport.ts';
import {
  bareIngestHandler,
  BODY_BYTES,
  bodyOf,
  hookEvent,
  lambdaConfig,
  lambdaContext,
  realIngestHandler,
  transportWithJob,
} from './lambda.ts';
import type { BenchRow, BenchSection } from './row.ts';
import { fixed } from './stats.ts';

const REQUESTS = 10_000;
const WARM_UP = 1000;
/**
 * How much more data ours may keep than the bare handler after
 * {@link REQUESTS} requests. What ours legitimately keeps is per job, not per
 * request (the job and secret caches, the last-known copies, the logger's
 * context): a few KiB here, with one job. Measured on this machine, the data
 * heap of either handler, warm, drifts by up to ±0.6 MiB between two
 * readings 10,000 requests apart with no object retained (V8 grows feedback
 * vectors and bytecode, and flushes bytecode, in the old space: a heap
 * snapshot diff shows the same object counts). 1 MiB stays above that drift
 * and is 105 bytes per request: keeping the body, the event, a run or any
 * object per delivery goes far over it; a single leaked id string per
 * delivery (~60–100 bytes) sits at the edge and is not reliably caught.
 */
export const HEAP_BOUND_BYTES = 1024 * 1024;

/**
 * Full GCs through `global.gc`, reachable without `--expose-gc` on the
 * command line (`npm run bench` runs plain tsx). Two passes also finalize
 * weak references; more age out the bytecode of functions no longer run
 * (V8 flushes it after a few full GCs), so that code the earlier sections
 * left behind is gone before a reading, not during one side's window.
 */
const collectGarbage = (passes = 2): void => {
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('gc');
  if (typeof gc !== 'function') throw new Error('could not reach gc()');
  const collect = gc as () => void;
  for (let i = 0; i < passes; i++) collect();
};
const SETTLE_PASSES = 10;

/** The data heap: every space but code (compiled code is not data, and it grows as the JIT settles). */
const dataHeap = (): number =>
  getHeapSpaceStatistics()
    .filter((s) => !s.space_name.startsWith('code'))
    .reduce((sum, s) => sum + s.space_used_size, 0);

type Ingest = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyResult>;

/**
 * Heap used, after a full GC, once `handler` has accepted {@link REQUESTS}
 * unique deliveries, against the heap after its warm-up: what it keeps.
 */
const retainedBy = async (
  who: string,
  handler: Ingest,
  transport: CannedTransport,
  seq: { next: number },
): Promise<{ before: number; after: number }> => {
  const accept = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const result = await handler(hookEvent(bodyOf(seq.next++)));
      if (result.statusCode !== 202) throw new Error(`${who}: expected 202, got ${result.statusCode}`);
    }
  };
  await accept(WARM_UP);
  const sends = transport.count('SQS.SendMessage');
  collectGarbage(SETTLE_PASSES);
  const before = dataHeap();
  await accept(REQUESTS);
  collectGarbage();
  const after = dataHeap();
  if (transport.count('SQS.SendMessage') - sends !== REQUESTS)
    throw new Error(`${who}: not every delivery was queued`);
  return { before, after };
};

const kib = (bytes: number): string => `${fixed(bytes / 1024, 0)} KiB`;
const signed = (bytes: number): string => `${bytes >= 0 ? '+' : '−'}${kib(Math.abs(bytes))}`;

/**
 * Heap kept by the real ingest handler after 10,000 accepted deliveries
 * against the bare same-calls handler after the same, each measured from its
 * own warm state in this process (the transport keeps nothing).
 */
export const measureMemory = async (): Promise<BenchSection> => {
  const config = lambdaConfig();
  const seq = { next: 2_000_000 };
  const bareTransport = await transportWithJob(config, {});
  const bare = await retainedBy('bare ingest', bareIngestHandler(config, bareTransport), bareTransport, seq);
  const oursTransport = await transportWithJob(config, {});
  const real = realIngestHandler(config, oursTransport);
  const ours = await retainedBy(
    'ingest',
    (e) => real(e, lambdaContext('triggerhub-ingest')),
    oursTransport,
    seq,
  );
  const oursKept = ours.after - ours.before;
  const bareKept = bare.after - bare.before;
  const row: BenchRow = {
    name: `heap kept after ${REQUESTS.toLocaleString('en')} async ingests`,
    measured: `${signed(oursKept)} (heap ${fixed(process.memoryUsage().heapUsed / 1024 / 1024, 1)} MiB)`,
    baseline: `${signed(bareKept)} bare`,
    ratio: '—',
    spread: '—',
    target: `≤ bare + ${kib(HEAP_BOUND_BYTES)}`,
    pass: oursKept <= bareKept + HEAP_BOUND_BYTES,
  };
  return {
    rows: [row],
    notes: [
      `memory: the data heap (every V8 space but code) after full GCs (${SETTLE_PASSES} before, 2 after), before and after ${REQUESTS} unique ${BODY_BYTES / 1024} KiB deliveries (after ${WARM_UP} warm-up), bare handler first, then ours, in this process; the bound (${kib(HEAP_BOUND_BYTES)}) is ${fixed(HEAP_BOUND_BYTES / REQUESTS, 0)} bytes per request: per-job caches fit, anything kept per delivery does not`,
    ],
  };
};
